"""One sync of an account at a time, whoever runs it: `guarded_sync` takes the account's
lease in the database (storage/sync_leases.py), runs `service.sync.sync`, and gives the
lease back.

`cxpulse serve` syncs on a schedule (service/sync_schedule.py) while someone may run
`cxpulse sync` from a shell or cron, or a second server may share the PostgreSQL
database. Two syncs of one account at once would each store what they fetched and save
their own cursor, the slower one last — an older copy of a ticket over a newer one until
the next sync. The lease makes the second caller wait its turn (SyncBusy) instead. It
lasts LEASE and is renewed every RENEW_EVERY while the sync runs, so a process killed
mid-sync holds the account for at most LEASE — and not at all from a process on the same
machine, which sees that the holder's pid is gone and takes the lease over at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from cxpulse.domain import SyncBusy
from cxpulse.readers import ImportSummary
from cxpulse.service import sync as sync_service
from cxpulse.service.sync import SyncProgress
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
                 progress: Callable[[SyncProgress], None] | None = None) -> ImportSummary:
    """`sync(store, account, full=full, progress=progress)` under the account's lease;
    SyncBusy when another process (or thread) holds it. `holder` names the caller (default:
    this process, as "cli")."""
    acc = store.account(account)  # NotFound names the accounts there are
    holder = holder or holder_name("cli")
    now = datetime.now(UTC)
    lease = leases.claim(store.engine, acc.id, holder, now=now, until=now + LEASE)
    held = leases.current(store.engine, now=now).get(acc.id) if lease is None else None
    if held is not None and _gone(held.holder):  # killed on this machine: no need to wait out its lease
        lease = leases.take_over(store.engine, acc.id, held.holder, holder, now=now, until=now + LEASE)
    if lease is None:
        who = f" by {held.holder} since {held.started_at:%Y-%m-%d %H:%M:%S} UTC" if held else ""
        raise SyncBusy(f"account {account!r} is being synced now{who}; it goes on from where that sync "
                       "stops — run this again once it is done")
    stop = threading.Event()
    renewer = threading.Thread(target=_renew, args=(store, lease, stop), name=f"cxpulse-lease-{acc.id}",
                               daemon=True)
    renewer.start()
    try:
        return sync_service.sync(store, account, full=full, progress=progress)
    finally:
        stop.set()
        renewer.join()
        leases.release(store.engine, lease)


def _gone(holder: str) -> bool:
    """Whether the lease's holder was a process of this machine that is no longer running."""
    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or parts[1] != socket.gethostname() or not parts[2].isdigit():
        return False
    pid = parts[2]
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # it exists, under another user
        return False
    return False


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
