#!/usr/bin/env python3
"""CI smoke test of what `pip install cxpulse` gives a user (issue 13 §11).

Builds the wheel, installs it WITHOUT extras into a fresh venv (from the package registry
pip is configured with), then, with that venv only:
  1. imports every module of the package — a dev-only import anywhere fails here;
  2. builds a small demo help desk (`cxpulse demo`);
  3. adds a webhook to a receiver on loopback (allowed by CXPULSE_WEBHOOKS_ALLOW_HOSTS);
  4. runs `cxpulse serve`, posts a ticket and a low rating through the API with an account
     key, and waits for the server's deliverer to post the signed low_rating event.
Each step has a time limit; the whole run stops by itself (a few minutes at most, most of
it pip). Usage: python3 .ci/wheel_smoke.py [--keep]  (--keep leaves the temp folder).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import venv
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "nordlicht"  # one of the demo's accounts
# Import every module, then every module any of them imports — also inside functions (webhook
# delivery imported httpx2 lazily, so importing the modules alone did not show it was missing).
# An import guarded by `except ImportError` is optional and not required here, and so are
# the imports of an extra's home module (EXTRA_HOMES: `pip install 'cxpulse[spark]'` brings
# what service/spark.py imports; without it, `--engine spark` says what to install).
EXTRA_HOMES = ("cxpulse.service.spark",)
IMPORT_ALL = """
import ast, importlib, importlib.util, pkgutil, sys, cxpulse
names = [m.name for m in pkgutil.walk_packages(cxpulse.__path__, "cxpulse.")]
for name in names:
    importlib.import_module(name)
wanted = {}
for name in names:
    if name in sys.argv[1:]:  # an extra's home: its imports come with the extra
        continue
    spec = importlib.util.find_spec(name)
    tree = ast.parse(open(spec.origin, encoding="utf-8").read())
    optional = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(h.type is None or "ImportError" in ast.unparse(h.type)
                                             or "ModuleNotFoundError" in ast.unparse(h.type) for h in node.handlers):
            optional.update(id(n) for b in node.body for n in ast.walk(b))
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            tops = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            tops = [node.module]
        else:
            continue
        for top in tops:
            wanted.setdefault(top.split(".")[0], name)
missing = []
for top, where in sorted(wanted.items()):
    try:
        importlib.import_module(top)
    except ImportError as e:
        missing.append(f"{top} (imported by {where}): {e}")
if missing:
    sys.exit("not installed by `pip install cxpulse`: " + "; ".join(missing))
print(f"{len(names)} modules, {len(wanted)} packages they import")
"""


def step(what: str) -> float:
    print(f"wheel smoke: {what}", flush=True)
    return time.monotonic()


def run(args: list[str], *, timeout: float, env: dict[str, str], cwd: Path) -> str:
    """Run a command; on failure print its output and stop the smoke test."""
    try:
        done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        sys.exit(f"wheel smoke FAILED: {' '.join(args[:3])} … ran over {timeout:.0f} s\n{e.stdout or ''}{e.stderr or ''}")
    if done.returncode != 0:
        sys.exit(f"wheel smoke FAILED: {' '.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """A webhook receiver on a loopback port: keeps what it is posted, answers 200."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict, bytes]] = []
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                posts.append((dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def call(base: str, path: str, key: str, body: dict | None = None) -> dict:
    req = urllib.request.Request(f"{base}{path}", method="POST" if body is not None else "GET",
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310 - our own server on loopback
        return json.loads(r.read() or b"{}")


def main() -> None:
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="cxpulse-wheel-smoke-"))
    keep = "--keep" in sys.argv
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not k.startswith("CXPULSE_")}
    server: subprocess.Popen | None = None
    try:
        t = step(f"fresh venv in {tmp}")
        venv.create(tmp / "venv", with_pip=True)
        bin_ = tmp / "venv" / "bin"
        env["PATH"] = f"{bin_}{os.pathsep}{env.get('PATH', '')}"
        # from a clean copy of the sources: an in-tree build/ of an earlier run could slip stale files into the wheel
        source = tmp / "source"
        shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "*.db*"))
        run([str(bin_ / "python"), "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp / "dist"), str(source)],
            timeout=300, env=env, cwd=tmp)
        (wheel,) = (tmp / "dist").glob("cxpulse-*.whl")
        step(f"built {wheel.name}; installing it without extras")
        run([str(bin_ / "python"), "-m", "pip", "install", "--quiet", str(wheel)], timeout=600, env=env, cwd=tmp)
        run([str(bin_ / "python"), "-m", "pip", "check"], timeout=60, env=env, cwd=tmp)
        dev_only = [p for p in ("pytest", "hypothesis", "playwright", "schemathesis", "aiosmtpd")
                    if subprocess.run([str(bin_ / "python"), "-c", f"import {p}"], env=env, cwd=tmp,
                                      capture_output=True, timeout=60).returncode == 0]
        if dev_only:
            sys.exit(f"wheel smoke FAILED: the plain install brought dev packages {dev_only}: not a fresh venv")
        print(f"  installed in {time.monotonic() - t:.0f} s", flush=True)

        modules = run([str(bin_ / "python"), "-c", IMPORT_ALL, *EXTRA_HOMES], timeout=180, env=env, cwd=tmp).strip()
        step(f"imported the installed package: {modules}")

        db = str(tmp / "smoke.db")
        cx = str(bin_ / "cxpulse")
        run([cx, "demo", "--db", db, "--tickets", "400"], timeout=300, env=env, cwd=tmp)
        key = run([cx, "keys", "create", "--account", ACCOUNT, "--db", db], timeout=60, env=env, cwd=tmp).split()[-1]
        rx = Receiver()
        env["CXPULSE_WEBHOOKS_ALLOW_HOSTS"] = "127.0.0.1"  # the operator's allowance for a receiver on loopback
        secret = run([cx, "webhooks", "add", "--account", ACCOUNT, "--url", rx.url, "--events", "low_rating",
                      "--db", db], timeout=60, env=env, cwd=tmp).split()[-1]
        step("demo built, key and webhook added; starting `cxpulse serve`")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(tmp / "serve.log", "w")  # noqa: SIM115 - closed in finally via the process
        server = subprocess.Popen([cx, "serve", "--port", str(port), "--db", db], env=env, cwd=tmp,
                                  stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:  # noqa: S310
                    if json.loads(r.read()) == {"status": "ok"}:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit(f"wheel smoke FAILED: serve did not answer /healthz in 60 s\n{(tmp / 'serve.log').read_text()}")
            time.sleep(0.2)

        now = datetime.now(UTC).isoformat()
        acc = f"/api/v1/accounts/{ACCOUNT}"
        call(base, f"{acc}/tickets", key, {"items": [{"id": "SMOKE-1", "created_at": now, "status": "solved"}]})
        got = call(base, f"{acc}/ratings?wait=true", key,
                   {"items": [{"id": "SMOKE-R1", "ticket_id": "SMOKE-1", "given_at": now, "score": 1}]})
        step(f"posted a low rating ({json.dumps(got)[:200]}); waiting for the deliverer")
        deadline = time.monotonic() + 60  # the deliverer runs every 15 s
        while not rx.posts and time.monotonic() < deadline:
            time.sleep(0.2)
        if not rx.posts:
            sys.exit(f"wheel smoke FAILED: no webhook delivered in 60 s\n{(tmp / 'serve.log').read_text()}")
        headers, body = rx.posts[0]
        parts = dict(p.split("=", 1) for p in headers["X-Cxpulse-Signature"].split(","))
        mac = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
        payload = json.loads(body)
        if not hmac.compare_digest(mac, parts["v1"]) or (payload["event"], payload["response_id"]) != (
                "low_rating", "SMOKE-R1"):
            sys.exit(f"wheel smoke FAILED: unexpected delivery {headers} {body[:500]!r}")
        step(f"ok: signed low_rating delivered to the receiver; {time.monotonic() - started:.0f} s in all")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
