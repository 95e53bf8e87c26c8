"""Many `cxpulse import` processes against one PostgreSQL at once (issue 19 §1).

Writers of the same account take turns on its advisory lock (storage/locks.py): three
imports of one file into one account at once end with the tables one import leaves, ids
included, each row inserted by exactly one of them, and none fails on a duplicate key, a
deadlock or a serialization error. Writers of another account do not wait: with the lock
of one account held, an import into a second account runs to its end while the import
into the first waits on that lock, then finishes once it is released.

The imports run as the `cxpulse` command in processes of their own, writing in batches
of BATCH rows (5,000 normally) so that their transactions interleave many times over.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from cxpulse.storage import Store
from cxpulse.storage import tables as T
from cxpulse.storage.engine import database_url
from cxpulse.storage.locks import ACCOUNT_WRITES
from tests.factories import random_help_desk, write_jsonl
from tests.pg import private_database

pytestmark = pytest.mark.postgres

SRC = Path(__file__).resolve().parents[1] / "src"
BATCH = 300  # rows per write transaction: COPY batches (≥ pg_copy.COPY_MIN_ROWS), many of them
DEADLINE = 180.0  # seconds an import may take on a loaded machine
CLI = f"""
import sys
from cxpulse.service import load
load.BATCH = {BATCH}
from cxpulse.cli import main
sys.argv[0] = "cxpulse"
main()
"""


def _import(db: str, path: Path, account: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])),
           "TERM": "dumb"}
    return subprocess.Popen([sys.executable, "-c", CLI, "import", "jsonl", str(path), "--account", account,
                             "--format", "json", "--db", db], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen) -> dict:
    try:
        out, err = proc.communicate(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"an import took more than {DEADLINE:.0f} s")
    assert proc.returncode == 0, err
    return json.loads(out)


def _snapshot(db: str) -> dict[str, list[tuple]]:
    """Every table as sorted rows, ids included, without accounts.created_at (a clock reading)."""
    store = Store.open(db)
    try:
        with store.engine.connect() as c:
            return {t.name: sorted((tuple(r) for r in c.execute(
                select(*[col for col in t.c if (t.name, col.name) != ("accounts", "created_at")]))), key=repr)
                for t in T.metadata.sorted_tables}
    finally:
        store.engine.dispose()


def _desk(tmp_path: Path, name: str, seed: int, tickets: int) -> Path:
    records, _facts = random_help_desk(seed=seed, tickets=tickets)
    account = {"type": "account", "name": name, "timezone": "Europe/Vilnius"}
    return write_jsonl(tmp_path / f"{name}.jsonl", [account, *records])


def test_imports_of_one_account_at_once_leave_what_one_import_leaves(tmp_path):
    path = _desk(tmp_path, "acme", seed=23, tickets=800)
    with private_database("cxpulse_conc_one", as_given=True) as db:
        alone = _finish(_import(db, path, "acme"))
        expected = _snapshot(db)
    assert alone["inserted"] == alone["read"] and len(expected["ticket_kpis"]) == 800

    with private_database("cxpulse_conc_many", as_given=True) as db:
        procs = [_import(db, path, "acme") for _ in range(3)]
        summaries = [_finish(p) for p in procs]
        tables = _snapshot(db)

    assert all(s["read"] == alone["read"] and s["rejected"] == 0 for s in summaries)
    # each row was inserted by exactly one of them; the others found it stored
    for kind, counts in alone["by_kind"].items():
        assert sum(s["by_kind"][kind]["inserted"] for s in summaries) == counts["inserted"], kind
        assert sum(s["by_kind"][kind]["updated"] for s in summaries) == 0, kind
    differ = {name: (len(expected[name]), len(rows)) for name, rows in tables.items() if rows != expected[name]}
    assert not differ, f"tables that differ (one import's rows, three imports' rows): {differ}"


def _waiting_for(engine, account_id: int) -> bool:
    """Whether some session waits for the write lock of this account."""
    with engine.connect() as c:
        return bool(c.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND classid = :key AND objid = :account AND objsubid = 2"),
            {"key": ACCOUNT_WRITES, "account": account_id}).scalar())


def test_an_import_into_another_account_runs_while_one_account_is_locked(tmp_path):
    acme_file = _desk(tmp_path, "acme", seed=31, tickets=300)
    beta_file = _desk(tmp_path, "beta", seed=32, tickets=300)
    with private_database("cxpulse_conc_two", as_given=True) as db:
        store = Store.open(db)
        acme = store.ensure_account("acme").id
        store.engine.dispose()
        engine = create_engine(database_url(db))
        try:
            holder = engine.connect()
            tx = holder.begin()
            holder.execute(text("SELECT pg_advisory_xact_lock(:key, :account)"), {"key": ACCOUNT_WRITES,
                                                                                 "account": acme})
            waiting = _import(db, acme_file, "acme")
            beta = _finish(_import(db, beta_file, "beta"))  # runs to its end while acme's lock is held

            give_up = time.monotonic() + DEADLINE
            while not _waiting_for(engine, acme) and time.monotonic() < give_up and waiting.poll() is None:
                time.sleep(0.05)
            assert waiting.poll() is None and _waiting_for(engine, acme), "the acme import did not wait for the lock"
            with engine.connect() as c:
                stored = dict(c.execute(text("SELECT a.name, count(t.id) FROM accounts a"
                                             " LEFT JOIN tickets t ON t.account_id = a.id GROUP BY a.name")).all())
            assert stored == {"acme": 0, "beta": 300}
            assert beta["inserted"] == beta["read"] and beta["rejected"] == 0

            tx.commit()  # the lock goes with the transaction: acme's import goes on
            holder.close()
            acme_summary = _finish(waiting)
            with engine.connect() as c:
                kpis = dict(c.execute(text("SELECT a.name, count(*) FROM ticket_kpis k"
                                           " JOIN accounts a ON a.id = k.account_id GROUP BY a.name")).all())
        finally:
            engine.dispose()
    assert acme_summary["by_kind"]["ticket"]["inserted"] == 300 and acme_summary["rejected"] == 0
    assert kpis == {"acme": 300, "beta": 300}
