"""Benchmark: `cxpulse import jsonl` of a large help-desk export into a fresh SQLite file
(or, with `--db postgresql://…`, a fresh PostgreSQL database `cxpulse_bench_import` on that server).

Measures the whole `cxpulse.service.imports.import_path` call (read_jsonl → load →
refresh), the refresh it includes (per-ticket KPIs, then rollups) separately, and a
second import of the same file (every row unchanged).

    .venv/bin/python bench/bench_import.py                 # 100k tickets × 10 events = 1M events
    .venv/bin/python bench/bench_import.py --events 200000
    .venv/bin/python bench/bench_import.py --quick         # smoke run: 20k events
    .venv/bin/python bench/bench_import.py --profile       # also print the top of a cProfile
    .venv/bin/python bench/bench_import.py --db postgresql://postgres@127.0.0.1:5432/test --events 10000000
    .venv/bin/python bench/bench_import.py --db postgresql://… --write-path   # also the store's side alone

Target (issue): ≥ 50,000 events/s for the whole first import of 1,000,000 events on SQLite,
≥ 100,000 events/s on PostgreSQL (issue 19: through COPY).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import io
import pstats
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import OUT, PgServer, fingerprint, write_events_jsonl  # noqa: E402

TARGET_EVENTS_PER_S = 50_000
TARGET_PG_EVENTS_PER_S = 100_000  # issue 19


class Timer:
    """Wraps a function in a module's namespace and adds up the seconds spent in it."""

    def __init__(self, module, name: str) -> None:
        self.module, self.name = module, name
        self.original = getattr(module, name)
        self.seconds = 0.0
        self.calls = 0

    def __enter__(self) -> "Timer":
        original = self.original

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1

        setattr(self.module, self.name, timed)
        return self

    def __exit__(self, *exc) -> None:
        setattr(self.module, self.name, self.original)


def fresh_db(path: Path) -> None:
    for p in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        p.unlink(missing_ok=True)


def run_import(db: Path | str, jsonl: Path, rejects: Path, *, profile: bool = False) -> dict:
    import cxpulse.service.derive as derive
    import cxpulse.service.imports as imports
    from cxpulse.storage import Store

    store = Store.open(db)
    prof = cProfile.Profile() if profile else None
    with Timer(imports, "derive_stale") as t_refresh, Timer(derive, "_recompute_kpis") as t_kpis, \
            Timer(derive, "refresh_rollups") as t_rollups:
        start, cpu0 = time.perf_counter(), os.times()
        if prof:
            prof.enable()
        summary = imports.import_path(store, "jsonl", jsonl, account="bench", rejects_path=rejects)
        if prof:
            prof.disable()
        total, cpu1 = time.perf_counter() - start, os.times()
    store.engine.dispose()
    # this process and the ones it waited for (the reader, the KPI workers): less load-sensitive than wall time
    cpu = {k: getattr(cpu1, k) - getattr(cpu0, k) for k in ("user", "system", "children_user", "children_system")}
    out = {"load": os.getloadavg()[0], "total": total, "refresh": t_refresh.seconds, "kpis": t_kpis.seconds, "rollups": t_rollups.seconds,
           "summary": summary, "cpu": cpu}
    if prof:
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(35)
        s.write("\n---- by own time ----\n")
        pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(25)
        out["profile"] = s.getvalue()
    return out


def run_write_path(db: Path | str, jsonl: Path) -> dict:
    """The store's side alone: the file read and its rows prepared beforehand, in memory,
    then timed `service.load.load` into a fresh database (on PostgreSQL: COPY, and the
    writer thread, as `import_path` runs it), without the refresh. What the import's
    writes cost when nothing else competes for the cores: the parse is not in it."""
    import gc

    from cxpulse.collector import collector_paused
    from cxpulse.readers.base import Record
    from cxpulse.service.load import load, prepare
    from cxpulse.readers.jsonl import read_jsonl
    from cxpulse.storage import Store

    items = [prepare(x) if x.__class__ is Record else x for x in read_jsonl(jsonl)]
    store = Store.open(db)
    with collector_paused():  # as import_path: no GC passes over the rows held
        start, cpu0 = time.perf_counter(), os.times()
        result = load(store, items, account="bench", follow_up=True, overlap=store.dialect == "postgresql")
        secs, cpu1 = time.perf_counter() - start, os.times()
    store.engine.dispose()
    del items
    gc.collect()
    return {"seconds": secs, "inserted": result.summary.inserted, "cpu": cpu1.user - cpu0.user + cpu1.system - cpu0.system}


def _median_run(runs: list[dict]) -> dict:
    """The run with the median whole-import time (its parts are that run's own)."""
    return sorted(runs, key=lambda r: r["total"])[(len(runs) - 1) // 2]


def db_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in (db, Path(str(db) + "-wal")) if p.exists())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000, help="ticket events to import (default 1,000,000)")
    ap.add_argument("--events-per-ticket", type=int, default=10)
    ap.add_argument("--quick", action="store_true", help="smoke run: 20,000 events")
    ap.add_argument("--repeat", type=int, default=1, help="imports into a fresh db, median shown (default 1)")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of the first import")
    ap.add_argument("--out", type=Path, default=OUT, help="where the JSONL and the database go (default bench/out)")
    ap.add_argument("--db", help="postgresql://user@host:port/db: import into a fresh database "
                    "cxpulse_bench_import on that server (the one named is only used to connect)")
    ap.add_argument("--rebuild", action="store_true", help="then time `cxpulse rebuild` on the imported "
                    "database (a fresh process, wall clock)")
    ap.add_argument("--keep", action="store_true", help="with --db: keep cxpulse_bench_import after the run")
    ap.add_argument("--write-path", action="store_true", help="also time the store's side alone: rows read and "
                    "prepared beforehand, then loaded into a fresh database (no parse, no refresh)")
    args = ap.parse_args(argv)
    events = 20_000 if args.quick else args.events
    repeat = max(args.repeat, 3) if args.quick else args.repeat
    tickets = max(1, events // args.events_per_ticket)

    args.out.mkdir(parents=True, exist_ok=True)
    tag = fingerprint(tickets=tickets, ept=args.events_per_ticket)
    jsonl = args.out / f"import-{tickets}x{args.events_per_ticket}-{tag}.jsonl"
    t0 = time.perf_counter()
    if not jsonl.exists():
        print(f"generating {jsonl.name} …", flush=True)
        tmp = jsonl.with_suffix(".tmp")
        write_events_jsonl(tmp, tickets=tickets, events_per_ticket=args.events_per_ticket)
        tmp.rename(jsonl)
        print(f"  {time.perf_counter() - t0:.1f} s", flush=True)
    import orjson

    from cxpulse.readers.jsonl import read_jsonl

    types: dict[str, int] = {}
    with jsonl.open("rb") as fh:
        for raw in fh:
            k = orjson.loads(raw)["type"]
            types[k] = types.get(k, 0) + 1
    n_events = types.get("event", 0)
    n_records = sum(types.values())

    start = time.perf_counter()
    parsed = sum(1 for _ in read_jsonl(jsonl))
    parse_s = time.perf_counter() - start
    assert parsed == n_records

    pg = PgServer(args.db) if args.db else None
    db = args.out / "import.db"
    rejects = args.out / "import.rejects"
    print(f"importing {jsonl.name}: {n_records:,} lines ({jsonl.stat().st_size / 1e6:.0f} MB) — "
          + ", ".join(f"{v:,} {k}" for k, v in types.items()), flush=True)
    firsts, seconds = [], []
    for i in range(repeat):
        if pg:
            db = pg.create("cxpulse_bench_import")
        else:
            fresh_db(db)
        firsts.append(run_import(db, jsonl, rejects, profile=args.profile and i == 0))
        size_first = pg.size("cxpulse_bench_import") if pg else db_bytes(db)
        seconds.append(run_import(db, jsonl, rejects))
        if repeat > 1:
            print(f"  run {i + 1}: 1st {firsts[-1]['total']:.2f} s, 2nd {seconds[-1]['total']:.2f} s", flush=True)
    first, second = _median_run(firsts), _median_run(seconds)
    s1, s2 = first["summary"], second["summary"]

    if pg:
        print("server: " + ", ".join(f"{k} {v}" for k, v in pg.settings().items()))
    rows = [("read_jsonl alone", "parse, no writes", parse_s, n_events / parse_s, n_records / parse_s)]
    if args.write_path:
        if pg:
            wdb = pg.create("cxpulse_bench_import_writes")
        else:
            wdb = args.out / "import-writes.db"
            fresh_db(wdb)
        w = run_write_path(wdb, jsonl)
        if pg:
            pg.drop("cxpulse_bench_import_writes")
        assert w["inserted"] == s1.inserted, (w, s1.inserted)  # the same rows as the import stored
        rows.append(("store's side alone", "load(), rows in memory", w["seconds"], n_events / w["seconds"],
                     n_records / w["seconds"]))
    for label, r in (("1st import (fresh db)", first), ("2nd import (unchanged)", second)):
        rows.append((label, "whole import_path", r["total"], n_events / r["total"], n_records / r["total"]))
        load_s = r["total"] - r["refresh"]
        rows.append(("", "  read+load", load_s, n_events / load_s, n_records / load_s))
        rows.append(("", "  refresh (KPIs+rollups)", r["refresh"], None, None))
        rows.append(("", "    KPIs", r["kpis"], None, None))
        rows.append(("", "    rollups", r["rollups"], None, None))
    print()
    print(f"{'run':24} {'part':26} {'seconds':>9} {'events/s':>11} {'records/s':>11}")
    print("-" * 85)
    for label, part, sec, eps, rps in rows:
        e = f"{eps:,.0f}" if eps else ""
        r = f"{rps:,.0f}" if rps else ""
        print(f"{label:24} {part:26} {sec:9.2f} {e:>11} {r:>11}")
    print("-" * 85)
    print(f"load average (1 min) at the end of the 1st import {first['load']:.1f}, of the 2nd {second['load']:.1f}")
    for label, r in (("1st", first), ("2nd", second)):
        c = r["cpu"]
        print(f"{label} import CPU: this process user {c['user']:.1f} s sys {c['system']:.1f} s; its reader and KPI "
              f"workers user {c['children_user']:.1f} s sys {c['children_system']:.1f} s")
    print(f"1st: inserted {s1.inserted:,} updated {s1.updated:,} unchanged {s1.unchanged:,} rejected {s1.rejected:,}")
    print(f"2nd: inserted {s2.inserted:,} updated {s2.updated:,} unchanged {s2.unchanged:,} rejected {s2.rejected:,}")
    print(f"input {jsonl.stat().st_size / 1e6:.1f} MB; database after 1st import {size_first / 1e6:.1f} MB"
          + (" (PostgreSQL, pg_database_size)" if pg else "")
          + (f"; median of {repeat} runs" if repeat > 1 else ""))
    ok_counts = all(
        b["summary"].inserted == 0 and b["summary"].updated == 0
        and b["summary"].unchanged == a["summary"].inserted + a["summary"].updated + a["summary"].unchanged
        for a, b in zip(firsts, seconds)
    )
    rate = n_events / first["total"]
    target = TARGET_PG_EVENTS_PER_S if pg else TARGET_EVENTS_PER_S
    verdict = "PASS" if rate >= target else "MISS"
    print(f"target ≥ {target:,} events/s (whole 1st import): {rate:,.0f} events/s → {verdict}"
          + ("" if events >= 1_000_000 else " (target is set for 1,000,000 events)"))
    if args.rebuild:
        cxpulse = str(Path(sys.executable).with_name("cxpulse"))
        t0 = time.perf_counter()
        done = subprocess.run([cxpulse, "rebuild", "--db", str(db)], check=True, capture_output=True, text=True)
        secs = time.perf_counter() - t0
        tickets = int(done.stdout.split()[-2])  # "rebuilt 1 account(s), N tickets"
        print(f"cxpulse rebuild --db {'postgresql://…/cxpulse_bench_import' if pg else db.name} (fresh process): "
              f"{secs:.2f} s, {tickets / secs:,.0f} tickets/s ({n_events / secs:,.0f} events/s); "
              f"{done.stdout.strip()} (load {os.getloadavg()[0]:.1f})")
    if pg and not args.keep:
        pg.drop("cxpulse_bench_import")
    if not ok_counts:
        print("ERROR: the second import was not all-unchanged", file=sys.stderr)
        return 1
    if args.profile:
        print("\n==== cProfile of the 1st import ====")
        print(firsts[0]["profile"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
