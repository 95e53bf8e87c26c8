"""What the fake help desks share: a loopback HTTP server in a thread, request counts per
endpoint, one-shot faults (429, 500, hang, drop) and a per-minute rate window.

A fake subclasses `FakeServer` and gives `routes` (path → (endpoint, method)),
`authorised(header)`, `unauthorised()` and `rate_headers(limit, remaining)`.
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

FAULTS = ("429", "500", "hang", "drop")


@dataclass
class Fault:
    kind: str  # one of FAULTS
    seconds: float = 0.0  # Retry-After for "429", the sleep for "hang"


@dataclass(kw_only=True)
class FakeServer:
    """Serving, faults and counts; the API itself is the subclass's."""

    requests: Counter = field(default_factory=Counter)  # endpoint → requests received (faults and 401s too)
    _faults: dict[str, deque] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _minute: dict[str, list[float]] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None

    routes: ClassVar[dict[str, tuple[str, Callable[..., Any]]]] = {}

    # -- what a subclass gives --

    def authorised(self, header: str) -> bool:
        raise NotImplementedError

    def unauthorised(self) -> tuple[int, dict]:
        raise NotImplementedError

    def rate_headers(self, limit: int, remaining: int) -> dict[str, str]:
        raise NotImplementedError

    def limit_for(self, endpoint: str) -> tuple[str, int]:
        """(bucket name, requests per minute) that `endpoint` counts against."""
        raise NotImplementedError

    def bad_request(self, endpoint: str, q: dict[str, str]) -> tuple[int, dict] | None:
        return None

    # -- control API (for tests, not HTTP) --

    @property
    def url(self) -> str:
        assert self._server is not None, "not running"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, endpoint: str, kind: str, *, retry_after: int = 1, seconds: float = 0.0) -> None:
        """The next request to `endpoint` fails once: "429" (with Retry-After: retry_after),
        "500", "hang" (sleeps `seconds`, then answers normally, so a client's timeout fires)
        or "drop" (closes the connection without an answer). Calls queue up, one per request."""
        endpoints = {e for e, _ in self.routes.values()}
        if endpoint not in endpoints or kind not in FAULTS:
            raise ValueError(f"unknown endpoint or fault: {endpoint!r} {kind!r}")
        with self._lock:
            self._faults.setdefault(endpoint, deque()).append(
                Fault(kind, float(retry_after) if kind == "429" else seconds))

    @contextmanager
    def running(self) -> Iterator[Any]:
        """Serve on a free 127.0.0.1 port in a daemon thread for the `with` block."""
        handler = type("Handler", (_Handler,), {"fake": self})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        server.block_on_close = False  # a "hang" must not hold up the test's end
        self._server = server
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            self._server = None

    # -- what the handler asks --

    def _take_fault(self, endpoint: str) -> Fault | None:
        with self._lock:
            q = self._faults.get(endpoint)
            return q.popleft() if q else None

    def _window(self, endpoint: str) -> tuple[int, int, float]:
        """(limit, remaining, seconds until a slot frees) for `endpoint`'s bucket this minute."""
        bucket, limit = self.limit_for(endpoint)
        now = time.monotonic()
        with self._lock:
            calls = [t for t in self._minute.get(bucket, []) if now - t < 60]
            wait = 60 - (now - calls[0]) if len(calls) >= limit else 0.0
            if not wait:
                calls.append(now)
            self._minute[bucket] = calls
            return limit, max(0, limit - len(calls)), wait


class _Handler(BaseHTTPRequestHandler):
    fake: FakeServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: without this each answer waits ~40 ms

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet in tests
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        text = isinstance(body, str)
        data = (body if text else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if text else "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        fake = self.fake
        parts = urlsplit(self.path)
        route = next(((e, m, arg) for pattern, (e, m) in fake.routes.items()
                      if (arg := _match(pattern, parts.path)) is not None), None)
        if route is None:
            self._send(404, {"error": "InvalidEndpoint", "description": "Not found"})
            return
        endpoint, method, arg = route
        with fake._lock:
            fake.requests[endpoint] += 1
        if not fake.authorised(self.headers.get("Authorization", "")):
            self._send(*fake.unauthorised())
            return
        fault = fake._take_fault(endpoint)
        if fault is not None:
            if fault.kind == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault.kind == "429":
                self._send(429, "Rate limit exceeded", {**fake.rate_headers(fake.limit_for(endpoint)[1], 0),
                                                        "Retry-After": str(math.ceil(fault.seconds))})
                return
            if fault.kind == "500":
                self._send(500, {"error": "InternalError", "description": "Something went wrong"})
                return
            time.sleep(fault.seconds)
        limit, remaining, wait = fake._window(endpoint)
        rate = fake.rate_headers(limit, remaining)
        if wait:
            self._send(429, "Rate limit exceeded", {**rate, "Retry-After": str(math.ceil(wait))})
            return
        q = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        bad = fake.bad_request(endpoint, q)
        if bad is not None:
            self._send(*bad)
            return
        base = f"http://{self.headers.get('Host', '127.0.0.1')}"
        got = method(fake, q, base, *([arg] if arg != "" else []))
        body, headers = got if isinstance(got, tuple) else (got, {})
        self._send(200, body, {**rate, **headers})


def _match(pattern: str, path: str) -> str | None:
    """"" when `path` is `pattern`; the id when `pattern` has one `{id}` and `path` fits; else None."""
    if "{id}" not in pattern:
        return "" if path == pattern else None
    head, tail = pattern.split("{id}")
    if path.startswith(head) and path.endswith(tail):
        mid = path[len(head): len(path) - len(tail)]
        return mid if mid.isdigit() else None
    return None
