"""Issue 4's "done when": on the demo data, a survey is defined, sent and answered in all
four languages, and the answers and the response rate appear in `cxpulse report`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from typer.testing import CliRunner

from cxpulse.cli import app
from cxpulse.service.demo import run_demo
from cxpulse.service.report import ReportQuery, report
from cxpulse.service.surveys import (
    create_survey,
    invitation_links,
    list_surveys,
    record_click,
    record_feedback,
    send_due,
    update_survey,
)
from cxpulse.storage import tables as T
from cxpulse.surveys import i18n
from cxpulse.surveys.definitions import DEFAULT_REASONS, Survey
from tests.survey_helpers import RecordingMailer, set_ticket, token_of

DEFINED = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # after the demo's last day
DAY = "2026-11-20"


def _one_customer_per_language(store) -> dict[str, tuple[str, str, str]]:
    """language -> (account, customer, one of their tickets), from the demo's users."""
    t, u, a = T.tickets, T.users, T.accounts
    q = (select(u.c.locale, a.c.name, u.c.source_id, t.c.source_id)
         .join(a, a.c.id == u.c.account_id)
         .join(t, (t.c.account_id == u.c.account_id) & (t.c.requester_id == u.c.source_id))
         .where(u.c.role == "customer", u.c.email != "")
         .order_by(u.c.locale, a.c.name, u.c.source_id, t.c.source_id))
    found: dict[str, tuple[str, str, str]] = {}
    with store.engine.connect() as conn:
        for locale, account, cid, tid in conn.execute(q):
            found.setdefault(locale, (account, cid, tid))
    return found


def test_a_csat_survey_is_sent_and_answered_in_four_languages_and_reported(store):
    run_demo(store, seed=3, tickets=300, end=date(2026, 10, 31), predict=False)
    people = _one_customer_per_language(store)
    assert set(people) == {"en", "ru", "el", "lt"}
    for acc in store.accounts():
        for own in list_surveys(store, acc.name):  # the demo's own surveys asked its year already: paused here
            update_survey(store, acc.name, own.name, active=False)
        create_survey(store, acc.name, Survey(name="csat-new", kind="csat", reasons=DEFAULT_REASONS["csat"]),
                      now=DEFINED)
    for account, _cid, tid in people.values():  # the agents solve one ticket of each customer
        set_ticket(store, tid, account=account, status="solved", solved_at=DEFINED + timedelta(hours=1))

    mailer = RecordingMailer()
    summary = send_due(store, mailer, now=DEFINED + timedelta(hours=2, minutes=5))
    assert (summary.scheduled, summary.sent, summary.failed) == (4, 4, 0)  # old solved tickets are not asked
    assert sorted(email.language for _to, email in mailer.sent) == ["el", "en", "lt", "ru"]
    for _to, email in mailer.sent:
        assert email.subject.startswith(i18n.texts(email.language).format("email.subject", ticket="")[:8])

    scores = {"en": 5, "ru": 4, "el": 2, "lt": 1}
    clicked = DEFINED + timedelta(hours=3)
    with store.engine.connect() as conn:  # the new survey's invitations (the demo's asked some of these tickets too)
        by_ticket = {r.ticket_id: r._asdict() for r in conn.execute(
            select(T.survey_invitations).join(T.surveys, T.surveys.c.id == T.survey_invitations.c.survey_id)
            .where(T.surveys.c.name == "csat-new"))}
    for lang, (_account, _cid, tid) in people.items():
        links = {score: token_of(url) for score, _label, url in invitation_links(store, by_ticket[tid]["id"])}
        result = record_click(store, links[scores[lang]], now=clicked)
        assert (result.outcome, result.language) == ("recorded", lang)
        if scores[lang] <= 2:
            record_feedback(store, links[scores[lang]], reason="slow", comment=f"{lang}: <i>медленно</i>",
                            now=clicked + timedelta(minutes=2))

    day = date.fromisoformat(DAY)
    rows = report(store, ReportQuery(metrics=("csat", "response-rate"), since=day, until=day))
    csat = next(r for r in rows if r["metric"] == "csat")
    rate = next(r for r in rows if r["metric"] == "response_rate")
    assert (csat["n"], csat["value"]) == (4, 50.0)
    assert (rate["n"], rate["value"]) == (4, 100.0)

    url = store.engine.url.render_as_string(hide_password=False)
    out = CliRunner().invoke(app, ["report", "--metric", "csat,response-rate", "--by", "account", "--since", DAY,
                                   "--until", DAY, "--db", url, "-f", "json"])
    assert out.exit_code == 0, out.output
    cli_rows = json.loads(out.stdout)
    assert sum(r["n"] for r in cli_rows if r["metric"] == "csat") == 4
    assert sum(r["n"] for r in cli_rows if r["metric"] == "response_rate") == 4
