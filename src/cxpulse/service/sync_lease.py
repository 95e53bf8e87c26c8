"""One sync of an account at a time, whoever runs it: `guarded_sync` takes the account's
lease in the database (storage/sync_leases.py), runs `service.sync.sync`, and gives the
lease back.

`cxpulse serve` syncs on a schedule (service/sync_schedule.py) while someone may run
`cxpulse sync` from a shell or cron, or a second server may share the PostgreSQL
database. Two syncs of one account at once would each store what they fetched and save
their own cursor, the slower one last — an older copy of a ticket over a newer one until
the next sync. The lease makes the second caller wait its turn (SyncBusy) instead. It
lasts LEASE and is renewed every RENEW_EVERY while the sync runs, so a process killed
mid-sync holds the account for at most LEASE.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta

from cxpulse.domain import SyncBusy
from cxpulse.readers import ImportSummary
from cxpulse.service import sync as sync_service
from cxpulse.storage import Store
from cxpulse.storage import sync_leases as leases

__all__ = ["LEASE", "guarded_sync", "holder_name", "syncing_now"]

log = logging.getLogger("cxpulse.sync")

LEASE = timedelta(minutes=3)  # a killed sync holds its account at most this long
RENEW_EVERY = 60.0  # seconds between renewals while the sync runs: well inside LEASE


def holder_name(role: str) -> str:
    """Who holds a lease, as `cxpulse connections` and the dashboard show it: "serve:host:pid"."""
    return f"{role}:{socket.gethostname()}:{os.getpid()}"


def guarded_sync(store: Store, account: str, *, full: bool = False, holder: str | None = None,
                 lock: AbstractContextManager | None = None) -> ImportSummary:
    """`sync(store, account, full=full)` under the account's lease; SyncBusy when another
    process holds it. `lock` is held around the sync too (a server's SQLite write lock,
    so its own API batches take turns with the sync's writes)."""
    acc = store.account(account)  # NotFound names the accounts there are
    holder = holder or holder_name("cli")
    now = datetime.now(UTC)
    lease = leases.claim(store.engine, acc.id, holder, now=now, until=now + LEASE)
    if lease is None:
        held = leases.current(store.engine, now=now).get(acc.id)
        who = f" by {held.holder} since {held.started_at:%Y-%m-%d %H:%M:%S} UTC" if held else ""
        raise SyncBusy(f"account {account!r} is being synced now{who}; it goes on from where that sync "
                       "stops — run this again once it is done")
    stop = threading.Event()
    renewer = threading.Thread(target=_renew, args=(store, lease, stop), name=f"cxpulse-lease-{acc.id}",
                               daemon=True)
    renewer.start()
    try:
        with lock if lock is not None else nullcontext():
            return sync_service.sync(store, account, full=full)
    finally:
        stop.set()
        renewer.join()
        leases.release(store.engine, lease)


def syncing_now(store: Store) -> dict[int, leases.Lease]:
    """The accounts being synced now (by account id), with who syncs them and since when."""
    return leases.current(store.engine, now=datetime.now(UTC))


def _renew(store: Store, lease: leases.Lease, stop: threading.Event) -> None:
    while not stop.wait(RENEW_EVERY):
        try:
            if not leases.renew(store.engine, lease, datetime.now(UTC) + LEASE):
                log.warning("sync lease of account id %d was taken over; the sync goes on", lease.account_id)
        except Exception:  # a busy database now and then: the lease still has time to run
            log.warning("could not renew the sync lease of account id %d", lease.account_id, exc_info=True)
