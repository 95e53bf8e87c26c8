"""One scoring path (issue 12 §5): `cxpulse score --ticket X` says of X exactly what
`cxpulse score --open` and the rescore after an import say — score, probability and
reasons — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import pickle
from datetime import timedelta

from sqlalchemy import update
from typer.testing import CliRunner

from cxpulse.cli import app
from cxpulse.service.predict import score, train
from cxpulse.storage import predictions as P
from cxpulse.storage import tables as T
from cxpulse.storage.migrate import _plain_head, alembic_config
from tests.test_predict import START, _db, _import, waiting_help_desk

AS_OF = (START + timedelta(days=61)).isoformat()  # after every ticket's creation


def _desk() -> list[dict]:
    """Slow tickets and the open ones write to "Paulius"; the open ticket T200's customer
    is named Paulius — the word is a name in T200 only, and a reason of another ticket
    may quote it whatever batch that ticket is scored in."""
    recs = waiting_help_desk(seed=5, rated=200, open_tickets=6, account="acme")
    slow = {r["ticket_id"] for r in recs if r["type"] == "rating" and r["score"] == 2}
    for r in recs:
        if r["type"] == "ticket" and (r["id"] in slow or r["status"] == "open"):
            r["subject"] = "Paulius, kur atsakymas?"
    owner = next(r["requester_id"] for r in recs if r["type"] == "ticket" and r["id"] == "T200")
    return recs + [{"type": "user", "id": "a9", "role": "agent", "name": "Rūta Agentė"},
                   {"type": "user", "id": owner, "role": "customer", "name": "Paulius Petraitis"}]


def test_one_ticket_scores_as_in_the_batch_through_the_commands(store, tmp_path):
    _import(store, tmp_path, "acme", _desk())
    train(store, "acme")
    runner = CliRunner()
    db = _db(store)

    def run(*args: str) -> list[dict]:
        result = runner.invoke(app, ["score", "--account", "acme", "--as-of", AS_OF, "--format", "json", "--db", db, *args])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    batch = {r["ticket_id"]: r for r in run("--open")}
    assert {f"T{i}" for i in range(200, 206)} <= set(batch)  # and those not yet solved at that time
    for tid, row in batch.items():
        (one,) = run("--ticket", tid)
        assert one == row, tid
    # the customer's own name is never quoted in their ticket; another ticket may quote the word
    assert "paulius" not in " ".join(batch["T200"]["reasons"]).casefold()
    assert any("“paulius”" in r for tid in batch if tid != "T200" for r in batch[tid]["reasons"])


def test_scoring_now_stores_what_the_batch_scored(store, tmp_path):
    _import(store, tmp_path, "acme", _desk())
    train(store, "acme")
    rows = {r["ticket_id"]: r for r in score(store, account="acme", open_only=True)}
    acme = store.account("acme").id
    with store.engine.connect() as conn:
        stored = {p["ticket_id"]: p for p in P.read_predictions(conn, acme)}
    assert set(stored) == set(rows)
    for tid, r in rows.items():
        assert (stored[tid]["score"], stored[tid]["reasons"], stored[tid]["model_version"]) == (
            r["score"], r["reasons"], r["model_version"])
        assert r["status"] in {"new", "open"}


def test_a_model_stored_by_an_older_version_asks_to_retrain_in_one_line(store, tmp_path):
    _import(store, tmp_path, "acme", waiting_help_desk(seed=3, rated=120, open_tickets=2, account="acme"))
    train(store, "acme")
    with store.engine.begin() as conn:
        conn.execute(update(T.models).values(blob=pickle.dumps({"format": 1, "model": None})))
    result = CliRunner().invoke(app, ["score", "--open", "--account", "acme", "--db", _db(store)])
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "model of account 'acme' (version 1) cannot be read" in said
    assert "retrain the model with `cxpulse train --account acme`" in said and "Traceback" not in result.output


def test_the_schema_check_reads_the_head_alembic_would():
    from alembic.script import ScriptDirectory

    assert _plain_head() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_a_large_batch_read_slice_by_slice_in_two_processes_scores_the_same(store, tmp_path, monkeypatch):
    """Past `_FEW_TICKETS` the tickets are read a slice at a time by whichever process
    scores the slice (`_Stored`), past `SPLIT_AT` in two processes: the same rows as
    reading them all at once in one."""
    from datetime import datetime

    from cxpulse.ml import model as M
    from cxpulse.service import predict as S

    _import(store, tmp_path, "acme", _desk())
    train(store, "acme")
    as_of = datetime.fromisoformat(AS_OF)
    at_once = score(store, account="acme", as_of=as_of)
    monkeypatch.setattr(S, "_FEW_TICKETS", 10)
    monkeypatch.setattr(S, "SPLIT_AT", 50)
    monkeypatch.setattr(M, "CHUNK_MIN", 20)
    assert score(store, account="acme", as_of=as_of) == at_once
    assert score(store, account="acme", as_of=as_of, open_only=True) == [r for r in at_once if r["status"] in
                                                                           {"new", "open", "pending", "hold"}]


def test_scoring_now_in_two_processes_stores_every_chunk_where_it_was_scored(store, tmp_path, monkeypatch):
    """Past `SPLIT_AT` both processes store the chunks they scored as they go
    (`score_tickets(on_scored=)`): every open ticket's prediction is stored as it was
    returned, each crossing below the threshold is logged once, and scoring again
    raises no new alert."""
    from sqlalchemy import select

    from cxpulse.ml import model as M
    from cxpulse.service import predict as S

    _import(store, tmp_path, "acme", waiting_help_desk(seed=4, rated=200, open_tickets=60, account="acme"))
    train(store, "acme")
    monkeypatch.setattr(S, "_FEW_TICKETS", 10)
    monkeypatch.setattr(S, "SPLIT_AT", 20)
    monkeypatch.setattr(M, "CHUNK_MIN", 5)
    acme = store.account("acme")
    rows = score(store, account="acme", open_only=True)
    assert len(rows) >= 50
    with store.engine.connect() as conn:
        stored = {p["ticket_id"]: p for p in P.read_predictions(conn, acme.id)}
        alerted = [r.ticket_id for r in conn.execute(select(T.alerts.c.ticket_id))]
    assert {t: (p["score"], p["reasons"]) for t, p in stored.items()} == {
        r["ticket_id"]: (r["score"], r["reasons"]) for r in rows}
    below = sorted(r["ticket_id"] for r in rows if r["score"] < acme.account.alert_below)
    assert below and sorted(alerted) == below
    score(store, account="acme", open_only=True)
    with store.engine.connect() as conn:
        assert len(conn.execute(select(T.alerts.c.ticket_id)).all()) == len(below)


def test_storing_many_scores_replaces_them_and_alerts_on_crossings_only(store, tmp_path, monkeypatch):
    """Past `_MANY` tickets the previous scores are read in one pass and the old rows
    deleted row by row (SQLite): the same predictions and alerts as the IN lists give."""
    from datetime import UTC, datetime

    monkeypatch.setattr(P, "_MANY", 3)
    _import(store, tmp_path, "acme", waiting_help_desk(seed=3, rated=5, account="acme"))
    acme = store.account("acme").id
    now = datetime(2026, 3, 1, tzinfo=UTC)

    def rows(scores: dict[str, int], version: int = 1) -> list[dict]:
        at = now + timedelta(hours=version - 1)
        return [{"ticket_id": t, "as_of": at, "scored_at": at, "score": s, "probability": s / 100,
                 "reasons": [f"why {t}", f"version {version}"], "model_version": version} for t, s in scores.items()]

    with store.engine.begin() as conn:
        first = P.record_predictions(conn, acme, rows({"T0": 30, "T1": 50, "T2": 10, "T3": 80}), threshold=40,
                                     alert_on={"T0", "T1", "T2", "T3"})
    assert sorted(a["ticket_id"] for a in first) == ["T0", "T2"]
    with store.engine.begin() as conn:
        again = P.record_predictions(conn, acme, rows({"T0": 20, "T1": 35, "T2": 60, "T3": 90}, version=2),
                                     threshold=40, alert_on={"T0", "T1", "T2", "T3"})
        stored = {p["ticket_id"]: p for p in P.read_predictions(conn, acme)}
    assert [a["ticket_id"] for a in again] == ["T1"]  # T0 stayed below: no second alert
    # every column of each row is the new one's (SQLite rewrites the stored row in place)
    assert stored == {r["ticket_id"]: r for r in rows({"T0": 20, "T1": 35, "T2": 60, "T3": 90}, version=2)}


def test_score_csv_writes_each_row_as_the_json_says_it_and_leaves_the_collector_on(store, tmp_path):
    """`score --format csv` writes its cells without a dict per row, and pauses the cyclic
    garbage collector while it runs: the same rows as the JSON, and the collector (of the
    process the command runs in: a test, the server) on again afterwards."""
    import csv
    import gc
    import io

    _import(store, tmp_path, "acme", _desk())
    train(store, "acme")
    runner = CliRunner()
    args = ["score", "--account", "acme", "--open", "--as-of", AS_OF, "--db", _db(store)]
    as_json = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    assert gc.isenabled()
    got = runner.invoke(app, [*args, "--format", "csv"])
    assert got.exit_code == 0, got.output
    assert gc.isenabled()
    lines = list(csv.reader(io.StringIO(got.stdout)))
    assert lines[0] == ["account", "ticket_id", "score", "status", "reasons", "model_version", "probability", "as_of"]
    assert lines[1:] == [[r["account"], r["ticket_id"], str(r["score"]), r["status"], "; ".join(r["reasons"]),
                          str(r["model_version"]), f"{r['probability']:.1f}", r["as_of"][:19] + "+00:00"]
                         for r in as_json]
    assert any("," in line[4] for line in lines[1:])  # a quoted cell: reasons list words with commas


def test_scores_are_ordered_by_score_then_account_then_ticket_as_one_tuple_sort_orders_them():
    """`sort_scores` sorts three times, one key at a time (faster at 100,000 rows): the same
    order as one sort by (score, account, ticket_id), ties kept in the order they came."""
    import random
    from operator import itemgetter

    from cxpulse.service.predict import sort_scores

    rnd = random.Random(7)
    for n in (0, 1, 2, 50, 2_000):
        rows = [{"score": rnd.randint(0, 5), "account": rnd.choice(["b", "a", "ab"]),
                 "ticket_id": rnd.choice(["T1", "T10", "T2", "t1", ""]), "n": i} for i in range(n)]
        expected = sorted(rows, key=itemgetter("score", "account", "ticket_id"))
        assert [r["n"] for r in sort_scores(list(rows))] == [r["n"] for r in expected]


def test_the_console_command_leaves_early_with_its_whole_output_and_a_folded_log(store, tmp_path):
    """`cxpulse score` run as the console command (`cli.main`) ends the process once its
    output is out (cli/leave.py): the same CSV as the command run in this process, exit
    status 0, every prediction stored — and on SQLite no write-ahead log left beside the file."""
    import os
    import subprocess
    import sys

    _import(store, tmp_path, "acme", _desk())
    train(store, "acme")
    db = _db(store)
    args = ["score", "--account", "acme", "--open", "--format", "csv", "--db", db]
    here = CliRunner().invoke(app, [*args, "--as-of", AS_OF])
    assert here.exit_code == 0, here.output
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    console = [sys.executable, "-c", "import sys; from cxpulse.cli import main; sys.argv[0] = 'cxpulse'; main()"]
    out = subprocess.run([*console, *args, "--as-of", AS_OF], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout == here.stdout
    store.engine.dispose()  # no connection of this process holds the log open: the command's close folds it
    now = subprocess.run([*console, *args], capture_output=True, text=True, env=env)
    assert now.returncode == 0, now.stderr
    if store.dialect == "sqlite":
        assert not os.path.exists(store.engine.url.database + "-wal")
    with store.engine.connect() as conn:
        stored = P.read_predictions(conn, store.account("acme").id)
    assert len(stored) == len(now.stdout.splitlines()) - 1 > 0
