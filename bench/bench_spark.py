"""Benchmark: train every account of a many-account store on the default engine and on
Spark local mode (`cxpulse train` vs `cxpulse train --engine spark`, issue 19 §2).

    .venv/bin/python bench/bench_spark.py                               # 300 accounts, 2,000,000 tickets
    .venv/bin/python bench/bench_spark.py --accounts 20 --tickets 50000 # smoke run, a few minutes
    .venv/bin/python bench/bench_spark.py --master 'local[4]' --only spark

The data: `_data.write_events_jsonl` per account (texts in five languages, ~10 events a
ticket, 45% of tickets rated, a rating following the first reply's wait), imported with
`cxpulse import jsonl`'s function into one SQLite store, cached in bench/out/ by its
parameters. Account sizes are very different: account i holds a share ∝ 1/(i+1) of the
tickets (Zipf), at least `--min-tickets`; each account's min_rated_for_model is 30, so
every account fits its own model (the pooled model, one fit over everything, is the same
work on both engines and is not what is compared here).

Each engine runs in its own child process, so its peak memory is its own: the driver's
peak RSS; on Spark also the JVM's (the driver's children) and the Python workers' (each
task reports its worker's peak). The per-account overhead of Spark is its wall time less
the default engine's, per account; the tasks' own seconds are printed beside it.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import OUT, fingerprint, write_events_jsonl  # noqa: E402

MIN_RATED = 30


def sizes(accounts: int, tickets: int, smallest: int) -> list[int]:
    """Tickets per account, largest first: a share ∝ 1/(i+1) each, at least `smallest`, summing to `tickets`."""
    weights = [1.0 / (i + 1) for i in range(accounts)]
    spare = tickets - smallest * accounts
    if spare < 0:
        raise SystemExit(f"--tickets {tickets} is fewer than --accounts × --min-tickets ({smallest * accounts})")
    out = [smallest + int(spare * w / sum(weights)) for w in weights]
    out[0] += tickets - sum(out)
    return out


def build(db: Path, accounts: int, tickets: int, smallest: int, log=print) -> None:
    """The store, unless a finished one is cached at `db` (a marker file says it finished)."""
    done = db.with_suffix(".done")
    if done.exists() and db.exists():
        log(f"store: cached {db}")
        return
    from cxpulse.service.imports import import_path
    from cxpulse.storage import Store

    db.unlink(missing_ok=True)
    store = Store.open(db)
    started = time.perf_counter()
    tmp = db.with_suffix(".jsonl")
    for i, n in enumerate(sizes(accounts, tickets, smallest)):
        name = f"acc{i:04d}"
        write_events_jsonl(tmp, tickets=n, seed=1000 + i, account=name, signal=True,
                           account_fields={"min_rated_for_model": MIN_RATED})
        import_path(store, "jsonl", tmp, account=name)
        if i % 10 == 0:
            log(f"store: {i + 1}/{accounts} accounts, {time.perf_counter() - started:.0f} s")
    tmp.unlink(missing_ok=True)
    store.engine.dispose()
    done.write_text("ok")
    log(f"store: {accounts} accounts, {tickets:,} tickets in {time.perf_counter() - started:.0f} s")


def descendant_peaks() -> dict[str, int]:
    """Peak resident memory (VmHWM, MB) of this process's live descendants by program
    name: the JVM (`java`) and its Python workers (`python…`), largest of each."""
    import os

    parent: dict[int, int] = {}
    name: dict[int, str] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            comm, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
            parent[int(d.name)], name[int(d.name)] = int(rest[1]), comm
    me, out = os.getpid(), {}
    for pid in parent:
        p = parent[pid]
        while p and p != me:
            p = parent.get(p, 0)
        if p != me:
            continue
        try:
            hwm = next(ln for ln in Path(f"/proc/{pid}/status").read_text().splitlines() if ln.startswith("VmHWM"))
        except (OSError, StopIteration):
            continue
        kind = "java" if name[pid] == "java" else ("python" if name[pid].startswith("python") else name[pid])
        out[kind] = max(out.get(kind, 0), int(hwm.split()[1]) // 1024)
    return out


def run_engine(engine: str, db: str, master: str) -> dict:
    """In the child: train every account on one engine, and say what it cost."""
    from cxpulse.service.predict import train_accounts
    from cxpulse.storage import Store

    store = Store.open(db)
    started = time.perf_counter()
    if engine == "spark":
        from cxpulse.service.spark import spark_session, train_on_spark

        session = spark_session(master)
        session_s = time.perf_counter() - started
        run = train_on_spark(store, spark=session)
        wall = time.perf_counter() - started
        peaks = descendant_peaks()
        session.stop()
    else:
        session_s, peaks = 0.0, {}
        run = train_accounts(store)
        wall = time.perf_counter() - started
    tasks = run.tasks
    return {
        "engine": engine,
        "wall_s": round(wall, 2),
        "session_s": round(session_s, 2),
        "trained": len(run.trained),
        "failed": [(f.account, f.reason) for f in run.failed],
        "driver_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "children_peak_mb": peaks.get("java", 0),
        "workers_peak_mb": max(peaks.get("python", 0), round(max((t.max_rss_kb for t in tasks), default=0) / 1024)),
        "workers": len({t.pid for t in tasks}),
        "task_s_sum": round(sum(t.seconds for t in tasks), 2),
        "task_s_max": round(max((t.seconds for t in tasks), default=0.0), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=300)
    ap.add_argument("--tickets", type=int, default=2_000_000)
    ap.add_argument("--min-tickets", type=int, default=200, help="the smallest account's tickets")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--only", choices=["default", "spark"])
    ap.add_argument("--db", type=Path, help="the store (default: bench/out/spark-<params>.db, cached)")
    ap.add_argument("--run", choices=["default", "spark"], help=argparse.SUPPRESS)  # the child's part
    args = ap.parse_args()
    if args.run:
        print(json.dumps(run_engine(args.run, str(args.db), args.master)))
        return
    db = args.db or OUT / f"spark-{fingerprint(a=args.accounts, t=args.tickets, m=args.min_tickets)}.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    build(db, args.accounts, args.tickets, args.min_tickets)
    results = {}
    for engine in ("default", "spark"):
        if args.only and engine != args.only:
            continue
        print(f"{engine}: training {args.accounts} accounts …", flush=True)
        child = subprocess.run([sys.executable, __file__, "--run", engine, "--db", str(db), "--master", args.master],
                               capture_output=True, text=True, check=False)
        if child.returncode != 0:
            raise SystemExit(f"{engine} failed:\n{child.stderr[-4000:]}")
        results[engine] = json.loads(child.stdout.strip().splitlines()[-1])
        print(json.dumps(results[engine]), flush=True)
    print()
    print(f"{args.accounts} accounts, {args.tickets:,} tickets (largest account "
          f"{sizes(args.accounts, args.tickets, args.min_tickets)[0]:,}), Spark master {args.master}")
    print(f"{'engine':<8} {'wall s':>8} {'session s':>9} {'driver MB':>9} {'JVM MB':>7} {'workers MB':>10} "
          f"{'tasks s (sum/max)':>18} failed")
    for r in results.values():
        print(f"{r['engine']:<8} {r['wall_s']:>8.1f} {r['session_s']:>9.1f} {r['driver_peak_mb']:>9} "
              f"{r['children_peak_mb'] if r['engine'] == 'spark' else '':>7} "
              f"{r['workers_peak_mb'] if r['engine'] == 'spark' else '':>10} "
              f"{(str(r['task_s_sum']) + ' / ' + str(r['task_s_max'])) if r['engine'] == 'spark' else '':>18} "
              f"{len(r['failed'])}")
    if len(results) == 2:
        d, s = results["default"], results["spark"]
        print(f"Spark overhead per account: {(s['wall_s'] - d['wall_s']) / args.accounts:+.2f} s "
              f"(wall {s['wall_s'] - d['wall_s']:+.1f} s over {args.accounts} accounts, "
              f"of which {s['session_s']:.1f} s starting the session)")


if __name__ == "__main__":
    main()
