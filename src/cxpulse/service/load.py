"""Write a reader's stream into the store: batched, idempotent, rejects kept apart.

A stream holds Records, Rejects, and *prepared* rows: `(kind, account, values, hash)`
tuples for users, tickets and events, made by `prepare` — in this process, or in the
reader's own process when the input is large (service/pipeline.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import orjson

from cxpulse.domain import Account
from cxpulse.readers.base import ImportSummary, KindCounts, Note, Record, Reject
from cxpulse.service.write_behind import WriteBehind
from cxpulse.storage import Store, StoredAccount
from cxpulse.storage import rows as codec
from cxpulse.storage import stale
from cxpulse.storage import tables

BATCH = 5000
SHOWN_REJECTS = 20
SHOWN_NOTES = 5  # per kind of note

TABLES = {
    "user": tables.users,
    "ticket": tables.tickets,
    "event": tables.ticket_events,
    "response": tables.responses,
    "invitation": tables.invitations,
}


@dataclass
class Touched:
    """What changed per account: the derived data to refresh after the import."""

    tickets: set[str] = field(default_factory=set)
    first_day: date | None = None
    last_day: date | None = None
    new_responses: set[str] = field(default_factory=set)  # inserted (not updated) responses: webhooks' "new low ratings"

    def add_day(self, day: date) -> None:
        self.first_day = day if self.first_day is None or day < self.first_day else self.first_day
        self.last_day = day if self.last_day is None or day > self.last_day else self.last_day


# Users, tickets and events become rows without account settings; a reader process
# can prepare them. Responses and invitations need the account's timezone (their day).
PREPARED = {
    "user": (codec.USER_KEYS, codec.user_values),
    "ticket": (codec.TICKET_KEYS, codec.ticket_values),
    "event": (codec.EVENT_KEYS, codec.event_values),
}
Prepared = tuple[str, str | None, tuple, str]


def prepare(rec: Record) -> Prepared | Record:
    """A user, ticket or event record as (kind, account, values, content hash); others as they are."""
    p = PREPARED.get(rec.kind)
    if p is None:
        return rec
    keys, values_of = p
    values = values_of(rec.obj)
    return (rec.kind, rec.account, values, codec.content_hash(dict(zip(keys, values))))


@dataclass
class LoadResult:
    summary: ImportSummary
    touched: dict[str, Touched]  # account name -> what to refresh


class _Loader:
    def __init__(self, store: Store, default_account: str, rejects_path: Path | None, follow_up: bool = False,
                 overlap: bool = False, known: StoredAccount | None = None) -> None:
        self.store = store
        self.known = known
        self.follow_up = follow_up
        self.overlap = overlap
        self._writer: WriteBehind | None = None
        self.default_account = default_account
        self.rejects_path = rejects_path
        self._rejects_fh = None
        self.summary = ImportSummary(rejects_path=None)
        self.touched: dict[str, Touched] = defaultdict(Touched)
        self.pending: dict[tuple[str, str], list[tuple[tuple, str]]] = defaultdict(list)
        self.keys: dict[str, tuple[str, ...]] = {kind: keys for kind, (keys, _f) in PREPARED.items()}
        self._accounts: dict[str, StoredAccount] = {}
        self._all_new: dict[tuple[str, str], bool] = {}  # (account, kind): its last batch all inserted

    def account(self, name: str) -> StoredAccount:
        acc = self._accounts.get(name)
        if acc is None:
            acc = self._accounts[name] = self.store.ensure_account(name)
            if name not in self.summary.accounts:
                self.summary.accounts.append(name)
        return acc

    def account_for(self, name: str, kind: str) -> StoredAccount:
        """The account whose `kind` rows are written: the caller's own when it gave it and the
        rows do not depend on the account's settings (prepared kinds), so an API batch asks
        the database nothing before its write; else as `account`."""
        known = self.known
        if known is None or known.name != name or kind not in PREPARED:
            return self.account(name)
        if name not in self.summary.accounts:
            self.summary.accounts.append(name)
        return known

    def note(self, n: Note) -> None:
        seen = self.summary.notes.get(n.what, 0)
        self.summary.notes[n.what] = seen + 1
        if seen < SHOWN_NOTES:
            self.summary.first_notes.append(n)

    def reject(self, r: Reject) -> None:
        if r.kept:
            self.summary.fields_rejected += 1
        else:
            self.summary.rejected += 1
        shown = self.summary.first_rejects  # the first of each kind: many left-out fields never hide a lost row
        if sum(x.kept == r.kept for x in shown) < SHOWN_REJECTS:
            shown.append(r)
        if self.rejects_path is not None:
            if self._rejects_fh is None:
                self._rejects_fh = self.rejects_path.open("wb")
                self.summary.rejects_path = str(self.rejects_path)
            self._rejects_fh.write(orjson.dumps(r.as_dict()) + b"\n")

    def add(self, rec: Record) -> None:
        if rec.kind in PREPARED:
            self.add_prepared(*prepare(rec))
            return
        if rec.kind == "account":
            self._kind_counts("account").read += 1
            self.summary.read += 1
            self._settle_account(rec.obj)
            return
        name = rec.account or self.default_account
        row = self._row(rec.kind, rec.obj, self.account(name))
        self.keys[rec.kind] = tuple(row)
        self.add_prepared(rec.kind, name, tuple(row.values()), codec.content_hash(row))

    def add_prepared(self, kind: str, account: str | None, values: tuple, content_hash: str) -> None:
        """Queue one row; `load` inlines this for prepared rows (a million calls saved)."""
        key = (account or self.default_account, kind)
        batch = self.pending.get(key) or self.start(key)
        batch.append((values, content_hash))
        if len(batch) >= BATCH:
            self.flush(*key)

    def start(self, key: tuple[str, str]) -> list[tuple[tuple, str]]:
        """A new batch; rows are counted as read when their batch is flushed."""
        self._kind_counts(key[1])  # kinds are listed in the order they first appear
        batch = self.pending[key] = []
        return batch

    def _kind_counts(self, kind: str) -> KindCounts:
        counts = self.summary.by_kind.get(kind)
        if counts is None:
            counts = self.summary.by_kind[kind] = KindCounts()
        return counts

    def _settle_account(self, account: Account) -> None:
        if self._writer is not None:
            self._writer.drain()  # its rows' batches first, and no count written from two threads
        counts = self.summary.by_kind["account"]
        existing = {a.name: a for a in self.store.accounts()}.get(account.name)
        if existing is None and not self.store.insert_account(account):
            # another process created it between our look and our insert: as if it had been there
            existing = self.store.account(account.name)
        if existing is None:
            counts.inserted += 1
            self.summary.inserted += 1
        elif existing.account == account:
            counts.unchanged += 1
            self.summary.unchanged += 1
        else:
            self.store.update_account(account)
            counts.updated += 1
            self.summary.updated += 1
            self.touched[account.name]  # settings change: refresh that account
        self._accounts[account.name] = self.store.account(account.name)
        if account.name not in self.summary.accounts:
            self.summary.accounts.append(account.name)

    def flush(self, name: str, kind: str) -> None:
        items = self.pending.pop((name, kind), [])
        if not items:
            return
        acc = self.account_for(name, kind)
        if not self.overlap:
            self._write(acc, kind, self.keys[kind], items)
            return
        if self._writer is None:
            self._writer = WriteBehind(self._write)
        self._writer.submit(acc, kind, self.keys[kind], items)

    def close(self) -> None:
        """Wait for the batches being written; raise the writer's error if it had one."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()

    def _write(self, acc: StoredAccount, kind: str, keys: tuple[str, ...], items: list) -> None:
        """Store one batch and count it (in the writer thread when `overlap`)."""
        name = acc.name

        def mark_stale(conn, touched: list[str], inserted: int) -> None:  # in the transaction that writes the rows
            tickets, days, scored = self._mark(acc.name, kind, keys, items, set(touched))
            stale.mark_tickets(conn, acc.id, tickets)
            stale.mark_days(conn, acc.id, days)
            if self.follow_up:
                if kind == "response" and inserted:
                    stale.mark_new_responses(conn, acc.id, touched[:inserted])
                stale.mark_rescore_if_model(conn, acc.id, scored)

        # the last batch of these rows all new: this one likely too (a first import), and
        # PostgreSQL copies it straight in without looking its ids up (storage/pg_copy.py)
        counts = self.store.upsert_values(TABLES[kind], acc.id, keys, items, then=mark_stale,
                                          expect_new=self._all_new.get((name, kind)))
        self._all_new[(name, kind)] = counts.inserted == len({values[0] for values, _h in items})
        kc = self.summary.by_kind[kind]
        kc.read += len(items)
        self.summary.read += len(items)
        kc.inserted += counts.inserted
        kc.updated += counts.updated
        kc.unchanged += counts.unchanged
        self.summary.inserted += counts.inserted
        self.summary.updated += counts.updated
        self.summary.unchanged += counts.unchanged
        if kind == "response" and counts.inserted:  # upsert_values lists the inserted ids first
            self.touched[acc.name].new_responses.update(counts.touched[: counts.inserted])

    def _mark(
        self, name: str, kind: str, keys: tuple[str, ...], items: list, touched: set[str]
    ) -> tuple[set[str], set[date], set[str]]:
        """Note what the written rows touched, and return the tickets whose KPIs and the
        days whose rollups they made stale, and the tickets to score again."""
        t = self.touched[name]
        tickets: set[str] = set()
        days: set[date] = set()
        scored: set[str] = set()
        if kind == "ticket":
            tickets = touched
            t.tickets.update(touched)
        elif kind == "event":
            ticket = keys.index("ticket_id")
            tickets = {values[ticket] for values, _h in items if values[0] in touched}
            t.tickets.update(tickets)
        elif kind == "response":
            day, ticket = keys.index("day"), keys.index("ticket_id")
            for values, _h in items:
                if values[0] in touched:
                    t.add_day(values[day])
                    days.add(values[day])
                    if values[ticket]:
                        scored.add(values[ticket])  # rescored: a rating is a feature; its KPIs stand
            t.tickets.update(scored)
        return tickets, days, scored | tickets

    @staticmethod
    def _row(kind: str, obj, acc: StoredAccount) -> dict:
        if kind == "response":
            return codec.response_row(obj, acc.tz)
        return codec.invitation_row(obj, acc.tz)

    def finish(self) -> LoadResult:
        # users and tickets before events and responses, so a refresh sees whole tickets
        order = {"user": 0, "ticket": 1, "event": 2, "invitation": 3, "response": 4}
        for name, kind in sorted(self.pending, key=lambda k: order[k[1]]):
            self.flush(name, kind)
        self.close()
        if self._rejects_fh is not None:
            self._rejects_fh.close()
        return LoadResult(self.summary, dict(self.touched))


def load(
    store: Store,
    stream: Iterable[Record | Reject | Note | Prepared],
    *,
    account: str = "default",
    rejects_path: Path | None = None,
    follow_up: bool = False,
    overlap: bool = False,
    known: StoredAccount | None = None,
) -> LoadResult:
    """Store every good record, write every reject to `rejects_path`, count both.

    With `follow_up` (imports and API batches), each inserted response is also marked for
    the webhooks, and each changed ticket of an account with a model for a new score
    (storage/stale.py); a survey answer is held and posted by its own rule.

    With `overlap` a writer thread stores each full batch while the next is gathered
    (service/write_behind.py): for PostgreSQL, whose server does most of a write's work.
    Batches gathered before an error in the stream are stored before it is raised, as
    without it.

    `known`: the stored account, when the caller has it at hand (an API request has looked
    it up already): its users, tickets and events are written without looking it up again."""
    loader = _Loader(store, account, rejects_path, follow_up, overlap, known)
    try:
        return _load(loader, stream, account)
    except BaseException:
        try:
            loader.close()  # what was flushed before the error is stored, as without the thread
        except Exception:  # noqa: BLE001 - the error being raised is the one to tell
            pass
        raise


def _load(loader: _Loader, stream: Iterable, account: str) -> LoadResult:
    pending = loader.pending
    for item in stream:
        if item.__class__ is tuple:  # loader.add_prepared, inlined: the hot loop of every import
            kind, name, values, content_hash = item
            key = (name or account, kind)
            batch = pending.get(key) or loader.start(key)
            batch.append((values, content_hash))
            if len(batch) >= BATCH:
                loader.flush(*key)
        elif isinstance(item, Reject):
            loader.reject(item)
        elif isinstance(item, Note):
            loader.note(item)
        else:
            loader.add(item)
    return loader.finish()
