"""Reading a ticket with all its events, and writing the KPI rows derived from them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence

from sqlalchemy import Connection, delete, select

from cxpulse.domain import EventKind, Role, Ticket, TicketEvent
from cxpulse.storage import tables as T
from cxpulse.storage.rows import aware_utc, ticket_of

CHUNK = 2000


def ticket_ids(conn: Connection, account_id: int) -> list[str]:
    q = select(T.tickets.c.source_id).where(T.tickets.c.account_id == account_id)
    return [sid for (sid,) in conn.execute(q)]


def ticket_histories(
    conn: Connection, account_id: int, ids: Collection[str] | None = None
) -> Iterator[tuple[Ticket, list[TicketEvent]]]:
    """Each ticket with its events (unsorted), a chunk of tickets at a time."""
    ids = sorted(ids) if ids is not None else ticket_ids(conn, account_id)
    e = T.ticket_events
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        tq = select(T.tickets).where(T.tickets.c.account_id == account_id, T.tickets.c.source_id.in_(chunk))
        tickets = [ticket_of(row) for row in conn.execute(tq)]
        eq = select(
            e.c.source_id, e.c.ticket_id, e.c.at, e.c.kind, e.c.author_id, e.c.author_role,
            e.c.public, e.c.body, e.c.value_from, e.c.value_to,
        ).where(e.c.account_id == account_id, e.c.ticket_id.in_(chunk))
        events: dict[str, list[TicketEvent]] = defaultdict(list)
        for row in conn.execute(eq):
            events[row.ticket_id].append(
                TicketEvent(
                    source_id=row.source_id,
                    ticket_id=row.ticket_id,
                    at=aware_utc(row.at),
                    kind=EventKind(row.kind),
                    author_id=row.author_id,
                    author_role=Role(row.author_role),
                    public=bool(row.public),
                    body=row.body,
                    value_from=row.value_from,
                    value_to=row.value_to,
                )
            )
        for ticket in tickets:
            yield ticket, events.get(ticket.source_id, [])


def delete_kpis(conn: Connection, account_id: int, ids: Collection[str] | None = None) -> None:
    """Drop the KPI rows of these tickets (all of the account's when ids is None)."""
    k = T.ticket_kpis
    if ids is None:
        conn.execute(delete(k).where(k.c.account_id == account_id))
        return
    ids = list(ids)
    for i in range(0, len(ids), CHUNK):
        conn.execute(delete(k).where(k.c.account_id == account_id, k.c.ticket_id.in_(ids[i : i + CHUNK])))


def insert_kpis(conn: Connection, account_id: int, rows: Sequence[dict]) -> None:
    if rows:
        conn.execute(T.ticket_kpis.insert(), [{**row, "account_id": account_id} for row in rows])
