"""`cxpulse sync` against the fake Zendesk API (tests/fakes, 127.0.0.1 only): a full sync
stores what `cxpulse import zendesk` stores (tickets, events, users, responses,
invitations, KPIs) of the same world, a second sync changes
nothing, a 429 and a 500 are survived, and a bad token stops it with a clear error that
does not hold the token."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from cxpulse.domain import SyncError
from cxpulse.service import sync as sync_mod
from cxpulse.service.connections import connect, list_connections
from cxpulse.service.imports import import_path
from cxpulse.service.sync import sync
from cxpulse.storage import Store
from cxpulse.storage import tables as T
from tests.fakes.zendesk_api import FakeZendesk, make_world, write_export

TICKETS = "tickets"


@pytest.fixture(scope="module")
def world():
    return make_world(7, tickets=30)


@pytest.fixture
def fake(world):
    f = FakeZendesk(copy.deepcopy(world), page_size=10)
    with f.running():
        yield f


@pytest.fixture(autouse=True)
def no_sleeping(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(sync_mod, "sleep", waits.append)
    return waits


def _connect(store: Store, fake: FakeZendesk, token: str | None = None) -> None:
    connect(store, "acme", "zendesk", fake.url, token or fake.token, email=fake.email)


def _rows(store: Store, table, drop=("id", "account_id", "ticket_id", "imported_at", "updated_at_db")) -> list:
    cols = [c for c in table.c if c.name not in drop]
    with store.engine.connect() as c:
        return sorted((tuple(map(str, r)) for r in c.execute(select(*cols))))


def test_a_full_sync_stores_what_a_file_import_stores(store: Store, fake, world, tmp_path):
    _connect(store, fake)
    got = sync(store, "acme")
    assert got.inserted > 0 and not got.rejected
    imported = Store.open(tmp_path / "imported.db")
    try:
        import_path(imported, "zendesk", write_export(world, tmp_path / "export"), account="acme",
                    rejects_path=tmp_path / "rejects.jsonl")
        for table in (T.tickets, T.users, T.responses, T.invitations, T.ticket_events, T.ticket_kpis):
            assert _rows(store, table) == _rows(imported, table), table.name
            assert store.count(table) > 0 or table is T.invitations, table.name
    finally:
        imported.engine.dispose()
    assert fake.requests[TICKETS] == 3  # 30 tickets, pages of 10, the last one end_of_stream
    (c,) = list_connections(store)
    assert c["cursor"] and c["last_sync_at"] and not c["last_error"]


def test_a_second_sync_changes_nothing_and_a_change_comes_next(store: Store, fake):
    _connect(store, fake)
    sync(store, "acme")
    before = _rows(store, T.tickets)
    again = sync(store, "acme")
    assert again.inserted == again.updated == 0
    assert _rows(store, T.tickets) == before
    tid = sorted(t for t, v in fake.world.tickets.items() if v["status"] in ("new", "open", "pending"))[0]
    events = store.count(T.ticket_events)
    fake.change_ticket(tid, status="solved", comment="Fixed, thanks for waiting.")
    third = sync(store, "acme")
    assert third.by_kind["ticket"].updated == 1
    assert store.count(T.ticket_events) == events + 2  # the comment and the status change
    with store.engine.connect() as c:
        assert c.execute(select(T.tickets.c.status).where(T.tickets.c.source_id == str(tid))).scalar() == "solved"


def test_a_429_and_a_500_are_survived(store: Store, fake, no_sleeping):
    _connect(store, fake)
    fake.fail_next(TICKETS, "429", retry_after=7)
    fake.fail_next(TICKETS, "500")
    fake.fail_next("users", "drop")
    got = sync(store, "acme")
    assert got.inserted > 0
    assert 7.0 in no_sleeping and len(no_sleeping) == 3


def test_an_endpoint_failing_past_its_retries_names_it(store: Store, fake):
    _connect(store, fake)
    for _ in range(sync_mod.RETRIES + 1):
        fake.fail_next(TICKETS, "500")
    with pytest.raises(SyncError, match="incremental/tickets/cursor.json"):
        sync(store, "acme")
    (c,) = list_connections(store)
    assert "cursor.json" in c["last_error"] and not c["cursor"]


def test_a_bad_token_gives_a_clear_error_without_the_token(store: Store, fake):
    bad = "wrong-token-secret-9876"
    _connect(store, fake, token=bad)
    with pytest.raises(SyncError, match="refused the credentials") as e:
        sync(store, "acme")
    assert bad not in str(e.value) and "9876" not in str(e.value)
    (c,) = list_connections(store)
    assert bad not in c["last_error"]


def test_the_sync_command_prints_the_import_summary_and_never_the_token(db_arg, fake):
    from typer.testing import CliRunner

    from cxpulse.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["connect", "zendesk", "acme", "--url", fake.url, "--email", fake.email,
                             "--token", fake.token, "--db", db_arg])
    assert ok.exit_code == 0, ok.output
    got = runner.invoke(app, ["sync", "--account", "acme", "--format", "json", "--db", db_arg])
    assert got.exit_code == 0, got.output
    assert '"inserted"' in got.output and fake.token not in got.output
    runner.invoke(app, ["connect", "zendesk", "acme", "--url", fake.url, "--email", fake.email,
                        "--token", "bad-token-SECRET-4321", "--db", db_arg])
    bad = runner.invoke(app, ["sync", "--db", db_arg])
    said = bad.output + (bad.stderr if bad.stderr_bytes is not None else "")
    assert bad.exit_code != 0 and "refused the credentials" in said and "SECRET" not in said
