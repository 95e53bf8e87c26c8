"""The store: migrations match the tables, derived data is rebuildable, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from cxpulse.domain import Account
from cxpulse.service.derive import rebuild
from cxpulse.service.imports import import_path
from cxpulse.storage import tables as T
from cxpulse.storage.engine import database_url
from tests.factories import random_help_desk, write_jsonl


def test_migrations_create_exactly_the_tables_the_code_uses(store):
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), T.metadata)
    assert diff == []


def test_database_url_reads_paths_and_postgres_urls():
    assert database_url("x.db") == "sqlite:///x.db"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


def _derived(store):
    with store.engine.connect() as conn:
        return {
            t.name: sorted(tuple(str(v) for v in row) for row in conn.execute(select(t)))
            for t in T.DERIVED
        }


def test_rebuild_reproduces_what_imports_derived(store, tmp_path):
    records, _ = random_help_desk(seed=3, tickets=120)
    half = len(records) // 2  # two imports: the second refreshes incrementally
    import_path(store, "jsonl", write_jsonl(tmp_path / "a.jsonl", records[:half]), account="acme")
    import_path(store, "jsonl", write_jsonl(tmp_path / "b.jsonl", records[half:]), account="acme")
    incremental = _derived(store)
    assert incremental["ticket_kpis"] and incremental["rollup_day"]
    with store.engine.begin() as conn:
        for t in T.DERIVED:
            conn.execute(t.delete())
    rebuild(store)
    assert _derived(store) == incremental


def test_a_timezone_change_moves_responses_to_their_local_day(store, tmp_path):
    line = '{"type":"rating","id":"r1","score":5,"given_at":"2026-03-01T23:30:00Z"}\n'
    (tmp_path / "r.jsonl").write_text(line, encoding="utf-8")
    import_path(store, "jsonl", tmp_path / "r.jsonl", account="acme")
    store.update_account(Account(name="acme", timezone="Europe/Vilnius"))
    rebuild(store, "acme")
    with store.engine.connect() as conn:
        day = conn.execute(select(T.responses.c.day)).scalar_one()
        rolled = conn.execute(select(T.rollup_day.c.day)).scalar_one()
    assert str(day) == str(rolled) == "2026-03-02"
