"""What is stored per account, read beside `Store.accounts()`: how many raw rows each
holds, and an account's name by its id."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from cxpulse.storage import tables as T

_RAW = {"tickets": T.tickets, "events": T.ticket_events, "responses": T.responses}


def raw_row_counts(conn: Connection) -> dict[str, dict[int, int]]:
    """{"tickets" | "events" | "responses": {account id: rows}}; an account without rows
    of a kind is absent from its dict."""
    counts: dict[str, dict[int, int]] = {}
    for name, table in _RAW.items():
        q = select(table.c.account_id, func.count()).group_by(table.c.account_id)
        counts[name] = {aid: n for aid, n in conn.execute(q)}
    return counts


def account_name(conn: Connection, account_id: int) -> str:
    """The name of the account with this id (which must exist)."""
    a = T.accounts.c
    return conn.execute(select(a.name).where(a.id == account_id)).scalar_one()
