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
    # the account-day rollup holds rollup_day's counts summed over channel and group
    summed: dict[tuple, int] = {}
    for account, day, _channel, _group, *keys, n in incremental["rollup_day"]:
        summed[(account, day, *keys)] = summed.get((account, day, *keys), 0) + int(n)
    assert {tuple(row[:-1]): int(row[-1]) for row in incremental["rollup_day_account"]} == summed
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


def test_migration_0005_renames_old_zendesk_invitations_so_a_reimport_counts_each_survey_once(tmp_path):
    """Stores made before 0005 hold `zd-rating-<rating id>` invitations; the importer now
    names them `zd-offered-<ticket id>` (an offered rating may have no id). The upgrade
    renames them, keeping one per ticket."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from cxpulse.storage.migrate import alembic_config, migrate

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO accounts (id, name, timezone, business_hours, csat_scale, min_rated_for_model,"
                          " alert_below, created_at) VALUES (1, 'acme', 'UTC', '', '1-5', 300, 40, '2026-01-01')"))
        for i, (sid, ticket) in enumerate([("zd-rating-77", "5"), ("zd-rating-78", "5"), ("zd-rating-90", "6"),
                                           ("zd-offered-7", "7"), ("zd-rating-91", "7"), ("survey-1", "8")], 1):
            conn.execute(text("INSERT INTO invitations (id, account_id, source_id, ticket_id, customer_id, kind,"
                              " sent_at, day, content_hash) VALUES (:i, 1, :s, :t, '', 'csat', '2026-01-02',"
                              " '2026-01-02', 'x')"), {"i": i, "s": sid, "t": ticket})
    migrate(engine)
    with engine.connect() as conn:
        ids = sorted(sid for (sid,) in conn.execute(text("SELECT source_id FROM invitations")))
    assert ids == ["survey-1", "zd-offered-5", "zd-offered-6", "zd-offered-7"]


def test_the_raw_tables_lose_their_account_key_and_keep_every_row(store, tmp_path):
    """Migration 0020 on a database holding data: down to 0019 (the keys come back), up again."""
    from alembic import command
    from sqlalchemy import inspect

    from cxpulse.storage.migrate import alembic_config, migrate

    records, _ = random_help_desk(seed=4, tickets=80)
    import_path(store, "jsonl", write_jsonl(tmp_path / "a.jsonl", records), account="acme")
    raw = ("users", "tickets", "ticket_events", "responses")

    def rows() -> dict:
        with store.engine.connect() as conn:
            return {t: sorted(tuple(map(str, r)) for r in conn.execute(select(T.metadata.tables[t]))) for t in raw}

    def account_keys() -> set[str]:
        with store.engine.connect() as conn:
            return {t for t in raw if any(fk["referred_table"] == "accounts" for fk in inspect(conn).get_foreign_keys(t))}

    before = rows()
    cfg = alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0019_key_language")
    assert account_keys() == set(raw)
    migrate(store.engine)
    assert account_keys() == set() and rows() == before
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), T.metadata) == []
    store.engine.dispose()


def test_a_few_rows_mixing_whole_and_fractional_minutes_store_them_as_given(store):
    # a small insert on PostgreSQL is one statement of arrays for a float column: its whole
    # numbers (ints in Python) go as floats beside the fractions
    from datetime import datetime

    from cxpulse.storage.store import insert_many

    acc = store.ensure_account("acme")
    keys = ("account_id", "ticket_id", "kind", "seq", "policy", "target_minutes", "business_hours", "status",
            "started_at", "ended_at", "breached_at", "deadline", "paused", "elapsed_minutes")
    at = datetime(2026, 3, 2, 9, 0, 0, 250)
    rows = [(acc.id, f"T{i}", "resolution", 0, "p", minutes, i % 2 == 0, "met", at, None, None, None, False, elapsed)
            for i, (minutes, elapsed) in enumerate([(30, 1.5), (30.5, 2), (45, 3.25)])]
    with store.engine.begin() as conn:
        insert_many(conn, T.ticket_sla, keys, rows)
    with store.engine.connect() as conn:
        got = conn.execute(select(T.ticket_sla.c.target_minutes, T.ticket_sla.c.elapsed_minutes,
                                  T.ticket_sla.c.business_hours, T.ticket_sla.c.started_at)
                           .order_by(T.ticket_sla.c.ticket_id)).all()
    assert [(r[0], r[2], r[3]) for r in got] == [(30.0, True, at), (30.5, False, at), (45.0, True, at)]
    assert [r[1] for r in got] == [1.5, 2.0, 3.25]
