"""Benchmark: satisfaction reports over many stored responses, answered from the rollups.

Builds (once, cached under bench/out/) a SQLite database of N responses over 10 accounts
and 24 months, written straight into the tables, then the rollups with
`cxpulse.storage.rollups.refresh_rollups`. With `--db postgresql://…` the same rows go
into a PostgreSQL database of their own on that server (COPY; cached as
`cxpulse_bench_responses_<N>_<fingerprint>`, `--drop` removes it after the run). Then times `cxpulse.service.report.report`:

- one account, the default overview of csat/nps/ces/csi (target ≤ 100 ms at 10M rows),
- the same `--by month`,
- all accounts `--by account,month` (target ≤ 2 s at 10M rows).

    .venv/bin/python bench/bench_report.py                     # 10,000,000 responses
    .venv/bin/python bench/bench_report.py --quick             # smoke run: 200,000 responses
    .venv/bin/python bench/bench_report.py --rebuild           # regenerate the cached database
    .venv/bin/python bench/bench_report.py --raw               # also time one query from raw rows
    .venv/bin/python bench/bench_report.py --db postgresql://postgres@127.0.0.1:5432/test   # on PostgreSQL
    .venv/bin/python bench/bench_report.py --db postgresql://… --explain     # plus each query's EXPLAIN ANALYZE

Each query runs once cold-ish (first run after opening the store), then repeatedly
(`--repeat`, bounded by `--budget` seconds per query); p50/p99 are over the repeats.
Two more rows time what reads the raw responses even when the rollups answer the
report: `--compare-previous` without a period (it looks up the last day with data), and
the recount of one month of the largest account's rollups that an import of that
month runs (`refresh_rollups` for the month, in a transaction rolled back after).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.pg_explain

from _data import OUT, PgServer, build_responses_db, build_responses_pg, fingerprint  # noqa: E402
from tests.pg_explain import plans_of  # noqa: E402

ONE_ACCOUNT_MS = 100
ALL_ACCOUNTS_MS = 2000


def db_size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(str(path) + "-wal")) if p.exists())


def load() -> str:
    """The 1-minute load average, printed beside each figure (the machine is shared)."""
    return f"{os.getloadavg()[0]:.1f}"


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if len(xs) == 1:
        return xs[0]
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def timed_runs(fn, *, repeat: int, budget: float) -> tuple[float, list[float], object]:
    """First run, then up to `repeat` more within `budget` seconds: (first ms, runs ms, last result)."""
    t = time.perf_counter()
    result = fn()
    first = (time.perf_counter() - t) * 1000
    runs: list[float] = []
    deadline = time.perf_counter() + budget
    while len(runs) < repeat and (not runs or time.perf_counter() < deadline):
        t = time.perf_counter()
        result = fn()
        runs.append((time.perf_counter() - t) * 1000)
    return first, runs, result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--responses", type=int, default=10_000_000)
    ap.add_argument("--quick", action="store_true", help="smoke run: 200,000 responses, few repeats")
    ap.add_argument("--repeat", type=int, default=30, help="timed runs per query after the first (default 30)")
    ap.add_argument("--budget", type=float, default=30.0, help="seconds at most per query's repeats (default 30)")
    ap.add_argument("--rebuild", action="store_true", help="regenerate the cached database")
    ap.add_argument("--raw", action="store_true", help="also time one query no rollup can answer (raw rows)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--db", help="postgresql://user@host:port/db: run on PostgreSQL, in a database of the "
                    "benchmark's own on that server (the one named is only used to connect)")
    ap.add_argument("--explain", action="store_true", help="with --db: print what each query's SQL reads "
                    "(EXPLAIN ANALYZE: node, table, index, ms)")
    ap.add_argument("--drop", action="store_true", help="with --db: drop the benchmark's database after the run")
    args = ap.parse_args(argv)
    n = 200_000 if args.quick else args.responses
    repeat = 5 if args.quick else args.repeat

    from sqlalchemy import func, select

    from cxpulse.service.report import ReportQuery, report
    from cxpulse.storage import Store
    from cxpulse.storage import queries as Q
    from cxpulse.storage import tables as T
    from cxpulse.storage.rollups import month_span, refresh_rollups

    pg = PgServer(args.db) if args.db else None
    args.out.mkdir(parents=True, exist_ok=True)
    if pg:
        name = f"cxpulse_bench_responses_{n}_{fingerprint(responses=n)}"
        db = pg.url_of(name)
        cached = not args.rebuild and pg.exists(name)
    else:
        db = args.out / f"responses-{n}-{fingerprint(responses=n)}.db"
        name = db.name
        cached = not args.rebuild and db.exists()
    if not cached:
        print(f"building {name} ({n:,} responses) … (load {load()})", flush=True)
        if pg:
            built = build_responses_pg(pg.create(name + "_building"), responses=n)
            pg.drop(name)
            pg.rename(name + "_building", name)
            how = "COPY+commit"
        else:
            tmp = db.with_suffix(".building")
            built = build_responses_db(tmp, responses=n)
            tmp.rename(db)
            for suffix in ("-wal", "-shm"):
                Path(str(tmp) + suffix).unlink(missing_ok=True)
            how = "sqlite3 executemany+commit"
        rows = built.responses + built.tickets
        print(f"  {built.responses:,} responses + {built.tickets:,} tickets generated and written in "
              f"{built.insert_seconds:.1f} s; in {how} {built.executemany_seconds:.1f} s "
              f"= {rows / built.executemany_seconds:,.0f} rows/s (2 indexes on each table) (load {load()})")
        print(f"  rollups built in {built.rollup_seconds:.1f} s (refresh_rollups, all 10 accounts) (load {load()})",
              flush=True)
    else:
        print(f"using cached {name} (--rebuild to regenerate)")
    if pg:
        print("server: " + ", ".join(f"{k} {v}" for k, v in pg.settings().items()))

    store = Store.open(db)
    accounts = store.accounts()
    with store.engine.connect() as conn:
        raw = conn.execute(select(func.count()).select_from(T.responses)).scalar_one()
        tickets = conn.execute(select(func.count()).select_from(T.tickets)).scalar_one()
        per_account = dict(conn.execute(
            select(T.responses.c.account_id, func.count()).group_by(T.responses.c.account_id)).all())
        rollup_rows = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in T.ROLLUPS}
        rollup_of = {t.name: dict(conn.execute(select(t.c.account_id, func.count()).group_by(t.c.account_id)).all())
                     for t in T.ROLLUPS}
        months = conn.execute(select(func.count(func.distinct(T.rollup_month_agent.c.month)))).scalar_one()
    big = max(accounts, key=lambda a: per_account.get(a.id, 0))
    small = min(accounts, key=lambda a: per_account.get(a.id, 0))

    print()
    size = pg.size(name) if pg else db_size(db)
    print(f"database {size / 1e9:.2f} GB: {raw:,} responses, {tickets:,} tickets, {len(accounts)} accounts, "
          f"{months} months; largest {big.name} {per_account[big.id]:,}, smallest {small.name} "
          f"{per_account[small.id]:,}")
    print(f"{'table':24} {'rows':>12} {'÷ raw':>8} {f'rows of {big.name}':>16} {'÷ its raw':>10}")
    print("-" * 74)
    print(f"{'responses (raw)':24} {raw:12,} {1:8.3f} {per_account[big.id]:16,} {1:10.3f}")
    for name, count in rollup_rows.items():
        mine = rollup_of[name].get(big.id, 0)
        print(f"{name:24} {count:12,} {count / raw:8.3f} {mine:16,} {mine / per_account[big.id]:10.3f}")
    print()

    kinds = ("csat", "nps", "ces", "csi")
    cases = [
        (f"one account ({big.name}), overview", ReportQuery(metrics=kinds, account=big.name), ONE_ACCOUNT_MS),
        (f"one account ({big.name}) --by month", ReportQuery(metrics=kinds, account=big.name, by=("month",)),
         ONE_ACCOUNT_MS),
        (f"one account ({small.name}), overview", ReportQuery(metrics=kinds, account=small.name), ONE_ACCOUNT_MS),
        ("all accounts --by account,month", ReportQuery(metrics=kinds, by=("account", "month")), ALL_ACCOUNTS_MS),
        ("all accounts, overview", ReportQuery(metrics=kinds), None),
    ]
    cases.append((f"one account ({big.name}) --compare-previous", ReportQuery(metrics=kinds, account=big.name,
                                                                               compare_previous=True), ONE_ACCOUNT_MS))
    if args.raw:
        cases.append((f"one account ({big.name}) --by agent,week [raw]",
                      ReportQuery(metrics=kinds, account=big.name, by=("agent", "week")), None))

    explained: list = []
    scale = n / 10_000_000
    print(f"{'query':44} {'grain':22} {'rows':>6} {'first ms':>9} {'p50 ms':>8} {'p99 ms':>8} {'runs':>5} "
          f"{'load':>5}  target")
    print("-" * 126)
    failed = False
    for label, q, target in cases:
        ids = None if q.account is None else (store.account(q.account).id,)
        with store.engine.connect() as conn:
            grain = Q.pick_grain(conn, q.by, Q.Window(ids, q.since, q.until))
        first, runs, rows = timed_runs(lambda q=q: report(store, q), repeat=0 if "[raw]" in label else repeat,
                                       budget=args.budget)
        runs = runs or [first]
        p50, p99 = statistics.median(runs), percentile(runs, 0.99)
        verdict = ""
        if target is not None:
            ok = p50 <= target
            failed |= not ok and scale >= 1
            verdict = f"≤ {target:,} ms → {'PASS' if ok else 'MISS'}" + ("" if scale >= 1 else " (target at 10M)")
        print(f"{label:44} {grain:22} {len(rows):6,} {first:9.1f} {p50:8.1f} {p99:8.1f} {len(runs):5} {load():>5}  "
              f"{verdict}", flush=True)
        if args.explain and pg:
            explained.append((label, plans_of(store.engine, lambda q=q: report(store, q), analyze=True)))

    # what an import of one month of the largest account recounts (rolled back: the data stays as built)
    with store.engine.connect() as conn:
        last = Q.latest_response_day(conn, (big.id,))
    first_day, last_day = month_span(last, last)

    def recount() -> None:
        with store.engine.connect() as conn:
            refresh_rollups(conn, big.id, first_day=first_day, last_day=last_day)
            conn.rollback()

    first, runs, _ = timed_runs(recount, repeat=min(repeat, 5), budget=args.budget)
    print(f"{f'rollups of {big.name}, {first_day:%Y-%m} recounted':44} {'(write side)':22} {'':6} {first:9.1f} "
          f"{statistics.median(runs):8.1f} {percentile(runs, 0.99):8.1f} {len(runs):5} {load():>5}")
    if args.explain and pg:
        explained.append((f"rollups of {big.name}, one month recounted", plans_of(store.engine, recount, analyze=True,
                                                                                     kinds=("DELETE", "INSERT"))))
    print("-" * 126)
    print("grain: the table the counts came from (queries.pick_grain); rows: report rows returned; "
          "first: the first run after opening the store; load: 1-minute load average after the runs")
    for label, plans in explained:
        print(f"\nEXPLAIN ANALYZE: {label}")
        for plan in plans:
            if not plan.scans or {rel for _n, rel, _i in plan.scans} <= {"accounts", "sla_policy_sets"}:
                continue
            scans = ", ".join(f"{node} {rel}" + (f" ({ix})" if ix else "") for node, rel, ix in plan.scans)
            print(f"  {plan.root['Execution Time']:9.1f} ms  {scans}")
    store.engine.dispose()
    if pg and args.drop:
        pg.drop(name)
        print(f"dropped {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
