"""Bulk writes on PostgreSQL through COPY (psycopg 3's `cursor.copy()`).

Sending rows as an INSERT's parameters costs a round of parameter handling per row in
SQLAlchemy and psycopg; COPY streams them as one block of text that the server parses
itself. So on PostgreSQL a large write goes through COPY:

- a plain insert (derived rows after their delete, stale marks) straight into its table;
- an update of many rows by id (responses' local days after a new timezone) staged, then
  one UPDATE joined on the primary key;
- an upsert of raw rows (tickets, events, responses… keyed by account and source id):
  a batch none of whose source ids is stored straight into its table (a first import);
  any other into a temporary staging table, then merged in one statement: an UPDATE of
  the stored rows whose content hash differs, and an INSERT … ON CONFLICT of the rows not
  stored. Rows stored with the same hash are left alone, as by the SQLite path
  (storage/store.py).

Unchanged rows are never offered to the INSERT: each row an INSERT offers takes a value
of the table's id sequence even when the conflict turns it away, so a re-import of ten
million unchanged rows would use up ten million ids. New rows are inserted in the order
they came, so they are numbered as SQLite numbers them.

psycopg writes each value in COPY's text format, escaping tabs, newlines and
backslashes; None becomes NULL. Values pass through the column type's SQLAlchemy bind
processor first, as an INSERT through SQLAlchemy would (booleans, here).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import Connection, Engine, Table

from cxpulse.storage.tables import DERIVED, stale_derived

# Below this many rows the executemany path is as quick: a staged upsert is five
# statements whatever its size.
COPY_MIN_ROWS = 200
_STAGE = "cx_stage_"


def copy_insert(conn: Connection, table: Table, keys: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert rows (value tuples in `keys` order) into `table` with one COPY.

    Columns left out get NULL or their server default, never a Python-side default: the
    caller sends every column that has one (storage.store.insert_many checks)."""
    _copy(conn, table.name, keys, rows, converter(conn, table, keys))


def copy_upsert(
    conn: Connection, table: Table, account_id: int, keys: Sequence[str], rows: Sequence[tuple[Sequence, str]],
    *, expect_new: bool | None = None,
) -> tuple[list[str], list[str]]:
    """Upsert one account's rows, given as (values in `keys` order, content hash), each
    source id once (`keys[0]` is "source_id"). Returns the source ids inserted (in the
    order given) and those updated; the others were stored with the same content hash.

    A batch none of whose source ids is stored (every batch of a first import) is copied
    straight into the table; any other goes through the staged merge. `expect_new` is the
    caller's guess, from its last batch of the same rows: True tries the straight copy
    at once, False merges at once, None (no guess) looks the ids up first. A wrong guess
    costs time, never rows: a straight copy that meets a stored id is undone and merged."""
    sids = [v[0] for v, _h in rows]
    if expect_new is None:
        expect_new = not _any_stored(conn, table, account_id, sids)
    if expect_new and _copy_new(conn, table, account_id, keys, rows):
        _analyze_if_never(conn, table.name)
        return sids, []
    stage = _stage(conn, table, keys)
    convert = converter(conn, table, keys)
    if convert is None:
        staged = ((i, *v, h) for i, (v, h) in enumerate(rows))
    else:
        staged = ((i, *convert(v), h) for i, (v, h) in enumerate(rows))
    _copy(conn, stage, ("seq", *keys, "content_hash"), staged, None)
    rows_out = conn.exec_driver_sql(merge_sql(table.name, f"{stage} AS s", keys), {"a": account_id}).all()
    _analyze_if_never(conn, table.name)
    return [sid for new, sid in rows_out if new], [sid for new, sid in rows_out if not new]


def _any_stored(conn: Connection, table: Table, account_id: int, source_ids: list[str]) -> bool:
    """Whether any of these source ids is stored for the account: one probe of the unique
    (account_id, source_id) index per id, a fraction of what the staged merge costs."""
    return conn.exec_driver_sql(
        f"SELECT EXISTS (SELECT 1 FROM {table.name} WHERE account_id = %(a)s AND source_id = ANY(%(ids)s))",
        {"a": account_id, "ids": source_ids}).scalar()


def _copy_new(conn: Connection, table: Table, account_id: int, keys: Sequence[str],
              rows: Sequence[tuple[Sequence, str]]) -> bool:
    """COPY rows not stored straight into the table, in a savepoint; False (nothing
    written) if one was stored meanwhile by a writer that took no account lock.

    Measured on 1M events in batches of 5,000: the server's CPU 8.5 s against 14.2 s for
    staging and merging the same rows (no staging table to fill, no lookup, no RETURNING)."""
    from psycopg.errors import UniqueViolation

    try:
        with conn.begin_nested():
            copy_insert(conn, table, (*keys, "content_hash", "account_id"),
                        ((*v, h, account_id) for v, h in rows))
    except UniqueViolation:
        return False
    return True


def _analyze_if_never(conn: Connection, name: str) -> None:
    """ANALYZE a table that holds rows but has no statistics yet (a new database's first batch).

    Without them the planner takes a table's size from its pages but knows nothing of its
    columns, and may look each staged row up through an index that names only the account
    (responses' `(account_id, day)`) instead of the unique `(account_id, source_id)`: a scan
    of all the account's rows per staged row, seconds per batch, quadratic in the import.
    Statistics taken once suffice (source ids are unique, whatever the table's size later:
    the planner scales the row count by the pages). Autovacuum would take them, but a
    minute or more later; an import fills the table in that minute."""
    stale = conn.exec_driver_sql(
        "SELECT reltuples <= 0 FROM pg_class WHERE oid = CAST(%(t)s AS regclass)", {"t": name}).scalar()
    if stale:
        conn.exec_driver_sql(f"ANALYZE {name}")


# rows an import may insert before the planner's statistics are taken again
ANALYZE_AFTER_ROWS = 100_000
_RAW_TABLES = ("users", "tickets", "ticket_events", "responses")


def analyze_after_bulk(engine: Engine, inserted: int) -> bool:
    """ANALYZE the raw tables after an import that inserted `inserted` rows (PostgreSQL;
    nothing below `ANALYZE_AFTER_ROWS`): the refresh that follows reads them back by ticket.
    Statistics were taken once, at the first batch (`_analyze_if_never`), and autovacuum had
    not taken them again by the end of a 10M-event import: the KPI refresh then planned its
    reads against a table of 5,000 rows. Says whether it ran."""
    if engine.dialect.name != "postgresql" or inserted < ANALYZE_AFTER_ROWS:
        return False
    with engine.begin() as conn:
        for name in _RAW_TABLES:
            conn.exec_driver_sql(f"ANALYZE {name}")
    return True


def vacuum_after_bulk(engine: Engine, written: int) -> bool:
    """VACUUM (ANALYZE) the derived tables after a refresh that wrote `written` rows or more
    (PostgreSQL; nothing below `ANALYZE_AFTER_ROWS`). Says whether it ran.

    The refresh deletes and writes KPI rows and rollups; until a vacuum marks their pages
    all-visible, the reports' index-only scans read the heap for every row, and until an
    ANALYZE the planner guesses their sizes. Autovacuum does both, a minute or more later:
    the first reports after a large import were the slow ones. Measured after importing 10M
    events (1M tickets' KPIs): the overview's report of a year against the year before
    8.0 s, 3.1 s after this vacuum, which took 0.4 s."""
    if engine.dialect.name != "postgresql" or written < ANALYZE_AFTER_ROWS:
        return False
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # VACUUM runs outside a transaction
        for table in (*DERIVED, stale_derived):
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {table.name}")
    return True


def merge_sql(name: str, source: str, keys: Sequence[str]) -> str:
    """One statement: find each staged row's stored id and hash, update the rows whose hash
    differs, insert the rows not stored; return (inserted?, source id) of each row written.
    `source`: the rows, a FROM item named `s` with a `seq` (a staging table here; the rows
    of one JSON parameter in storage/pg_unnest.py).

    Each staged row's stored row is found through the (account_id, source_id) unique index,
    one lookup per staged row whatever the planner believes (the lateral subquery's OFFSET 0
    keeps it from being turned into a join): while a first import fills a table, its
    statistics say an account has a few rows, and a hash join over all of the account's rows
    per batch made an import quadratic. The update then joins on the primary key, and only
    the rows whose hash differs: with none (a first import, a re-import of the same file) the
    join ends before reading the table, whichever join the planner chose (a hash join whose
    outer side is empty builds no hash; measured: a hash join over all stored events per
    batch of new ones, 0.3 s a batch at 1M events)."""
    cols = (*keys, "content_hash")
    set_staged = ", ".join(f"{k} = c.{k}" for k in cols[1:])
    set_excluded = ", ".join(f"{k} = excluded.{k}" for k in cols[1:])
    return (
        f"WITH c AS MATERIALIZED ("
        f"  SELECT s.*, o.id AS old_id, o.content_hash AS old_hash FROM {source}"
        f"  LEFT JOIN LATERAL (SELECT t.id, t.content_hash FROM {name} AS t"
        f"    WHERE t.account_id = %(a)s AND t.source_id = s.source_id OFFSET 0) AS o ON true),"
        f" upd AS (UPDATE {name} AS t SET {set_staged} FROM c"
        f"  WHERE c.old_hash <> c.content_hash AND t.id = c.old_id AND t.content_hash <> c.content_hash"
        f"  RETURNING t.source_id),"
        f" ins AS (INSERT INTO {name} (account_id, {', '.join(cols)})"
        f"  SELECT %(a)s, {', '.join(f'c.{k}' for k in cols)} FROM c WHERE c.old_id IS NULL ORDER BY c.seq"
        # a row another writer stored meanwhile (one that took no account lock): updated as above
        f"  ON CONFLICT (account_id, source_id) DO UPDATE SET {set_excluded}"
        f"  WHERE {name}.content_hash <> excluded.content_hash RETURNING source_id)"
        f" SELECT true, source_id FROM ins UNION ALL SELECT false, source_id FROM upd"
    )


def copy_update(conn: Connection, table: Table, rows: Sequence[tuple[int, Sequence]], columns: Sequence[str]) -> None:
    """Set these columns of the rows of `table` with these ids: (id, values in `columns`
    order) pairs, staged with one COPY and written by one UPDATE joined on the primary key."""
    stage = _stage(conn, table, ("id", *columns), seq=False)
    convert = converter(conn, table, columns)
    staged = ((i, *v) for i, v in rows) if convert is None else ((i, *convert(v)) for i, v in rows)
    _copy(conn, stage, ("id", *columns), staged, None)
    conn.exec_driver_sql(f"UPDATE {table.name} AS t SET {', '.join(f'{c} = s.{c}' for c in columns)}"
                         f" FROM {stage} AS s WHERE t.id = s.id")


def _stage(conn: Connection, table: Table, columns: Sequence[str], *, seq: bool = True) -> str:
    """An empty temporary table for these columns of `table` (and a row number): made once
    per connection (IF NOT EXISTS: one made in a transaction rolled back is gone), and
    emptied by every commit. Rows copied in by a transaction rolled back are never seen."""
    cols = [*columns, "content_hash"] if seq else list(columns)
    stage = f"{_STAGE}{table.name}_{zlib.crc32(','.join(cols).encode()):08x}"
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS"
        f" SELECT {'0 AS seq, ' if seq else ''}{', '.join(cols)} FROM {table.name} WITH NO DATA"
    )
    return stage


def _copy(conn: Connection, target: str, keys: Sequence[str], rows: Iterable, convert: Callable | None) -> None:
    cursor = conn.connection.driver_connection.cursor()
    try:
        with cursor.copy(f"COPY {target} ({', '.join(keys)}) FROM STDIN") as copy:
            write = copy.write_row
            if convert is None:
                for row in rows:
                    write(row)
            else:
                for row in rows:
                    write(convert(row))
    finally:
        cursor.close()


def converter(conn: Connection, table: Table, keys: Sequence[str]) -> Callable | None:
    """`f(values)` → the values through their columns' bind processors; None if none has one."""
    dialect = conn.dialect
    todo = [(i, p) for i, k in enumerate(keys)
            if (p := table.c[k].type.dialect_impl(dialect).bind_processor(dialect)) is not None]
    if not todo:
        return None

    def convert(values) -> list:
        v = list(values)
        for i, p in todo:
            v[i] = p(v[i])
        return v

    return convert
