"""A condition naming many ids (`column IN (…)`), as few statements as the database allows.

SQLite caps a statement's parameters, so the ids go in chunks of CHUNK, one statement
each. PostgreSQL takes the whole list as one array parameter (`column = ANY(:ids)`): one
statement and one round trip for 100,000 tickets instead of fifty, each an IN list of
2,000 parameters that SQLAlchemy writes out, psycopg sends one by one and the server
plans again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from sqlalchemy import Connection, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

CHUNK = 2000


def in_ids(conn: Connection, column, ids: Collection) -> Iterator[ColumnElement]:
    """Conditions that together select the rows whose `column` is one of `ids`: run one
    statement per condition; none for no ids."""
    ids = list(ids)
    if not ids:
        return
    if conn.dialect.name == "postgresql":
        yield column == any_(bindparam(None, ids, type_=ARRAY(column.type)))
        return
    for i in range(0, len(ids), CHUNK):
        yield column.in_(ids[i : i + CHUNK])
