"""Refreshing after a write — derive what it touched (KPIs, rollups), queue the webhooks
of its new low ratings, rescore its open tickets (`refresh_touched`) — and doing that in
the background for API batches, coalesced (`Refresher`).

Storing a batch is quick; refreshing what it touched (KPIs of its tickets, rollups of its
days, webhooks for new low ratings, rescoring its open tickets) costs about as much
again, and much less per ticket when many batches are refreshed together. So an API
batch stores its rows, hands what it touched to its server's `Refresher` (kept in the
server's App, service/context.py), and answers. One background thread merges everything handed in and refreshes
it in one round once the batches pause for QUIET seconds — or, in a steady stream, once
the oldest waiting batch is MAX_DELAY seconds old — and rests at least as long as each
round took. A burst of batches keeps the server's time for storing them; the derived data
follows a moment after the burst, and at most a few seconds behind a stream that never
pauses.

If the process dies before a round, nothing of it is lost: the batches marked their
tickets and days stale, their new ratings for the webhooks and their changed tickets for
scoring as they were stored (storage/stale.py), and the next round for the account, or
`cxpulse import`, does that work (`cxpulse rebuild` the KPIs and rollups). At a normal
exit (`atexit`, service/context.py) the pending work is done first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cxpulse.service.derive import derive_touched, rescore_marked
from cxpulse.service.load import Touched
from cxpulse.service.webhooks import queue_marked_low_ratings
from cxpulse.storage import Store

if TYPE_CHECKING:
    from cxpulse.service.context import App

log = logging.getLogger("cxpulse.refresh")

IDLE_EXIT = 30.0  # seconds without work before the thread ends (a new batch starts another)
QUIET = 0.25  # seconds without a new batch: the burst is over, refresh now
MAX_DELAY = 30.0  # seconds the oldest waiting batch waits at most, however steady the stream
MAX_RETRIES = 3


Work = Callable[[Store, dict[str, Touched], bool], int]


@dataclass
class RefreshStats:
    rounds: int = 0
    tickets: int = 0
    rescored: int = 0
    failures: int = 0
    last_error: str = ""
    listeners: list[Callable[[], None]] = field(default_factory=list)  # called after each round


def merge(into: dict[str, Touched], more: dict[str, Touched]) -> None:
    """Add `more` to `into`: the union of what two batches touched."""
    for name, t in more.items():
        mine = into.get(name)
        if mine is None:
            mine = into[name] = Touched()
        mine.tickets |= t.tickets
        mine.new_responses |= getattr(t, "new_responses", set())
        for day in (t.first_day, t.last_day):
            if day is not None:
                mine.add_day(day)


class Refresher:
    """The background refresh of one database, for one server (its App)."""

    def __init__(self, store: Store, work: Work) -> None:
        self.store = store
        # refresh + webhooks + rescore, told whether someone waits for it; returns how many it rescored
        self.work = work
        self.stats = RefreshStats()
        self._pending: dict[str, Touched] = {}
        self._first_at = 0.0  # when the oldest pending batch came
        self._last_at = 0.0  # when the newest did
        self._submitted = 0
        self._done = 0
        self._waiters = 0  # callers of wait(): refresh without waiting for a pause
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._rounds: deque[tuple[int, int | None]] = deque(maxlen=256)  # (last batch covered, rescored)

    def submit(self, touched: dict[str, Touched]) -> int:
        """Queue what a batch touched; returns its number for `wait`."""
        with self._cond:
            now = time.monotonic()
            if not self._pending:
                self._first_at = now
            self._last_at = now
            merge(self._pending, touched)
            self._submitted += 1
            ticket = self._submitted
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="cxpulse-refresh", daemon=True)
                self._thread.start()
            self._cond.notify_all()
            return ticket

    def wait(self, ticket: int | None = None, timeout: float | None = 60.0) -> bool:
        """Until the batch numbered `ticket` (default: every batch so far) is refreshed."""
        with self._cond:
            target = self._submitted if ticket is None else ticket
            self._waiters += 1
            self._cond.notify_all()
            try:
                return self._cond.wait_for(lambda: self._done >= target, timeout)
            finally:
                self._waiters -= 1

    def rescored(self, ticket: int) -> int | None:
        """How many open tickets the round that refreshed batch `ticket` rescored; None
        when that round failed (or is too long ago to tell)."""
        with self._cond:
            return next((n for upto, n in self._rounds if upto >= ticket), None)

    @property
    def pending(self) -> int:
        with self._cond:
            return self._submitted - self._done

    def _run(self) -> None:
        retries = 0
        while True:
            with self._cond:
                if not self._cond.wait_for(lambda: bool(self._pending), IDLE_EXIT):
                    self._thread = None
                    return
                while True:  # until the batches pause, or the oldest has waited long enough
                    now = time.monotonic()
                    due = min(self._last_at + QUIET, self._first_at + MAX_DELAY)
                    if now >= due or self._waiters:
                        break
                    self._cond.wait(due - now)
                work, self._pending = self._pending, {}
                upto = self._submitted
                urgent = self._waiters > 0
            started = time.monotonic()
            rescored: int | None
            try:
                rescored = self.work(self.store, work, urgent)
            except Exception as e:
                self.stats.failures += 1
                self.stats.last_error = f"{type(e).__name__}: {e}"
                retries += 1
                if retries <= MAX_RETRIES:
                    log.warning("refreshing derived data failed (%s); retrying", self.stats.last_error)
                    with self._cond:
                        merge(work, self._pending)
                        self._pending = work
                    time.sleep(min(5.0, 0.5 * 2**retries))
                    continue
                log.exception("refreshing derived data failed %d times; `cxpulse rebuild` recomputes it", retries)
                rescored = None
            retries = 0
            self.stats.rounds += 1
            self.stats.tickets += sum(len(t.tickets) for t in work.values())
            self.stats.rescored += rescored or 0
            for listener in list(self.stats.listeners):
                listener()
            with self._cond:
                self._rounds.append((upto, rescored))
                self._done = max(self._done, upto)
                self._cond.notify_all()
            with self._cond:  # rest as long as the round took, unless someone waits for the next
                rest_until = time.monotonic() + (time.monotonic() - started)
                while not self._waiters and time.monotonic() < rest_until:
                    self._cond.wait(rest_until - time.monotonic())


def refresh_touched(app: App, touched: dict[str, Touched], urgent: bool = False) -> int:
    """What `cxpulse import` does after storing: KPIs and rollups, webhooks for new low
    ratings, rescoring of the open tickets touched. Returns how many were rescored. Kept
    reports are recomputed behind their next request (a caller that waited for this
    round — `urgent` — has them recomputed before it reads them)."""
    store = app.store
    with app.write_lock:
        derive_touched(store, touched)  # and whatever an interrupted writer left stale in these accounts
        queue_marked_low_ratings(store, list(touched))
        rescored = rescore_marked(store, list(touched))
    app.data_changed(at_once=urgent)
    return rescored
