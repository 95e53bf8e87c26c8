"""Benchmark: `cxpulse serve` under load, on loopback, with SQLite or PostgreSQL.

    .venv/bin/python bench/bench_api.py            # demo db (~25 s to build once), then ~1 min of load
    .venv/bin/python bench/bench_api.py --quick    # fewer requests
    .venv/bin/python bench/bench_api.py --db postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/bench_api.py --db postgresql://postgres@127.0.0.1:5432/test --responses 10000000
    .venv/bin/python bench/bench_api.py --db postgresql://postgres@127.0.0.1:5432/test --only ingest
    .venv/bin/python bench/bench_api.py --db … --responses 10000000 --no-demo --overview-only   # the overview alone

With `--db postgresql://…` the demo goes into a database of its own on that server
(`cxpulse_bench_api_demo`, built once, copied per run with CREATE DATABASE … TEMPLATE).
`--responses N` then also serves bench_report.py's database of N responses (build it
with `bench_report.py --db … --responses N` first) and measures the same reads on its
largest account, the dashboard overview over `?days=365` (the generated data ends
2026-03-01, so a 30-day period ending today would be empty).

Targets (issue 5, §4, on the 2-core machine):
- ingest ≥ 20,000 events/s through the API in batches of 100;
- `GET /api/v1/metrics` p99 ≤ 50 ms with 50 concurrent clients;
- the dashboard overview renders in ≤ 300 ms.

The server is a real `cxpulse serve` process on a free loopback port over a copy of the
demo database (`cxpulse demo`); the load comes from this process with asyncio and
httpx2, so client and server share the machine's two cores, as they would on a laptop.
Every part is bounded in requests and in time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import OUT, PgServer, fingerprint, write_events_jsonl  # noqa: E402

TARGET_INGEST = 20_000
TARGET_METRICS_P99_MS = 50.0
TARGET_OVERVIEW_MS = 300.0
ACCOUNT = "nordlicht"
ROOT = Path(__file__).resolve().parents[1]
CXPULSE = str(Path(sys.executable).with_name("cxpulse"))


def load() -> str:
    """The 1-minute load average, printed beside each figure (the machine is shared)."""
    return f"load {os.getloadavg()[0]:.1f}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_db(out: Path) -> Path:
    """The demo database, built once (cached under bench/out) and copied per run."""
    cached = out / "api-demo.db"
    if not cached.exists():
        t0 = time.perf_counter()
        subprocess.run([CXPULSE, "demo", "--db", str(cached), "--end", "2026-10-31"], check=True,
                       stdout=subprocess.DEVNULL)
        print(f"  built the demo database in {time.perf_counter() - t0:.1f} s", flush=True)
    run = out / "api-run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(run) + suffix).unlink(missing_ok=True)
    shutil.copy(cached, run)
    return run


def demo_pg(pg: PgServer) -> str:
    """The demo in PostgreSQL, built once (database cxpulse_bench_api_demo) and copied per run."""
    cached = "cxpulse_bench_api_demo"
    if not pg.exists(cached):
        t0 = time.perf_counter()
        url = pg.create(cached + "_building")
        subprocess.run([CXPULSE, "demo", "--db", url, "--end", "2026-10-31"], check=True, stdout=subprocess.DEVNULL)
        pg.rename(cached + "_building", cached)
        print(f"  built the demo database on PostgreSQL in {time.perf_counter() - t0:.1f} s ({load()})", flush=True)
    return pg.create("cxpulse_bench_api_run", template=cached)


class Server:
    """`cxpulse serve` in a child process, up until stopped."""

    def __init__(self, db: Path | str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "CXPULSE_RATE_LIMIT": "100000"}  # the per-key limit is not what is measured
        self.proc = subprocess.Popen([CXPULSE, "serve", "--db", str(db), "--port", str(self.port)], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("the server did not come up in 30 s")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def new_key(db: Path | str, *, admin: bool = False, account: str = ACCOUNT) -> str:
    args = ["--admin"] if admin else ["--account", account]
    out = subprocess.run([CXPULSE, "keys", "create", *args, "--db", str(db)], check=True, capture_output=True,
                         text=True)
    return out.stdout.split()[-1]


# ---- ingest -------------------------------------------------------------------------------


def ingest_batches(out: Path, tickets: int) -> tuple[list[list[dict]], list[list[dict]], int]:
    """Tickets and events of a generated export (docs/formats.md lines without `type`), in
    batches of 100; ids prefixed so they are new to the demo's account."""
    path = out / f"api-ingest-{tickets}.jsonl"
    if not path.exists():
        write_events_jsonl(path, tickets=tickets, seed=5)
    by_type: dict[str, list[dict]] = {"ticket": [], "event": []}
    with path.open("rb") as fh:
        for line in fh:
            d = orjson.loads(line)
            kind = d.pop("type")
            if kind in by_type:
                for k in ("id", "ticket_id"):
                    if k in d:
                        d[k] = f"B-{d[k]}"
                by_type[kind].append(d)
    batch = lambda xs: [xs[i : i + 100] for i in range(0, len(xs), 100)]  # noqa: E731
    return batch(by_type["ticket"]), batch(by_type["event"]), len(by_type["event"])


async def post_all(base: str, key: str, kind: str, batches: list[list[dict]], clients: int) -> tuple[float, int]:
    """POST the batches with `clients` concurrent connections; (seconds, items rejected)."""
    queue: asyncio.Queue = asyncio.Queue()
    for b in batches:
        queue.put_nowait(b)
    rejected = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal rejected
        while not queue.empty():
            items = queue.get_nowait()
            r = await client.post(f"/api/v1/accounts/{ACCOUNT}/{kind}", content=orjson.dumps({"items": items}),
                                  headers={"content-type": "application/json"})
            r.raise_for_status()
            rejected += r.json()["rejected"]

    async with httpx.AsyncClient(base_url=base, headers={"authorization": f"Bearer {key}"}, timeout=120) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        return time.perf_counter() - t0, rejected


# ---- metrics ------------------------------------------------------------------------------


async def metrics_load(base: str, key: str, *, clients: int, requests: int, params: dict) -> np.ndarray:
    """`requests` GETs of /api/v1/metrics from `clients` concurrent clients; latencies in ms."""
    lat: list[float] = []
    left = requests

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal left
        while left > 0:
            left -= 1
            t0 = time.perf_counter()
            r = await client.get("/api/v1/metrics", params=params)
            lat.append((time.perf_counter() - t0) * 1000)
            r.raise_for_status()

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers={"authorization": f"Bearer {key}"}, timeout=60,
                                 limits=limits) as client:
        await client.get("/api/v1/metrics", params=params)  # warm-up
        await asyncio.gather(*(worker(client) for _ in range(clients)))
    return np.array(lat)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def metrics_load_wrk(base: str, key: str, *, clients: int, seconds: int, params: dict) -> tuple[float, float, float]:
    """The same load from wrk (C, Debian's package): a client that costs the server's
    two cores far less than Python's would. (p50 ms, p99 ms, requests/s)."""
    url = f"{base}/api/v1/metrics?" + "&".join(f"{k}={v}" for k, v in params.items())
    out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--latency", "-H",
                          f"Authorization: Bearer {key}", url], check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw errors:\n{out}")
    pct = {m[0]: float(m[1]) * _UNITS[m[2]] for m in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$", out, re.M)}
    if "50" not in pct or "99" not in pct:
        raise SystemExit(f"could not read wrk's latency percentiles:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return pct["50"], pct["99"], rate


# ---- dashboard ----------------------------------------------------------------------------


def overview_times(base: str, key: str, n: int, path: str = "/") -> np.ndarray:
    """Log in as a browser does, then GET the overview (`path`) `n` times; ms each."""
    with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as client:
        page = client.get("/login").text
        token = re.search(r'name="token" value="([^"]+)"', page).group(1)
        r = client.post("/login", data={"token": token, "next": "/", "key": key})
        if r.status_code not in (200, 302, 303):
            raise SystemExit(f"dashboard login failed: HTTP {r.status_code}")
        t0 = time.perf_counter()
        client.get(path).raise_for_status()
        print(f"  dashboard overview {path}, first render after login: {(time.perf_counter() - t0) * 1000:.0f} ms "
              f"({load()})", flush=True)
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            r = client.get(path)
            out.append((time.perf_counter() - t0) * 1000)
            r.raise_for_status()
    return np.array(out)


def reads(server: Server, key: str, account: str, *, quick: bool, overview: str = "/",
          overview_only: bool = False) -> int:
    """GET /api/v1/metrics under 50 clients (CSAT of the account, its overview by month),
    then the dashboard overview (`overview_only`: that alone, its first render on a server
    that has answered nothing yet); 1 when a target is missed."""
    status = 0
    for label, params in () if overview_only else (("csat, one account", {"metric": "csat", "account": account}),
                          ("overview by month", {"by": "month", "account": account})):
        t0 = time.perf_counter()
        httpx.get(f"{server.base}/api/v1/metrics", params=params, headers={"authorization": f"Bearer {key}"},
                  timeout=60).raise_for_status()  # warm-up: the first answer computes, later ones are cached
        print(f"  GET /api/v1/metrics ({label}), first answer: {(time.perf_counter() - t0) * 1000:.0f} ms "
              f"({load()})", flush=True)
        if shutil.which("wrk"):
            p50, p99, rps = metrics_load_wrk(server.base, key, clients=50, seconds=3 if quick else 10,
                                             params=params)
            how = f"wrk, {rps:,.0f} requests/s"
        else:  # Python's client: it takes CPU from the server, so the figures read worse
            lat = asyncio.run(metrics_load(server.base, key, clients=50, requests=500 if quick else 3000,
                                           params=params))
            p50, p99, how = np.percentile(lat, 50), np.percentile(lat, 99), f"httpx2, {len(lat):,} requests"
        ok = p99 <= TARGET_METRICS_P99_MS
        status |= not ok
        print(f"  GET /api/v1/metrics ({label}), 50 clients ({how}): p50 {p50:.1f} ms, "
              f"p99 {p99:.1f} ms (target p99 ≤ {TARGET_METRICS_P99_MS:.0f} ms) {'PASS' if ok else 'MISS'} "
              f"({load()})", flush=True)

    ms = overview_times(server.base, key, 20 if quick else 100, overview)
    p50, p99 = np.percentile(ms, 50), np.percentile(ms, 99)
    ok = p99 <= TARGET_OVERVIEW_MS
    status |= not ok
    print(f"  dashboard overview, {len(ms)} renders: p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {ms.max():.0f} ms "
          f"(target ≤ {TARGET_OVERVIEW_MS:.0f} ms) {'PASS' if ok else 'MISS'} ({load()})", flush=True)
    return int(status)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: fewer requests")
    ap.add_argument("--tickets", type=int, default=10_000, help="tickets to ingest (~10 events each; default 10,000)")
    ap.add_argument("--clients", type=int, default=4, help="concurrent clients for the ingest (default 4)")
    ap.add_argument("--out", type=Path, default=OUT, help="where the data and databases go (default bench/out)")
    ap.add_argument("--db", help="postgresql://user@host:port/db: serve PostgreSQL databases of the benchmark's "
                    "own on that server (the one named is only used to connect)")
    ap.add_argument("--only", choices=("ingest", "reads"), help="measure only the ingest, or only the reads "
                    "(metrics and the dashboard overview), on the demo")
    ap.add_argument("--no-demo", action="store_true", help="with --responses: skip the demo (ingest and reads)")
    ap.add_argument("--responses", type=int, help="with --db: also serve bench_report.py's database of this many "
                    "responses and measure the reads on its largest account")
    ap.add_argument("--overview-only", action="store_true", help="with --responses: only the dashboard overview "
                    "(first render on a fresh server, then repeats), no metrics load; goes with --no-demo")
    args = ap.parse_args(argv)
    if args.quick:
        args.tickets = 1_000
    args.out.mkdir(parents=True, exist_ok=True)
    status = 0

    pg = PgServer(args.db) if args.db else None
    if args.no_demo and not (pg and args.responses):
        raise SystemExit("--no-demo goes with --db and --responses")
    if not args.no_demo:
        status |= demo_run(args, pg)
    status |= responses_run(args, pg) if pg and args.responses else 0
    return int(status)


def demo_run(args, pg: PgServer | None) -> int:
    """Ingest and reads on the demo's database; 1 when a target is missed."""
    status = 0
    db = demo_pg(pg) if pg else demo_db(args.out)
    key = new_key(db)
    server = Server(db)
    try:
        print(f"server: cxpulse serve on {server.base}, "
              + ("PostgreSQL cxpulse_bench_api_run" if pg else f"SQLite {db.name}") + " (the demo's 3 accounts)",
              flush=True)
        if args.only != "reads":
            status |= ingest(server, key, args)
        if args.only != "ingest":
            status |= reads(server, key, ACCOUNT, quick=args.quick)
    finally:
        server.stop()
        if pg:
            pg.drop("cxpulse_bench_api_run")
    return int(status)


def ingest(server: Server, key: str, args) -> int:
    """Tickets, then their events in batches of 100 from `args.clients` clients (the
    measured figure), the same events again, then the background refresh; 1 when the
    target is missed."""
    tickets, events, n_events = ingest_batches(args.out, args.tickets)
    secs, bad = asyncio.run(post_all(server.base, key, "tickets", tickets, args.clients))
    print(f"  ingest {sum(map(len, tickets)):,} tickets in {len(tickets)} batches: {secs:.1f} s", flush=True)
    secs, bad = asyncio.run(post_all(server.base, key, "events", events, args.clients))
    rate = n_events / secs
    ok = rate >= TARGET_INGEST
    status = int(not ok)
    print(f"  ingest {n_events:,} events in batches of 100, {args.clients} clients: {secs:.1f} s, "
          f"{rate:,.0f} events/s, {bad} rejected (target ≥ {TARGET_INGEST:,}) {'PASS' if ok else 'MISS'} "
          f"({load()})", flush=True)
    secs, _ = asyncio.run(post_all(server.base, key, "events", events, args.clients))
    print(f"    the same events again (all unchanged): {n_events / secs:,.0f} events/s ({load()})", flush=True)
    # the KPI refresh and rescoring of what was ingested run in the background after the
    # answers; wait for them (?wait=true) so the reads below are measured on their own
    t0 = time.perf_counter()
    httpx.post(f"{server.base}/api/v1/accounts/{ACCOUNT}/events?wait=true", json={"items": events[-1]},
               headers={"authorization": f"Bearer {key}"}, timeout=600).raise_for_status()
    print(f"    background refresh and rescoring of the ingested tickets done {time.perf_counter() - t0:.1f} s "
          "later", flush=True)
    return status


def responses_run(args, pg: PgServer) -> int:
    """The reads on the largest account of bench_report's database; 1 when a target is missed."""
    name = f"cxpulse_bench_responses_{args.responses}_{fingerprint(responses=args.responses)}"
    if not pg.exists(name):
        raise SystemExit(f"no database {name}: run bench_report.py --db {args.db} --responses {args.responses}")
    big = pg.url_of(name)
    key = new_key(big, account="acct00")
    server = Server(big)
    try:
        print(f"server: cxpulse serve on {server.base}, PostgreSQL {name}, account acct00 (30% of the responses)",
              flush=True)
        return reads(server, key, "acct00", quick=args.quick, overview="/?days=365",
                     overview_only=args.overview_only)
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
