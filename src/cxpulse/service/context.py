"""What lives as long as a server: one `App`, made at start-up and passed in.

A server (`cxpulse serve`, or any app `web.create_app` builds) keeps, beside its store,
the settings it started with, the reports it has computed (one cache: the API's
`/metrics` and the dashboard read the same rows), the background refresh of what API
batches touched, the lock its SQLite writers take turns on, the accounts it looked
up lately, and the scheduled sync of its help desk connections (`serve --sync-every`). They sit here, on one object the app factory makes and the routes get as a
dependency — never as attributes hung on the Store, never as module globals, so two apps
in one process (tests) share nothing.

A command that does not serve passes the store alone: it is one use case in one short
process, with nothing to keep between requests. `as_app(store)` wraps a bare store in a
light App for a one-off call of a use case that wants one (a script, a test).
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

from cxpulse.config import Settings
from cxpulse.service.refresher import Refresher
from cxpulse.service.report_cache import ReportCache
from cxpulse.storage import Store

if TYPE_CHECKING:
    from cxpulse.service.load import Touched
    from cxpulse.service.sync_schedule import SyncScheduler
    from cxpulse.storage.store import StoredAccount

ACCOUNT_SECONDS = 5.0  # settings changed by another process show within this
_KEPT_MAX = 10_000


class AccountLookups:
    """Accounts by name, kept a few seconds: most requests name the same few accounts,
    and this saves a query (and a thread hop) on each."""

    def __init__(self, ttl: float = ACCOUNT_SECONDS) -> None:
        self.ttl = ttl
        self._items: dict[str, tuple[float, StoredAccount | None]] = {}

    def kept(self, name: str) -> StoredAccount | None | bool:
        """The kept lookup of `name` without touching the database: an account, None (no
        such account), or False when nothing is kept."""
        hit = self._items.get(name)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else False

    def put(self, name: str, account: StoredAccount | None) -> None:
        if len(self._items) >= _KEPT_MAX:
            self._items.clear()
        self._items[name] = (time.monotonic() + self.ttl, account)


class App:
    """The state of one server: store, settings, report cache, refresher, write lock."""

    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        self.store = store
        self.settings = settings if settings is not None else Settings.from_env()
        self.reports = ReportCache()  # the report rows the API and the dashboard read
        self.accounts = AccountLookups()
        # SQLite has one writer at a time, and a read transaction that turns into a write
        # fails at once (SQLITE_BUSY_SNAPSHOT) when another connection wrote in between,
        # whatever the busy timeout. So this server's batches take turns; PostgreSQL needs no lock.
        self.write_lock: AbstractContextManager = threading.Lock() if store.dialect == "sqlite" else nullcontext()
        self._refresher: Refresher | None = None
        # the scheduled sync of the connections (service/sync_schedule.py), while `serve --sync-every` runs one
        self.sync_schedule: SyncScheduler | None = None
        self._guard = threading.Lock()
        self._kept: dict[tuple, tuple[float, object]] = {}  # small page parts, kept KEPT_TTL seconds
        _LIVE.add(self)

    KEPT_TTL = 60.0

    def kept(self, compute, *args):
        """compute(store, *args), kept a minute (or until this process changes the data):
        the parts of a dashboard page that no report row holds — its filter choices, the
        spread of the answers — so a lead flicking between pages does not recount them."""
        key = (compute, *args)
        now = time.monotonic()
        hit = self._kept.get(key)
        if hit is not None and now - hit[0] < self.KEPT_TTL:
            return hit[1]
        found = compute(self.store, *args)
        if len(self._kept) > 1024:
            self._kept.clear()
        self._kept[key] = (now, found)
        return found

    def choices(self, account: str, since, until) -> dict[str, list[tuple[str, str]]]:
        """What a dashboard view of `account` can be narrowed to (service.report.filter_choices),
        kept a minute: every page shows the filters, and a new agent may wait that long."""
        from cxpulse.service.report import filter_choices

        return self.kept(filter_choices, account, since, until)

    @property
    def refresher(self) -> Refresher:
        """The background refresh of what API batches touched (service/refresher.py), made on first use."""
        with self._guard:
            if self._refresher is None:
                self._refresher = Refresher(self.store, self._refresh)
            return self._refresher

    def _refresh(self, store: Store, touched: dict[str, Touched], urgent: bool) -> int:
        from cxpulse.service.refresher import refresh_touched

        return refresh_touched(self, touched, urgent)

    def data_changed(self, *, at_once: bool = True) -> None:
        """The data changed in this process: kept reports are computed again. At once:
        before their next reader gets them; otherwise the next reader gets them as they
        were while they are computed behind it."""
        self.reports.invalidate(at_once=at_once)
        self._kept.clear()


def as_app(target: App | Store) -> App:
    """`target` if it is an App, else a light App around the bare store (a one-off call:
    no other caller shares its caches, refresher or lock)."""
    return target if isinstance(target, App) else App(target)


def apps_of(store: Store) -> list[App]:
    """The live Apps around `store` (for a caller that holds only the store: tests, scripts)."""
    return [a for a in list(_LIVE) if a.store is store]


_LIVE: weakref.WeakSet[App] = weakref.WeakSet()


def wait_all(timeout: float = 60.0) -> bool:
    """Until every live App's background refresh has done its pending work (at exit)."""
    return all(a._refresher.wait(timeout=timeout) for a in list(_LIVE) if a._refresher is not None)


atexit.register(wait_all, 30.0)
