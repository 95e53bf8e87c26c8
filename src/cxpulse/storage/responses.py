"""Stored survey responses, read and restamped by what derives from them: their local
days (which follow the account's timezone) and the days a set of tickets' responses span."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import Connection, bindparam, func, select, update

from cxpulse.storage import pg_copy, tables
from cxpulse.storage.id_lists import in_ids


def response_days(conn: Connection, account_id: int) -> list[tuple[int, datetime, date]]:
    """(id, given_at as stored — naive UTC, day) of every response of the account."""
    r = tables.responses.c
    return [tuple(row) for row in conn.execute(select(r.id, r.given_at, r.day).where(r.account_id == account_id))]


def set_response_days(conn: Connection, days: Sequence[tuple[int, date]]) -> None:
    """Give these responses (by id) a new local day (a new timezone may move them all)."""
    if conn.dialect.name == "postgresql" and len(days) >= pg_copy.COPY_MIN_ROWS:
        pg_copy.copy_update(conn, tables.responses, [(rid, (day,)) for rid, day in days], ("day",))
    elif days:
        r = tables.responses
        conn.execute(update(r).where(r.c.id == bindparam("b_id")).values(day=bindparam("day")),
                     [{"b_id": rid, "day": day} for rid, day in days])


def response_day_span(conn: Connection, account_id: int, ticket_ids: Collection[str]) -> tuple[date | None, date | None]:
    """The first and last day of the responses to these tickets ((None, None): none)."""
    r = tables.responses
    lo = hi = None
    for named in in_ids(conn, r.c.ticket_id, ticket_ids):
        q = select(func.min(r.c.day), func.max(r.c.day)).where(r.c.account_id == account_id, named)
        a, b = conn.execute(q).one()
        if a is not None:
            lo = a if lo is None or a < lo else lo
            hi = b if hi is None or b > hi else hi
    return lo, hi
