"""Small writes on PostgreSQL as one statement: the rows sent as one JSON array of
arrays, or as one array per column.

An API batch (100 events) written through SQLAlchemy's executemany is 100 INSERTs that
the server plans and runs one by one, each a message of its own, all while the batch
holds its account's write lock (storage/locks.py): the four clients of the ingest
benchmark spent most of their time waiting for that lock. Sent as one parameter and
unpacked by `jsonb_array_elements` (or `unnest`), the same rows are one statement,
planned once (psycopg prepares a statement run five times), whatever their number.

JSON, written by orjson, is the usual form: 15 µs of Python for 100 events, where
psycopg's arrays of the same rows take 0.8 ms — Python that ran while the account was
locked, since the lock statement goes first. Each element comes back as text cast to its
column's type, which reads what orjson wrote as it was (text, integers, booleans, naive
times and dates). A float or bytes column, or a value orjson does not write, goes as arrays.

Below COPY_MIN_ROWS rows this replaces both the upsert of raw rows and the plain insert
of `insert_many` (stale marks, mostly); from COPY_MIN_ROWS up, COPY does (storage/pg_copy.py).

The upsert is the merge of pg_copy.copy_upsert with the arrays in place of the staging
table, so it stores the same rows and reports the same counts: rows stored with the same
content hash are not offered to the INSERT (each row offered takes an id from the
table's sequence even when the conflict turns it away), and new rows are inserted in the
order given. Values pass through their column type's SQLAlchemy bind processor first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime

import orjson
import psycopg
from sqlalchemy import Connection, Table
from sqlalchemy.exc import DBAPIError

from cxpulse.storage.locks import ACCOUNT_LOCK_SQL, ACCOUNT_WRITES
from cxpulse.storage.pg_copy import converter, merge_sql

_SQL: dict[tuple, tuple[str, Callable | None]] = {}


def unnest_upsert(
    conn: Connection, table: Table, account_id: int, keys: Sequence[str], rows: Sequence[tuple[Sequence, str]],
    *, lock: bool = False,
) -> tuple[list[str], list[str]] | None:
    """Upsert one account's rows, given as (values in `keys` order, content hash), each
    source id once (`keys[0]` is "source_id"). Returns the source ids inserted (in the
    order given) and those updated; the others were stored with the same content hash.

    With `lock`, the account's write lock (storage/locks.py) is taken first, by a statement
    sent with the upsert in one round trip: the upsert starts (and takes its snapshot) once
    the lock is held, so it sees every row the previous holder committed.

    None, having sent nothing, when a column mixes kinds of values an array cannot hold
    together (`_uniform`): the caller writes the rows its own way."""
    params = _json_params(conn, table, tuple(keys), rows, upsert=True)
    if params is not None:
        sql = _plan(conn, table, tuple(keys), upsert=True, json=True)[0]
    else:
        sql, convert = _plan(conn, table, tuple(keys), upsert=True)
        columns = _columns(rows, len(keys), convert, with_hash=True)
        if not _uniform(table, keys, columns):
            return None
        params = {"seq": list(range(len(rows))), **{f"c{i}": col for i, col in enumerate(columns)}}
    params["a"] = account_id
    # every parameter is made before the lock is asked for: the lock is held from the moment
    # the server grants it, and psycopg's arrays of 100 rows took 0.8 ms of Python to make
    with batched(conn), _cursor(conn) as cur:
        if lock:
            cur.execute(ACCOUNT_LOCK_SQL, (ACCOUNT_WRITES, int(account_id)))
        cur.execute(sql, params)
        out = cur.fetchall()
    return [sid for new, sid in out if new], [sid for new, sid in out if not new]


def unnest_insert(conn: Connection, table: Table, keys: Sequence[str], rows: Sequence[Sequence]) -> bool:
    """Insert rows (value tuples in `keys` order) with one statement. Columns left out get
    NULL or their server default, as with COPY (storage.store.insert_many checks). Inside
    `batched`, the statement goes with the others of the block. False, having sent
    nothing, when a column mixes kinds of values (`_uniform`)."""
    statement = _insert_statement(conn, table, keys, rows)
    if statement is None:
        return False
    with _cursor(conn) as cur:
        cur.execute(*statement)
    return True


def _insert_statement(conn: Connection, table: Table, keys: Sequence[str], rows: Sequence[Sequence]
                      ) -> tuple[str, dict] | None:
    """The INSERT … SELECT of these rows and its parameters: one JSON parameter, or one
    array per column where JSON cannot carry the values; None when a column mixes kinds."""
    params = _json_params(conn, table, tuple(keys), rows, upsert=False)
    if params is not None:
        return _plan(conn, table, tuple(keys), upsert=False, json=True)[0], params
    sql, convert = _plan(conn, table, tuple(keys), upsert=False)
    if convert is not None:
        rows = [convert(r) for r in rows]
    columns = [list(col) for col in zip(*rows, strict=True)]
    if not _uniform(table, keys, columns):
        return None
    return sql, {f"c{i}": col for i, col in enumerate(columns)}


def insert_if_exists(conn: Connection, table: Table, keys: Sequence[str], rows: Sequence[Sequence],
                     where: Table, equal: dict[str, object]) -> None:
    """`unnest_insert`, as one statement that inserts nothing unless `where` holds a row
    whose columns have the values of `equal`: a write that needs no answer to go on, where
    reading the condition first would be a round trip of its own."""
    statement = _insert_statement(conn, table, keys, rows)
    if statement is None:
        raise ValueError(f"values of mixed kinds for {table.name}")
    sql, params = statement
    test = " AND ".join(f"{k} = %(w_{k})s" for k in equal)
    params |= {f"w_{k}": v for k, v in equal.items()}
    with _cursor(conn) as cur:
        cur.execute(f"{sql} WHERE EXISTS (SELECT 1 FROM {where.name} WHERE {test})", params)


_NUMBERS = {int, float}


def _uniform(table: Table, keys: Sequence[str], columns: list[list]) -> bool:
    """Whether each column's values are of one Python type (and None), as psycopg needs to
    send them as one array; a float column's ints are made floats (what the column stores)."""
    for k, col in zip(keys, columns):
        kinds = set(map(type, col))
        kinds.discard(type(None))
        if len(kinds) <= 1:
            continue
        if kinds <= _NUMBERS and table.c[k].type.python_type is float:
            col[:] = [v if v is None else float(v) for v in col]
            continue
        return False
    return True


@contextmanager
def batched(conn: Connection) -> Iterator[None]:
    """On PostgreSQL, the statements of `unnest_insert` in this block are sent together and
    answered together (psycopg's pipeline mode): one round trip for all of them. A
    transaction holding an account's lock waits for each of its round trips, and so do the
    other writers of the account. Only statements whose rows nobody reads belong here
    (SQLAlchemy reads no result in pipeline mode). Elsewhere nothing."""
    if conn.dialect.name != "postgresql":
        yield
        return
    try:
        with conn.connection.driver_connection.pipeline():
            yield
    except psycopg.Error as e:
        raise _as_sqlalchemy(e) from e


def batching(conn: Connection) -> bool:
    """Whether statements are being batched (`batched`): COPY cannot run then."""
    return conn.connection.driver_connection.pgconn.pipeline_status != psycopg.pq.PipelineStatus.OFF


@contextmanager
def _cursor(conn: Connection) -> Iterator[psycopg.Cursor]:
    """psycopg's own cursor on the connection's transaction; its errors as SQLAlchemy's
    (a unique key refused: WriteConflict, storage/errors.py), as through `conn.execute`."""
    try:
        with conn.connection.driver_connection.cursor() as cur:
            yield cur
    except psycopg.Error as e:
        raise _as_sqlalchemy(e) from e


def _as_sqlalchemy(e: psycopg.Error) -> DBAPIError:
    return DBAPIError.instance(None, None, e, psycopg.Error)


def _columns(rows: Sequence[tuple[Sequence, str]], width: int, convert: Callable | None, *, with_hash: bool) -> list:
    """The (values, hash) rows as one list per column, the hashes last."""
    values = [v for v, _h in rows] if convert is None else [convert(v) for v, _h in rows]
    cols = [list(c) for c in zip(*values, strict=True)] if values else [[] for _ in range(width)]
    if with_hash:
        cols.append([h for _v, h in rows])
    return cols


# the Python types of the columns whose values go as JSON text and come back the same once
# cast (floats do not: orjson writes NaN as null; bytes it does not write at all)
_JSON_TYPES = {str, int, bool, date, datetime}


def _json_params(conn: Connection, table: Table, keys: tuple[str, ...], rows: Sequence, *,
                 upsert: bool) -> dict | None:
    """The rows as one JSON array of arrays (orjson: 15 µs for 100 events, where psycopg's
    arrays take 0.8 ms), for `_plan(json=True)`; None when a column or a value needs the
    arrays: a float or bytes column, a value orjson does not write (numpy, a lone surrogate)."""
    if not _json_ok(table, keys):
        return None
    convert = _plan(conn, table, keys, upsert=upsert)[1]
    try:
        if upsert:
            if convert is None:
                payload = orjson.dumps([(i, *v, h) for i, (v, h) in enumerate(rows)])
            else:
                payload = orjson.dumps([(i, *convert(v), h) for i, (v, h) in enumerate(rows)])
        else:
            payload = orjson.dumps(rows if convert is None else [convert(r) for r in rows])
    except TypeError:  # orjson.JSONEncodeError
        return None
    return {"rows": payload.decode()}


_JSON_OK: dict[tuple, bool] = {}


def _json_ok(table: Table, keys: tuple[str, ...]) -> bool:
    ok = _JSON_OK.get((table.name, keys))
    if ok is None:
        ok = _JSON_OK[(table.name, keys)] = all(table.c[k].type.python_type in _JSON_TYPES for k in keys)
    return ok


def _plan(conn: Connection, table: Table, keys: tuple[str, ...], *, upsert: bool,
          json: bool = False) -> tuple[str, Callable | None]:
    """The statement for rows with these keys (sent as arrays, or as one JSON array with
    `json`), and the function converting a row's values."""
    cache_key = (table.name, keys, upsert, json)
    plan = _SQL.get(cache_key)
    if plan is None:
        dialect = conn.dialect
        cols = (*keys, "content_hash") if upsert else keys
        types = [table.c[k].type.compile(dialect=dialect) for k in cols]
        if json:  # element i of each row's array, as text, cast to its column's type
            first = 1 if upsert else 0
            fields = ", ".join(f"CAST(r ->> {first + i} AS {t}) AS {k}" for i, (k, t) in enumerate(zip(cols, types)))
            rows = "jsonb_array_elements(CAST(%(rows)s AS jsonb)) AS r"
        if upsert:
            if json:
                source = f"(SELECT CAST(r ->> 0 AS integer) AS seq, {fields} FROM {rows}) AS s"
            else:
                arrays = ", ".join(f"CAST(%(c{i})s AS {t}[])" for i, t in enumerate(types))
                source = f"unnest(CAST(%(seq)s AS integer[]), {arrays}) AS s(seq, {', '.join(cols)})"
            sql = merge_sql(table.name, source, keys)
        elif json:
            sql = f"INSERT INTO {table.name} ({', '.join(keys)}) SELECT {fields} FROM {rows}"
        else:
            arrays = ", ".join(f"CAST(%(c{i})s AS {t}[])" for i, t in enumerate(types))
            sql = f"INSERT INTO {table.name} ({', '.join(keys)}) SELECT * FROM unnest({arrays})"
        plan = _SQL[cache_key] = (sql, converter(conn, table, keys))
    return plan
