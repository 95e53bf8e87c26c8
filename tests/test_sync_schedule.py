"""`cxpulse serve --sync-every`: the server syncs every connection on its own, one at a time,
against the fake Zendesk (tests/fakes, 127.0.0.1 only); a failing connection records its
error (never the token) and the next round retries; a `cxpulse sync` at the same time is
told to wait by the account's lease; stopping the server stops the schedule."""

from __future__ import annotations

import copy
import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cxpulse.domain import SyncBusy
from cxpulse.service import sync as sync_mod
from cxpulse.service.connections import connect, list_connections
from cxpulse.service.context import App
from cxpulse.service.sync_lease import guarded_sync
from cxpulse.service.sync_schedule import SyncScheduler, connection_states, start_sync_schedule
from cxpulse.storage import Store
from cxpulse.storage import sync_leases as leases
from cxpulse.storage import tables as T
from cxpulse.web import create_app
from tests.fakes import zendesk_api as zendesk_fake
from tests.fakes.waits import no_real_waits
from tests.fakes.zendesk_api import FakeZendesk, make_world

runner = CliRunner()
BAD = "wrong-token-SECRET-8765"


@pytest.fixture(scope="module")
def world():
    return make_world(11, tickets=20)


@pytest.fixture
def fake(world):
    f = FakeZendesk(copy.deepcopy(world), page_size=10)
    with f.running():
        yield f


@pytest.fixture(autouse=True)
def no_sleeping(monkeypatch):
    return no_real_waits(monkeypatch)


def _connect(store: Store, fake: FakeZendesk, account: str = "acme", token: str | None = None) -> None:
    connect(store, account, "zendesk", fake.url, token or fake.token, email=fake.email)


def _state(store: Store, account: str) -> dict:
    return next(c for c in list_connections(store) if c["account"] == account)


def _until(check, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_server_syncs_every_connection_on_its_own_and_stops_with_it(store: Store, fake):
    _connect(store, fake)
    app = create_app(store)
    start_sync_schedule(app, every=0.3)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        _until(lambda: _state(store, "acme")["last_sync_at"] is not None)
        assert store.count(T.tickets) == len(fake.world.tickets)
        scheduler = app.state.context.sync_schedule
        assert scheduler.running and scheduler.next_sync_at("acme") is not None
        # a change in the help desk arrives on a later round, nobody asking
        tid = sorted(t for t, v in fake.world.tickets.items() if v["status"] in ("new", "open", "pending"))[0]
        fake.change_ticket(tid, status="solved", comment="Sorted, thanks.")
        _until(lambda: _ticket_status(store, tid) == "solved")
    assert not scheduler.running and scheduler.next_sync_at("acme") is None
    asked = sum(fake.requests.values())
    time.sleep(0.8)  # more than two periods: a stopped schedule asks nothing
    assert sum(fake.requests.values()) == asked


def _ticket_status(store: Store, tid: int) -> str | None:
    from sqlalchemy import select

    with store.engine.connect() as c:
        return c.execute(select(T.tickets.c.status).where(T.tickets.c.source_id == str(tid))).scalar()


def test_a_failing_connection_records_its_error_and_the_next_round_retries(store: Store, fake, caplog):
    _connect(store, fake, "acme")
    _connect(store, fake, "beta", token=BAD)
    scheduler = SyncScheduler(App(store), every=60)
    with caplog.at_level(logging.INFO, logger="cxpulse.sync"):
        first = scheduler.run_round()
    assert first["acme"] == "synced"
    assert "refused the credentials" in first["beta"] and BAD not in first["beta"]
    beta = _state(store, "beta")
    assert "refused the credentials" in beta["last_error"] and "8765" not in beta["last_error"]
    assert beta["last_sync_at"] is None and _state(store, "acme")["last_error"] == ""
    assert "scheduled sync of beta failed" in caplog.text and BAD not in caplog.text and "8765" not in caplog.text
    _connect(store, fake, "beta")  # the right token now: the next round syncs it
    second = scheduler.run_round()
    assert second == {"acme": "synced", "beta": "synced"}
    assert _state(store, "beta")["last_error"] == "" and _state(store, "beta")["last_sync_at"] is not None


def test_an_unexpected_failure_is_recorded_without_the_token_and_the_thread_goes_on(store: Store, fake, monkeypatch,
                                                                                     caplog):
    _connect(store, fake)
    calls = []

    def broken(s, account, *, full=False, **kw):
        calls.append(account)
        if len(calls) == 1:
            raise RuntimeError(f"connection reset while sending {fake.token}")
        return real(s, account, full=full, **kw)

    real = sync_mod.sync
    monkeypatch.setattr(sync_mod, "sync", broken)
    scheduler = SyncScheduler(App(store), every=0.2)
    with caplog.at_level(logging.WARNING, logger="cxpulse.sync"):
        scheduler.start()
        try:
            _until(lambda: len(calls) >= 2 and _state(store, "acme")["last_sync_at"] is not None)
        finally:
            assert scheduler.stop()
    assert "RuntimeError: connection reset" in caplog.text and fake.token not in caplog.text
    assert fake.token[-4:] in caplog.text  # masked as …last4, as everywhere
    assert _state(store, "acme")["last_error"] == ""  # the retry succeeded and cleared it


def test_a_sync_while_another_process_syncs_the_account_is_told_to_wait(store: Store, fake, db_arg):
    _connect(store, fake)
    acc = store.account("acme")
    now = datetime.now(UTC)
    lease = leases.claim(store.engine, acc.id, "serve:elsewhere:42", now=now, until=now + timedelta(minutes=3))
    assert lease is not None
    with pytest.raises(SyncBusy, match="being synced now by serve:elsewhere:42"):
        guarded_sync(store, "acme")
    scheduler = SyncScheduler(App(store), every=60)
    assert scheduler.run_round() == {"acme": "busy"}
    assert _state(store, "acme")["last_error"] == "" and store.count(T.tickets) == 0  # skipped, not failed
    (shown,) = connection_states(App(store))
    assert shown["syncing_by"] == "serve:elsewhere:42" and shown["next_sync_at"] is None
    leases.release(store.engine, lease)
    assert scheduler.run_round() == {"acme": "synced"}
    assert leases.current(store.engine, now=datetime.now(UTC)) == {}  # given back after the sync


def test_a_lease_left_by_a_killed_process_on_this_machine_is_taken_over_at_once(store: Store, fake):
    import subprocess
    import sys

    from cxpulse.service.sync_lease import holder_name

    _connect(store, fake)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = holder_name("cli").rsplit(":", 1)[0] + f":{gone.pid}"
    now = datetime.now(UTC)
    leases.claim(store.engine, store.account("acme").id, dead, now=now, until=now + timedelta(minutes=3))
    assert guarded_sync(store, "acme").inserted > 0  # not "being synced now" for three minutes
    alive = holder_name("serve")  # this very process: alive, so its lease stands
    leases.claim(store.engine, store.account("acme").id, alive, now=now, until=now + timedelta(minutes=3))
    with pytest.raises(SyncBusy):
        guarded_sync(store, "acme")


def test_the_sync_command_waits_its_turn_while_the_server_has_the_account(db_arg, fake):
    from cxpulse.cli import app

    store = Store.open(db_arg)
    _connect(store, fake)
    _connect(store, fake, "beta")
    acc = store.account("acme")
    now = datetime.now(UTC)
    leases.claim(store.engine, acc.id, "serve:box:7", now=now, until=now + timedelta(minutes=3))
    one = runner.invoke(app, ["sync", "--account", "acme", "--db", db_arg])
    assert one.exit_code == 2 and "being synced now by serve:box:7" in one.output
    every = runner.invoke(app, ["sync", "--db", db_arg, "--format", "json"])  # the others go on
    assert every.exit_code == 0, every.output
    assert "skipped: account 'acme' is being synced now" in every.output and '"inserted"' in every.output
    assert _state(store, "beta")["last_sync_at"] is not None and _state(store, "acme")["last_sync_at"] is None
    store.engine.dispose()


def test_two_syncs_of_one_account_at_once_run_one_at_a_time(store: Store, fake):
    _connect(store, fake)
    fake.fail_next("users", "hang", seconds=1.0)  # the first sync is slow to start
    results: list[object] = []

    def run() -> None:
        try:
            results.append(guarded_sync(store, "acme", holder=threading.current_thread().name))
        except SyncBusy as e:
            results.append(e)

    threads = [threading.Thread(target=run, name=f"t{i}") for i in range(2)]
    threads[0].start()
    time.sleep(0.3)
    threads[1].start()
    for t in threads:
        t.join(30)
    busy = [r for r in results if isinstance(r, SyncBusy)]
    assert len(results) == 2 and len(busy) == 1 and "being synced now by t0" in str(busy[0])
    assert store.count(T.tickets) == len(fake.world.tickets)


def test_a_lease_is_one_holders_until_it_expires(store: Store):
    acc = store.ensure_account("acme")
    t0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    def at(minutes: int) -> datetime:
        return t0 + timedelta(minutes=minutes)

    a = leases.claim(store.engine, acc.id, "a", now=t0, until=at(3))
    assert a is not None
    assert leases.claim(store.engine, acc.id, "b", now=at(2), until=at(5)) is None
    assert leases.renew(store.engine, a, at(6))
    assert leases.claim(store.engine, acc.id, "b", now=at(5), until=at(8)) is None
    b = leases.claim(store.engine, acc.id, "b", now=at(7), until=at(10))
    assert b is not None  # a's lease ran out (a killed process): taken over
    assert not leases.renew(store.engine, a, at(12))
    leases.release(store.engine, a)  # a's late release leaves b's lease alone
    assert leases.current(store.engine, now=at(8))[acc.id].holder == "b"


def test_serve_sync_every_starts_the_schedule_and_zero_turns_it_off(db_arg, fake, monkeypatch):
    import uvicorn

    from cxpulse.cli import app

    store = Store.open(db_arg)
    _connect(store, fake)
    seen: dict = {}

    def run(asgi, **kwargs):  # instead of listening: start the app's lifespan, wait for a sync, stop
        with TestClient(asgi):
            scheduler = asgi.state.context.sync_schedule
            seen["every"] = scheduler.every if scheduler else None
            if scheduler:
                _until(lambda: _state(store, "acme")["last_sync_at"] is not None)

    monkeypatch.setattr(uvicorn, "run", run)
    got = runner.invoke(app, ["serve", "--sync-every", "0.5", "--db", db_arg])
    assert got.exit_code == 0, got.output
    assert seen["every"] == 30.0 and "connections synced every 0.5 min" in " ".join(got.output.split())
    monkeypatch.setenv("CXPULSE_SYNC_EVERY", "0")
    off = runner.invoke(app, ["serve", "--db", db_arg])
    assert off.exit_code == 0 and seen["every"] is None and "scheduled sync off" in " ".join(off.output.split())
    bad = runner.invoke(app, ["serve", "--sync-every", "-1", "--db", db_arg])
    assert bad.exit_code == 2 and "--sync-every" in bad.output
    store.engine.dispose()


def test_a_list_of_more_than_one_page_is_read_to_its_end(store: Store, world, monkeypatch):
    """A help desk with more than 100 users (one page): every user arrives, and the sync
    ends — a sync that loops on one page would hold its account's lease and the server's
    scheduled round for good."""
    many = copy.deepcopy(world)
    first = many.users[0]
    many.users += [{**first, "id": first["id"] + 10_000 + i, "email": f"extra{i}@example.com",
                    "name": f"Extra {i}"} for i in range(120)]
    monkeypatch.setattr(zendesk_fake, "RATE_LIMIT", 30)  # a sync that loops is stopped by the 429s soon
    f = FakeZendesk(many, page_size=10)
    with f.running():
        _connect(store, f)
        guarded_sync(store, "acme")
    assert f.requests["users"] == 2 and store.count(T.users) >= len(many.users)
