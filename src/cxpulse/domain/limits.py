"""What a stored value may be: the time window and the text limits, declared once.

Every door (the JSONL, CSV and Zendesk importers, the API's batches, the Zendesk webhook)
checks its records against these before anything is written, so SQLite and PostgreSQL
store the same rows and refuse the same ones (docs/formats.md, "Limits").

- **Times** lie from `EARLIEST` (1990-01-01 UTC) to five years after now. A help desk
  older than 1990 or a time far in the future is a typo or a placeholder
  (`9999-12-31`), and such a time breaks local days, business hours and every report
  of its account. A row is not placed by a time outside the window: a ticket created
  then is rejected; an optional time (a ticket's `solved_at`) is left out.
- **Text** holds no NUL character (PostgreSQL refuses it) and no lone surrogate (no
  encoding can write it), and fits its column: the lengths below are the columns'
  lengths in storage/tables.py (a test holds them equal).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from cxpulse.domain.types import Ticket, TicketEvent

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
AHEAD = timedelta(days=5 * 365 + 1)  # how far after now a time may lie: five years


def latest(now: datetime | None = None) -> datetime:
    """The end of the window: five years after `now` (default: the clock)."""
    return (now or datetime.now(UTC)) + AHEAD


def time_problem(at: datetime, end: datetime | None = None) -> str | None:
    """Why `at` (aware) cannot be stored, or None when it lies in the window."""
    if at < EARLIEST:
        return f"{_iso(at)} is before {_iso(EARLIEST)}: cxpulse keeps times from 1990 to five years ahead"
    end = end or latest()
    if at > end:
        return f"{_iso(at)} is more than five years ahead (after {_iso(end)}): a placeholder or a typo?"
    return None


def _iso(at: datetime) -> str:
    try:
        return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError):  # 9999-12-31T23:30-05:00 has no UTC
        return at.isoformat()


# Column lengths (storage/tables.py) of the text a record carries, per record kind and
# attribute. Text without a length here (subjects, bodies, comments) has no limit but NUL
# and surrogates.
ID = 200
TEXT_LIMITS: dict[str, dict[str, int]] = {
    "account": {"name": 200, "ticket_url": 500},
    "user": {"source_id": ID, "locale": 32},
    "ticket": {
        "source_id": ID, "status": 32, "channel": 64, "priority": 32, "group": 200, "category": 200,
        "requester_id": ID, "assignee_id": ID,
    },
    "event": {"source_id": ID, "ticket_id": ID, "author_id": ID},
    "response": {"source_id": ID, "ticket_id": ID, "customer_id": ID, "agent_id": ID, "channel": 64,
                 "attribute": 100, "language": 16},
    "invitation": {"source_id": ID, "ticket_id": ID, "customer_id": ID},
}  # fmt: skip
# A change event's values become the ticket's KPI labels (ticket_kpis.status, agent_id,
# group_name): they fit those columns too.
CHANGE_LIMITS = {"status": 32, "assignee": ID, "group": 200, "priority": 32}

BAD_CHAR = re.compile("[\x00\ud800-\udfff]")


def text_problem(value: str, limit: int | None = None) -> str | None:
    """Why `value` cannot be stored as text (a NUL, a lone surrogate, too long), or None."""
    if limit is not None and len(value) > limit:
        return f"{len(value)} characters; at most {limit}"
    m = BAD_CHAR.search(value)
    if m is None:
        return None
    ch = m.group()
    if ch == "\x00":
        return "holds a NUL character (\\u0000), which no text may"
    return f"holds a lone surrogate (\\u{ord(ch):04x}), which is not a character: not valid Unicode"


def has_bad_char(value: str) -> bool:
    """A NUL or a lone surrogate in `value`: the quick test before `text_problem`."""
    return BAD_CHAR.search(value) is not None


def within_window(ticket: Ticket, events: list[TicketEvent], end: datetime | None = None) -> tuple[Ticket, list[TicketEvent]] | None:
    """A stored ticket and its events as the derived data may read them: None for a ticket
    created outside the window, its events and optional times outside it left out.

    The doors refuse such times, but a database written before they did may hold them;
    one must not break the KPIs of every ticket (`cxpulse rebuild`).
    """
    end = end or latest()
    if not EARLIEST <= ticket.created_at <= end:
        return None
    odd = [a for a in ("updated_at", "solved_at", "due_at") if (at := getattr(ticket, a)) and not EARLIEST <= at <= end]
    if odd:
        ticket = replace(ticket, **dict.fromkeys(odd))
    if any(not EARLIEST <= e.at <= end for e in events):
        events = [e for e in events if EARLIEST <= e.at <= end]
    return ticket, events
