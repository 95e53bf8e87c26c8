"""Benchmark: the quality-review reports (issue 16) over many stored reviews.

Builds (once, cached under bench/out/ by a fingerprint) a SQLite database of N reviews on
the default eight-criterion scorecard over 3 accounts, 24 months, 40 agents and 6
reviewers per account; about 10% of the tickets reviewed twice (by two reviewers, for
the agreement), 2% mystery-shopper reviews, and a CSAT rating for 30% of the tickets
(for qa-vs-csat). Rows go in through `storage.store.insert_many` with the shapes
service/qa.py writes — the review's IQS (`metrics.qa.review_score`) stored with it, one
score row per criterion — then the derived tables are rebuilt (`service.derive.rebuild`,
which also counts the QA rollups when the code has them).

Then times `cxpulse.service.report.report` (what the CLI and the API call):

- iqs, one account (target: the README's one-account report, ≤ 100 ms),
- iqs --by agent, iqs --by criterion (one account),
- iqs --by account,month, all accounts (target: the all-accounts report, ≤ 2 s),
- qa-agreement (one account, and --by agent), qa-agreement --by account,month over all
  accounts, and qa-vs-csat (one account).

    .venv/bin/python bench/bench_qa.py                    # 1,000,000 reviews
    .venv/bin/python bench/bench_qa.py --reviews 100000   # a smaller run
    .venv/bin/python bench/bench_qa.py --quick            # smoke run: 20,000 reviews
    .venv/bin/python bench/bench_qa.py --rebuild          # regenerate the cached database

p50/p99 are over the repeats after a first run (`--repeat`, bounded by `--budget` s per query).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import OUT, fingerprint  # noqa: E402
from bench_report import db_size, percentile, timed_runs  # noqa: E402

ONE_ACCOUNT_MS = 100
ALL_ACCOUNTS_MS = 2000
ACCOUNT_SHARES = (0.5, 0.3, 0.2)
AGENTS, REVIEWERS, MONTHS = 40, 6, 24
END = datetime(2026, 3, 1, tzinfo=UTC)
GENERATOR = 1  # bump when what build() writes changes


def build(path: Path, reviews: int, seed: int = 16) -> dict:
    """Write the database; returns counts and seconds."""
    from cxpulse.domain.scorecards import DEFAULT_SCORECARD, CriterionScale
    from cxpulse.metrics.qa import review_score
    from cxpulse.service.derive import rebuild
    from cxpulse.service.qa import apply_scorecard
    from cxpulse.storage import Store
    from cxpulse.storage import tables as T
    from cxpulse.storage.rows import content_hash, local_day, naive_utc
    from cxpulse.storage.store import insert_many

    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    store = Store.open(path)
    criteria = DEFAULT_SCORECARD.criteria
    rnd = random.Random(seed)
    r_keys = ("id", "account_id", "source_id", "ticket_id", "conversation_id", "reviewer", "agent_id", "scorecard_id",
              "score", "root_cause", "comment", "mystery", "created_at", "day", "content_hash")
    s_keys = ("review_id", "account_id", "criterion", "score", "comment")
    c_keys = ("account_id", "source_id", "ticket_id", "customer_id", "agent_id", "channel", "given_at", "day", "kind",
              "scale", "score", "attribute", "importance", "comment", "reason", "content_hash")
    memo: dict[tuple, float | None] = {}
    started = time.perf_counter()
    rid = 0
    n_scores = n_csat = 0
    span = int(timedelta(days=30 * MONTHS).total_seconds())
    for i, share in enumerate(ACCOUNT_SHARES):
        acc = store.ensure_account(f"qa{i}")
        card, _ = apply_scorecard(store, acc.name, DEFAULT_SCORECARD.to_mapping())
        want = round(reviews * share)
        done = 0
        ticket = 0
        while done < want:
            rows, scores, csat = [], [], []
            while len(rows) < 20_000 and done < want:
                ticket += 1
                tid = f"t{ticket}"
                agent = f"agent{rnd.randrange(AGENTS):02d}"
                at = END - timedelta(seconds=rnd.randrange(span))
                skill = rnd.random()
                reviewers = rnd.sample(range(REVIEWERS), 2 if rnd.random() < 0.1 else 1)
                for rv in reviewers:
                    values = []
                    for c in criteria:
                        if c.na_allowed and rnd.random() < 0.05:
                            values.append(None)
                        elif c.scale is CriterionScale.PASS_FAIL:
                            values.append(int(rnd.random() < 0.6 + 0.35 * skill))
                        else:
                            values.append(max(1, min(4, round(1 + 3 * skill + rnd.gauss(0, 0.8)))))
                    key = tuple(values)
                    if key not in memo:
                        memo[key] = review_score(
                            {c.key: (bool(v) if v is not None and c.scale is CriterionScale.PASS_FAIL else v)
                             for c, v in zip(criteria, values)}, criteria)
                    rid += 1
                    done += 1
                    when = at + timedelta(hours=rnd.randrange(1, 72))
                    sid = f"r{rid}"
                    rows.append((rid, acc.id, sid, tid, "", f"reviewer{rv}", agent, card.id, memo[key], "", "",
                                 rnd.random() < 0.02, naive_utc(when), local_day(when, acc.tz),
                                 content_hash({"id": sid, "scores": values})))
                    scores += [(rid, acc.id, c.key, v, "") for c, v in zip(criteria, values)]
                if rnd.random() < 0.3:
                    score = max(1, min(5, round(1 + 4 * skill + rnd.gauss(0, 1))))
                    csat.append((acc.id, f"c{ticket}", tid, f"cust{ticket}", agent, "email", naive_utc(at),
                                 local_day(at, acc.tz), "csat", "1-5", score, "", None, "", "", f"h{ticket}"))
            with store.engine.begin() as conn:
                insert_many(conn, T.qa_reviews, r_keys, rows)
                insert_many(conn, T.qa_review_scores, s_keys, scores)
                insert_many(conn, T.responses, c_keys, csat)
            n_scores += len(scores)
            n_csat += len(csat)
        print(f"  {acc.name}: {done:,} reviews ({time.perf_counter() - started:.0f} s)", flush=True)
    insert_s = time.perf_counter() - started
    t = time.perf_counter()
    rebuild(store)
    rebuild_s = time.perf_counter() - t
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    store.engine.dispose()
    return {"reviews": rid, "scores": n_scores, "csat": n_csat, "insert_s": insert_s, "rebuild_s": rebuild_s}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reviews", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="smoke run: 20,000 reviews, few repeats")
    ap.add_argument("--repeat", type=int, default=20, help="timed runs per query after the first (default 20)")
    ap.add_argument("--budget", type=float, default=20.0, help="seconds at most per query's repeats (default 20)")
    ap.add_argument("--rebuild", action="store_true", help="regenerate the cached database")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)

    from sqlalchemy import func, select

    from cxpulse.service.report import ReportQuery, report
    from cxpulse.storage import Store
    from cxpulse.storage import tables as T

    n = 20_000 if args.quick else args.reviews
    if args.quick:
        args.repeat, args.budget = 3, 2.0
    qa_tables = [t for t in T.metadata.sorted_tables if t.name.startswith("qa_rollup")]
    args.out.mkdir(parents=True, exist_ok=True)
    # the schema is part of the key: a database built before the QA rollups existed lacks them
    db = args.out / f"qa-{n}-{fingerprint(reviews=n, generator=GENERATOR, rollups=[t.name for t in qa_tables])}.db"
    if args.rebuild or not db.exists():
        print(f"building {db.name} ({n:,} reviews) …", flush=True)
        tmp = db.with_suffix(".building")
        built = build(tmp, n)
        tmp.rename(db)
        print(f"  {built['reviews']:,} reviews, {built['scores']:,} score rows, {built['csat']:,} CSAT ratings "
              f"inserted in {built['insert_s']:.1f} s; rebuild (KPIs + rollups) {built['rebuild_s']:.1f} s", flush=True)
    else:
        print(f"using cached {db.name} (--rebuild to regenerate)")

    store = Store.open(db)
    with store.engine.connect() as conn:
        counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                  for t in (T.qa_reviews, T.qa_review_scores, *qa_tables)}
    print(f"\ndatabase {db_size(db) / 1e9:.2f} GB: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    big = "qa0"
    cases = [
        (f"iqs, one account ({big})", ReportQuery(metrics=("iqs",), account=big), ONE_ACCOUNT_MS),
        (f"iqs --by agent ({big})", ReportQuery(metrics=("iqs",), account=big, by=("agent",)), ONE_ACCOUNT_MS),
        (f"iqs --by criterion ({big})", ReportQuery(metrics=("iqs",), account=big, by=("criterion",)), ONE_ACCOUNT_MS),
        (f"iqs --by month ({big})", ReportQuery(metrics=("iqs",), account=big, by=("month",)), ONE_ACCOUNT_MS),
        ("iqs --by account,month, all accounts", ReportQuery(metrics=("iqs",), by=("account", "month")),
         ALL_ACCOUNTS_MS),
        (f"qa-agreement ({big})", ReportQuery(metrics=("qa-agreement",), account=big), ONE_ACCOUNT_MS),
        (f"qa-agreement --by agent ({big})", ReportQuery(metrics=("qa-agreement",), account=big, by=("agent",)),
         ONE_ACCOUNT_MS),
        ("qa-agreement --by account,month, all", ReportQuery(metrics=("qa-agreement",), by=("account", "month")),
         ALL_ACCOUNTS_MS),
        (f"qa-vs-csat ({big})", ReportQuery(metrics=("qa-vs-csat",), account=big), ONE_ACCOUNT_MS),
    ]
    scale = n / 1_000_000
    print(f"\n{'query':40} {'rows':>6} {'first ms':>9} {'p50 ms':>8} {'p99 ms':>8} {'runs':>5}  target")
    print("-" * 100)
    failed = False
    for label, q, target in cases:
        first, runs, rows = timed_runs(lambda q=q: report(store, q), repeat=args.repeat, budget=args.budget)
        runs = runs or [first]
        p50, p99 = statistics.median(runs), percentile(runs, 0.99)
        ok = p50 <= target
        failed |= not ok and scale >= 1
        verdict = f"≤ {target:,} ms → {'PASS' if ok else 'MISS'}" + ("" if scale >= 1 else " (target at 1M)")
        print(f"{label:40} {len(rows):6,} {first:9.1f} {p50:8.1f} {p99:8.1f} {len(runs):5}  {verdict}")
    print("-" * 100)
    store.engine.dispose()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
