"""Reports kept a minute in this process, for the API and the dashboard.

A report over a year of data takes tens to hundreds of milliseconds; a dashboard or a
script asks the same one again and again. So the rows of each (database, query) are
kept: a fresh entry is answered at once; an entry older than TTL is answered at once too,
while one thread computes it again (stale-while-revalidate), so no caller waits on a
recomputation the others already started; a new query, or one whose data changed in this
process (`invalidate_reports`, called after ingest refreshes the derived data), is
computed while its callers wait — once, however many ask together. After data ingested in
the background is refreshed, kept reports are answered once more as they were while they
are recomputed; after a refresh someone waits for (`wait=true`), they are not.

Changes made by another process (`cxpulse import` while the server runs) show within
TTL seconds (a minute) plus one computation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cxpulse.service.report import ReportQuery, report, rounded
from cxpulse.storage import Store

TTL = 60.0
MAX_ENTRIES = 256


@dataclass
class _Entry:
    rows: list[dict] | None = None
    at: float = 0.0
    generation: int = -1
    lock: threading.Lock = field(default_factory=threading.Lock)  # held while computing
    refreshing: bool = False
    encoded: tuple[int, bytes] | None = None  # (id of the rows, their encoding), made on first use


class ReportCache:
    def __init__(self, ttl: float = TTL, compute: Callable[[Store, ReportQuery], list[dict]] | None = None) -> None:
        self.ttl = ttl
        self.compute = compute or (lambda store, q: rounded(report(store, q)))
        self.generation = 0
        self._entries: dict[ReportQuery, _Entry] = {}
        self._guard = threading.Lock()

    def invalidate(self, *, at_once: bool = True) -> None:
        """The data changed. At once: every report is computed anew for its next caller.
        Otherwise: kept reports count as old — the next caller gets them as they were
        while they are computed anew behind it (no caller waits)."""
        with self._guard:
            if at_once:
                self.generation += 1
            else:
                for entry in self._entries.values():
                    entry.at = float("-inf")

    def peek(self, store: Store, query: ReportQuery) -> list[dict] | None:
        """The rows if they are kept (starting a recomputation when they are old), else None
        without waiting: an async caller answers at once or computes in a thread."""
        entry = self._entry(query)
        rows, generation = entry.rows, entry.generation
        if rows is None or generation != self.generation:
            return None
        if time.monotonic() - entry.at > self.ttl and not entry.refreshing:
            entry.refreshing = True
            threading.Thread(target=self._refresh, args=(store, query, entry), daemon=True).start()
        return rows

    def encoded(self, rows: list[dict], query: ReportQuery, encode: Callable[[list[dict]], bytes]) -> bytes:
        """`encode(rows)`, kept with the rows it encodes: a server sends the same bytes to
        every caller instead of encoding the same rows again each time."""
        entry = self._entry(query)
        kept = entry.encoded
        if kept is not None and kept[0] == id(rows) and entry.rows is rows:
            return kept[1]
        data = encode(rows)
        if entry.rows is rows:
            entry.encoded = (id(rows), data)
        return data

    def get(self, store: Store, query: ReportQuery) -> list[dict]:
        """The report's rows (rounded as `cxpulse report --format json` prints them; shared
        between callers: read them, never change them)."""
        rows = self.peek(store, query)
        if rows is not None:
            return rows
        entry = self._entry(query)
        with entry.lock:  # one computes; the others wait for its answer
            if entry.rows is not None and entry.generation == self.generation:
                return entry.rows
            return self._compute(store, query, entry)

    def _entry(self, query: ReportQuery) -> _Entry:
        entry = self._entries.get(query)
        if entry is None:
            with self._guard:
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.clear()
                entry = self._entries.setdefault(query, _Entry())
        return entry

    def _compute(self, store: Store, query: ReportQuery, entry: _Entry) -> list[dict]:
        generation = self.generation
        rows = self.compute(store, query)
        entry.rows, entry.at, entry.generation = rows, time.monotonic(), generation
        return rows

    def _refresh(self, store: Store, query: ReportQuery, entry: _Entry) -> None:
        try:
            with entry.lock:
                self._compute(store, query, entry)
        except Exception:  # noqa: BLE001 - the next caller computes it and sees the error
            entry.rows = None
        finally:
            entry.refreshing = False


_GUARD = threading.Lock()


def cache_for(store: Store) -> ReportCache:
    """The report cache of this store, kept on it."""
    cache = getattr(store, "_report_cache", None)
    if cache is None:
        with _GUARD:
            cache = getattr(store, "_report_cache", None)
            if cache is None:
                cache = store._report_cache = ReportCache()  # type: ignore[attr-defined]
    return cache


def cached_report(store: Store, query: ReportQuery) -> list[dict]:
    """`rounded(report(store, query))`, from the cache when it can be."""
    return cache_for(store).get(store, query)


def invalidate_reports(store: Store, *, at_once: bool = True) -> None:
    """The data changed: reports are computed again (see ReportCache.invalidate). At once
    also moves `data_generation` on, for other views kept per request (the dashboard's)."""
    if at_once:
        store._data_generation = data_generation(store) + 1  # type: ignore[attr-defined]
    cache = getattr(store, "_report_cache", None)
    if cache is not None:
        cache.invalidate(at_once=at_once)


def data_generation(store: Store) -> int:
    """How many times this process changed `store`'s data and wanted it read at once: a
    key part for what is kept beside the reports (the dashboard's overview)."""
    return getattr(store, "_data_generation", 0)
