"""Connections as stored: one row per account naming the help desk API its sync reads,
the token as given (the sync must send it), and where the last sync left off.

What a connection may hold, and that the token is never shown, is service/connections.py's.
Functions take a Connection so a use case groups them in one transaction. Times are naive
UTC in the table, aware UTC out of here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from cxpulse.storage import tables
from cxpulse.storage.rows import aware_utc, naive_utc

C, A = tables.connections, tables.accounts


@dataclass(frozen=True, slots=True)
class ConnectionRow:
    id: int
    account_id: int
    account: str
    kind: str
    base_url: str
    email: str
    token: str
    cursor: str  # JSON text; "" before the first sync
    last_sync_at: datetime | None
    last_error: str
    created_at: datetime
    updated_at: datetime


def _select():
    return select(C, A.c.name.label("account_name")).join(A, A.c.id == C.c.account_id)


def _row(r) -> ConnectionRow:
    return ConnectionRow(r.id, r.account_id, r.account_name, r.kind, r.base_url, r.email, r.token, r.cursor,
                         aware_utc(r.last_sync_at), r.last_error, aware_utc(r.created_at), aware_utc(r.updated_at))


def save_connection(conn: Connection, *, account_id: int, kind: str, base_url: str, email: str, token: str,
                    now: datetime) -> bool:
    """Store the account's connection, replacing the one it had: a new kind or URL starts
    the sync again from the start (cursor, last sync and error cleared), a new token or
    email alone keeps its place. True when the account had none."""
    old = conn.execute(select(C.c.kind, C.c.base_url).where(C.c.account_id == account_id)).first()
    values = {"kind": kind, "base_url": base_url, "email": email, "token": token, "updated_at": naive_utc(now)}
    if old is None:
        conn.execute(C.insert().values(account_id=account_id, cursor="", last_error="", created_at=naive_utc(now),
                                       **values))
        return True
    if (old.kind, old.base_url) != (kind, base_url):
        values |= {"cursor": "", "last_sync_at": None, "last_error": ""}
    conn.execute(update(C).where(C.c.account_id == account_id).values(**values))
    return False


def connections(conn: Connection) -> list[ConnectionRow]:
    """Every connection, by account name."""
    return [_row(r) for r in conn.execute(_select().order_by(A.c.name))]


def connection(conn: Connection, account_id: int) -> ConnectionRow | None:
    r = conn.execute(_select().where(C.c.account_id == account_id)).first()
    return None if r is None else _row(r)


def remove_connection(conn: Connection, account_id: int) -> bool:
    """False when the account had no connection."""
    return conn.execute(delete(C).where(C.c.account_id == account_id)).rowcount == 1


def save_progress(conn: Connection, account_id: int, *, cursor: str, synced_at: datetime | None = None) -> None:
    """Record where the sync got to — in the transaction that committed the page's rows,
    so a killed sync resumes after what it stored and nothing else."""
    values: dict = {"cursor": cursor, "last_error": ""}
    if synced_at is not None:
        values["last_sync_at"] = naive_utc(synced_at)
    conn.execute(update(C).where(C.c.account_id == account_id).values(**values))


def save_error(conn: Connection, account_id: int, error: str) -> None:
    """Record why the last sync stopped (its cursor stays where the last stored page left it)."""
    conn.execute(update(C).where(C.c.account_id == account_id).values(last_error=error))
