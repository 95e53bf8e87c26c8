"""Survey use cases on SQLite and PostgreSQL: scheduling rules, sending, answers, links."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from cxpulse.domain import NotFound, SurveyError, TokenExpired, TokenInvalid
from cxpulse.service import settings
from cxpulse.service.report import ReportQuery, report
from cxpulse.service.surveys import (
    create_survey,
    get_survey,
    invitation_links,
    link_page,
    link_url,
    list_surveys,
    record_click,
    record_feedback,
    record_link_vote,
    schedule,
    send_due,
    survey_page,
    update_survey,
)
from cxpulse.storage import Store
from cxpulse.storage import tables as T
from cxpulse.surveys.definitions import Survey
from cxpulse.surveys.rules import COMMENT_MAX
from tests.survey_helpers import (
    ACCOUNT,
    T0,
    RecordingMailer,
    count,
    customer,
    invitations,
    responses,
    seed,
    set_ticket,
    ticket,
    token_of,
)

H = timedelta(hours=1)
D = timedelta(days=1)
CSAT = Survey(name="csat", kind="csat", reasons=("slow", "not_solved", "other"))


def _desk(store, *records, survey: Survey = CSAT):
    seed(store, list(records))
    return create_survey(store, ACCOUNT, survey, now=T0)


def _links(store, tid: str) -> dict[int, str]:
    inv = invitations(store)[tid]
    return {score: token_of(url) for score, _label, url in invitation_links(store, inv["id"])}


def _sent(store, *tickets: str, at=T0 + 3 * H, survey: Survey = CSAT) -> RecordingMailer:
    """A desk where each ticket (customer c-<ticket>) was solved at T0+1h and mailed at `at`."""
    recs = []
    for tid in tickets:
        recs += [customer(f"c-{tid}"), ticket(tid, f"c-{tid}", solved_at=T0 + H)]
    _desk(store, *recs, survey=survey)
    mailer = RecordingMailer()
    assert send_due(store, mailer, now=at).sent == len(tickets)
    return mailer


# ---- definitions ------------------------------------------------------------------------------


def test_surveys_are_defined_per_account_with_unique_names(store):
    stored = _desk(store)
    assert stored.survey.scale == "1-5" and stored.account_name == ACCOUNT
    with pytest.raises(SurveyError, match="already has a survey named 'csat'"):
        create_survey(store, ACCOUNT, CSAT)
    with pytest.raises(NotFound):
        create_survey(store, "nobody", CSAT)
    changed = update_survey(store, ACCOUNT, "csat", reminder_days=3, throttle_days=60)
    assert (changed.survey.reminder_days, changed.survey.throttle_days) == (3, 60)
    assert get_survey(store, ACCOUNT, "csat").survey == changed.survey
    assert [s.name for s in list_surveys(store)] == ["csat"]
    with pytest.raises(SurveyError):
        update_survey(store, ACCOUNT, "csat", scale="1-7")
    with pytest.raises(SurveyError, match="no field"):
        update_survey(store, ACCOUNT, "csat", colour="red")


# ---- scheduling --------------------------------------------------------------------------------


def test_only_tickets_solved_after_the_survey_with_a_requester_are_scheduled_once(store):
    _desk(store, customer("c1"), customer("c2"), customer("c3"),
          ticket("old", "c1", solved_at=T0 - D),
          ticket("new", "c2", solved_at=T0 + H),
          ticket("nobody", "", solved_at=T0 + H),
          ticket("open", "c3"))
    assert schedule(store, now=T0 + 2 * H).scheduled == 1
    assert schedule(store, now=T0 + 2 * H).scheduled == 0  # never twice per ticket
    inv = invitations(store)["new"]
    assert inv["status"] == "scheduled" and inv["customer_id"] == "c2"
    mailer = RecordingMailer()
    assert send_due(store, mailer, now=T0 + 90 * timedelta(minutes=1)).sent == 0  # due an hour after solving
    assert send_due(store, mailer, now=T0 + 2 * H).sent == 1
    assert send_due(store, mailer, now=T0 + 30 * D).sent == 0
    assert [a for a, _ in mailer.sent] == ["c2@example.com"]
    assert schedule(store, now=T0, since=T0 - 2 * D).scheduled == 1  # --since reaches back
    assert set(invitations(store)) == {"new", "old"}


def test_a_ticket_reopened_before_sending_is_cancelled(store):
    _desk(store, customer("c1"), ticket("t1", "c1", solved_at=T0 + H))
    schedule(store, now=T0 + H)
    set_ticket(store, "t1", status="open")
    summary = send_due(store, RecordingMailer(), now=T0 + 3 * H)
    assert (summary.cancelled, summary.sent) == (1, 0)
    assert invitations(store)["t1"]["status"] == "cancelled"
    set_ticket(store, "t1", status="solved", solved_at=T0 + 4 * H)
    assert send_due(store, RecordingMailer(), now=T0 + 6 * H).sent == 0  # never twice per ticket


def test_a_customer_is_asked_once_per_throttle_period(store):
    _desk(store, customer("c1"), ticket("t1", "c1", solved_at=T0 + H), ticket("t2", "c1", solved_at=T0 + 2 * H),
          ticket("t3", "c1", solved_at=T0 + 31 * D))
    mailer = RecordingMailer()
    first = send_due(store, mailer, now=T0 + 5 * H)
    assert (first.sent, first.throttled) == (1, 1)
    assert invitations(store)["t2"]["status"] == "throttled"
    assert send_due(store, mailer, now=T0 + 31 * D + 2 * H).sent == 1  # 30 days later: allowed again
    assert len(mailer.to("c1@example.com")) == 2


def test_throttle_days_zero_never_throttles(store):
    _desk(store, customer("c1"), ticket("t1", "c1", solved_at=T0 + H), ticket("t2", "c1", solved_at=T0 + H),
          survey=Survey(name="csat", kind="csat", throttle_days=0))
    assert send_due(store, RecordingMailer(), now=T0 + 3 * H).sent == 2


def test_one_reminder_when_unanswered_and_none_after_an_answer(store):
    mailer = _sent(store, "t1", "t2", survey=Survey(name="csat", kind="csat", reminder_days=3))
    record_click(store, _links(store, "t2")[5], now=T0 + 4 * H)
    assert send_due(store, mailer, now=T0 + 2 * D).reminded == 0
    assert send_due(store, mailer, now=T0 + 3 * D + 4 * H).reminded == 1
    assert send_due(store, mailer, now=T0 + 5 * D).reminded == 0
    assert len(mailer.to("c-t1@example.com")) == 2 and len(mailer.to("c-t2@example.com")) == 1


def test_invitations_expire_and_so_do_their_links(store):
    _sent(store, "t1", "t2")
    links = _links(store, "t1")
    summary = send_due(store, RecordingMailer(), now=T0 + 3 * H + 28 * D)
    assert summary.expired == 2
    assert invitations(store)["t1"]["status"] == "expired"
    with pytest.raises(TokenExpired):
        record_click(store, links[4], now=T0 + 3 * H + 28 * D)
    assert count(store, T.responses) == 0


def test_unsent_invitations_expire_rather_than_go_out_late(store):
    _desk(store, customer("c1"), ticket("t1", "c1", solved_at=T0 + H))
    schedule(store, now=T0 + H)
    update_survey(store, ACCOUNT, "csat", active=False)
    assert send_due(store, RecordingMailer(), now=T0 + 3 * H).sent == 0  # inactive: nothing goes out
    update_survey(store, ACCOUNT, "csat", active=True)
    summary = send_due(store, RecordingMailer(), now=T0 + 40 * D)
    assert (summary.expired, summary.sent) == (1, 0)


def test_language_comes_from_the_profile_and_customers_without_email_are_skipped(store):
    people = {"ru": "ru-RU", "el": "el", "lt": "lt_LT", "xx": "", "en": "en"}
    recs = [customer(f"c-{k}", locale=v) for k, v in people.items()]
    recs += [ticket(f"t-{k}", f"c-{k}", solved_at=T0 + H) for k in people]
    recs += [customer("c-none", email=""), ticket("t-none", "c-none", solved_at=T0 + H),
             ticket("t-ghost", "ghost", solved_at=T0 + H)]
    _desk(store, *recs, survey=Survey(name="csat", kind="csat", language="lt"))
    mailer = RecordingMailer()
    summary = send_due(store, mailer, now=T0 + 3 * H)
    assert (summary.sent, summary.skipped_no_email, summary.failed) == (5, 2, 0)
    languages = {to: email.language for to, email in mailer.sent}
    assert languages == {"c-ru@example.com": "ru", "c-el@example.com": "el", "c-lt@example.com": "lt",
                         "c-xx@example.com": "lt", "c-en@example.com": "en"}
    assert len({email.subject for _, email in mailer.sent}) >= 4
    assert invitations(store)["t-none"]["status"] == "skipped"


def test_a_failed_send_is_retried_and_releases_the_throttle(store):
    _desk(store, customer("c1"), ticket("t1", "c1", solved_at=T0 + H))
    mailer = RecordingMailer(fail=1)
    assert send_due(store, mailer, now=T0 + 3 * H).failed == 1
    assert invitations(store)["t1"]["status"] == "scheduled"
    assert send_due(store, mailer, now=T0 + 4 * H).sent == 1
    assert invitations(store)["t1"]["attempts"] == 2


def _concurrent(url: str, runs: int = 2) -> tuple[RecordingMailer, list]:
    mailer = RecordingMailer(delay=0.003)
    barrier = threading.Barrier(runs)
    summaries, errors = [], []

    def run(i: int) -> None:
        own = Store.open(url)
        try:
            barrier.wait()
            summaries.append(send_due(own, mailer, now=T0 + 3 * H, run_id=f"run-{i}"))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            own.engine.dispose()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return mailer, summaries


def test_two_send_due_runs_at_once_mail_every_invitation_exactly_once(store):
    recs = []
    for i in range(40):
        recs += [customer(f"c{i}"), ticket(f"t{i}", f"c{i}", solved_at=T0 + H)]
    recs += [customer("busy")] + [ticket(f"b{i}", "busy", solved_at=T0 + H) for i in range(5)]
    _desk(store, *recs)
    schedule(store, now=T0 + H)
    mailer, summaries = _concurrent(store.engine.url.render_as_string(hide_password=False))
    addresses = [a for a, _ in mailer.sent]
    assert sorted(addresses) == sorted({f"c{i}@example.com" for i in range(40)} | {"busy@example.com"})
    assert sum(s.sent for s in summaries) == 41 and sum(s.throttled for s in summaries) == 4
    assert count(store, T.invitations) == 41
    assert all(s.failed == 0 for s in summaries)


# ---- answers -----------------------------------------------------------------------------------


def test_response_rate_counts_sent_invitations(store):
    _sent(store, "t1", "t2", "t3", "t4")
    record_click(store, _links(store, "t2")[4], now=T0 + 4 * H)
    (row,) = report(store, ReportQuery(metrics=("response-rate",)))
    assert (row["value"], row["n"], row["kind"]) == (25.0, 4, "csat")
    (csat,) = report(store, ReportQuery(metrics=("csat",)))
    assert (csat["value"], csat["n"]) == (100.0, 1)


def test_a_click_records_then_replaces_within_15_minutes_then_is_refused(store):
    _sent(store, "t1")
    links = _links(store, "t1")
    assert record_click(store, links[2], now=T0 + 4 * H).outcome == "recorded"
    (row,) = responses(store)
    assert (row["source_id"], row["kind"], row["scale"], row["score"], row["ticket_id"], row["customer_id"]) == (
        f"survey-{invitations(store)['t1']['id']}", "csat", "1-5", 2, "t1", "c-t1")
    again = record_click(store, links[4], now=T0 + 4 * H + timedelta(minutes=10))
    assert (again.outcome, again.score) == ("replaced", 4)
    late = record_click(store, links[5], now=T0 + 4 * H + timedelta(minutes=16))
    assert (late.outcome, late.refusal) == ("refused", "too_late")
    assert [r["score"] for r in responses(store)] == [4]
    assert invitations(store)["t1"]["status"] == "answered"
    (csat,) = report(store, ReportQuery(metrics=("csat",)))
    assert (csat["value"], csat["n"]) == (100.0, 1)


def test_two_different_clicks_at_the_same_moment_are_a_scanner_and_leave_none(store):
    """No person clicks two scores at one instant; a link scanner fetching in parallel does."""
    _sent(store, "t1")
    links = _links(store, "t1")
    url = store.engine.url.render_as_string(hide_password=False)
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def click(score: int) -> None:
        own = Store.open(url)
        try:
            barrier.wait()
            outcomes.append(record_click(own, links[score], now=T0 + 4 * H).outcome)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            own.engine.dispose()

    threads = [threading.Thread(target=click, args=(score,)) for score in (2, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and "scanner" in outcomes and set(outcomes) <= {"recorded", "scanner"}, outcomes
    assert responses(store) == []
    assert invitations(store)["t1"]["answered_at"] is None


def test_a_scanner_burst_undoes_its_first_click_in_reports(store):
    _sent(store, "t1")
    links = _links(store, "t1")
    at = T0 + 4 * H
    assert record_click(store, links[1], now=at).outcome == "recorded"  # one click counts at once
    assert report(store, ReportQuery(metrics=("csat",)))[0]["n"] == 1
    outcomes = [record_click(store, links[s], now=at + timedelta(seconds=s)).outcome for s in (2, 3, 4, 5)]
    assert outcomes == ["scanner"] * 4
    assert responses(store) == []
    assert sum(r["n"] for r in report(store, ReportQuery(metrics=("csat",)))) == 0
    inv = invitations(store)["t1"]
    assert (inv["status"], inv["answered_at"]) == ("sent", None)
    # the scanner's window runs on from its last click; a click after it is the customer's
    assert record_click(store, links[4], now=at + timedelta(seconds=5 + 59)).outcome == "scanner"
    assert record_click(store, links[4], now=at + timedelta(minutes=30)).outcome == "recorded"
    assert [r["score"] for r in responses(store)] == [4]
    # the same score twice (a double click, a scanner fetching one link twice) is no burst
    assert record_click(store, links[4], now=at + timedelta(minutes=30, seconds=1)).outcome == "replaced"
    assert [r["score"] for r in responses(store)] == [4]


def test_tampered_and_foreign_tokens_raise_and_record_nothing(store, monkeypatch):
    _sent(store, "t1")
    good = _links(store, "t1")[3]
    flipped = good[:-3] + ("A" if good[-3] != "A" else "B") + good[-2:]
    for bad in (flipped, good[:-1], "", "x" * 40, good + "=", "../../etc/passwd"):
        with pytest.raises(TokenInvalid):
            record_click(store, bad, now=T0 + 4 * H)
        with pytest.raises(TokenInvalid):
            record_feedback(store, bad, comment="hi", now=T0 + 4 * H)
    monkeypatch.setenv("CXPULSE_SECRET", "another secret")
    with pytest.raises(TokenInvalid):
        record_click(store, good, now=T0 + 4 * H)
    assert count(store, T.responses) == 0
    assert invitations(store)["t1"]["answered_at"] is None


def test_feedback_checks_reason_and_length_and_keeps_html_raw(store):
    _sent(store, "t1")
    token = _links(store, "t1")[2]
    record_click(store, token, now=T0 + 4 * H)
    with pytest.raises(SurveyError, match="reason"):
        record_feedback(store, token, reason="ugly", now=T0 + 4 * H)
    with pytest.raises(SurveyError, match="comment"):
        record_feedback(store, token, reason="slow", comment="x" * (COMMENT_MAX + 1), now=T0 + 4 * H)
    (row,) = responses(store)
    assert (row["score"], row["reason"], row["comment"]) == (2, "", "")  # the rating stays as it was
    nasty = '<script>alert("x")</script> & <b>bold</b> Ελλάδα\r\n\'"'
    result = record_feedback(store, token, reason="slow", comment=nasty, now=T0 + 5 * H)  # after 15 min: fine
    assert result.outcome == "replaced"
    (row,) = responses(store)
    assert (row["score"], row["reason"], row["comment"]) == (2, "slow", nasty)
    assert record_feedback(store, token, score=5, now=T0 + 5 * H).outcome == "refused"  # rating is fixed now
    page = survey_page(store, token, now=T0 + 5 * H)
    assert (page.score, page.reason, page.comment, page.can_change_score) == (2, "slow", nasty, False)
    assert [k for k, _ in page.reasons] == ["slow", "not_solved", "other"]
    assert page.ticket_subject == "Printer on fire"


def test_csi_answers_store_a_row_per_attribute_with_importance(store):
    _sent(store, "t1", survey=Survey(name="csi", kind="csi", attributes=("speed", "empathy"), reasons=("slow",)))
    (entry,) = invitation_links(store, invitations(store)["t1"]["id"])
    token = token_of(entry[2])
    assert record_click(store, token, now=T0 + 4 * H).outcome == "opened"
    assert count(store, T.responses) == 0
    with pytest.raises(SurveyError, match="empathy"):
        record_feedback(store, token, answers={"speed": (4, 5)}, now=T0 + 4 * H)
    result = record_feedback(store, token, answers={"speed": (4, 5), "empathy": (2, 3)}, comment="ok",
                             now=T0 + 4 * H)
    assert result.outcome == "recorded"
    rows = {r["attribute"]: (r["kind"], r["score"], r["importance"]) for r in responses(store)}
    assert rows == {"speed": ("csi", 4, 5), "empathy": ("csi", 2, 3)}
    page = survey_page(store, token, now=T0 + 4 * H)
    assert page.answers == {"speed": (4, 5), "empathy": (2, 3)} and page.comment == "ok"
    csi = {r["metric"] for r in report(store, ReportQuery(metrics=("csi",)))}
    assert "csi" in csi


# ---- signature links -----------------------------------------------------------------------------


def test_link_votes_are_one_per_ticket_and_rate_limited_per_address(store):
    _desk(store, customer("c1", locale="ru"), ticket("t1", "c1", solved_at=T0 + H))
    url = link_url(store, ACCOUNT, "csat", agent_id="a1")
    token = token_of(url)
    page = link_page(store, token, ticket_id="t1", customer_id="c1")
    assert (page.language, page.agent_id, page.ticket_subject) == ("ru", "a1", "")  # a hint reveals nothing
    own = link_page(store, token_of(link_url(store, ACCOUNT, "csat", agent_id="a1", ticket_id="t1")))
    assert (own.ticket_id, own.ticket_subject) == ("t1", "Printer on fire")
    first = record_link_vote(store, token, score=5, ticket_id="t1", customer_id="c1", ip="10.0.0.1", now=T0)
    assert (first.outcome, first.language) == ("recorded", "ru")
    again = record_link_vote(store, token, score=1, ticket_id="t1", customer_id="c1", ip="10.0.0.2", now=T0)
    assert (again.outcome, again.refusal) == ("refused", "already_rated")
    outcomes = [record_link_vote(store, token, score=4, ip="10.0.0.1", now=T0 + timedelta(minutes=i)).refusal
                for i in range(6)]
    assert outcomes == ["", "", "", "", "rate_limited", "rate_limited"]  # 5 per address and hour
    assert record_link_vote(store, token, score=4, ip="10.0.0.9", now=T0).outcome == "recorded"
    assert record_link_vote(store, token, score=4, ip="10.0.0.1", now=T0 + 2 * H).outcome == "recorded"
    rows = responses(store)
    assert len(rows) == 7 and {r["agent_id"] for r in rows} == {"a1"}
    assert count(store, T.link_votes) == 7
    with pytest.raises(SurveyError):
        record_link_vote(store, token, score=9, ip="10.0.0.3", now=T0)
    with pytest.raises(TokenInvalid):
        record_link_vote(store, token[:-2], score=4, ip="10.0.0.3", now=T0)
    (csat,) = report(store, ReportQuery(metrics=("csat",)))
    assert csat["n"] == 7


# ---- settings ------------------------------------------------------------------------------------


def test_the_secret_is_generated_once_and_the_environment_wins(store, monkeypatch):
    monkeypatch.delenv("CXPULSE_SECRET", raising=False)
    first = settings.secret(store)
    assert len(first) >= 32 and settings.secret(store) == first
    monkeypatch.setenv("CXPULSE_SECRET", "from-env")
    assert settings.secret(store) == b"from-env"
    monkeypatch.setenv("CXPULSE_SMTP_SECURITY", "ssl")
    assert settings.SmtpSettings.from_env().port == 465
    monkeypatch.setenv("CXPULSE_SMTP_SECURITY", "tls-ish")
    with pytest.raises(SurveyError):
        settings.SmtpSettings.from_env()
