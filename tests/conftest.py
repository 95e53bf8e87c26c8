"""Fixtures: a store on a real SQLite file and on a real PostgreSQL server.

PostgreSQL comes from CXPULSE_TEST_PG (default: the local server on 127.0.0.1:5432,
database `test`). Each test session creates its own database there and drops it after.
In CI an unreachable server fails the run; on a laptop it skips those tests.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cxpulse.storage import Store
from cxpulse.storage import tables as T
from tests.pg import private_database


@pytest.fixture(scope="session")
def pg_url():
    with private_database("cxpulse_test") as url:
        yield url


@pytest.fixture(scope="session")
def pg_store_session(pg_url):
    store = Store.open(pg_url)
    yield store
    store.engine.dispose()


def _truncate(store: Store) -> None:
    names = ", ".join(t.name for t in reversed(T.metadata.sorted_tables))
    with store.engine.begin() as c:
        c.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path) -> Store:
    """An empty store, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        s = Store.open(tmp_path / "cxpulse.db")
        yield s
        s.engine.dispose()
    else:
        s = request.getfixturevalue("pg_store_session")
        _truncate(s)
        yield s


@pytest.fixture
def db_arg(request, tmp_path) -> str:
    """A --db value for CLI tests (SQLite file)."""
    return str(tmp_path / "cli.db")


@pytest.fixture(scope="session")
def read_desk(tmp_path_factory):
    """The small demo desk on SQLite for dashboard tests that only read it (filters, lists,
    charts): built once a session. A test that changes it builds its own."""
    from tests.dashboard_helpers import shared_desk

    desk = shared_desk(tmp_path_factory)
    yield desk
    desk.store.engine.dispose()
