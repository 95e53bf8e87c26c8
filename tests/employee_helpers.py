"""Shared by the employee-survey tests: a team of agents in two groups, and their answers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from cxpulse.domain import Role, User
from cxpulse.readers.base import Record
from cxpulse.service.employee import create_employee_survey, record_employee_answer, send_employee_due
from cxpulse.surveys.employee import EmployeeSurvey
from tests.survey_helpers import ACCOUNT, RecordingMailer, customer, seed, ticket, token_of

SENT = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
LOCALES = ("en", "ru", "el", "lt")
BILLING = [f"b{i}" for i in range(7)]  # seven agents: a group big enough to show
TECH = ["t0", "t1", "t2"]  # three agents: a group too small to show
AGENTS = BILLING + TECH + ["a1"]  # a1 (seed's agent, locale lt) has no tickets: no group


def team(store, *, tickets: bool = True) -> None:
    """An account whose agents are 7 in Billing, 3 in Tech, one without an email; and a customer."""
    records = [customer("c1")]
    for i, agent in enumerate(BILLING + TECH):
        records.append(Record("user", User(agent, Role.AGENT, f"Agent {agent}", f"{agent}@acme.example",
                                           LOCALES[i % 4]), account=ACCOUNT))
    records.append(Record("user", User("nomail", Role.AGENT, "No Mail", "", "en"), account=ACCOUNT))
    seed(store, records)
    if tickets:
        rows = []
        for n, agent in enumerate(BILLING + TECH):
            t = ticket(f"T{n}", "c1", solved_at=SENT - timedelta(days=3)).obj
            rows.append(Record("ticket", dataclasses.replace(t, assignee_id=agent,
                                                             group="Billing" if agent in BILLING else "Tech"),
                               account=ACCOUNT))
        seed(store, rows)


def survey(store, **fields) -> None:
    create_employee_survey(store, ACCOUNT, EmployeeSurvey(name="pulse", **fields), now=SENT - timedelta(days=1))


def send(store, now: datetime = SENT) -> tuple[RecordingMailer, dict[str, str]]:
    """Send the round; (mailer, agent email -> token)."""
    mailer = RecordingMailer()
    send_employee_due(store, mailer, now=now)
    links = {}
    for to, email in mailer.sent:
        url = next(w for w in email.text.split() if "/e/" in w)
        links[to] = token_of(url)
    return mailer, links


def answer(store, token: str, enps: int, rating: int = 3, comment: str = "", now: datetime | None = None,
           questions=("tools", "knowledge_base", "workload", "training", "handoffs")):
    return record_employee_answer(store, token, enps=enps, ratings={q: rating for q in questions}, comment=comment,
                                  now=now or SENT + timedelta(hours=1))
