"""Benchmark: `cxpulse sync` from the fake Zendesk API into a fresh SQLite file, the way a
user runs it — `cxpulse connect zendesk` then `cxpulse sync`, each a fresh process.

The help desk is tests/fakes/zendesk_api.py (`FakeZendesk`) serving a world of N tickets
built by `make_world` from the demo generator — the tickets with their audits (comments,
status changes, assignments), metric sets, users, groups and satisfaction ratings — on a
free 127.0.0.1 port in this process, which counts the requests per endpoint. Pages are
Zendesk's defaults: 1,000 tickets per cursor-export page, 1,000 ticket events per page,
100 per page for users, groups and ratings (the most `page[size]` allows).

Printed:
1. the first (full) sync: wall time of the command, tickets/s and events/s, the API calls
   it took by endpoint, and what Zendesk's documented limit of 10 incremental-export
   requests a minute would add to it;
2. a second sync with nothing new: its wall time and API calls;
3. crash and resume: a `cxpulse sync` SIGKILLed mid-way — once after half of the clean
   sync's requests (while it reads), once half-way between the clean sync's last request
   and its end (while it stores) — then run again; the stored tables
   (row counts and a checksum of their rows, ids aside) against the clean sync's, and the
   extra API calls the kill cost.

    .venv/bin/python bench/bench_sync.py                  # 10,000 tickets (the world takes a minute or two to build)
    .venv/bin/python bench/bench_sync.py --tickets 500    # smoke run, ~1 min

Exit status 1 when a resumed sync does not store exactly what the clean one stored.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))  # tests.fakes

from _data import OUT  # noqa: E402

from tests.fakes.zendesk_api import FakeZendesk, World, make_world  # noqa: E402

ACCOUNT = "bench"
INCREMENTAL = ("tickets", "ticket_events")  # the endpoints under "10 requests per minute"
INCREMENTAL_PER_MINUTE = 10
# the rows a sync stores, ids and foreign keys left out of the checksum (they differ between databases)
CHECKED = ("users", "tickets", "ticket_events", "responses", "invitations", "ticket_kpis")
SURROGATE = {"id", "account_id", "ticket_id", "imported_at", "updated_at_db"}
LIMIT = {"requests": 10**9}  # set from the world in main


def cxpulse_argv(*args: str) -> list[str]:
    code = "import sys; from cxpulse.cli import main; sys.argv[0] = 'cxpulse'; main()"
    return [sys.executable, "-c", code, *args]


def cxpulse_env(fake: FakeZendesk) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
            "CXPULSE_ZENDESK_TOKEN": fake.token,  # the token from the env, as docs/connect.md says
            # the sync keeps to Zendesk's 10 export requests a minute where it paces them; the fake does not
            # limit, so this measures cxpulse's own speed (the paced floor is printed apart)
            "CXPULSE_ZENDESK_EXPORT_RPM": "10000"}


def cxpulse(fake: FakeZendesk, *args: str) -> tuple[float, str]:
    """Run one `cxpulse` command in a fresh process; (wall seconds, stdout)."""
    t = time.perf_counter()
    done = subprocess.run(cxpulse_argv(*args), capture_output=True, env=cxpulse_env(fake))
    took = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"cxpulse {' '.join(args)} failed ({done.returncode}):\n{done.stderr.decode()[-2000:]}")
    return took, done.stdout.decode()


def fresh(db: Path) -> Path:
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)
    return db


def connect(fake: FakeZendesk, db: Path) -> None:
    cxpulse(fake, "connect", "zendesk", ACCOUNT, "--url", fake.url, "--email", fake.email, "--db", str(db))


def most_requests(world: World, page_size: int) -> int:
    """Three times the pages the world has: a sync asking more is looping on a page."""
    audits = sum(len(a) for a in world.audits.values())
    pages = (len(world.tickets) // page_size + audits // 1000 + len(world.users) // 100
             + len(world.groups) // 100 + len(world.ratings) // 100 + 10)
    return 3 * pages


def sync(fake: FakeZendesk, db: Path) -> tuple[float, dict, dict[str, int], float]:
    """One `cxpulse sync`: (wall seconds, its JSON summary, API calls by endpoint, seconds
    until the last request reached the help desk). Stopped, with the reason, when it asks
    far more pages than the world has."""
    fake.requests.clear()
    args = ("sync", "--account", ACCOUNT, "--format", "json", "--db", str(db))
    t = time.perf_counter()
    proc = subprocess.Popen(cxpulse_argv(*args), env=cxpulse_env(fake), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    seen, last = 0, 0.0
    while proc.poll() is None:  # watch the requests arrive (the pipes hold far less than their 64 KB here)
        n = sum(fake.requests.values())
        if n != seen:
            seen, last = n, time.perf_counter() - t
        if n > LIMIT["requests"]:
            proc.kill()
            raise SystemExit(f"cxpulse sync asked {n} requests ({dict(fake.requests)}), more than 3× the pages the "
                             "help desk has: it is looping on a page (a list's links.next followed without its query?)")
        time.sleep(0.005)
    out, err = proc.communicate()
    took = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"cxpulse {' '.join(args)} failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    return took, json.loads(out), dict(fake.requests), last


def killed_sync(fake: FakeZendesk, db: Path, *, after_requests: int | None = None,
                after_seconds: float | None = None) -> dict:
    """A `cxpulse sync` SIGKILLed once the fake has answered `after_requests` requests, or
    after `after_seconds`; what it had asked and stored by then."""
    fake.requests.clear()
    proc = subprocess.Popen(cxpulse_argv("sync", "--account", ACCOUNT, "--db", str(db)), env=cxpulse_env(fake),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t = time.perf_counter()
    while proc.poll() is None:
        if after_requests is not None and sum(fake.requests.values()) >= after_requests:
            break
        if after_seconds is not None and time.perf_counter() - t >= after_seconds:
            break
        time.sleep(0.002)
    finished = proc.poll() is not None
    if not finished:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(0.2)  # requests in flight when it died reach the fake's count
    return {"at": time.perf_counter() - t, "finished": finished, "requests": dict(fake.requests),
            "stored": table_state(db)}


def table_state(db: Path) -> dict[str, tuple[int, str]]:
    """(rows, checksum) per table a sync writes; the checksum ignores ids, so two databases compare."""
    from sqlalchemy import select

    from cxpulse.storage import Store
    from cxpulse.storage import tables as T

    store = Store.open(db)
    out = {}
    try:
        names = [*CHECKED, *sorted(t for t in T.metadata.tables if t.startswith("rollup"))]
        with store.engine.connect() as conn:
            for name in names:
                table = T.metadata.tables[name]
                cols = [c for c in table.c if c.name not in SURROGATE]
                rows = sorted(repr(tuple(map(str, r))) for r in conn.execute(select(*cols)))
                out[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()[:12])
            out["stale_derived (left to do)"] = (len(conn.execute(select(T.stale_derived.c.id)).all()), "")
            cursor = conn.execute(select(T.connections.c.cursor)).scalar() or ""
    finally:
        store.engine.dispose()
    out["cursor saved"] = (1 if cursor else 0, "")
    return out


def quiet_resets() -> None:
    """A client SIGKILLed here drops its connection: the fake's server would print each reset."""
    import socketserver

    original = socketserver.BaseServer.handle_error

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            original(self, request, client_address)

    socketserver.BaseServer.handle_error = handle_error


def world_size(world: World) -> dict[str, int]:
    events = sum(len(a["events"]) for audits in world.audits.values() for a in audits)
    return {"tickets": len(world.tickets), "audits": sum(len(a) for a in world.audits.values()), "events": events,
            "users": len(world.users), "ratings": len(world.ratings)}


def calls(requests: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(requests.items())) + f" — {sum(requests.values())} in all"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tickets", type=int, default=10_000, help="tickets in the fake help desk (default 10,000)")
    ap.add_argument("--page-size", type=int, default=1000, help="tickets per export page (Zendesk's default: 1000)")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--out", type=Path, default=OUT, help="where the databases go (default bench/out)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    t = time.perf_counter()
    world = make_world(args.seed, tickets=args.tickets, deleted=max(2, args.tickets // 500))
    size = world_size(world)
    print(f"fake Zendesk world: {size['tickets']:,} tickets, {size['audits']:,} audits holding {size['events']:,} "
          f"events, {size['users']:,} users, {size['ratings']:,} ratings — built in {time.perf_counter() - t:.0f} s",
          flush=True)
    fake = FakeZendesk(world, page_size=args.page_size)
    LIMIT["requests"] = most_requests(world, args.page_size)
    quiet_resets()
    with fake.running():
        clean = fresh(args.out / f"sync-{args.tickets}-clean.db")
        connect(fake, clean)
        first_s, first, first_calls, last_request_s = sync(fake, clean)
        print(f"1st sync: {first_s:.1f} s", flush=True)
        again_s, again, again_calls, _ = sync(fake, clean)
        print(f"2nd sync: {again_s:.1f} s", flush=True)
        want = table_state(clean)
        total = sum(first_calls.values())

        kills = []
        storing = last_request_s + (first_s - last_request_s) / 2  # half-way from the last request to the end
        for label, how in ((f"killed after {total // 2} of {total} requests", {"after_requests": total // 2}),
                           (f"killed at {storing:.1f} s (last request at {last_request_s:.1f} s, end at "
                            f"{first_s:.1f} s)", {"after_seconds": storing})):
            db = fresh(args.out / f"sync-{args.tickets}-killed.db")
            connect(fake, db)
            killed = killed_sync(fake, db, **how)
            rerun_s, rerun, rerun_calls, _ = sync(fake, db)
            got = table_state(db)
            kills.append((label, killed, rerun_s, rerun, rerun_calls, got))
            print(f"{label}: re-run {rerun_s:.1f} s", flush=True)

    incremental = sum(first_calls.get(e, 0) for e in INCREMENTAL)
    floor_min = max(0, incremental - INCREMENTAL_PER_MINUTE) / INCREMENTAL_PER_MINUTE
    print()
    print(f"{'run':34} {'seconds':>8} {'tickets/s':>10} {'events/s':>10}  API calls")
    print("-" * 118)
    print(f"{'1st sync (fresh db)':34} {first_s:8.1f} {size['tickets'] / first_s:10,.0f} "
          f"{size['events'] / first_s:10,.0f}  {calls(first_calls)}")
    print(f"{'2nd sync (nothing new)':34} {again_s:8.1f} {'':>10} {'':>10}  {calls(again_calls)}")
    print("-" * 118)
    print(f"1st: read {first['read']:,} inserted {first['inserted']:,} updated {first['updated']:,} "
          f"unchanged {first['unchanged']:,} rejected {first['rejected']:,}")
    print(f"2nd: read {again['read']:,} inserted {again['inserted']:,} updated {again['updated']:,} "
          f"unchanged {again['unchanged']:,}")
    print(f"the 1st sync made {incremental} requests to the incremental exports: at Zendesk's documented "
          f"{INCREMENTAL_PER_MINUTE}/minute that is ≥ {floor_min:.1f} min of waiting on a real account "
          f"(the fake does not limit here)")

    ok = True
    print("\ncrash and resume (a `cxpulse sync` SIGKILLed, then `cxpulse sync` again):")
    for label, killed, rerun_s, rerun, rerun_calls, got in kills:
        spent = sum(killed["requests"].values()) + sum(rerun_calls.values())
        same = {k: v for k, v in got.items() if k in want and not k.startswith(("stale", "cursor"))} == \
            {k: v for k, v in want.items() if not k.startswith(("stale", "cursor"))}
        done = got["stale_derived (left to do)"][0] == 0
        ok &= same and done
        state = "finished before the kill" if killed["finished"] else f"killed at {killed['at']:.1f} s"
        stored = killed["stored"]
        print(f"- {label}: {state}, after {sum(killed['requests'].values())} requests; it had stored "
              f"{stored['tickets'][0]:,} tickets, {stored['ticket_events'][0]:,} events, cursor saved: "
              f"{'yes' if stored['cursor saved'][0] else 'no'}")
        print(f"  re-run: {rerun_s:.1f} s, inserted {rerun['inserted']:,} updated {rerun['updated']:,} "
              f"unchanged {rerun['unchanged']:,}; API calls {sum(rerun_calls.values())}; killed + re-run "
              f"{spent} against {total} for one clean sync: {spent - total:+d} extra")
        print(f"  tables equal to the clean sync's (rows and checksums): {'yes' if same else 'NO'}; "
              f"derived work left: {'none' if done else got['stale_derived (left to do)'][0]}")
    print(f"\n{'table':28} {'rows (clean)':>12}  checksum      " + "  ".join(f"{'resumed ' + str(i + 1):>20}"
                                                                       for i in range(len(kills))))
    for name, (n, digest) in want.items():
        if name.startswith(("stale", "cursor")):
            continue
        print(f"{name:28} {n:12,}  {digest:12}  " + "  ".join(
            f"{got[name][0]:>7,} {got[name][1]:12}" for *_, got in kills))
    print(f"\n({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end)")
    if not ok:
        print("ERROR: a resumed sync did not store exactly what the clean sync stored", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
