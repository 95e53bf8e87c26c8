"""Rollups: counts of responses per score at a few coarse grains, rebuilt from raw rows.

DESIGN.md: rollups pay only when much smaller than the raw rows, so keep a few coarse
grains and answer each query from the coarsest that can (see queries.pick_grain).
A mystery shopper's test contact counts in none (storage/mystery.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Connection, and_, cast, delete, func, literal, select
from sqlalchemy import Date as SADate

from cxpulse.storage import tables
from cxpulse.storage.mystery import not_test_contact

r = tables.responses.alias("r")
t = tables.tickets.alias("t")
# a response with its ticket, when it has one: agent, channel, group and category come from there
responses_with_tickets = r.outerjoin(t, and_(t.c.account_id == r.c.account_id, t.c.source_id == r.c.ticket_id))


def month_of(col, dialect: str):
    """First day of the month of a date column, in this dialect's SQL."""
    if dialect == "sqlite":
        return func.date(col, "start of month")
    return cast(func.date_trunc("month", col), SADate)


def agent_expr():
    return func.coalesce(func.nullif(r.c.agent_id, ""), t.c.assignee_id, "")


def channel_expr():
    return func.coalesce(func.nullif(r.c.channel, ""), t.c.channel, "")


def _dims(table, dialect: str) -> list:
    if table is tables.rollup_day:
        return [r.c.day, channel_expr(), func.coalesce(t.c.group_name, "")]
    if table is tables.rollup_month_agent:
        return [month_of(r.c.day, dialect), agent_expr()]
    return [month_of(r.c.day, dialect), func.coalesce(t.c.category, "")]


def time_column(table):
    """A rollup's time column: `day` at the day grains, `month` at the month grains."""
    return table.c.day if table is tables.rollup_day or table is tables.rollup_day_account else table.c.month


def month_span(first: date, last: date) -> tuple[date, date]:
    start = first.replace(day=1)
    nxt = (last.replace(day=1) + timedelta(days=32)).replace(day=1)
    return start, nxt - timedelta(days=1)


def refresh_rollups(
    conn: Connection, account_id: int, *, first_day: date | None = None, last_day: date | None = None
) -> None:
    """Recount the rollups of one account, for the whole history or the days given.

    Month grains recount whole months, so the span widens to month edges.
    """
    dialect = conn.dialect.name
    if first_day is not None and last_day is not None:
        first_day, last_day = month_span(first_day, last_day)
    for table in tables.ROLLUPS:
        time_col = time_column(table)
        d = delete(table).where(table.c.account_id == account_id)
        cond = [r.c.account_id == account_id, not_test_contact(r.c.account_id, r.c.ticket_id)]
        if first_day is not None:
            d = d.where(time_col >= first_day, time_col <= last_day)
            cond += [r.c.day >= first_day, r.c.day <= last_day]
        conn.execute(d)
        if table is tables.rollup_day_account:  # rollup_day (just recounted) summed over channel and group
            day = tables.rollup_day
            keys = [day.c.day, day.c.kind, day.c.scale, day.c.attribute, day.c.score, day.c.importance]
            summed = select(literal(account_id), *keys, func.sum(day.c.n)).where(day.c.account_id == account_id)
            if first_day is not None:
                summed = summed.where(day.c.day >= first_day, day.c.day <= last_day)
            conn.execute(table.insert().from_select([c.name for c in table.columns], summed.group_by(*keys)))
            continue
        dims = _dims(table, dialect)
        cols = [
            literal(account_id),
            *dims,
            r.c.kind,
            r.c.scale,
            r.c.attribute,
            r.c.score,
            func.coalesce(r.c.importance, -1),
        ]
        q = select(*cols, func.count()).select_from(responses_with_tickets).where(*cond).group_by(*cols[1:])
        names = [c.name for c in table.columns]
        conn.execute(table.insert().from_select(names, q))
