"""A PostgreSQL database of a test's own, on the server the tests use.

PostgreSQL comes from CXPULSE_TEST_PG (default: the local server on 127.0.0.1:5432,
database `test`). In CI an unreachable server fails the test; on a laptop it skips.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from cxpulse.storage.engine import database_url

PG_URL = os.environ.get("CXPULSE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def private_database(prefix: str, *, as_given: bool = False) -> Iterator[str]:
    """Create a database named `prefix` + a random suffix, yield its URL, drop it after.
    The URL is SQLAlchemy's (`postgresql+psycopg://…`), or as a user gives `--db`
    (`postgresql://…`) with `as_given`."""
    admin_url = database_url(PG_URL)
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("select 1"))
    except Exception as e:  # noqa: BLE001 - any connection failure
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_URL} is not reachable in CI: {e}")
        pytest.skip(f"PostgreSQL at {PG_URL} not reachable: {e}")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield (PG_URL if as_given else admin_url).rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
