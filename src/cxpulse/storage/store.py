"""The write side of storage: accounts and idempotent upserts of raw rows.

An upsert classifies each incoming row against what is stored under the same
(account, source_id): new → inserted, same content hash → unchanged, else → updated.
So importing the same data twice changes nothing, and a changed ticket is updated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Table, and_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cxpulse.domain import Account, NotFound
from cxpulse.storage import rows as codec
from cxpulse.storage import tables
from cxpulse.storage.engine import make_engine
from cxpulse.storage.locks import lock_account
from cxpulse.storage.migrate import migrate
from cxpulse.storage import pg_copy, pg_unnest

KEY_CHUNK = 2000


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    # source ids that were inserted or updated: what derived data must be refreshed for
    touched: list[str] = field(default_factory=list)

    def add(self, other: "UpsertCounts") -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.touched.extend(other.touched)


@dataclass(frozen=True, slots=True)
class StoredAccount:
    id: int
    account: Account

    @property
    def name(self) -> str:
        return self.account.name

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.account.timezone)


class Store:
    """One database: SQLite file or PostgreSQL. Build it with `Store.open(db)`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, db: str | Path | None) -> "Store":
        engine = make_engine(db)
        migrate(engine)
        return cls(engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # ---- accounts ------------------------------------------------------------------

    def accounts(self) -> list[StoredAccount]:
        from cxpulse.storage.sla import all_policy_sets  # storage/sla.py writes through this module

        with self.engine.connect() as conn:
            rows = conn.execute(select(tables.accounts).order_by(tables.accounts.c.name)).all()
            sla = all_policy_sets(conn)
        return [StoredAccount(r.id, replace(codec.account_of(r), sla=sla.get(r.id, ()))) for r in rows]

    def account(self, name: str) -> StoredAccount:
        from cxpulse.storage.sla import policy_sets

        with self.engine.connect() as conn:
            row = conn.execute(select(tables.accounts).where(tables.accounts.c.name == name)).first()
            sla = policy_sets(conn, row.id) if row is not None else ()
        if row is None:
            known = ", ".join(a.name for a in self.accounts()) or "none yet"
            raise NotFound(f"no account named {name!r} (accounts: {known})")
        return StoredAccount(row.id, replace(codec.account_of(row), sla=sla))

    def ensure_account(self, account: Account | str) -> StoredAccount:
        """Return the stored account of that name, creating it with these settings if new."""
        if isinstance(account, str):
            account = Account(name=account)
        try:
            return self.account(account.name)
        except NotFound:
            pass
        self.insert_account(account)
        return self.account(account.name)

    def insert_account(self, account: Account) -> bool:
        """Create the account; False when it is stored already (another process may have
        created it a moment ago: then its settings stand)."""
        values = {**_account_values(account), "created_at": _now()}
        insert = (pg_insert if self.dialect == "postgresql" else sqlite_insert)(tables.accounts)
        with self.engine.begin() as conn:
            made = conn.execute(insert.values(**values).on_conflict_do_nothing(index_elements=["name"])
                                .returning(tables.accounts.c.id)).first()
        return made is not None

    def update_account(self, account: Account) -> StoredAccount:
        """Store new settings. A new timezone or business hours makes everything derived of
        the account stale (its days, its business-hours KPIs): marked so in the same
        transaction (storage/stale.py), until a derive or rebuild has redone it."""
        values = _account_values(account)
        with self.engine.begin() as conn:
            a = tables.accounts
            old = conn.execute(select(a.c.id, a.c.timezone, a.c.business_hours).where(a.c.name == account.name)).first()
            conn.execute(a.update().where(a.c.name == account.name).values(**values))
            if old is not None and (old.timezone, old.business_hours) != (values["timezone"], values["business_hours"]):
                conn.execute(tables.stale_derived.insert().values(account_id=old.id))
        return self.account(account.name)

    # ---- raw rows ------------------------------------------------------------------

    def upsert(self, table: Table, account_id: int, rows: Sequence[dict]) -> UpsertCounts:
        """Insert new rows, update changed ones, leave identical ones alone."""
        counts = UpsertCounts()
        by_keys: dict[tuple[str, ...], list[tuple[tuple, str]]] = {}
        for row in rows:
            by_keys.setdefault(tuple(row), []).append((tuple(row.values()), codec.content_hash(row)))
        for keys, items in by_keys.items():
            counts.add(self.upsert_values(table, account_id, keys, items))
        return counts

    def upsert_values(
        self, table: Table, account_id: int, keys: tuple[str, ...], items: Sequence[tuple[tuple, str]],
        *, then: Callable[[Connection, list[str], int], None] | None = None, expect_new: bool | None = None,
    ) -> UpsertCounts:
        """`upsert` for rows given as (values in `keys` order, content hash) pairs.

        The form a reader in another process sends (tuples pickle 3× cheaper than
        dicts); `keys[0]` must be "source_id". `then(conn, touched, inserted)` runs in the
        same transaction, after the writes, with the source ids inserted or updated (the
        first `inserted` of them inserted): what it writes (the stale marks of
        service/load.py) commits with the rows or not at all. On PostgreSQL it only writes,
        through `insert_many`: its statements are sent with the commit in one round trip
        (pg_unnest.batched), so the account's lock is held one round trip less per statement.

        On PostgreSQL the transaction first takes the account's write lock (storage/locks.py),
        and the batch is merged by one statement: staged through COPY from COPY_MIN_ROWS rows
        up (storage/pg_copy.py), sent as one parameter below (storage/pg_unnest.py); the same
        rows, counts and touched ids as the path below. `expect_new` is pg_copy.copy_upsert's
        guess that no row is stored (a first import's batches after the first); the result is
        the same whatever it says.
        """
        if keys[0] != "source_id":
            raise ValueError(f"rows must start with source_id, not {keys[0]!r}")
        counts = UpsertCounts()
        latest: dict[str, tuple[tuple, str]] = {}
        for item in items:  # within one batch the last version of a source id wins
            sid = item[0][0]
            if sid in latest:
                counts.unchanged += 1  # superseded in the same batch: stored once, below
            latest[sid] = item
        with self.engine.begin() as conn:
            merged = None
            if conn.dialect.name == "postgresql":  # one writer per account (storage/locks.py)
                if len(latest) >= pg_copy.COPY_MIN_ROWS:
                    lock_account(conn, account_id)
                    merged = pg_copy.copy_upsert(conn, table, account_id, keys, list(latest.values()),
                                                 expect_new=expect_new)
                else:  # the lock and the upsert in one round trip (None: not sent, the path below)
                    merged = pg_unnest.unnest_upsert(conn, table, account_id, keys, list(latest.values()), lock=True)
            if merged is not None:
                inserted, updated = merged
                counts.touched = [*inserted, *updated]
                with pg_unnest.batched(conn):  # `then`'s writes and the commit in one round trip
                    if then is not None and counts.touched:
                        then(conn, counts.touched, len(inserted))
                    conn.commit()
                counts.inserted, counts.updated = len(inserted), len(updated)
                counts.unchanged += len(latest) - len(inserted) - len(updated)
                return counts
            lock_account(conn, account_id)
            stored = self._stored_hashes(conn, table, account_id, list(latest))
            new: list[tuple[tuple, str]] = []
            changed = []
            for sid, item in latest.items():
                old = stored.get(sid)
                if old is None:
                    new.append(item)
                elif old != item[1]:
                    changed.append({**dict(zip(keys, item[0])), "content_hash": item[1], "account_id": account_id,
                                    "b_account": account_id, "b_source": sid})
                else:
                    counts.unchanged += 1
            if new:
                _insert(conn, table, account_id, keys, new)
            if changed:
                stmt = (
                    update(table)
                    .where(
                        and_(
                            table.c.account_id == bindparam("b_account"),
                            table.c.source_id == bindparam("b_source"),
                        )
                    )
                    .values({c: bindparam(c) for c in changed[0] if not c.startswith("b_") and c != "account_id"})
                )
                conn.execute(stmt, changed)
            counts.touched = [values[0] for values, _h in new] + [r["b_source"] for r in changed]
            if then is not None and counts.touched:
                then(conn, counts.touched, len(new))
        counts.inserted = len(new)
        counts.updated = len(changed)
        return counts

    @staticmethod
    def _stored_hashes(conn, table: Table, account_id: int, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        if conn.dialect.name == "sqlite":
            # the same query as below, without SQLAlchemy's per-row result processing
            for i in range(0, len(keys), KEY_CHUNK):
                chunk = keys[i : i + KEY_CHUNK]
                sql = (
                    f"SELECT source_id, content_hash FROM {table.name} "
                    f"WHERE account_id = ? AND source_id IN ({','.join('?' * len(chunk))})"
                )
                found.update(conn.exec_driver_sql(sql, (account_id, *chunk)).all())
            return found
        for i in range(0, len(keys), KEY_CHUNK):
            chunk = keys[i : i + KEY_CHUNK]
            q = select(table.c.source_id, table.c.content_hash).where(
                table.c.account_id == account_id, table.c.source_id.in_(chunk)
            )
            found.update((sid, h) for sid, h in conn.execute(q))
        return found

    def count(self, table: Table, account_id: int | None = None) -> int:
        q = select(func.count()).select_from(table)
        if account_id is not None:
            q = q.where(table.c.account_id == account_id)
        with self.engine.connect() as conn:
            return conn.execute(q).scalar_one()


def _insert(conn, table: Table, account_id: int, keys: tuple[str, ...], new: list[tuple[tuple, str]]) -> None:
    """Insert (values in `keys` order, content hash) pairs of one account."""
    insert_many(conn, table, (*keys, "content_hash", "account_id"), [(*values, h, account_id) for values, h in new])


def insert_many(
    conn, table: Table, keys: tuple[str, ...], rows: Sequence[tuple], *, update_on: tuple[str, ...] | None = None,
) -> None:
    """Insert rows given as value tuples in `keys` order.

    On SQLite the tuples go to the driver's `executemany`, each value passed through the
    column type's own SQLAlchemy bind processor — the same stored values as
    `conn.execute(table.insert(), dicts)`, without its per-row parameter bookkeeping
    (most of the insert's cost). On PostgreSQL, one COPY from COPY_MIN_ROWS rows up
    (storage/pg_copy.py), one INSERT of arrays below (storage/pg_unnest.py). Otherwise,
    and when the keys are not plain columns, SQLAlchemy's executemany.

    `update_on` (SQLite only: check `conn.dialect.name`): the columns of a unique key; a
    row whose key is stored already sets that row's other columns instead (an upsert:
    the stored row is rewritten in place — half the cost of INSERT OR REPLACE, which
    deletes it, with its index entry, and inserts it again).
    """
    if not rows:
        return
    if conn.dialect.name == "postgresql" and not update_on and _plain(table, keys):
        if len(rows) >= pg_copy.COPY_MIN_ROWS and not pg_unnest.batching(conn):  # no COPY in a pipeline
            pg_copy.copy_insert(conn, table, keys, rows)
            return
        if pg_unnest.unnest_insert(conn, table, keys, rows):
            return
    plan = _insert_plan(conn.dialect, table, keys) if conn.dialect.name == "sqlite" else None
    if plan is None:
        if update_on:
            raise ValueError(f"an upsert into {table.name} needs SQLite and plain columns")
        conn.execute(table.insert(), [dict(zip(keys, values)) for values in rows])
        return
    sql, convert = plan
    if update_on:
        rest = [k for k in keys if k not in update_on]
        sql += (f" ON CONFLICT ({', '.join(update_on)}) DO "
                + (f"UPDATE SET {', '.join(f'{k} = excluded.{k}' for k in rest)}" if rest else "NOTHING"))
    conn.exec_driver_sql(sql, [convert(values) for values in rows])


_PLANS: dict[tuple, tuple[str, Callable] | None] = {}
_UNSET = object()


def _insert_plan(dialect, table: Table, keys: tuple[str, ...]) -> tuple[str, Callable] | None:
    """The INSERT statement for rows with these keys, and the function making its parameters.

    None when a raw insert could store something else than SQLAlchemy would: a key that
    is not a column, or a column left out that has a default (SQLAlchemy would fill it in;
    rows from storage.rows carry every column, so this stays the rare case).
    """
    cache_key = (dialect.name, table.name, keys)
    if cache_key not in _PLANS:
        plan = None
        if _plain(table, keys):
            procs = [_bind_processor(dialect, table.c[k]) for k in keys]
            plan = (_raw_insert_sql(table, list(keys)), _converter(procs))
        _PLANS[cache_key] = plan
    return _PLANS[cache_key]


def _plain(table: Table, keys: tuple[str, ...]) -> bool:
    """Whether rows with these keys can be written as they are: each key a column, once,
    and no column left out that SQLAlchemy would fill with its Python-side default."""
    return (all(k in table.c for k in keys) and len(set(keys)) == len(keys)
            and all(c.default is None for c in table.columns if c.name not in keys))


def _converter(procs: list) -> Callable:
    """`f(values)` → the parameters of one row, each value through its processor."""
    todo = [(i, p) for i, p in enumerate(procs) if p is not None]
    if not todo:
        return tuple

    def convert(values) -> tuple:
        v = list(values)
        for i, p in todo:
            v[i] = p(v[i])
        return tuple(v)

    return convert


def _raw_insert_sql(table: Table, names: list[str]) -> str:
    return f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


def _bind_processor(dialect, column):
    """SQLAlchemy's own conversion of a Python value for this column, or None if none.

    For SQLite's DATETIME the conversion is `isoformat(" ", "microseconds")`, which writes
    the same text several times faster; checked against SQLAlchemy's processor here.
    """
    proc = column.type.dialect_impl(dialect).bind_processor(dialect)
    if proc is None:
        return None
    probe = datetime(2026, 3, 2, 7, 5, 9, 123)
    try:
        same = proc(probe) == probe.isoformat(" ", "microseconds") and proc(None) is None
    except Exception:  # noqa: BLE001 - not a datetime column
        same = False
    if same:
        # the time converted last with its text, as one pair (threads may share it): a
        # batch's rows share their times, and 200,000 isoformat calls were a tenth of
        # storing 100,000 scores
        last: list = [(_UNSET, None)]

        def fast(v, _proc=proc, _last=last):
            seen, said = _last[0]
            if v is seen:
                return said
            if v.__class__ is datetime and v.tzinfo is None:
                said = v.isoformat(" ", "microseconds")
                _last[0] = (v, said)
                return said
            return _proc(v)
        return fast
    return proc


def _account_values(a: Account) -> dict:
    ZoneInfo(a.timezone)  # refuse an unknown timezone before storing it
    return {
        "name": a.name,
        "timezone": a.timezone,
        "business_hours": codec.business_hours_json(a.business_hours),
        "csat_scale": str(a.csat_scale),
        "min_rated_for_model": a.min_rated_for_model,
        "alert_below": a.alert_below,
        "ticket_url": a.ticket_url or None,
        "long_hold_days": a.long_hold_days,
    }


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def chunks(items: Iterable, size: int) -> Iterable[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
