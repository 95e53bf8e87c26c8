"""The employee survey use cases (issue 17 §1): define, send a round to the agents, record an
anonymous answer, and read the results with the anonymity rules applied.

Sending: `send_employee_due` (run by `cxpulse surveys send-due` from cron) opens a round for
each active survey whose current period (month or quarter, in the account's timezone) has
no invitations yet, and mails every agent with an email one signed link. An agent is asked
once per round: the invitation's (survey, round, agent) key is unique and inserted before
the mail goes, so two runs at once never mail anyone twice.

Answering: the link names the invitation. Marking it used and storing the answer happen in
one transaction; the answer keeps the round (its first day as its date), the agent's group
and tenure band — never the agent, the invitation, the email, or when it was given. docs/surveys.md, "Employee
surveys", states the promise and how it is kept.
"""

from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass
from datetime import datetime, timedelta

from cxpulse.domain import NotFound, SurveyError, TokenInvalid
from cxpulse.service.mailer import Mailer
from cxpulse.service.settings import base_url, secret
from cxpulse.service.survey_definitions import now_utc
from cxpulse.storage import Store
from cxpulse.storage import employee as stored
from cxpulse.surveys import i18n
from cxpulse.surveys.emails import Email
from cxpulse.surveys.employee import (
    KIND,
    EmployeeSurvey,
    answer_day,
    check_answer,
    period_of,
    tenure_band,
    validate,
)
from cxpulse.surveys.tokens import sign_employee, verify_employee

__all__ = ["EmployeePage", "EmployeeSendSummary", "StoredEmployeeSurvey", "create_employee_survey",
           "employee_page", "employee_surveys", "question_text", "record_employee_answer", "send_employee_due"]


@dataclass(frozen=True)
class StoredEmployeeSurvey:
    id: int
    account_id: int
    account_name: str
    survey: EmployeeSurvey
    created_at: datetime


@dataclass
class EmployeeSendSummary:
    rounds: int = 0
    sent: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"employee_rounds": self.rounds, "employee_sent": self.sent, "employee_failed": self.failed}


@dataclass(frozen=True)
class EmployeePage:
    """What the employee survey page shows, in `language`."""

    survey: EmployeeSurvey
    language: str
    token: str
    questions: list[tuple[str, str]]  # (key, text)
    used: bool


def question_text(key: str, lang: str) -> str:
    """A process question's text; a custom key without a translation is shown as the key in words."""
    m = i18n.texts(lang)
    full = f"employee.question.{key}"
    return m[full] if full in m else key.replace("_", " ").capitalize()


def _stored(store: Store, row: stored.SurveyRow) -> StoredEmployeeSurvey:
    names = {a.id: a.name for a in store.accounts()}
    return StoredEmployeeSurvey(row.id, row.account_id, names.get(row.account_id, ""),
                                EmployeeSurvey.from_json(row.definition), row.created_at)


def create_employee_survey(store: Store, account: str, survey: EmployeeSurvey,
                           now: datetime | None = None) -> StoredEmployeeSurvey:
    """Define an employee survey; its first round goes out at the next `send-due`."""
    validate(survey)
    acc = store.account(account)
    with store.engine.begin() as conn:
        new_id = stored.insert_survey(conn, acc.id, survey.name, survey.to_json(), survey.active, now_utc(now))
    if new_id is None:
        raise SurveyError(f"account {account!r} already has an employee survey named {survey.name!r}; "
                          "pick another name")
    return get_employee_survey(store, account, survey.name)


def employee_surveys(store: Store, account: str | None = None) -> list[StoredEmployeeSurvey]:
    ids = [store.account(account).id] if account else None
    with store.engine.connect() as conn:
        rows = stored.surveys(conn, ids)
    return [_stored(store, r) for r in rows]


def get_employee_survey(store: Store, account: str, name: str) -> StoredEmployeeSurvey:
    acc = store.account(account)
    with store.engine.connect() as conn:
        rows = stored.surveys(conn, [acc.id], name)
    if not rows:
        raise NotFound(f"no employee survey {name!r} in account {account!r}; "
                       f"define one with `cxpulse surveys create {name} --account {account} --kind {KIND}`")
    return _stored(store, rows[0])


def update_employee_survey(store: Store, account: str, name: str, **changes) -> StoredEmployeeSurvey:
    """Change an employee survey (every, questions, language, expire_days, active); a new
    question list applies from the next round."""
    current = get_employee_survey(store, account, name)
    allowed = {"every", "questions", "language", "expire_days", "active"}
    bad = sorted(set(changes) - allowed)
    if bad:
        raise SurveyError(f"{bad[0]}: not a setting of an employee survey (these are: {', '.join(sorted(allowed))})")
    changed = validate(dataclasses.replace(current.survey, **changes))
    with store.engine.begin() as conn:
        stored.update_survey(conn, current.id, changed.to_json(), changed.active)
    return get_employee_survey(store, account, name)


def employee_rounds(store: Store, surveys: list[StoredEmployeeSurvey]) -> dict[int, dict]:
    """Per survey id, its latest round: {"round", "sent", "answered"} (for `surveys list`)."""
    with store.engine.connect() as conn:
        counts = stored.round_counts(conn, [s.id for s in surveys])
    out: dict[int, dict] = {}
    for (sid, period), by_status in sorted(counts.items()):
        out[sid] = {"round": period, "sent": by_status.get("sent", 0) + by_status.get("used", 0),
                    "answered": by_status.get("used", 0)}
    return out


# ---- sending ---------------------------------------------------------------------------------


def send_employee_due(store: Store, mailer: Mailer, *, account: str | None = None,
                      now: datetime | None = None) -> EmployeeSendSummary:
    """Mail this period's invitation to every agent (with an email) not asked in it yet."""
    now = now_utc(now)
    summary = EmployeeSendSummary()
    key, base = secret(store), base_url(store)
    for s in employee_surveys(store, account):
        if not s.survey.active:
            continue
        acc = store.account(s.account_name)
        period = period_of(now.astimezone(acc.tz).date(), s.survey.every)
        expires = now + timedelta(days=s.survey.expire_days)
        with store.engine.connect() as conn:
            people = stored.agents(conn, s.account_id)
        opened = False
        for agent_id, email, locale, group, first in people:
            lang = i18n.pick_language(locale, s.survey.language)
            with store.engine.begin() as conn:
                inv_id = stored.claim_invitation(conn, {
                    "account_id": s.account_id, "survey_id": s.id, "period": period, "agent_id": agent_id,
                    "email": email, "language": lang, "group_name": group,
                    "tenure": tenure_band(first.date() if first else None, now.date())})
            if inv_id is None:
                continue  # asked in this round already
            opened = True
            url = f"{base}/e/{sign_employee(key, inv_id, s.id, expires)}"
            try:
                mailer.send(email, render_employee_invitation(lang, url, s.account_name, expires))
            except Exception as e:  # noqa: BLE001 - any SMTP failure is recorded on the invitation
                with store.engine.begin() as conn:
                    stored.set_failed(conn, inv_id, f"{type(e).__name__}: {e}")
                summary.failed += 1
                continue
            with store.engine.begin() as conn:
                stored.set_sent(conn, inv_id, now, expires)
            summary.sent += 1
        summary.rounds += int(opened)
    return summary


def render_employee_invitation(lang: str, url: str, company: str, expires: datetime) -> Email:
    """The invitation mail: why, the anonymity promise, one link, its expiry (plain text and HTML)."""
    m = i18n.texts(lang)
    subject = m.format("employee.email_subject", company=company) if company else m["employee.email_subject_no_company"]
    day = m.date(expires.date())
    lines = [m["employee.email_intro"], "", m["employee.anonymity"], "", f"{m['employee.email_button']}: {url}", "",
             m.format("employee.expires", date=day)]
    e = html.escape
    body = (f"<p>{e(m['employee.email_intro'])}</p><p>{e(m['employee.anonymity'])}</p>"
            f"<p><a href=\"{e(url)}\">{e(m['employee.email_button'])}</a></p>"
            f"<p>{e(m.format('employee.expires', date=day))}</p>")
    return Email(subject=subject, text="\n".join(lines) + "\n", html=f"<html><body>{body}</body></html>",
                 language=m.lang)


# ---- answering -------------------------------------------------------------------------------


def _verified(store: Store, token: str, now: datetime) -> tuple[stored.InvitationRow, StoredEmployeeSurvey]:
    inv_id, survey_id = verify_employee(secret(store), token, now)
    with store.engine.connect() as conn:
        inv = stored.invitation(conn, inv_id)
        row = stored.survey(conn, survey_id)
    if inv is None or row is None or inv.survey_id != survey_id:
        raise TokenInvalid("this survey link belongs to no invitation")
    return inv, _stored(store, row)


def employee_page(store: Store, token: str, *, now: datetime | None = None, lang: str | None = None
                  ) -> EmployeePage:
    """The page a link opens: the questions in the invitation's language, or that it was used."""
    inv, s = _verified(store, token, now_utc(now))
    language = i18n.pick_language(lang, inv.language or s.survey.language) if lang else (inv.language or s.survey.language)
    return EmployeePage(s.survey, language, token, [(q, question_text(q, language)) for q in s.survey.questions],
                        used=inv.status == "used")


def record_employee_answer(store: Store, token: str, *, enps: int, ratings: dict[str, int], comment: str = "",
                           now: datetime | None = None) -> EmployeePage:
    """Store one anonymous answer; a second answer through the same link is refused (SurveyError)."""
    now = now_utc(now)
    inv, s = _verified(store, token, now)
    enps, ratings, comment = check_answer(s.survey, enps, ratings, comment)
    with store.engine.begin() as conn:
        done = stored.use_and_answer(conn, inv, day=answer_day(inv.period), enps=enps, ratings=ratings, comment=comment)
    if not done:
        raise SurveyError("this link has already been used to answer the survey")
    page = employee_page(store, token, now=now)
    return dataclasses.replace(page, used=True)
