"""Reports kept a minute in a server, one cache for the API and the dashboard.

A report over a year of data takes tens to hundreds of milliseconds; a dashboard or a
script asks the same one again and again. So the rows of each query are kept, in the
server's App (service/context.py) — `GET /api/v1/metrics` and the dashboard's overview
read the same kept rows: a fresh entry is answered at once; an entry older than TTL is answered at once too,
while one thread computes it again (stale-while-revalidate), so no caller waits on a
recomputation the others already started; a new query, or one whose data changed in this
process (`App.data_changed`, called after ingest refreshes the derived data), is
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

from cxpulse.service.report import ReportQuery, report
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
        self.compute = compute or report
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
            threading.Thread(target=self._refresh, args=(store, query, entry), name="cxpulse-report",
                             daemon=True).start()
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
        """The report's rows, as `service.report.report` gives them (shared between
        callers: read them, never change them)."""
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
