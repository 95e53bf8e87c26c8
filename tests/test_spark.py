"""`--engine spark` (service/spark.py) against the default engine, on a small demo.

One local[2] Spark session for the module (starting the JVM costs more than the jobs),
one demo store trained by both engines: the cards, the chosen learners and every score
must be the default engine's, within floating-point noise; an account that fails in its
task fails alone. Skipped without PySpark or Java outside CI; under CI it fails instead.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from cxpulse.cli import app
from cxpulse.service.accounts import update_settings
from cxpulse.service.demo import run_demo
from cxpulse.service.imports import import_path
from cxpulse.service.predict import fit_account, score, train_accounts
from cxpulse.storage import Store
from cxpulse.storage import predictions as P
from tests.factories import make_ticket, write_jsonl

pytestmark = pytest.mark.spark

TICKETS = 900  # the demo's three accounts: 152, 107 and 60 rated tickets
OWN = ("aegean-travel", "nordlicht")  # min_rated_for_model lowered to 100: an own model each
AS_OF = datetime(2026, 11, 20, tzinfo=UTC)  # inside the demo's year: tickets open then, read-only scores


def _spark_or_skip():
    ci = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
    missing = []
    try:
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as e:
        missing.append(f"{e.name} (pip install 'cxpulse[spark]')")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        missing.append("java (apt-get install default-jre-headless)")
    if missing:
        said = f"--engine spark needs {', '.join(missing)}"
        if ci:
            pytest.fail(f"{said}: .ci/run installs them")
        pytest.skip(said)


@pytest.fixture(scope="module")
def spark():
    _spark_or_skip()
    from cxpulse.service.spark import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


def _small_account(name: str, *, rated: int, satisfied: bool | None, start: datetime) -> list[dict]:
    """A few solved tickets; rated all satisfied / all unsatisfied, or none rated (None)."""
    recs: list[dict] = [{"type": "account", "name": name}]
    for i in range(rated):
        tid, at = f"{name}-{i}", start + timedelta(days=i)
        recs.append(make_ticket(id=tid, created_at=at.isoformat(), status="solved", requester_id=f"c{i}",
                                assignee_id="a1", subject="Где мой заказ?"))
        recs.append({"type": "event", "id": f"{tid}-1", "ticket_id": tid, "at": (at + timedelta(hours=1)).isoformat(),
                     "kind": "comment", "author_id": "a1", "author_role": "agent", "body": "Проверяем"})
        if satisfied is not None:
            recs.append({"type": "rating", "id": f"{tid}-r", "ticket_id": tid, "score": 5 if satisfied else 1,
                         "given_at": (at + timedelta(hours=3)).isoformat()})
    return recs


@pytest.fixture(scope="module")
def world(tmp_path_factory, spark):
    """The demo (3 accounts, two with own models), an account with no ratings and one whose
    every rating is unsatisfied; trained by the default engine (v1), then by Spark (v2),
    each version's scores as of `AS_OF` kept."""
    tmp = tmp_path_factory.mktemp("spark")
    store = Store.open(tmp / "cxpulse.db")
    run_demo(store, tickets=TICKETS, predict=False)
    for name in OWN:
        update_settings(store, name, min_rated_for_model=100)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for name, satisfied in (("silent", None), ("gloomy", False)):
        import_path(store, "jsonl", write_jsonl(tmp / f"{name}.jsonl",
                                                _small_account(name, rated=12, satisfied=satisfied, start=start)),
                    account=name)
    from cxpulse.service.spark import score_on_spark, train_on_spark

    default = train_accounts(store)
    default_scores = score(store, as_of=AS_OF)
    on_spark = train_on_spark(store, spark=spark)
    yield {
        "store": store, "db": str(tmp / "cxpulse.db"), "default": default, "spark": on_spark,
        "default_scores": default_scores, "default_scores_v2": score(store, as_of=AS_OF),
        "spark_scores": score_on_spark(store, as_of=AS_OF, spark=spark),
    }
    store.engine.dispose()


SAME_FIGURES = ("scope", "auc", "auc_low", "auc_high", "brier", "baseline_brier", "base_rate", "early_auc", "chosen",
                "tested", "rated", "n_train", "n_test", "n_tickets", "n_snapshots", "calibration", "better_than_chance")


def _close(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-6
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return a == b


def test_spark_trains_every_account_as_the_default_engine_does(world):
    default, on_spark = world["default"], world["spark"]
    assert not default.failed and not on_spark.failed
    names = ["aegean-travel", "gloomy", "nordlicht", "polar-soft", "silent"]
    assert [t.account for t in default.trained] == [t.account for t in on_spark.trained] == names
    scopes = {t.account: t.scope for t in on_spark.trained}
    # the two demo accounts with enough ratings went to Spark tasks; the others share the pooled model
    assert scopes == {"aegean-travel": "account", "nordlicht": "account", "polar-soft": "pooled-shifted",
                      "gloomy": "pooled-shifted", "silent": "pooled-shifted"}
    assert sorted(t.account for t in on_spark.tasks) == list(OWN)
    assert all(t.seconds > 0 and t.max_rss_kb > 0 and t.pid != os.getpid() for t in on_spark.tasks)
    for a, b in zip(default.trained, on_spark.trained):
        assert (a.version, b.version) == (1, 2)
        for key in SAME_FIGURES:
            assert _close(a.card.get(key), b.card.get(key)), (a.account, key, a.card.get(key), b.card.get(key))
        assert [c["learner"] for c in a.card["candidates"]] == [c["learner"] for c in b.card["candidates"]]
        assert _close([c["validation_auc"] for c in a.card["candidates"]],
                      [c["validation_auc"] for c in b.card["candidates"]])
    own = {t.account: t.card for t in on_spark.trained if t.scope == "account"}
    assert all(c["auc"] is not None and c["auc"] > 0.6 for c in own.values())  # real models, not placeholders
    with world["store"].engine.connect() as conn:  # stored as the default engine stores: a version per account
        for t in on_spark.trained:
            stored = P.latest_model(conn, world["store"].account(t.account).id)
            assert (stored.version, stored.scope, stored.card["auc"]) == (2, t.scope, t.card["auc"])


def test_spark_scores_every_ticket_as_the_default_engine_does(world):
    v1, v2, on_spark = world["default_scores"], world["default_scores_v2"], world["spark_scores"]
    assert not on_spark.failed and len(v1) > 300

    def key(rows):
        return {(r["account"], r["ticket_id"]): r for r in rows}

    a, b, c = key(v1), key(v2), key(on_spark.rows)
    assert a.keys() == b.keys() == c.keys()
    for k in a:
        # the model Spark trained scores as the default engine's did (v1 → v2), and Spark scoring as the default's
        assert abs(a[k]["probability"] - b[k]["probability"]) <= 1e-4, k
        assert (b[k]["score"], b[k]["reasons"], b[k]["model_version"]) == (c[k]["score"], c[k]["reasons"], 2), k
        assert abs(b[k]["probability"] - c[k]["probability"]) <= 1e-9, k
    assert [r["ticket_id"] for r in on_spark.rows] == [r["ticket_id"] for r in v2]  # the same order: lowest first


def test_scoring_open_tickets_now_on_spark_stores_predictions_and_alerts(world, spark):
    from cxpulse.service.spark import score_on_spark

    store = world["store"]
    run = score_on_spark(store, open_only=True, spark=spark)
    assert not run.failed and run.rows
    assert {r["status"] for r in run.rows} <= {"new", "open", "pending", "hold"}
    with store.engine.connect() as conn:
        for name in {r["account"] for r in run.rows}:
            mine = {r["ticket_id"]: (r["score"], r["model_version"]) for r in run.rows if r["account"] == name}
            stored = {p["ticket_id"]: (p["score"], p["model_version"])
                      for p in P.read_predictions(conn, store.account(name).id)}
            assert stored == mine, name
    threshold = {a.name: a.account.alert_below for a in store.accounts()}
    low = {(r["account"], r["ticket_id"]) for r in run.rows if r["score"] < threshold[r["account"]]}
    with store.engine.connect() as conn:
        alerted = {(a["account"], a["ticket_id"]) for a in P.read_alerts(conn)}
    assert low and low <= alerted


def _fails_for_nordlicht(data, **kw):
    if data.acc.name == "nordlicht":
        raise MemoryError("the worker ran out of memory")
    return fit_account(data, **kw)


def test_an_account_failing_in_its_task_fails_alone_and_is_reported(world, spark):
    from cxpulse.service.spark import train_on_spark

    store = world["store"]
    run = train_on_spark(store, spark=spark, fit=_fails_for_nordlicht)
    assert [(f.account, f.reason) for f in run.failed] == [("nordlicht", "MemoryError: the worker ran out of memory")]
    trained = {t.account: t.version for t in run.trained}
    assert trained == {"aegean-travel": 3, "gloomy": 3, "polar-soft": 3, "silent": 3}
    with store.engine.connect() as conn:
        assert P.latest_model(conn, store.account("nordlicht").id).version == 2  # its last good model stays


def test_a_model_that_cannot_be_read_fails_its_account_alone_on_the_command_line(world):
    """A model stored by another cxpulse version cannot be read in its task: that account is
    named on stderr with the reason, the others are scored and printed, the exit code is 1."""
    store = world["store"]
    acc = store.account("polar-soft")
    with store.engine.begin() as conn:
        version = P.next_model_version(conn, acc.id)
        P.insert_model(conn, account_id=acc.id, scope="pooled-shifted", version=version, learner="auto",
                       created_at=datetime.now(UTC), card={"account": "polar-soft", "scope": "pooled-shifted"},
                       blob=b"not a model")
    result = CliRunner().invoke(app, ["score", "--engine", "spark", "--as-of", AS_OF.isoformat(), "--format", "json",
                                      "--db", world["db"]])
    assert result.exit_code == 1, result.output
    assert "polar-soft: scoring failed" in result.stderr and "1 account(s) failed" in result.stderr
    rows = json.loads(result.stdout)
    scored_before = {r["account"] for r in world["default_scores_v2"]}
    assert "polar-soft" in scored_before and len(scored_before) >= 3
    assert {r["account"] for r in rows} == scored_before - {"polar-soft"}


def test_spark_master_without_the_spark_engine_is_refused(world):
    result = CliRunner().invoke(app, ["train", "--spark-master", "local[1]", "--db", world["db"]])
    assert result.exit_code == 2 and "add --engine spark" in result.stderr
    result = CliRunner().invoke(app, ["score", "--engine", "spark", "--ticket", "x", "--db", world["db"]])
    assert result.exit_code == 2 and "drop --engine spark" in result.stderr


def test_an_account_too_big_for_the_driver_is_refused_alone_with_the_fix():
    # 280 MB of one account's inputs under Spark's default 1 GB driver heap ran the JVM's
    # scheduler out of memory and the job waited forever: refused up front instead
    from cxpulse.service.predict import Failed
    from cxpulse.service.spark import _batches, memory_bytes, too_big

    assert memory_bytes("4g") == 4 << 30 and memory_bytes("512m") == 512 << 20 and memory_bytes("2048") == 2 << 30
    assert memory_bytes("1.5g") == 3 << 29
    with pytest.raises(Exception, match="not a size"):
        memory_bytes("lots")
    assert too_big(200 << 20, "1g") is None
    reason = too_big(280 << 20, "1g")
    assert "280 MB" in reason and "CXPULSE_SPARK_DRIVER_MEMORY to 2g" in reason and "--engine default" in reason
    refused: list[Failed] = []
    payloads = [("small", b"x" * (50 << 20)), ("huge", b"x" * (300 << 20)), ("other", b"x" * (160 << 20))]
    batches = list(_batches(iter(payloads), "1g", refused.append))
    assert [f.account for f in refused] == ["huge"]
    # a job holds at most a fifth of the heap: the two others travel apart
    assert [[name for name, _ in b] for b in batches] == [["small"], ["other"]]
