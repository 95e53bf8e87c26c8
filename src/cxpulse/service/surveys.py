"""The survey use cases: define, schedule after a solved ticket, send what is
due, and — re-exported from service.survey_answers — record what customers answer.

Scheduling: a solved ticket (solved after the survey was defined, or after `since`) with a
requester gets one invitation per survey, ever (a unique key; inserts ignore conflicts).
Sending: each due invitation is claimed by one conditional UPDATE, so two `send-due`
runs at once never mail it twice; the per-customer throttle is claimed the same way in
`survey_contacts`. A sent invitation also lands in `invitations`, the denominator of
`cxpulse report --metric response-rate`.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cxpulse.domain import Invitation, ResponseKind
from cxpulse.service.mailer import Mailer
from cxpulse.service.settings import base_url, secret
from cxpulse.service.survey_answers import (
    ClickResult,
    PageContext,
    link_page,
    record_click,
    record_feedback,
    record_link_vote,
    survey_page,
)
from cxpulse.service.survey_definitions import (
    StoredSurvey,
    create_survey,
    get_survey,
    list_surveys,
    now_utc,
    survey_by_id,
    update_survey,
)
from cxpulse.storage import Store
from cxpulse.storage import rows as codec
from cxpulse.storage import surveys as survey_store
from cxpulse.storage import tables
from cxpulse.surveys import i18n, rules
from cxpulse.surveys.emails import Email, render_invitation
from cxpulse.surveys.tokens import Claims, sign, sign_link

__all__ = [
    "ClickResult", "PageContext", "ScheduleCounts", "SendSummary", "StoredSurvey", "create_survey", "get_survey",
    "invitation_links", "link_page", "link_url", "list_surveys", "record_click", "record_feedback",
    "record_link_vote", "schedule", "send_due", "survey_page", "update_survey",
]

MAX_ATTEMPTS = 3  # a mail the SMTP server refused is tried again at the next runs, then failed
RETRY_AFTER = timedelta(minutes=5)
STALE_CLAIM = timedelta(hours=1)  # a run that died while sending; its claims are marked failed


@dataclass
class ScheduleCounts:
    scheduled: int = 0
    by_survey: dict[str, int] = field(default_factory=dict)  # "account/survey" -> new invitations


@dataclass
class SendSummary:
    scheduled: int = 0
    sent: int = 0
    reminded: int = 0
    cancelled: int = 0
    throttled: int = 0
    expired: int = 0
    failed: int = 0
    skipped_no_email: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


def _account_ids(store: Store, account: str | None) -> list[int] | None:
    return [store.account(account).id] if account else None


# ---- scheduling ------------------------------------------------------------------------------


def schedule(store: Store, *, account: str | None = None, now: datetime | None = None,
             since: datetime | None = None) -> ScheduleCounts:
    """Schedule an invitation per active survey for each newly solved ticket with a requester."""
    counts = ScheduleCounts()
    for stored in list_surveys(store, account, active_only=True):
        cut = now_utc(since) if since is not None else stored.created_at
        with store.engine.connect() as conn:
            found = survey_store.schedule_candidates(conn, stored.account_id, stored.id, cut)
        rows = [{"account_id": stored.account_id, "survey_id": stored.id, "ticket_id": ticket,
                 "customer_id": requester, "solved_at": solved, "due_at": rules.due_at(solved, stored.survey)}
                for ticket, requester, solved in found]
        if not rows:
            continue
        with store.engine.begin() as conn:
            n = survey_store.insert_scheduled(conn, rows)
        counts.scheduled += n
        counts.by_survey[f"{stored.account_name}/{stored.name}"] = n
    return counts


# ---- sending ---------------------------------------------------------------------------------


def send_due(store: Store, mailer: Mailer, *, account: str | None = None, now: datetime | None = None,
             run_id: str | None = None, limit: int | None = None, since: datetime | None = None) -> SendSummary:
    """Schedule, cancel the reopened, expire the stale, then send due invitations and reminders.

    Safe to run from cron every minute, and twice at once: every invitation and every
    customer's throttle is claimed by a conditional UPDATE only one run can win.
    `since` schedules tickets solved from then on instead of since each survey's creation.
    """
    now = now_utc(now)
    run_id = run_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    ids = _account_ids(store, account)
    summary = SendSummary(scheduled=schedule(store, account=account, now=now, since=since).scheduled)
    surveys = _Surveys(store, list_surveys(store, account))
    with store.engine.begin() as conn:
        summary.cancelled = survey_store.cancel_reopened(conn, ids)
    with store.engine.begin() as conn:
        for s in surveys.known():
            summary.expired += survey_store.expire_unsent(conn, s.id, now - timedelta(days=s.survey.expire_days))
    with store.engine.begin() as conn:
        summary.expired += survey_store.expire_sent(conn, now, ids)
    with store.engine.begin() as conn:
        summary.failed += survey_store.fail_stale_claims(conn, now - STALE_CLAIM, ids)
    with store.engine.connect() as conn:
        due = survey_store.due_ids(conn, now, ids, limit)
    key = secret(store)
    base = base_url(store)
    with _held(mailer):
        for inv_id in due:
            with store.engine.begin() as conn:
                if not survey_store.claim(conn, inv_id, run_id, now):
                    continue  # another run has it
            outcome = _send_one(store, mailer, key, base, inv_id, surveys, now)
            setattr(summary, outcome, getattr(summary, outcome) + 1)
        with store.engine.connect() as conn:
            reminders = survey_store.reminder_ids(conn, now, ids)
        for inv_id in reminders:
            with store.engine.begin() as conn:
                if not survey_store.claim_reminder(conn, inv_id, now):
                    continue
            if _remind_one(store, mailer, key, base, inv_id, surveys):
                summary.reminded += 1
            else:
                summary.failed += 1
    return summary


class _Surveys(dict):
    """Surveys by id; one defined by another process during this run is read when met."""

    def __init__(self, store: Store, surveys: list[StoredSurvey]) -> None:
        super().__init__((s.id, s) for s in surveys)
        self.store = store

    def known(self) -> list[StoredSurvey]:
        return list(self.values())

    def __missing__(self, survey_id: int) -> StoredSurvey:
        self[survey_id] = survey_by_id(self.store, survey_id)
        return self[survey_id]


@contextmanager
def _held(mailer: Mailer) -> Iterator[None]:
    """One SMTP connection for the whole run when the mailer can hold one."""
    if hasattr(mailer, "__enter__") and hasattr(mailer, "__exit__"):
        with mailer:  # type: ignore[attr-defined]
            yield
    else:
        yield


def _send_one(store: Store, mailer: Mailer, key: bytes, base: str, inv_id: int, surveys: dict[int, StoredSurvey],
              now: datetime) -> str:
    """Mail one claimed invitation; the SendSummary field to count it in."""
    with store.engine.connect() as conn:
        inv = survey_store.invitation(conn, inv_id)
        person = survey_store.customer(conn, inv.account_id, inv.customer_id)
        brief = survey_store.ticket_brief(conn, inv.account_id, inv.ticket_id)
    stored = surveys[inv.survey_id]
    survey = stored.survey
    name, email, locale = person or ("", "", "")
    lang = i18n.pick_language(locale, survey.language)
    if not email.strip():
        with store.engine.begin() as conn:
            survey_store.set_status(conn, inv_id, "skipped", from_status="sending", language=lang,
                          error="the customer has no email address")
        return "skipped_no_email"
    # throttle_days 0: never throttled, but the send is still noted for the other surveys
    cutoff = rules.throttle_cutoff(now, survey) if survey.throttle_days else now + timedelta(seconds=1)
    with store.engine.begin() as conn:
        won, previous = survey_store.claim_contact(conn, inv.account_id, inv.customer_id, now, cutoff)
    if not won:
        with store.engine.begin() as conn:
            survey_store.set_status(conn, inv_id, "throttled", from_status="sending", email=email, language=lang,
                          error=f"surveyed less than {survey.throttle_days} days ago")
        return "throttled"
    expires = rules.expires_at(now, survey)
    try:
        message = _render(key, base, stored, inv, lang, expires, ticket_subject=brief[0] if brief else "",
                          customer_name=name, reminder=False)
        mailer.send(email.strip(), message)
    except Exception as e:  # noqa: BLE001 - any SMTP or rendering failure is recorded, not raised
        with store.engine.begin() as conn:
            survey_store.release_contact(conn, inv.account_id, inv.customer_id, now, previous)
            retry = inv.attempts < MAX_ATTEMPTS
            survey_store.set_status(conn, inv_id, "scheduled" if retry else "failed", from_status="sending",
                          error=f"{type(e).__name__}: {e}"[:500],
                          **({"due_at": now + RETRY_AFTER * inv.attempts} if retry else {}))
        return "failed"
    with store.engine.begin() as conn:
        survey_store.set_status(conn, inv_id, "sent", from_status="sending", email=email.strip(), language=lang,
                      sent_at=now, expires_at=expires, reminder_at=rules.reminder_at(now, survey), error="")
    acc = store.account(stored.account_name)
    row = codec.invitation_row(Invitation(f"survey-{inv_id}", now, ResponseKind(survey.kind), inv.ticket_id,
                                      inv.customer_id), acc.tz)
    store.upsert(tables.invitations, acc.id, [row])
    return "sent"


def _remind_one(store: Store, mailer: Mailer, key: bytes, base: str, inv_id: int,
                surveys: dict[int, StoredSurvey]) -> bool:
    with store.engine.connect() as conn:
        inv = survey_store.invitation(conn, inv_id)
        person = survey_store.customer(conn, inv.account_id, inv.customer_id)
        brief = survey_store.ticket_brief(conn, inv.account_id, inv.ticket_id)
    stored = surveys[inv.survey_id]
    try:
        message = _render(key, base, stored, inv, inv.language or stored.survey.language, inv.expires_at,
                          ticket_subject=brief[0] if brief else "", customer_name=person[0] if person else "",
                          reminder=True)
        mailer.send(inv.email, message)
    except Exception as e:  # noqa: BLE001
        with store.engine.begin() as conn:
            survey_store.release_reminder(conn, inv_id, f"reminder: {type(e).__name__}: {e}"[:500])
        return False
    return True


def _render(key: bytes, base: str, stored: StoredSurvey, inv: survey_store.InvitationRow, lang: str,
            expires: datetime, *, ticket_subject: str, customer_name: str, reminder: bool) -> Email:
    survey = stored.survey
    links = _links(key, base, stored, inv.id, inv.ticket_id, inv.customer_id, lang, expires)
    return render_invitation(
        survey, lang, ticket_id=inv.ticket_id, ticket_subject=ticket_subject, customer_name=customer_name,
        links=links, open_url=_open_url(key, base, stored, inv, expires) if not links else None,
        reminder=reminder, account_name=stored.account_name, expires_at=expires,
    )


def _links(key: bytes, base: str, stored: StoredSurvey, inv_id: int, ticket_id: str, customer_id: str, lang: str,
           expires: datetime) -> list[tuple[int, str, str]]:
    """(score, label, url) per score, on `base` (`settings.base_url`); none for CSI, whose questions need the page."""
    survey = stored.survey
    if survey.kind == "csi":
        return []
    return [
        (score, label,
         f"{base}/s/{sign(key, Claims(inv_id, ticket_id, customer_id, stored.id, score, expires))}")
        for score, label in i18n.score_labels(survey, lang)
    ]


def _open_url(key: bytes, base: str, stored: StoredSurvey, inv: survey_store.InvitationRow, expires: datetime) -> str:
    token = sign(key, Claims(inv.id, inv.ticket_id, inv.customer_id, stored.id, None, expires))
    return f"{base}/s/{token}"


def invitation_links(store: Store, inv_id: int, *, now: datetime | None = None) -> list[tuple[int, str, str]]:
    """The one-click links of an invitation as its email shows them (score, label, url);
    for CSI, one (0, question, url) entry opening the survey page."""
    with store.engine.connect() as conn:
        inv = survey_store.invitation(conn, inv_id)
    if inv is None:
        from cxpulse.domain import NotFound

        raise NotFound(f"no survey invitation {inv_id}")
    stored = survey_by_id(store, inv.survey_id)
    lang = inv.language or stored.survey.language
    expires = inv.expires_at or rules.expires_at(now_utc(now), stored.survey)
    key, base = secret(store), base_url(store)
    links = _links(key, base, stored, inv.id, inv.ticket_id, inv.customer_id, lang, expires)
    if not links:
        links = [(0, i18n.question(stored.survey, lang), _open_url(key, base, stored, inv, expires))]
    return links


def link_url(store: Store, account: str, survey_name: str, agent_id: str = "", ticket_id: str = "") -> str:
    """The signature/chat link of a survey (optionally of one agent); it never expires.
    Append `?ticket=ID` (and `&customer=ID`) to ask about one ticket — a hint, shown as typed.
    With `ticket_id`, the link is that ticket's own: its page also shows the ticket's subject."""
    stored = get_survey(store, account, survey_name)
    if stored.survey.kind == "csi":
        from cxpulse.domain import SurveyError

        raise SurveyError("a CSI survey asks several questions per ticket; it is sent by email, not by link — "
                          "use a csat, ces or nps survey for signature links")
    return f"{base_url(store)}/l/{sign_link(secret(store), stored.account_id, stored.id, agent_id, ticket_id)}"


def invitations_by_status(store: Store, surveys: Sequence[StoredSurvey]) -> dict[int, dict[str, int]]:
    """Invitation counts per survey id and status (for `surveys list/show`)."""
    with store.engine.connect() as conn:
        return survey_store.invitation_counts(conn, [s.id for s in surveys])

