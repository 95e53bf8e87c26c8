"""The import use case: read a file in some format, store it, refresh what it touched."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from cxpulse.collector import collector_paused
from cxpulse.domain import Account, FormatError
from cxpulse.readers import ImportSummary
from cxpulse.readers.base import Progress, Stream
from cxpulse.service.derive import derive_stale, rescore_marked
from cxpulse.service.load import load
from cxpulse.service.pipeline import read_in_process, worth_a_reader_process
from cxpulse.service.webhooks import queue_marked_low_ratings
from cxpulse.storage import Store, stale
from cxpulse.storage.pg_copy import analyze_after_bulk, vacuum_after_bulk

FORMATS = ("jsonl", "zendesk", "csv", "reviews")


def reader_for(fmt: str, path: Path, progress: Progress | None = None, *, mapping: Path | None = None,
               source: str | None = None) -> Stream:
    if fmt == "jsonl":
        from cxpulse.readers.jsonl import read_jsonl

        return read_jsonl(path, progress=progress)
    if fmt == "zendesk":
        from cxpulse.readers.zendesk import read_zendesk

        return read_zendesk(path, progress=progress)
    if fmt == "csv":
        from cxpulse.readers.csv_reader import read_csv

        if mapping is None:
            raise FormatError(str(path), "a CSV import needs a mapping", fix="pass --mapping examples/<name>.toml")
        return read_csv(path, mapping, progress=progress)
    if fmt == "reviews":
        from cxpulse.readers.reviews import SOURCES, read_reviews

        if not source:
            raise FormatError(str(path), "a reviews import needs the export's source",
                              fix=f"pass --source {' | '.join(SOURCES)} (docs/reviews.md)")
        return read_reviews(path, source, mapping=mapping, progress=progress)
    raise FormatError(str(path), f"unknown format {fmt!r}", fix=f"use one of {', '.join(FORMATS)}")


def input_size(path: Path) -> int:
    """Bytes to read: drives the progress bar's total."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def default_rejects_path(path: Path) -> Path:
    return path.with_name(path.name + ".rejects.jsonl")


def import_path(
    store: Store,
    fmt: str,
    path: str | Path,
    *,
    account: str = "default",
    mapping: str | Path | None = None,
    source: str | None = None,
    rejects_path: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    on_refresh: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import one file or directory; bad rows go to the rejects file, good rows are stored.

    `source` names a reviews export's platform (fmt "reviews": readers/reviews.py).
    `progress(bytes_read)` follows the reading; `on_refresh(tickets)` says when the
    derived data of the stale tickets starts being recomputed: those this import changed,
    and those an earlier import left stale when it was killed (storage/stale.py).
    """
    path = Path(path)
    if not path.exists():
        raise FormatError(str(path), "no such file or directory")
    if source is not None and fmt != "reviews":
        raise FormatError(str(path), f"--source belongs to `import reviews`, not to `import {fmt}`",
                          fix="leave --source out, or run: cxpulse import reviews FILE --source …")
    make_reader = partial(reader_for, fmt, path, mapping=Path(mapping) if mapping else None, source=source)
    if worth_a_reader_process(input_size(path)):
        stream = read_in_process(make_reader, progress)
    else:
        stream = make_reader(progress)
    warnings: list[str] = []
    if fmt in ("csv", "reviews") and mapping:
        stream = _after_the_checks(stream, lambda: warnings.extend(_settle_csv_timezone(store, account, Path(mapping))))
    rejects = Path(rejects_path) if rejects_path else default_rejects_path(path)
    if rejects.exists():
        rejects.unlink()  # a rejects file always speaks of the latest import
    with collector_paused():
        # PostgreSQL: a thread writes each batch while the next is gathered (service/write_behind.py)
        result = load(store, stream, account=account, rejects_path=rejects, follow_up=True,
                      overlap=store.dialect == "postgresql")
        result.summary.warnings[:0] = warnings
        analyze_after_bulk(store.engine, result.summary.inserted)  # PostgreSQL: before the refresh reads them back
        if on_refresh is not None:
            with store.engine.connect() as conn:
                on_refresh(stale.stale_tickets(conn))
        # what is stale, not what this run changed: a run after a killed one changes nothing. Its
        # own accounts first (waiting for their other writers), then what other runs left stale
        # in accounts nobody writes now (derive.derive_stale)
        derive_stale(store, result.summary.accounts)
        derive_stale(store, wait=False)
        # PostgreSQL, after a large import: the derived tables vacuumed for the next reports
        vacuum_after_bulk(store.engine, result.summary.inserted + result.summary.updated)
        queue_marked_low_ratings(store)  # webhooks out: new low ratings of the last 7 days (this run's, a killed one's)
    result.summary.rescored = rescore_marked(store)
    return result.summary


def _after_the_checks(stream: Stream, then: Callable[[], None]) -> Iterator:
    """`stream`, calling `then()` once its first item is read: by then the reader (here or
    in its own process) has checked the mapping, the encoding and the header, so nothing is
    written for a file that stops there."""
    it = iter(stream)
    for first in it:
        then()
        yield first
        yield from it


def _settle_csv_timezone(store: Store, account: str, mapping: Path) -> list[str]:
    """A mapping's `[csv] timezone` becomes a new account's timezone (its days, its business
    hours); an existing account keeps its own, and a differing one is said, never changed."""
    from cxpulse.readers.csv_mapping import load_mapping

    m = load_mapping(mapping)  # the reader loaded it already: any mistake has been raised
    if not m.timezone_set:
        return []
    zone = m.timezone.key
    existing = next((a for a in store.accounts() if a.name == account), None)
    if existing is None:
        store.ensure_account(Account(name=account, timezone=zone))
        return []
    if existing.account.timezone != zone:
        return [
            f"account {account!r} keeps its timezone {existing.account.timezone}, but the mapping {mapping} "
            f"says timezone = {zone!r}: days and business hours stay in {existing.account.timezone}; "
            f"if {zone} is right, run: cxpulse settings {account} --timezone {zone}"
        ]
    return []


