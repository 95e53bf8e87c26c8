"""Reading a ticket with all its events, and writing the KPI rows derived from them."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import datetime

from sqlalchemy import Connection, TextClause, bindparam, delete, select, text

from cxpulse.domain import EventKind, Role, Ticket, TicketEvent
from cxpulse.storage import tables
from cxpulse.storage.id_lists import in_ids
from cxpulse.storage.rows import aware_utc
from cxpulse.storage.store import insert_many

CHUNK = 2000
_fromisoformat = datetime.fromisoformat


def ticket_ids(conn: Connection, account_id: int) -> list[str]:
    q = select(tables.tickets.c.source_id).where(tables.tickets.c.account_id == account_id)
    return [sid for (sid,) in conn.execute(q)]


_EVENT_SQL = text(
    "SELECT source_id, ticket_id, at, kind, author_id, author_role, public, body, value_from, value_to"
    " FROM ticket_events WHERE account_id = :account AND ticket_id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_TICKET_SQL = text(
    "SELECT source_id, subject, description, status, channel, priority, group_name, category,"
    " requester_id, assignee_id, created_at, updated_at, solved_at, metrics, due_at, tags"
    " FROM tickets WHERE account_id = :account AND source_id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_KINDS = {k.value: k for k in EventKind}
_ROLES = {r.value: r for r in Role}


def ticket_histories(
    conn: Connection, account_id: int, ids: Collection[str] | None = None
) -> Iterator[tuple[Ticket, list[TicketEvent]]]:
    """Each ticket with its events (unsorted), a chunk of tickets at a time.

    Rows are read as plain tuples (textual SQL, no per-column type processing; SQLite
    gives times as text, which `aware_utc` parses): this is the hot loop of every KPI
    refresh, a million rows for a large import.
    """
    ids = sorted(ids) if ids is not None else ticket_ids(conn, account_id)
    at = _utc_text if conn.dialect.name == "sqlite" else aware_utc
    kinds, roles, event, ticket_row = _KINDS, _ROLES, TicketEvent, Ticket
    loads = json.loads
    fetch = _fetcher(conn)
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        rows = fetch(_TICKET_SQL, account_id, chunk)
        # positional, in the dataclass's field order: a keyword call reading each column by
        # name was a third of turning the rows into tickets and events
        tickets = [
            ticket_row(sid, at(created), subject, description, status, channel, priority, group, category,
                       requester, assignee, None if updated is None else at(updated),
                       None if solved is None else at(solved), None if due is None else at(due),
                       loads(metrics) if metrics else {}, tuple(tags.split()) if tags else ())
            for (sid, subject, description, status, channel, priority, group, category, requester, assignee,
                 created, updated, solved, metrics, due, tags) in rows
        ]
        events: dict[str, list[TicketEvent]] = {}
        get = events.get
        rows = fetch(_EVENT_SQL, account_id, chunk)
        for sid, tid, when, kind, author, role, public, body, vfrom, vto in rows:
            ev = event(sid, tid, at(when), kinds[kind], author, roles[role], public == 1, body, vfrom, vto)
            same = get(tid)
            if same is None:
                events[tid] = [ev]
            else:
                same.append(ev)
        for ticket in tickets:
            yield ticket, events.get(ticket.source_id, [])


def _fetcher(conn: Connection) -> Callable[[TextClause, int, list[str]], Sequence[tuple]]:
    """`fetch(query, account, ids)`: the rows of one of the queries above for these ids.

    Through the driver's own cursor: the statement's expanding parameter (compiled again
    for each chunk) and the result's row objects were a third of reading 100,000 tickets'
    events on SQLite. There the IN list is written out as `?`s; PostgreSQL takes the ids
    as one array parameter (`= ANY(%s)`), not 2,000 parameters to send and plan."""
    driver = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        pg = {q: q.text.replace(":account", "%s").replace("IN :ids", "= ANY(%s)") for q in (_TICKET_SQL, _EVENT_SQL)}

        def fetch_pg(query: TextClause, account: int, ids: list[str]) -> list[tuple]:
            with driver.cursor() as cur:
                return cur.execute(pg[query], (account, ids)).fetchall()

        return fetch_pg
    if conn.dialect.name != "sqlite":
        return lambda query, account, ids: conn.execute(query, {"account": account, "ids": ids}).fetchall()
    qmark = {q: q.text.replace(":account", "?").replace(":ids", "({})") for q in (_TICKET_SQL, _EVENT_SQL)}

    def fetch(query: TextClause, account: int, ids: list[str]) -> list[tuple]:
        return driver.execute(qmark[query].format(",".join("?" * len(ids))), (account, *ids)).fetchall()

    return fetch


def _utc_text(at: str) -> datetime:
    """SQLite's stored time (naive UTC text) as an aware UTC time: `aware_utc`'s text case."""
    return _fromisoformat(at + "+00:00")


def delete_kpis(conn: Connection, account_id: int, ids: Collection[str] | None = None) -> None:
    """Drop the KPI rows of these tickets (all of the account's when ids is None)."""
    k = tables.ticket_kpis
    if ids is None:
        conn.execute(delete(k).where(k.c.account_id == account_id))
        return
    for named in in_ids(conn, k.c.ticket_id, ids):
        conn.execute(delete(k).where(k.c.account_id == account_id, named))


def insert_kpis(conn: Connection, account_id: int, rows: Sequence[dict]) -> None:
    if rows:
        keys = (*rows[0], "account_id")
        insert_many(conn, tables.ticket_kpis, keys, [(*row.values(), account_id) for row in rows])
