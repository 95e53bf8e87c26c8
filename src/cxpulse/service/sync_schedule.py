"""`cxpulse serve --sync-every MIN`: every connection synced on a schedule, in the background,
and each connection's state as the dashboard and the API show it.

One thread per server (`SyncScheduler`, kept in the server's App) runs a round at
start-up and then one every `every` seconds, counted from the start of one round to the
start of the next (a round that runs longer is followed at once). A round syncs the
connections one at a time, each under its account's lease (service/sync_lease.py), so
a `cxpulse sync` from a shell at the same time is told to wait rather than run beside
it; a connection another process is syncing is skipped until the next round. A sync
that fails is recorded on its connection (`cxpulse connections`, the dashboard) and
logged — by its message, which never holds the token — and the next round tries again;
nothing a sync raises stops the thread or the server. Stopping the server stops the
thread after the sync in flight, if any (at most `stop`'s timeout: a killed sync loses
nothing, its cursor was saved with its rows).

The sync does not take the App's SQLite write lock that API batches take turns on: paced
to Zendesk's 10 export requests a minute, a first sync of a large help desk runs for
many minutes, and API clients would wait that long. Each of its transactions is short;
on SQLite, if one meets an API batch's at the wrong moment, the batch is answered 503
with Retry-After (as when `cxpulse import` runs beside the server) or the sync stops
where its cursor stands, recorded, and the next round goes on from there.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from cxpulse.domain import CxpulseError, NotFound, SyncBusy
from cxpulse.service.connections import connection_for_sync, list_connections, masked
from cxpulse.service.sync_lease import guarded_sync, holder_name, syncing_now
from cxpulse.storage import connections as stored

if TYPE_CHECKING:
    from cxpulse.service.context import App

__all__ = ["DEFAULT_MINUTES", "SyncScheduler", "connection_states", "start_sync_schedule"]

log = logging.getLogger("cxpulse.sync")

DEFAULT_MINUTES = 5.0  # `cxpulse serve --sync-every`


class SyncScheduler:
    """Syncs every connection of the App's store every `every` seconds, one at a time, in a thread."""

    def __init__(self, app: App, every: float, *, holder: str | None = None) -> None:
        if every <= 0:
            raise ValueError("every must be > 0 seconds; a schedule that is off has no scheduler")
        self.app = app
        self.every = every
        self.holder = holder or holder_name("serve")
        self.rounds = 0  # rounds finished
        self.syncing: str | None = None  # the account being synced now
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_round: datetime | None = None
        self._due: dict[str, datetime] = {}  # account → when its next sync is due
        self._guard = threading.Lock()

    # -- lifetime --

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="cxpulse-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop after the sync in flight; True when the thread ended within `timeout` seconds."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("scheduled sync of %s still running at shutdown; it resumes from its cursor next time",
                            self.syncing)
                return False
        with self._guard:
            self._next_round = None
            self._due.clear()
        return True

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def next_sync_at(self, account: str) -> datetime | None:
        """When the account's connection is synced next (None: the schedule is stopped)."""
        with self._guard:
            if not self.running:
                return None
            return self._due.get(account, self._next_round)

    # -- the work --

    def run_round(self) -> dict[str, str]:
        """Sync every connection once, one at a time; returns each account's outcome:
        "synced", "busy" (another process has it) or the error's message."""
        started = datetime.now(UTC)
        outcomes: dict[str, str] = {}
        with self._guard:
            self._next_round = started + timedelta(seconds=self.every)
        names = [c["account"] for c in list_connections(self.app.store)]
        with self._guard:
            self._due = {name: started for name in names}
        for name in names:
            if self._stop.is_set():
                break
            self.syncing = name
            try:
                outcomes[name] = self._sync_one(name)
            finally:
                self.syncing = None
                with self._guard:
                    self._due[name] = started + timedelta(seconds=self.every)
        self.rounds += 1
        return outcomes

    def _sync_one(self, name: str) -> str:
        try:
            summary = guarded_sync(self.app.store, name, holder=self.holder)
        except SyncBusy as e:
            log.info("scheduled sync of %s skipped: %s", name, e)
            return "busy"
        except NotFound:  # disconnected since the round began
            return "gone"
        except Exception as e:  # a sync must never stop the others, the next round or the server
            message = self._record(name, e)
            log.warning("scheduled sync of %s failed: %s", name, message)
            return message
        self.app.data_changed(at_once=False)
        log.info("scheduled sync of %s: read %d, inserted %d, updated %d, unchanged %d", name, summary.read,
                 summary.inserted, summary.updated, summary.unchanged)
        return "synced"

    def _record(self, name: str, e: Exception) -> str:
        """The error as recorded on the connection: a domain error's message (made without the
        token), anything else by its type and text with the token cut out all the same."""
        message = str(e) if isinstance(e, CxpulseError) else f"{type(e).__name__}: {e}"
        try:
            conn_row = connection_for_sync(self.app.store, name)
            if conn_row.token:
                message = message.replace(conn_row.token, masked(conn_row.token))
            with self.app.store.engine.begin() as conn:
                stored.save_error(conn, conn_row.account_id, message[:2000])
        except Exception:  # the database itself is failing: the log still says why
            log.warning("could not record the failed sync of %s", name, exc_info=True)
        return message

    def _run(self) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            try:
                self.run_round()
            except Exception:  # listing the connections failed (database away): try next round
                log.exception("scheduled sync round failed")
            self._stop.wait(max(0.0, self.every - (time.monotonic() - began)))


def start_sync_schedule(app: Any, *, every: float) -> None:
    """Run a SyncScheduler every `every` seconds while `app` (a FastAPI app from
    web.create_app) is up: started and stopped with the app's lifespan, kept in its
    App (`app.state.context.sync_schedule`) for the pages that show the next sync."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any):
        ctx = a.state.context
        scheduler = SyncScheduler(ctx, every)
        ctx.sync_schedule = scheduler
        scheduler.start()
        try:
            async with inner(a) as state:
                yield state
        finally:
            import asyncio

            await asyncio.to_thread(scheduler.stop)

    app.router.lifespan_context = lifespan


def connection_states(app: App, accounts: set[str] | None = None) -> list[dict]:
    """Each connection of `accounts` (None: all) as `cxpulse connections` shows it (the
    token masked), with `syncing_since` and `syncing_by` (a sync running now, in any
    process), `next_sync_at` (None when this server does not sync on a schedule) and
    `sync_every_minutes` (None likewise)."""
    rows = [c for c in list_connections(app.store) if accounts is None or c["account"] in accounts]
    if not rows:
        return []
    running = syncing_now(app.store)
    ids = {a.name: a.id for a in app.store.accounts()}
    scheduler = app.sync_schedule
    on = scheduler is not None and scheduler.running
    out = []
    for c in rows:
        lease = running.get(ids.get(c["account"], -1))
        out.append({**c, "syncing_since": lease.started_at if lease else None,
                    "syncing_by": lease.holder if lease else None,
                    "next_sync_at": scheduler.next_sync_at(c["account"]) if on else None,
                    "sync_every_minutes": scheduler.every / 60 if on else None})
    return out
