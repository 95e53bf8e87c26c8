"""An import killed with `kill -9` and run again ends where a clean import ends (issue 13 §1).

The import runs as the `cxpulse` command in a process of its own, reading through its reader
process as a large input does, and is killed at several points: found by polling what the
database holds, never by sleeping. Then it runs again to the end, and every table and the
reports must equal those of a clean import into a fresh database.

A few small settings make a small file behave as a large one (the same code paths, more
commit points per second): every input counts as large (a reader process), the KPIs of 500
tickets are worth worker processes (20,000), and rows are written in batches of BATCH
instead of 5,000.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select
from typer.testing import CliRunner

from cxpulse.cli import app

from cxpulse.storage import tables as T
from cxpulse.storage.engine import database_url
from tests.factories import make_ticket, random_help_desk, write_jsonl
from tests.pg import private_database

SRC = Path(__file__).resolve().parents[1] / "src"
TICKETS = 2000
BATCH = 500
DEADLINE = 60.0  # seconds any one step may take on a loaded machine before the test gives up

# The `cxpulse` command, with a large input's code paths on a small input (see above).
# `forkserver` as its argument starts a thread first, as the progress bar does on a
# terminal: the reader is then started by the forkserver, not forked.
CLI = """
import sys, threading
from cxpulse.service import derive, load, pipeline
pipeline.MIN_BYTES = 0
pipeline.usable_cores = derive.usable_cores = lambda: 2
derive.PARALLEL_MIN_TICKETS = 500
load.BATCH = {batch}
if sys.argv[1] == "forkserver":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
from cxpulse.cli import main
sys.argv[0:2] = ["cxpulse"]
main()
"""

# Columns that differ between two correct databases holding the same data:
# - `id`, the surrogate key of raw and log rows: on PostgreSQL a killed transaction uses up
#   the sequence values it took, so rows inserted after a crash are numbered higher (rows
#   are compared by their source ids, which are the same);
# - `accounts.created_at`: when the account was first stored, a clock reading.
SKIPPED = {"id"}
SKIPPED_BY_TABLE = {"accounts": {"created_at"}}


def _cli(db: str, *args: str, start: str = "fork") -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])),
           "TERM": "dumb"}
    return subprocess.Popen(
        [sys.executable, "-c", CLI.format(batch=BATCH), start, *args, "--db", db],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _import(db: str, path: Path, *, start: str = "fork") -> subprocess.Popen:
    return _cli(db, "import", "jsonl", str(path), "--account", "acme", "--format", "json", start=start)


@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> Path:
    """~11,000 lines: an account with business hours, then tickets, events and ratings mixed."""
    records, _facts = random_help_desk(seed=13, tickets=TICKETS)
    account = {"type": "account", "name": "acme", "timezone": "Europe/Vilnius",
               "business_hours": {"start": "09:00", "end": "18:00", "weekdays": [0, 1, 2, 3, 4]}}
    return write_jsonl(tmp_path_factory.mktemp("crash") / "desk.jsonl", [account, *records])


def _counts(db: str) -> dict[str, int]:
    engine = create_engine(database_url(db))
    try:
        with engine.connect() as c:
            names = set(inspect(c).get_table_names())
            tables = (T.accounts, T.tickets, T.ticket_events, T.responses, T.ticket_kpis)
            return {t.name: c.execute(select(func.count()).select_from(t)).scalar_one() if t.name in names else 0
                    for t in tables}
    finally:
        engine.dispose()


def _descendants(pid: int) -> set[int]:
    """The processes `pid` started, and theirs (Linux: from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        kids = {c for c, pp in parents.items() if pp == p}
        todo += kids - found
        found |= kids
    return found


def _helpers(pid: int) -> set[int]:
    return _descendants(pid) if sys.platform.startswith("linux") else set()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie holds no files and runs no code


def _wait_for(what: str, until: Callable[[], bool], proc: subprocess.Popen) -> None:
    give_up = time.monotonic() + DEADLINE
    while not until():
        if proc.poll() is not None:
            pytest.fail(f"the import ended (exit {proc.returncode}) before {what}: {proc.communicate()}")
        if time.monotonic() > give_up:
            proc.kill()
            pytest.fail(f"waited {DEADLINE:.0f} s for {what}")
        time.sleep(0.01)


def _kill(proc: subprocess.Popen) -> set[int]:
    """kill -9 the import; its helper processes as they were just before."""
    helpers = _helpers(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=DEADLINE)
    return helpers


def _left_behind(helpers: set[int], seconds: float = 5.0) -> list[int]:
    """Those of a killed import's helper processes still running `seconds` later; they are
    killed then, so that a failing test leaves no process behind."""
    give_up = time.monotonic() + seconds
    while any(_alive(p) for p in helpers) and time.monotonic() < give_up:
        time.sleep(0.05)
    left = [p for p in helpers if _alive(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)
    return left


def _snapshot(db: str) -> dict[str, list[tuple]]:
    """Every table of the database (the migrations' own `alembic_version` included), as
    sorted rows without the columns that legitimately differ (SKIPPED)."""
    engine = create_engine(database_url(db))
    try:
        with engine.connect() as c:
            names = sorted(inspect(c).get_table_names())
            assert set(names) == {t.name for t in T.metadata.sorted_tables} | {"alembic_version"}
            out = {}
            for name in names:
                table = T.metadata.tables.get(name)
                if table is None:
                    out[name] = sorted(tuple(r) for r in c.exec_driver_sql(f"SELECT * FROM {name}"))
                    continue
                skip = SKIPPED | SKIPPED_BY_TABLE.get(name, set())
                cols = [col for col in table.c if col.name not in skip]
                out[name] = sorted((tuple(r) for r in c.execute(select(*cols))), key=repr)
            return out
    finally:
        engine.dispose()


def _reports(db: str) -> list:
    """`cxpulse report --format json`, overall and by two groupings (in this process: no need to kill it)."""
    out = []
    for by in ([], ["--by", "agent,month"], ["--by", "group,day"]):
        result = CliRunner().invoke(app, ["report", "--format", "json", *by, "--db", db])
        assert result.exit_code == 0, result.output
        out.append(json.loads(result.stdout))
    return out


# Where the import is killed: a name, and what the database holds by then (and how many
# helper processes the import runs).
POINTS: dict[str, Callable[[dict[str, int], int], bool]] = {
    "reading": lambda n, _h: n["accounts"] > 0,  # the account line is stored: the reader is running
    "events": lambda n, _h: n["ticket_events"] >= 3 * BATCH,  # some batches of tickets and events are stored
    "ratings": lambda n, _h: n["responses"] >= BATCH,  # ratings too, mid-way through the file
    # all stored: KPIs next
    "deriving": lambda n, _h: n["responses"] > 2 * BATCH and n["ticket_events"] == 3 * TICKETS,
    # the KPI worker processes are computing
    "workers": lambda n, helpers: n["ticket_events"] == 3 * TICKETS and helpers >= 2,
}


@contextmanager
def _database(kind: str, tmp_path: Path, name: str) -> Iterator[str]:
    if kind == "sqlite":
        yield str(tmp_path / f"{name}.db")
    else:
        with private_database(f"cxpulse_crash_{name}", as_given=True) as url:
            yield url


_clean: dict[str, tuple] = {}
_clean_lock = threading.Lock()


def _clean_import(kind: str, desk: Path, tmp_path_factory) -> tuple:
    """The clean import's tables and reports (once per database kind)."""
    with _clean_lock:
        if kind not in _clean:
            with _database(kind, tmp_path_factory.mktemp("clean"), "clean") as db:
                proc = _import(db, desk)
                out, err = proc.communicate(timeout=DEADLINE)
                assert proc.returncode == 0, err
                summary = json.loads(out)
                assert summary["inserted"] == summary["read"] and summary["rejected"] == 0
                _clean[kind] = (_snapshot(db), _reports(db))
        return _clean[kind]


# On PostgreSQL the two points that lost derived data before the stale marks (a run takes
# longer there: fewer points keep the test short)
CASES = [*[pytest.param("sqlite", p, marks=[pytest.mark.skipif(not sys.platform.startswith("linux"),
                                                                 reason="counts helpers through /proc")]
                         if p == "workers" else []) for p in POINTS],
         *[pytest.param("postgres", p, marks=pytest.mark.postgres) for p in ("events", "deriving")]]


@pytest.mark.parametrize(("kind", "point"), CASES)
def test_a_rerun_after_a_killed_import_leaves_what_a_clean_import_leaves(kind, point, desk, tmp_path,
                                                                          tmp_path_factory):
    tables, reports = _clean_import(kind, desk, tmp_path_factory)
    assert len(tables["ticket_kpis"]) == TICKETS and tables["rollup_day"] and not tables.get("stale_derived")

    with _database(kind, tmp_path, point) as db:
        proc = _import(db, desk)
        _wait_for(f"the import to reach {point!r}", lambda: POINTS[point](_counts(db), len(_helpers(proc.pid))), proc)
        helpers = _kill(proc)
        at_kill = _counts(db)
        assert not _left_behind(helpers), f"a helper process of the import killed at {point} still runs 5 s later"

        proc = _import(db, desk)
        out, err = proc.communicate(timeout=DEADLINE)
        assert proc.returncode == 0, err
        assert json.loads(out)["rejected"] == 0

        after = _snapshot(db)
        diff = {name: (len(tables[name]), len(rows)) for name, rows in after.items() if rows != tables[name]}
        assert not diff, f"killed at {point} ({at_kill}); tables that differ (clean rows, re-run rows): {diff}"
        assert _reports(db) == reports


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the reader process through /proc")
@pytest.mark.parametrize("start", ["fork", "forkserver"])
def test_the_reader_process_dies_with_a_killed_import(start, desk, tmp_path):
    db = str(tmp_path / "reader.db")
    proc = _import(db, desk, start=start)
    _wait_for("the reader process", lambda: bool(_descendants(proc.pid)) and _counts(db)["accounts"] > 0, proc)
    helpers = _kill(proc)
    assert helpers
    assert not _left_behind(helpers), "a helper process of the killed import still runs 5 s later"


# ---- the same, in this process: rows stored and never derived, as a killed import leaves them ----


def _derived(store) -> dict[str, list[tuple]]:
    with store.engine.connect() as c:
        out = {t.name: sorted((tuple(r) for r in c.execute(select(t))), key=repr) for t in T.DERIVED}
        out["responses.day"] = sorted(c.execute(select(T.responses.c.source_id, T.responses.c.day)).all())
        out["stale_derived"] = c.execute(select(T.stale_derived)).all()
    return out


def _store_only(store, path: Path, account: str = "acme") -> None:
    """What a killed import leaves: the rows of the batches it stored, nothing derived."""
    from cxpulse.service.imports import reader_for
    from cxpulse.service.load import load

    load(store, reader_for("jsonl", path), account=account)


def test_an_import_that_changes_nothing_derives_what_an_earlier_one_left_stale(store, tmp_path):
    from cxpulse.service.derive import rebuild
    from cxpulse.service.imports import import_path

    records, _facts = random_help_desk(seed=3, tickets=120)
    path = write_jsonl(tmp_path / "desk.jsonl", records)
    _store_only(store, path)
    assert store.count(T.ticket_kpis) == 0

    again = import_path(store, "jsonl", path, account="acme")

    assert (again.inserted, again.updated) == (0, 0)
    after = _derived(store)
    assert len(after["ticket_kpis"]) == 120 and after["rollup_day"] and not after["stale_derived"]
    rebuild(store)
    assert _derived(store) == after  # what a full rebuild from the raw rows gives


def test_an_api_batch_derives_what_a_killed_import_left_stale_in_its_account(store, tmp_path):
    from cxpulse.service.ingest import ingest_batch

    records, _facts = random_help_desk(seed=4, tickets=50)
    _store_only(store, write_jsonl(tmp_path / "desk.jsonl", records))

    result = ingest_batch(store, "acme", "tickets", [make_ticket(id="api-1")], wait=True)

    assert result.refreshed and result.inserted == 1
    assert store.count(T.ticket_kpis) == 51 and store.count(T.stale_derived) == 0


def test_a_new_timezone_in_an_imported_account_line_derives_the_whole_account_again(store, tmp_path):
    from cxpulse.service.derive import rebuild
    from cxpulse.service.imports import import_path

    records, _facts = random_help_desk(seed=5, tickets=80)
    line = {"type": "account", "name": "acme", "timezone": "UTC"}
    import_path(store, "jsonl", write_jsonl(tmp_path / "utc.jsonl", [line, *records]), account="acme")
    before = _derived(store)

    moved = import_path(store, "jsonl", write_jsonl(tmp_path / "nz.jsonl", [{**line, "timezone": "Pacific/Kiritimati"},
                                                                             *records]), account="acme")

    assert moved.by_kind["account"].updated == 1 and moved.by_kind["ticket"].unchanged == 80
    after = _derived(store)
    assert after["ticket_kpis"] != before["ticket_kpis"]  # created days moved 14 hours
    assert after["responses.day"] != before["responses.day"] and not after["stale_derived"]
    rebuild(store)
    assert _derived(store) == after


def test_the_new_low_ratings_of_a_killed_import_are_posted_by_its_rerun(store, tmp_path):
    from cxpulse.service.imports import import_path
    from cxpulse.service.load import load
    from cxpulse.service.imports import reader_for
    from cxpulse.service.webhooks import add_webhook, deliveries

    store.ensure_account("acme")
    add_webhook(store, "acme", "https://hooks.example.com/a")
    given = datetime.now(UTC) - timedelta(days=1)
    path = write_jsonl(tmp_path / "ratings.jsonl", [
        *(make_ticket(id=f"T{i}") for i in range(6)),
        *({"type": "rating", "id": f"r{i}", "ticket_id": f"T{i}", "score": 1 if i % 2 else 5,
           "given_at": (given + timedelta(minutes=i)).isoformat()} for i in range(6)),
    ])
    load(store, reader_for("jsonl", path), account="acme", follow_up=True)  # stored; killed before the webhooks

    again = import_path(store, "jsonl", path, account="acme")

    assert again.inserted == 0
    posted = sorted(d["event_key"] for d in deliveries(store, "acme"))
    assert posted == ["low_rating-r1", "low_rating-r3", "low_rating-r5"]
    import_path(store, "jsonl", path, account="acme")
    assert len(deliveries(store, "acme")) == 3 and store.count(T.stale_derived) == 0


def test_the_open_tickets_a_killed_import_changed_are_scored_again_by_its_rerun(store, tmp_path):
    from cxpulse.service.imports import import_path, reader_for
    from cxpulse.service.load import load
    from cxpulse.service.predict import score, train
    from cxpulse.storage import predictions as P
    from tests.test_predict import waiting_help_desk

    created = datetime.now(UTC) - timedelta(hours=30)  # open, waiting for its first reply for 30 h
    desk = waiting_help_desk(seed=5, rated=120, account="acme") + [
        make_ticket(id="N1", created_at=created.isoformat(), status="open", assignee_id="a1", requester_id="c1"),
        {"type": "event", "id": "N1-1", "ticket_id": "N1", "at": created.isoformat(), "kind": "comment",
         "author_id": "c1", "author_role": "customer", "body": "Help"}]
    import_path(store, "jsonl", write_jsonl(tmp_path / "desk.jsonl", desk), account="acme")
    train(store, "acme")
    score(store, account="acme", open_only=True)
    acme = store.account("acme").id
    with store.engine.connect() as conn:
        (before,) = [p for p in P.read_predictions(conn, acme) if p["ticket_id"] == "N1"]
    replied = (created + timedelta(minutes=5)).isoformat()  # the late export: it was answered at once
    late = write_jsonl(tmp_path / "late.jsonl", [
        {"type": "event", "id": "N1-2", "ticket_id": "N1", "at": replied, "kind": "comment", "author_id": "a1",
         "author_role": "agent", "body": "Žiūrime"},
        {"type": "event", "id": "N1-3", "ticket_id": "N1", "at": replied, "kind": "status", "from": "open",
         "to": "pending"}])
    load(store, reader_for("jsonl", late), account="acme", follow_up=True)  # stored; killed before scoring

    again = import_path(store, "jsonl", late, account="acme")

    with store.engine.connect() as conn:
        (after,) = [p for p in P.read_predictions(conn, acme) if p["ticket_id"] == "N1"]
    assert again.inserted == 0 and again.rescored == 1
    assert after["scored_at"] > before["scored_at"] and after["score"] > before["score"]
    assert store.count(T.stale_derived) == 0
