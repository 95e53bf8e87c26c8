"""Benchmark: every learner `cxpulse evaluate` accepts, per account, on the demo and on the
second world (issue 12 §2: the learner is chosen by the data, per account).

    .venv/bin/python bench/bench_learners.py                   # demo (20,000 tickets) + second world (6,000)
    .venv/bin/python bench/bench_learners.py --quick           # demo 4,000 tickets, second world 3,000
    .venv/bin/python bench/bench_learners.py --only world --world-tickets 3000
    .venv/bin/python bench/bench_learners.py --learners lgbm,logreg   # a subset (default: all of them)
    .venv/bin/python bench/bench_learners.py --rebuild         # make the databases again

Everything goes through the CLI, as a user runs it, each command in a subprocess of this
Python (`python -c "from cxpulse.cli import main; main()"`, so `PYTHONPATH=src` picks a
worktree's code; `--cxpulse PATH` runs an installed `cxpulse` instead):

- the demo: `cxpulse demo --db X --seed 7 --tickets N --end 2026-10-31` (its three accounts);
- the second world (tests/worlds/second.py, written apart from the demo: interactions, a
  48 h cliff, lateness against due times, a chat effect of opposite sign per account, its own
  words): written, then `cxpulse import jsonl settings.jsonl` and `cxpulse import zendesk
  DIR/<account> --account <account>` per account;
- then, per account and learner, `cxpulse evaluate --account A --learner L --format json`.

The learners are `cxpulse.service.predict.LEARNERS` (today lgbm and logreg; blend and auto
appear when the code has them). The table shows each one's test AUC with its 95% interval
(the newest 20% of rated tickets), train/test sizes, the seconds the command took, and,
when the JSON says them, the candidate `auto` chose (`chosen`) and each candidate's
validation AUC (`candidates`). For the second world, the ceiling: the AUC of the true
P(good) of tests/worlds/second.py's truth file on the same test tickets, and in brackets of
`p_seen`, the same without the agents' and customers' hidden traits (what a model that sees
every ticket whole, but nothing of the people, could reach). The last column of an
`auto` row is its gap to the best learner's test AUC; the target is ≤ 0.01 (exit 1 on a
miss).

The databases are kept in bench/out/learners/ (`--out`), named by a fingerprint of the
parameters and of the generators' and importer's sources, so a rerun only evaluates.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.worlds.second

from tests.worlds.second import ceiling_auc, write_world  # noqa: E402

OUT = ROOT / "bench" / "out" / "learners"
DEMO_SEED, DEMO_END = 7, "2026-10-31"
WORLD_SEED = 11
TARGET_GAP = 0.01
CLI_CODE = "import sys; from cxpulse.cli import main; sys.argv[0] = 'cxpulse'; main()"


def _learners() -> tuple[str, ...]:
    """The learners the CLI accepts, from the same code the CLI runs."""
    from cxpulse.service.predict import LEARNERS

    return tuple(LEARNERS)


def _sources_digest() -> str:
    """A tag of the code that shapes the stored data: the demo generator, the importers, the second world."""
    import cxpulse

    pkg = Path(cxpulse.__file__).resolve().parent
    h = hashlib.blake2b(digest_size=5)
    for folder in (pkg / "demo", pkg / "ingest", ROOT / "tests" / "worlds"):
        for p in sorted(folder.glob("*.py")):
            h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


class Cli:
    """`cxpulse …` in a subprocess; stdout back, a clear failure with stderr otherwise."""

    def __init__(self, executable: str | None) -> None:
        self.argv0 = [executable] if executable else [sys.executable, "-c", CLI_CODE]

    def __call__(self, *args: str) -> tuple[str, float]:
        t0 = time.perf_counter()
        done = subprocess.run([*self.argv0, *args], capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if done.returncode != 0:
            raise RuntimeError(f"cxpulse {' '.join(args)} → exit {done.returncode}\n{done.stderr.strip()[-2000:]}")
        return done.stdout, seconds


def build_demo(cli: Cli, out: Path, tickets: int, rebuild: bool) -> Path:
    db = out / f"demo-s{DEMO_SEED}-t{tickets}-{_sources_digest()}.db"
    if db.exists() and not rebuild:
        print(f"demo: reusing {db}", flush=True)
        return db
    db.unlink(missing_ok=True)
    _, seconds = cli("demo", "--db", str(db), "--seed", str(DEMO_SEED), "--tickets", str(tickets), "--end", DEMO_END)
    print(f"demo: {tickets:,} tickets → {db} in {seconds:.0f} s", flush=True)
    return db


def build_world(cli: Cli, out: Path, tickets: int, rebuild: bool) -> tuple[Path, dict]:
    tag = f"second-s{WORLD_SEED}-t{tickets}-{_sources_digest()}"
    db, folder = out / f"{tag}.db", out / tag
    truth_path = folder / "truth.json"
    if db.exists() and truth_path.exists() and not rebuild:
        print(f"second world: reusing {db}", flush=True)
        return db, json.loads(truth_path.read_text(encoding="utf-8"))
    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    summary = write_world(folder, seed=WORLD_SEED, tickets=tickets)
    print(f"second world: {tickets:,} tickets written in {time.perf_counter() - t0:.1f} s → {folder}", flush=True)
    for argv in summary["commands"]:
        _, seconds = cli(*argv, "--db", str(db))
        print(f"  cxpulse {' '.join(argv[:2])} {Path(argv[2]).name}: {seconds:.1f} s", flush=True)
    for name, s in summary["accounts"].items():
        print(f"  {name}: {s['tickets']:,} tickets, {s['rated']:,} rated ({s['good']:,} good), {s['open']} open",
              flush=True)
    return db, json.loads(truth_path.read_text(encoding="utf-8"))


def _auc(v) -> str:
    return "–" if v is None else f"{v:.3f}"


def evaluate_all(cli: Cli, data: str, db: Path, learners: tuple[str, ...], truth: dict | None) -> list[dict]:
    """One row per (account, learner): the evaluate JSON's figures, the seconds, the ceiling."""
    accounts, _ = cli("accounts", "--db", str(db), "-f", "json")
    rows = []
    for acc in sorted(a["name"] for a in json.loads(accounts)):
        ceiling = seen = n_truth = None
        if truth is not None and acc in truth["accounts"]:
            ceiling, n_truth = ceiling_auc(truth, acc)
            seen, _ = ceiling_auc(truth, acc, key="p_seen")
        for learner in learners:
            row = {"data": data, "account": acc, "learner": learner, "ceiling": ceiling, "seen": seen}
            try:
                out, seconds = cli("evaluate", "--account", acc, "--learner", learner, "--format", "json",
                                   "--db", str(db))
            except RuntimeError as e:
                row["error"] = str(e).splitlines()[-1]
                rows.append(row)
                print(f"  {acc} {learner}: FAILED {row['error']}", flush=True)
                continue
            ev = json.loads(out)
            row.update(seconds=seconds, auc=ev.get("auc"), low=ev.get("auc_low"), high=ev.get("auc_high"),
                       n_train=ev.get("n_train"), n_test=ev.get("n_test"), scope=ev.get("scope"),
                       chosen=ev.get("chosen"), candidates=ev.get("candidates"))
            if n_truth is not None and ev.get("n_test") not in (None, n_truth):
                row["warning"] = f"evaluate tested {ev.get('n_test')} tickets, the truth split {n_truth}"
            rows.append(row)
            print(f"  {acc} {learner}: AUC {_auc(row['auc'])} in {seconds:.0f} s", flush=True)
    return rows


def _ceiling(r: dict) -> str:
    """The true probabilities' AUC on the same test tickets, and (in brackets) without the hidden traits."""
    return "" if r.get("ceiling") is None else f"{r['ceiling']:.3f} ({r['seen']:.3f})"


def print_table(rows: list[dict]) -> int:
    """The markdown table; returns 1 when an `auto` row misses the ≤ 0.01 gap to the best learner."""
    status = 0
    print("\n| data | account | learner | test AUC (95% interval) | train / test | chosen | validation AUC "
          "| ceiling (seen) | gap to best | s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        same = [x for x in rows if (x["data"], x["account"]) == (r["data"], r["account"]) and x.get("auc") is not None]
        best = max((x["auc"] for x in same), default=None)
        if "error" in r:
            print(f"| {r['data']} | {r['account']} | {r['learner']} | failed: {r['error']} | | | | | | |")
            continue
        known = r.get("low") is not None and r.get("high") is not None
        interval = f" ({r['low']:.3f}–{r['high']:.3f})" if known else ""
        cands = ", ".join(f"{c.get('learner')} {_auc(c.get('validation_auc'))}" for c in r.get("candidates") or [])
        gap = ""
        if r["learner"] == "auto" and best is not None and r["auc"] is not None:
            g = best - r["auc"]
            gap = f"{g:.3f} {'PASS' if g <= TARGET_GAP else 'MISS'}"
            status |= g > TARGET_GAP
        scope = "" if r.get("scope") in (None, "account") else f" [{r['scope']}]"
        print(f"| {r['data']} | {r['account']}{scope} | {r['learner']} | {_auc(r['auc'])}{interval} "
              f"| {r.get('n_train')} / {r.get('n_test')} | {r.get('chosen') or ''} | {cands} "
              f"| {_ceiling(r)} | {gap} | {r.get('seconds', 0):.0f} |")
    for r in rows:
        if r.get("warning"):
            print(f"warning: {r['data']} {r['account']} {r['learner']}: {r['warning']}")
    return int(status)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="demo 4,000 tickets, second world 3,000")
    ap.add_argument("--only", choices=("demo", "world"), help="one data set")
    ap.add_argument("--demo-tickets", type=int, default=20_000)
    ap.add_argument("--world-tickets", type=int, default=6_000)
    ap.add_argument("--learners", help="comma-separated (default: cxpulse.service.predict.LEARNERS)")
    ap.add_argument("--cxpulse", help="a cxpulse executable to run (default: this Python with cxpulse.cli)")
    ap.add_argument("--rebuild", action="store_true", help="make the databases again")
    ap.add_argument("--out", type=Path, default=OUT, help="where the databases go (default bench/out/learners)")
    args = ap.parse_args(argv)
    if args.quick:
        args.demo_tickets, args.world_tickets = 4_000, 3_000
    learners = tuple(args.learners.split(",")) if args.learners else _learners()
    args.out.mkdir(parents=True, exist_ok=True)
    cli = Cli(args.cxpulse)
    print(f"learners: {', '.join(learners)}", flush=True)
    rows: list[dict] = []
    if args.only in (None, "demo"):
        db = build_demo(cli, args.out, args.demo_tickets, args.rebuild)
        rows += evaluate_all(cli, "demo", db, learners, None)
    if args.only in (None, "world"):
        db, truth = build_world(cli, args.out, args.world_tickets, args.rebuild)
        rows += evaluate_all(cli, "second", db, learners, truth)
    return print_table(rows)


if __name__ == "__main__":
    raise SystemExit(main())
