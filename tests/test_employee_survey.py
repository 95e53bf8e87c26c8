"""The employee survey (issue 17 §1): defined, sent to the agents once per round in their
language, answered once per link — and stored without anything that leads back to the agent."""

from __future__ import annotations

import json
from pathlib import Path
from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cxpulse.cli import app
from cxpulse.domain import SurveyError, TokenExpired, TokenInvalid
from cxpulse.service.employee import create_employee_survey, employee_page
from cxpulse.storage import tables as T
from cxpulse.surveys import i18n
from cxpulse.surveys.employee import EmployeeSurvey
from tests.employee_helpers import AGENTS, BILLING, SENT, TECH, answer, send, survey, team
from tests.survey_helpers import ACCOUNT

runner = CliRunner()


def _rows(store, table) -> list[dict]:
    with store.engine.connect() as conn:
        return [r._asdict() for r in conn.execute(select(table))]


def test_a_round_mails_every_agent_with_an_email_once_in_their_language(store):
    team(store)
    survey(store, every="monthly")
    mailer, links = send(store)
    agents = AGENTS
    assert sorted(links) == sorted([f"{a}@acme.example" for a in BILLING + TECH] + ["ona@acme.example"])  # not the agent without email, not customers
    by_to = dict(mailer.sent)
    ru = by_to["b1@acme.example"]  # b1's locale is ru
    assert ru.language == "ru" and i18n.texts("ru")["employee.anonymity"] in ru.text
    assert by_to["b0@acme.example"].subject == "acme: an anonymous survey for the team"
    again, _ = send(store, SENT + timedelta(days=5))  # the same month: nobody is asked twice
    assert again.sent == []
    next_month, links = send(store, SENT + timedelta(days=31))
    assert len(next_month.sent) == len(agents)
    answer(store, links["b0@acme.example"], 7, now=SENT + timedelta(days=31, hours=1))
    from cxpulse.service.employee import employee_rounds, employee_surveys

    (rounds,) = employee_rounds(store, employee_surveys(store)).values()
    assert rounds == {"round": "2026-12", "sent": len(agents), "answered": 1}


def test_a_quarterly_survey_asks_once_per_quarter(store):
    team(store)
    survey(store)  # quarterly by default
    send(store)
    assert send(store, SENT + timedelta(days=40))[0].sent == []  # still Q4
    assert len(send(store, SENT + timedelta(days=62))[0].sent) == len(AGENTS)  # January: Q1


def test_the_page_shows_the_questions_and_one_answer_per_link_is_kept(store):
    team(store)
    survey(store, questions=("tools", "on_call_rota"), language="en")
    _, links = send(store)
    token = links["b3@acme.example"]  # locale lt
    page = employee_page(store, token, now=SENT)
    assert page.language == "lt"
    assert page.questions == [("tools", "Įrankiai ir sistemos, su kuriomis dirbu"), ("on_call_rota", "On call rota")]
    done = answer(store, token, 9, questions=("tools", "on_call_rota"), comment="Less manual copying")
    assert done.used
    with pytest.raises(SurveyError, match="already been used"):
        answer(store, token, 2, questions=("tools", "on_call_rota"))
    (row,) = _rows(store, T.employee_answers)
    assert (row["enps"], json.loads(row["ratings"]), row["comment"]) == (9, {"tools": 3, "on_call_rota": 3},
                                                                          "Less manual copying")
    assert employee_page(store, token, now=SENT).used


@pytest.mark.parametrize("enps, ratings, message", [
    (11, {"tools": 3}, "enps"), (5, {}, "missing: tools"), (5, {"tools": 6}, "tools"),
    (5, {"tools": 3, "cafeteria": 2}, "cafeteria"),
])
def test_an_incomplete_or_off_scale_answer_is_refused_and_the_link_stays_usable(store, enps, ratings, message):
    from cxpulse.service.employee import record_employee_answer

    team(store)
    survey(store, questions=("tools",))
    _, links = send(store)
    token = links["b0@acme.example"]
    with pytest.raises(SurveyError, match=message):
        record_employee_answer(store, token, enps=enps, ratings=ratings, now=SENT)
    assert _rows(store, T.employee_answers) == []
    answer(store, token, 7, questions=("tools",))
    assert len(_rows(store, T.employee_answers)) == 1


def test_tampered_and_expired_links_are_refused(store):
    team(store)
    survey(store, expire_days=7)
    _, links = send(store)
    token = links["b0@acme.example"]
    body, mac = token.split(".")
    with pytest.raises(TokenInvalid):
        employee_page(store, body + "." + mac[:-2] + ("AA" if mac[-2:] != "AA" else "BB"), now=SENT)
    with pytest.raises(TokenExpired):
        answer(store, token, 8, now=SENT + timedelta(days=7))


def test_an_answer_row_holds_nothing_that_leads_back_to_the_agent(store):
    """The database rows: no agent, invitation, email or time of day on the answer; the used
    invitations give no time or order to join by; the answers' keys are random."""
    team(store)
    survey(store)
    _, links = send(store)
    order = ["b4", "b0", "t2", "b6", "b2", "b1"]
    for minutes, agent in enumerate(order):
        answer(store, links[f"{agent}@acme.example"], enps=minutes, comment=f"comment {minutes}",
               now=SENT + timedelta(hours=3, minutes=17 * minutes))
    answers = _rows(store, T.employee_answers)
    invitations = _rows(store, T.employee_invitations)
    assert set(answers[0]) == {"id", "account_id", "survey_id", "period", "day", "enps", "ratings", "comment",
                               "group_name", "tenure"}
    values = {str(v) for a in answers for k, v in a.items() if k not in ("account_id", "survey_id", "enps")}
    for inv in invitations:
        assert {inv["agent_id"], inv["email"], str(inv["id"])}.isdisjoint(values)
    assert {str(a["day"]) for a in answers} == {"2026-10-01"}  # the round's first day, not when it was given
    used = [i for i in invitations if i["status"] == "used"]
    assert sorted(i["agent_id"] for i in used) == sorted(order)
    assert len({(i["sent_at"], i["expires_at"]) for i in invitations}) == 1  # one time for the whole round
    assert all(len(a["id"]) == 32 and not a["id"].isdigit() for a in answers)
    # Reading the answers back (the only way reports see them) orders them by content, not by arrival.
    from cxpulse.storage import employee as stored

    with store.engine.connect() as conn:
        read = stored.answers(conn)
    assert [a.enps for a in read if a.group_name == "Billing"] == sorted(a.enps for a in read if a.group_name == "Billing")


def test_surveys_create_kind_employee_on_the_command_line(db_arg):
    fixture = Path(__file__).parent / "fixtures" / "small.jsonl"
    assert runner.invoke(app, ["import", "jsonl", str(fixture), "--db", db_arg, "-a", "acme"]).exit_code == 0
    made = runner.invoke(app, ["surveys", "create", "pulse", "-a", "acme", "--kind", "employee", "--every", "monthly",
                               "--questions", "tools,workload", "--language", "el", "--db", db_arg, "-f", "json"])
    assert made.exit_code == 0, made.output
    (line,) = json.loads(made.stdout)
    assert (line["kind"], line["every"], line["questions"], line["language"]) == ("employee", "monthly",
                                                                                  "tools,workload", "el")
    bad = runner.invoke(app, ["surveys", "create", "p2", "-a", "acme", "--kind", "employee", "--every", "weekly",
                              "--db", db_arg])
    assert bad.exit_code != 0 and "every" in bad.output and "monthly, quarterly" in bad.output
    mixed = runner.invoke(app, ["surveys", "create", "p3", "-a", "acme", "--kind", "employee", "--reminder-days", "3",
                                "--db", db_arg])
    assert mixed.exit_code != 0 and "--reminder-days" in mixed.output
    twice = runner.invoke(app, ["surveys", "create", "pulse", "-a", "acme", "--kind", "employee", "--db", db_arg])
    assert twice.exit_code != 0 and "already has" in twice.output
    runner.invoke(app, ["surveys", "create", "csat", "-a", "acme", "--kind", "csat", "--db", db_arg])
    listed = json.loads(runner.invoke(app, ["surveys", "list", "--db", db_arg, "-f", "json"]).stdout)
    assert [(s["name"], s["kind"]) for s in listed] == [("csat", "csat"), ("pulse", "employee")]
    shown = json.loads(runner.invoke(app, ["surveys", "show", "pulse", "-a", "acme", "--db", db_arg, "-f", "json"]).stdout)
    assert (shown["kind"], shown["every"]) == ("employee", "monthly")
    paused = runner.invoke(app, ["surveys", "update", "pulse", "-a", "acme", "--inactive", "--language", "ru",
                                 "--db", db_arg, "-f", "json"])
    assert paused.exit_code == 0, paused.output
    assert [(s["active"], s["language"]) for s in json.loads(paused.stdout)] == [(False, "ru")]
    wrong = runner.invoke(app, ["surveys", "update", "pulse", "-a", "acme", "--throttle-days", "3", "--db", db_arg])
    assert wrong.exit_code != 0 and "throttle_days" in wrong.output
    missing = runner.invoke(app, ["surveys", "show", "nope", "-a", "acme", "--db", db_arg])
    assert missing.exit_code != 0 and "no survey named 'nope'" in missing.output
    table = runner.invoke(app, ["surveys", "list", "--db", db_arg])
    assert table.exit_code == 0 and "employee surveys" in table.stdout and "pulse" in table.stdout


def test_a_definition_with_a_bad_question_key_is_refused(store):
    team(store, tickets=False)
    with pytest.raises(SurveyError, match="questions: 'Tools!'"):
        create_employee_survey(store, ACCOUNT, EmployeeSurvey(name="x", questions=("Tools!",)))


def test_an_inactive_employee_survey_sends_nothing(store):
    from cxpulse.service.employee import update_employee_survey

    team(store)
    survey(store)
    update_employee_survey(store, ACCOUNT, "pulse", active=False)
    assert send(store)[0].sent == []
    update_employee_survey(store, ACCOUNT, "pulse", active=True, questions=("tools",))
    mailer, links = send(store)
    assert len(mailer.sent) == len(AGENTS)
    assert [k for k, _t in employee_page(store, links["b0@acme.example"], now=SENT).questions] == ["tools"]
