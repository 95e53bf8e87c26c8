"""What is stored per account, read beside `Store.accounts()`: how many raw rows each
holds, how much happened in it lately, and an account's name by its id."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, func, select

from cxpulse.storage import tables

_RAW = {"tickets": tables.tickets, "events": tables.ticket_events, "responses": tables.responses}


def raw_row_counts(conn: Connection) -> dict[str, dict[int, int]]:
    """{"tickets" | "events" | "responses" | "reviews": {account id: rows}}; an account
    without rows of a kind is absent from its dict. Public reviews (responses of kind
    "review") are counted apart from the survey responses."""
    counts: dict[str, dict[int, int]] = {}
    for name, table in _RAW.items():
        if name == "responses":
            continue
        q = select(table.c.account_id, func.count()).group_by(table.c.account_id)
        counts[name] = {aid: n for aid, n in conn.execute(q)}
    r = tables.responses.c
    is_review = r.kind == "review"
    counts["responses"], counts["reviews"] = {}, {}
    for aid, review, n in conn.execute(select(r.account_id, is_review, func.count()).group_by(r.account_id, is_review)):
        counts["reviews" if review else "responses"][aid] = n
    return counts


def recent_activity(conn: Connection, days: int) -> dict[int, int]:
    """{account id: tickets created + responses given} in the `days` days up to the newest
    such day in the store (not today: imported or demo data may end weeks ago). Read from
    the derived tables, on their (account, day) keys; accounts with none are absent."""
    k, r = tables.ticket_kpis.c, tables.rollup_day.c
    newest = [d for d in (conn.execute(select(func.max(k.created_day))).scalar(),
                          conn.execute(select(func.max(r.day))).scalar()) if d is not None]
    if not newest:
        return {}
    since = max(newest) - timedelta(days=days - 1)
    out: dict[int, int] = {}
    for q in (select(k.account_id, func.count()).where(k.created_day >= since).group_by(k.account_id),
              select(r.account_id, func.sum(r.n)).where(r.day >= since).group_by(r.account_id)):
        for aid, n in conn.execute(q):
            out[aid] = out.get(aid, 0) + int(n or 0)
    return out


def account_name(conn: Connection, account_id: int) -> str:
    """The name of the account with this id (which must exist)."""
    a = tables.accounts.c
    return conn.execute(select(a.name).where(a.id == account_id)).scalar_one()
