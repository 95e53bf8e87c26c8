"""Per-account training and scoring on Spark: `cxpulse train --engine spark`,
`cxpulse score --engine spark` (docs/scale.md).

The same three steps as the default engine (service/predict.py), with the middle one
moved into Spark tasks through `groupBy("account").applyInPandas`:

1. the driver reads each account's inputs from the store (`predict.load_account`,
   `predict.score_inputs`) — what the default engine hands the model;
2. a task per account runs the one per-account function of the product on them
   (`predict.fit_account`, `predict.score_items`): there is no second model here;
3. the driver stores what comes back through the storage functions the default engine
   uses (`predict.store_fitted`, `predict.store_scores`), so the store's rows are the same.

An account's inputs travel as ONE row: its name and its inputs pickled into one binary
cell. They are nested Python objects (tickets with their event lists, the account's
settings, its rating history); flattening them into Arrow columns would need a second
schema and a second reader to rebuild the very objects the model function takes — a
second implementation of loading that could drift from the first. The pickle is the
objects themselves, so the task calls `fit_account` with exactly what the default engine
passes it. An Arrow binary cell holds up to 2 GB: ~1M rated tickets of one account.

What each account's task does is caught there: an account that fails (its inputs, its
fit, its scoring) comes back with the reason, and the other accounts are stored. Spark
itself failing (no Java, a worker killed by the OS) stops the command with its error.

PySpark, pandas and PyArrow are the optional extra `cxpulse[spark]`, imported here only
when a Spark engine runs: `cxpulse score --ticket` never loads them.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
import resource
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cxpulse.config import Settings
from cxpulse.domain import InvalidQuery
from cxpulse.service import predict
from cxpulse.service.predict import AccountData, Failed, Fitted, Trained, TrainRun
from cxpulse.storage import Store, StoredAccount

__all__ = ["DEFAULT_MASTER", "ScoreRun", "TaskFigures", "score_on_spark", "spark_session", "train_on_spark"]

DEFAULT_MASTER = "local[2]"
# inputs shipped to Spark per job: more accounts wait for the next job, so the driver
# never holds more than this much pickled beside what it has read
BATCH_BYTES = 512 << 20
# The driver's JVM holds a job's inputs and serialises each task's share of them into a
# growing byte array (copies, doubling): one account's pickled inputs need ~5× their size
# of its heap. 280 MB of inputs (~140,000 rated tickets) under Spark's default 1 GB heap
# ran its scheduler out of memory, and the job then waited forever; an account over
# the share is refused alone, with the fix, and a job holds at most a fifth of the heap.
HEAP_SHARE = 5
MAX_PARTITIONS = 4_000  # shuffle partitions of a job: one per account up to this many
TASK_RESULT = ("account string, blob binary, card binary, error string, "
               "seconds double, max_rss_kb long, pid long")
SCORE_RESULT = "account string, scored binary, error string, seconds double, max_rss_kb long, pid long"
INPUT = "account string, payload binary"


@dataclass(frozen=True)
class TaskFigures:
    """What one account's task cost, measured inside it: seconds in the per-account
    function (unpickling included), and the Python worker's peak resident memory so far
    (a worker is reused for later tasks: its peak, not this task's alone)."""

    account: str
    seconds: float
    max_rss_kb: int
    pid: int


@dataclass
class ScoreRun:
    """Every account of one `score_on_spark` run: the scored rows (lowest score first),
    the accounts that failed, and each task's figures."""

    rows: list[dict]
    failed: list[Failed]
    tasks: list[TaskFigures] = field(default_factory=list)


# ---- the session -----------------------------------------------------------------------------


def _need_spark() -> None:
    try:
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as e:
        raise InvalidQuery(f"--engine spark needs PySpark, pandas and PyArrow ({e.name} is missing): "
                           "pip install 'cxpulse[spark]'") from None
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        raise InvalidQuery("--engine spark needs Java 17 or newer, and none was found (no `java` on PATH, no "
                           "JAVA_HOME): on Debian or Ubuntu, `apt-get install default-jre-headless`")


def spark_session(master: str | None = None, *, partitions: int = 2):
    """A Spark session for cxpulse's jobs on `master` (else CXPULSE_SPARK_MASTER, else
    local[2]): no web UI, Arrow for pandas, no coalescing of the shuffle's partitions (each
    account keeps its own task, however small its inputs). On a local master the Python
    workers run this interpreter with this cxpulse on their path; on a cluster, cxpulse[spark]
    must be installed where the executors run (docs/scale.md)."""
    _need_spark()
    from pyspark.sql import SparkSession

    master = master or Settings.from_env().spark_master or DEFAULT_MASTER
    builder = (
        SparkSession.builder.master(master).appName("cxpulse")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.log.level", "ERROR")  # Spark's INFO and WARN lines would bury the command's own
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.adaptive.coalescePartitions.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(partitions))
        # the JVM's heap, when this call starts it (a running session keeps its own)
        .config("spark.driver.memory", Settings.from_env().spark_driver_memory)
        # a worker's OpenMP/BLAS threads: one each, as the default engine fits (LGBM_PARAMS["num_threads"])
        .config("spark.executorEnv.OMP_NUM_THREADS", "1")
    )
    if master.startswith("local"):
        src = str(Path(predict.__file__).resolve().parents[2])  # the folder holding this cxpulse package
        path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)
        builder = builder.config("spark.executorEnv.PYTHONPATH", path)
        # PySpark starts its workers with $PYSPARK_PYTHON (else `python3` on the PATH), not
        # `spark.pyspark.python`, when the session is made from Python: this interpreter, with its packages
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        return builder.getOrCreate()
    except Exception as e:  # the JVM did not start: say so in one line, not a Java stack
        raise InvalidQuery(f"Spark did not start on {master!r}: {str(e).strip().splitlines()[0]}") from None


@contextlib.contextmanager
def _session(master: str | None, spark) -> Iterator:
    """The caller's session when given, or the one already running in this process (a
    notebook's): kept open. Else one of our own, stopped after."""
    if spark is None and "pyspark" in sys.modules:
        from pyspark.sql import SparkSession

        spark = SparkSession.getActiveSession()
    if spark is not None:
        yield spark
        return
    own = spark_session(master)
    try:
        yield own
    finally:
        own.stop()


def _run(spark, payloads: list[tuple[str, bytes]], task: Callable, schema: str) -> list:
    """One Spark job: one row per account, grouped by account, `task` on each group; the rows it returned."""
    import pandas as pd

    spark.conf.set("spark.sql.shuffle.partitions", str(max(1, min(len(payloads), MAX_PARTITIONS))))
    frame = spark.createDataFrame(pd.DataFrame(payloads, columns=["account", "payload"]), schema=INPUT)
    return frame.groupBy("account").applyInPandas(task, schema=schema).collect()


def memory_bytes(text: str) -> int:
    """A JVM memory setting ("4g", "512m", "2048": MiB without a unit, as Spark reads
    `spark.driver.memory`) in bytes."""
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
    t = text.strip().lower().removesuffix("b")
    try:
        if t and t[-1] in units:
            return int(float(t[:-1]) * units[t[-1]])
        return int(float(t) * units["m"])
    except ValueError:
        raise InvalidQuery(f"spark.driver.memory {text!r} is not a size: write it as 4g or 4096m "
                           "(CXPULSE_SPARK_DRIVER_MEMORY)") from None


def _driver_memory(spark) -> str:
    """The heap the driver has: the running session's, else the one `spark_session` gives."""
    if spark is None and "pyspark" in sys.modules:
        from pyspark.sql import SparkSession

        spark = SparkSession.getActiveSession()
    if spark is not None:
        return spark.sparkContext.getConf().get("spark.driver.memory", "1g")
    return Settings.from_env().spark_driver_memory


def too_big(size: int, memory: str) -> str | None:
    """Why an account's pickled inputs of `size` bytes cannot travel through a driver of
    `memory` heap (`HEAP_SHARE`), or None when they can."""
    limit = memory_bytes(memory) // HEAP_SHARE
    if size <= limit:
        return None
    return (f"its inputs are {size / (1 << 20):,.0f} MB pickled, more than the {limit / (1 << 20):,.0f} MB an "
            f"account may carry through a Spark driver of spark.driver.memory={memory}: set "
            f"CXPULSE_SPARK_DRIVER_MEMORY to {HEAP_SHARE * size / (1 << 30) + 0.5:.0f}g or more, or use --engine default")


def _batches(payloads: Iterable[tuple[str, bytes]], memory: str,
             refused: Callable[[Failed], None]) -> Iterator[list[tuple[str, bytes]]]:
    """The accounts' payloads, a job's worth (`BATCH_BYTES`, at most a `HEAP_SHARE` of the
    driver's `memory`) at a time; an account too big for the driver goes to `refused`."""
    most = min(BATCH_BYTES, memory_bytes(memory) // HEAP_SHARE)
    batch: list[tuple[str, bytes]] = []
    size = 0
    for name, blob in payloads:
        reason = too_big(len(blob), memory)
        if reason is not None:
            refused(Failed(name, reason))
            continue
        if batch and size + len(blob) > most:
            yield batch
            batch, size = [], 0
        batch.append((name, blob))
        size += len(blob)
    if batch:
        yield batch


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


# ---- training --------------------------------------------------------------------------------


def _train_task(frame):
    """In a Spark task: one account's row → `predict.fit_account` (or the `fit` it names) → its model bytes and card."""
    import pandas as pd

    started = time.perf_counter()
    name = str(frame["account"].iloc[0])
    blob = card = error = None
    try:
        data, learner, trained_at, fit = pickle.loads(frame["payload"].iloc[0])
        fitted = fit(data, learner=learner, trained_at=trained_at)
        blob, card = fitted.blob, pickle.dumps(fitted.card, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 — the account fails alone; the driver reports it
        error = predict.failure(name, exc).reason
    return pd.DataFrame([{"account": name, "blob": blob, "card": card, "error": error,
                          "seconds": time.perf_counter() - started, "max_rss_kb": _peak_kb(), "pid": os.getpid()}])


def train_on_spark(
    store: Store,
    account: str | None = None,
    *,
    learner: str = predict.LEARNER,
    master: str | None = None,
    spark=None,
    progress: Callable[[int], None] | None = None,
    fit: Callable[..., Fitted] = predict.fit_account,
) -> TrainRun:
    """`predict.train_accounts` with each own model fitted in a Spark task.

    The accounts too small for an own model share the pooled model, fitted once across
    every account on the driver and shifted to each one's base rate, as the default engine
    does (one model over all the data is no per-account work to spread). `spark`: a session
    to use (kept open), else one on `master` for this call. `fit`: the per-account function
    the tasks run, `predict.fit_account` — a caller may wrap it (to log, or to test what a
    failing account does); it travels in each account's row by name, so it must be a
    module-level function the workers can import."""
    predict.check_learner(learner)
    targets = predict.to_train(store, account)
    now = datetime.now(UTC)
    run = TrainRun([], [])
    by_name = {a.name: a for a in targets}

    def done(result: Trained | Failed) -> None:
        (run.trained if isinstance(result, Trained) else run.failed).append(result)
        if progress:
            progress(len(run.trained) + len(run.failed))

    small: list[StoredAccount] = []
    datas: dict[int, AccountData] = {}

    def payloads() -> Iterator[tuple[str, bytes]]:
        """Each account read and pickled in turn: the driver holds one job's batch, not every account."""
        for acc in targets:
            data = predict.load_account(store, acc)
            if not data.enough_for_own_model:
                small.append(acc)
                datas[acc.id] = data
                continue
            yield acc.name, pickle.dumps((data, learner, now, fit), protocol=pickle.HIGHEST_PROTOCOL)

    batches = _batches(payloads(), _driver_memory(spark), done)
    first = next(batches, None)
    if first is not None:
        with _session(master, spark) as session:
            for batch in itertools.chain([first], batches):
                for row in _run(session, batch, _train_task, TASK_RESULT):
                    run.tasks.append(TaskFigures(row.account, row.seconds, row.max_rss_kb, row.pid))
                    if row.error is not None:
                        done(Failed(row.account, row.error))
                        continue
                    fitted = Fitted(row.account, "account", bytes(row.blob), pickle.loads(row.card))
                    done(predict.store_fitted(store, by_name[row.account], fitted, learner=learner, trained_at=now))
    predict.train_pooled_shifted(store, small, datas, learner=learner, now=now, on_done=done)
    return predict.in_order(run, targets)


# ---- scoring ---------------------------------------------------------------------------------


def _score_task(frame):
    """In a Spark task: one account's row → `predict.score_items` → its scores as plain tuples."""
    import pandas as pd

    from cxpulse.ml.model import SatisfactionModel

    started = time.perf_counter()
    name = str(frame["account"].iloc[0])
    scored = error = None
    try:
        blob, inputs, open_only = pickle.loads(frame["payload"].iloc[0])
        rows = predict.score_items(SatisfactionModel.from_bytes(blob), inputs, open_only=open_only)
        scored = pickle.dumps([(s.ticket_id, s.score, s.probability, s.reasons, s.status) for s in rows],
                              protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 — the account fails alone; the driver reports it
        error = predict.failure(name, exc).reason
    return pd.DataFrame([{"account": name, "scored": scored, "error": error,
                          "seconds": time.perf_counter() - started, "max_rss_kb": _peak_kb(), "pid": os.getpid()}])


def score_on_spark(
    store: Store,
    *,
    account: str | None = None,
    open_only: bool = False,
    as_of: datetime | None = None,
    master: str | None = None,
    spark=None,
) -> ScoreRun:
    """`predict.score` of every ticket (or the open ones) of one account or all, each
    account's batch scored in a Spark task. Scoring now (`as_of` None) stores the
    predictions and logs the alerts as the default engine does; as of a time, only reads."""
    from cxpulse.ml.model import Scored

    picked = predict.score_targets(store, account=account, open_only=open_only, ticket=None, as_of=as_of)
    run = ScoreRun([], [])
    sent: dict[str, tuple[StoredAccount, int, datetime]] = {}  # account → what storing its scores needs

    def payloads() -> Iterator[tuple[str, bytes]]:
        """Each account's inputs read and pickled in turn: the driver holds one job's batch."""
        for acc, stored, ids in picked:
            if not ids or predict.no_score_reason(stored.card):
                continue  # a model no better than chance scores nothing: `no_scores` says why
            inputs = predict.score_inputs(store, acc, ids, as_of=as_of, in_memory=True)
            if inputs is not None:
                sent[acc.name] = (acc, stored.version, inputs.at)
                yield acc.name, pickle.dumps((stored.blob, inputs, open_only), protocol=pickle.HIGHEST_PROTOCOL)

    batches = _batches(payloads(), _driver_memory(spark), run.failed.append)
    first = next(batches, None)
    if first is None:
        run.failed.sort(key=lambda f: f.account)
        return run
    with _session(master, spark) as session:
        for batch in itertools.chain([first], batches):
            for row in _run(session, batch, _score_task, SCORE_RESULT):
                run.tasks.append(TaskFigures(row.account, row.seconds, row.max_rss_kb, row.pid))
                if row.error is not None:
                    run.failed.append(Failed(row.account, row.error))
                    continue
                acc, version, at = sent[row.account]
                scored = [Scored(*t) for t in pickle.loads(row.scored)]
                run.rows += predict.store_scores(store, acc, version, at, scored, keep=as_of is None)
    predict.sort_scores(run.rows)
    run.failed.sort(key=lambda f: f.account)
    return run
