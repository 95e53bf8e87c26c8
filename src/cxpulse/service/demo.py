"""The demo use case: fill a store with the generated help desk and build its derived data."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from time import perf_counter

from cxpulse.demo import DEMO_END, generate
from cxpulse.ingest import Record
from cxpulse.service.derive import rebuild
from cxpulse.service.load import load
from cxpulse.storage import Store

PROGRESS_EVERY = 5000  # records between two progress calls


@dataclass
class DemoSummary:
    accounts: int
    tickets: int
    events: int
    responses: int
    seconds: float


def run_demo(
    store: Store,
    *,
    seed: int = 7,
    tickets: int = 20_000,
    end: date = DEMO_END,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Store the demo help desk (`cxpulse.demo.generate`) and rebuild its derived tables.

    Same seed, same data: running it again on the same database changes nothing. Only
    the demo's accounts are rebuilt; other accounts in the store are left alone.
    `progress` is called with the number of records stored so far, now and then.
    """
    started = perf_counter()
    kinds: Counter[str] = Counter()
    result = load(store, _counted(generate(seed, tickets=tickets, end=end), kinds, progress))
    if progress:
        progress(kinds.total())
    for name in result.summary.accounts:
        rebuild(store, name)
    return DemoSummary(
        accounts=kinds["account"],
        tickets=kinds["ticket"],
        events=kinds["event"],
        responses=kinds["response"],
        seconds=perf_counter() - started,
    )


def _counted(
    records: Iterable[Record], kinds: Counter[str], progress: Callable[[int], None] | None
) -> Iterator[Record]:
    for done, rec in enumerate(records, 1):
        kinds[rec.kind] += 1
        if progress and done % PROGRESS_EVERY == 0:
            progress(done)
        yield rec
