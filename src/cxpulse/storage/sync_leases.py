"""Sync leases as stored: one row per account whose connection some process is syncing now.

A sync takes the lease (`claim`), renews it while it runs (`renew`) and removes it at the
end (`release`); a lease past its `until` is free, so a process killed mid-sync holds
nobody up for longer than one lease. Each function is its own short transaction, so a
claim is decided by the database — two processes (the server's schedule and a
`cxpulse sync` from a shell), or two servers on one PostgreSQL, never both win. Times
are naive UTC in the table, aware UTC out of here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select, update

from cxpulse.storage import tables
from cxpulse.storage.errors import WriteConflict
from cxpulse.storage.rows import aware_utc, naive_utc

L = tables.sync_leases


@dataclass(frozen=True, slots=True)
class Lease:
    account_id: int
    holder: str
    started_at: datetime
    until: datetime


def claim(engine: Engine, account_id: int, holder: str, *, now: datetime, until: datetime) -> Lease | None:
    """Take the account's lease for `holder` until `until`: None when it was taken (the
    current lease is returned by `current`), the new lease otherwise. An expired lease is
    taken over."""
    values = {"holder": holder, "started_at": naive_utc(now), "until": naive_utc(until)}
    with engine.begin() as conn:
        taken = conn.execute(update(L).where(L.c.account_id == account_id, L.c.until < naive_utc(now))
                             .values(**values)).rowcount
    if not taken:
        try:
            with engine.begin() as conn:
                conn.execute(L.insert().values(account_id=account_id, **values))
        except WriteConflict:  # someone holds it (or took it between the two statements)
            return None
    return Lease(account_id, holder, now, until)


def take_over(engine: Engine, account_id: int, old_holder: str, holder: str, *, now: datetime,
              until: datetime) -> Lease | None:
    """Take the lease from `old_holder` (known to be gone); None when it is no longer theirs."""
    with engine.begin() as conn:
        taken = conn.execute(update(L).where(L.c.account_id == account_id, L.c.holder == old_holder)
                             .values(holder=holder, started_at=naive_utc(now), until=naive_utc(until))).rowcount
    return Lease(account_id, holder, now, until) if taken else None


def renew(engine: Engine, lease: Lease, until: datetime) -> bool:
    """Move the lease's end to `until`; False when `holder` no longer holds it."""
    with engine.begin() as conn:
        return conn.execute(update(L).where(L.c.account_id == lease.account_id, L.c.holder == lease.holder)
                            .values(until=naive_utc(until))).rowcount == 1


def release(engine: Engine, lease: Lease) -> None:
    """Give the lease back (only if `holder` still holds it)."""
    with engine.begin() as conn:
        conn.execute(delete(L).where(L.c.account_id == lease.account_id, L.c.holder == lease.holder))


def current(engine: Engine, *, now: datetime) -> dict[int, Lease]:
    """The leases held now, by account id (expired ones left out)."""
    with engine.connect() as conn:
        rows = conn.execute(select(L).where(L.c.until >= naive_utc(now))).all()
    return {r.account_id: Lease(r.account_id, r.holder, aware_utc(r.started_at), aware_utc(r.until)) for r in rows}
