"""Limits that keep one client from hurting the others: request body size, and a rate
limit per API key (a token bucket in this process).

Body size is checked before anything reads the body: a declared Content-Length over the
limit is refused at once; a chunked body is counted as it arrives and refused when it
passes the limit. Both answer 413 `body_too_large` in the API's error shape.

The rate limit is `CXPULSE_RATE_LIMIT`: "RATE" or "RATE/BURST" requests per second per
key (default 50/100), or "off". A refused request gets 429 `rate_limited` and a
Retry-After header (whole seconds). The buckets live in one process: several server
processes each allow the rate.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cxpulse.api.errors import API_PREFIX, ApiError, error_response
from cxpulse.config import Settings, env_name
from cxpulse.service.keys import KeyInfo

MAX_BODY = 5 * 1024 * 1024
RATE_ENV = env_name("rate_limit")
DEFAULT_RATE = (50.0, 100.0)


class BodyLimit:
    """ASGI middleware for /api/: refuse request bodies over `max_body` bytes, and NUL
    characters in the path or query (no id or filter holds one; PostgreSQL refuses them)."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            response = error_response(400, "invalid_characters", "the path or query holds a NUL character (%00)")
            await response(scope, receive, send)
            return
        declared = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
                break
        if declared is not None:
            if declared > self.max_body:
                await self._refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)  # the server enforces the declared length
            return
        # no length given (chunked): read up to the limit, then hand the body on
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        mb = self.max_body // (1024 * 1024)
        response = error_response(
            413, "body_too_large", f"the request body is over {mb} MB; send smaller batches",
            {"max_bytes": self.max_body}, headers={"Connection": "close"},
        )
        await response(scope, receive, send)


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """A token bucket per key id: `rate` tokens a second, at most `burst` saved up."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = max(burst, 1.0)
        self._buckets: dict[int, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key_id: int, now: float | None = None) -> float:
        """0 when the request may go ahead, else the seconds to wait for a token."""
        now = time.monotonic() if now is None else now
        with self._lock:
            b = self._buckets.get(key_id)
            if b is None:
                b = self._buckets[key_id] = _Bucket(self.burst, now)
            b.tokens = min(self.burst, b.tokens + (now - b.at) * self.rate)
            b.at = now
            if b.tokens >= 1.0:
                b.tokens -= 1.0
                return 0.0
            return (1.0 - b.tokens) / self.rate


def limiter_from_env(value: str | None = None) -> RateLimiter | None:
    """CXPULSE_RATE_LIMIT → a limiter, or None when it is "off" (or 0)."""
    text = (Settings.from_env().rate_limit if value is None else value).strip().lower()
    if not text:
        return RateLimiter(*DEFAULT_RATE)
    if text in ("off", "0", "none", "unlimited"):
        return None
    try:
        rate_text, _, burst_text = text.partition("/")
        rate = float(rate_text)
        burst = float(burst_text) if burst_text else 2 * rate
    except ValueError:
        raise ValueError(
            f"{RATE_ENV}={text!r}: give RATE or RATE/BURST requests per second, e.g. 50/100, or off"
        ) from None
    if rate <= 0 or burst <= 0 or not math.isfinite(rate + burst):
        raise ValueError(f"{RATE_ENV}={text!r}: the rate and burst are positive numbers, e.g. 50/100")
    return RateLimiter(rate, burst)


def check_rate(request: Request, key: KeyInfo) -> None:
    """Take a token for this key, or refuse with 429 and Retry-After."""
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        return
    wait = limiter.take(key.id)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise ApiError(429, "rate_limited", f"too many requests for this key; retry after {seconds} s",
                       {"retry_after": seconds}, headers={"Retry-After": str(seconds)})
