"""Shared by the survey tests (Part B): a small help desk, a recording mailer, shortcuts."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from cxpulse.domain import Account, Role, Ticket, User
from cxpulse.readers.base import Record
from cxpulse.service.derive import derive_touched
from cxpulse.service.load import load
from cxpulse.storage import Store
from cxpulse.storage import rows as R
from cxpulse.storage import tables as T

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # when the test surveys are defined
ACCOUNT = "acme"


class RecordingMailer:
    """A Mailer that keeps what it was asked to send; thread-safe, optionally slow or failing."""

    def __init__(self, delay: float = 0.0, fail: int = 0) -> None:
        self.sent: list[tuple[str, object]] = []
        self.delay = delay
        self.fail = fail  # how many sends fail before they succeed
        self._lock = threading.Lock()

    def send(self, to: str, email) -> None:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            if self.fail:
                self.fail -= 1
                raise ConnectionRefusedError("smtp down")
            self.sent.append((to, email))

    def to(self, address: str) -> list:
        return [e for a, e in self.sent if a == address]


def customer(cid: str, *, email: str | None = None, locale: str = "en", name: str = "") -> Record:
    mail = f"{cid}@example.com" if email is None else email
    return Record("user", User(cid, Role.CUSTOMER, name or f"Customer {cid}", mail, locale), account=ACCOUNT)


def ticket(tid: str, requester: str, *, solved_at: datetime | None = None, status: str | None = None,
           subject: str = "Printer on fire") -> Record:
    status = status or ("solved" if solved_at else "open")
    created = (solved_at or T0) - timedelta(hours=5)
    return Record("ticket", Ticket(tid, created, subject=subject, status=status, channel="email", group="Billing",
                                   requester_id=requester, assignee_id="a1", updated_at=solved_at or created,
                                   solved_at=solved_at), account=ACCOUNT)


def seed(store: Store, records: list[Record], account: str = ACCOUNT) -> None:
    """Store records (and the account) the way an import does, derived data included."""
    recs = [Record("account", Account(account, timezone="Europe/Vilnius"))]
    recs += [Record("user", User("a1", Role.AGENT, "Ona", "ona@acme.example", "lt"), account=account)]
    result = load(store, recs + [dataclasses.replace(r, account=account) for r in records], account=account)
    derive_touched(store, result.touched)


def set_ticket(store: Store, tid: str, account: str = ACCOUNT, **changes) -> None:
    """Change a stored ticket (solve it, reopen it) as a later import would."""
    acc = store.account(account)
    with store.engine.connect() as conn:
        row = conn.execute(select(T.tickets).where(T.tickets.c.account_id == acc.id,
                                                   T.tickets.c.source_id == tid)).one()
    updated = dataclasses.replace(R.ticket_of(row), **changes)
    result = load(store, [Record("ticket", updated, account=account)], account=account)
    derive_touched(store, result.touched)


def invitations(store: Store) -> dict[str, dict]:
    """ticket id -> invitation row as a dict."""
    with store.engine.connect() as conn:
        return {r.ticket_id: r._asdict() for r in conn.execute(select(T.survey_invitations))}


def count(store: Store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def responses(store: Store) -> list[dict]:
    with store.engine.connect() as conn:
        return [r._asdict() for r in conn.execute(select(T.responses).order_by(T.responses.c.source_id))]


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]
