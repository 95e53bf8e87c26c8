"""One GET against a help desk API, as every sync makes it: paced to the desk's rate
limit, a 429 waits its `Retry-After`, a 5xx or a dropped connection is retried with
backoff, and a bounded number of failures stops the sync with an error that names the
endpoint — never the credentials, which travel in the client's auth and nowhere else.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping

import httpx2 as httpx  # the project's HTTP client (pyproject: httpx2)

from cxpulse.domain import SyncError

__all__ = ["MAX_WAIT", "RATE_WAITS", "RETRIES", "Pacer", "get", "json_of"]

RETRIES = 4  # a 5xx or a dropped connection is retried this often, with backoff, before the sync stops
RATE_WAITS = 6  # 429s in a row on one request before the sync stops
BACKOFF = 1.0  # seconds before the first retry; doubled each time
MAX_WAIT = 120.0  # a Retry-After or rate-limit reset longer than this is cut to it
RESET_UNKNOWN = 60.0  # no requests left and no reset given: the desks' windows are a minute
# what the help desks call the requests left in the window: Zendesk's two names, Freshdesk's
REMAINING = ("ratelimit-remaining", "x-rate-limit-remaining", "x-ratelimit-remaining")
sleep: Callable[[float], None] = time.sleep  # tests replace it
clock: Callable[[], float] = time.monotonic  # and this, with a clock their sleep moves


class Pacer:
    """At most `per_minute` requests in any 60 seconds (None: no pacing of its own), and
    none while an answer's rate-limit headers say none remain, until their reset."""

    def __init__(self, per_minute: int | None, *, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.per_minute = per_minute
        self._clock, self._sleep = clock, sleep
        self._sent: deque[float] = deque()
        self._blocked_until = 0.0

    def _now(self) -> float:
        return (self._clock or clock)()

    def _wait(self, seconds: float) -> None:
        (self._sleep or sleep)(seconds)

    def wait(self) -> None:
        """Before a request: wait until it may go."""
        now = self._now()
        if self._blocked_until > now:
            self._wait(self._blocked_until - now)
            now = self._now()
        if self.per_minute is None:
            return
        while True:
            while self._sent and now - self._sent[0] >= 60.0:
                self._sent.popleft()
            if len(self._sent) < self.per_minute:
                break
            self._wait(self._sent[0] + 60.0 - now)
            now = self._now()
        self._sent.append(now)

    def heard(self, headers: Mapping[str, str]) -> None:
        """After an answer: no requests remaining holds the next until the reset (seconds)."""
        remaining = next((headers[name] for name in REMAINING if name in headers), None)
        try:
            left = int(str(remaining).strip()) if remaining is not None else None
        except ValueError:
            left = None
        if left is None or left > 0:
            return
        try:
            reset = float(headers.get("ratelimit-reset", RESET_UNKNOWN))
        except ValueError:
            reset = RESET_UNKNOWN
        self._blocked_until = max(self._blocked_until, self._now() + min(max(reset, 0.0), MAX_WAIT))


def get(client: httpx.Client, url: str, params: dict | None, *, desk: str, credentials: str,
        pacer: Pacer | None = None, absent: tuple[int, ...] = ()) -> httpx.Response | None:
    """A 200 answer to GET `url`, after waiting out 429s and retrying 5xx and dropped
    connections; None for a status in `absent` (an endpoint the account does not use).
    `desk` names the help desk in errors; `credentials` says how to fix a 401/403 (which
    credentials, which command). The pacer is asked before each request and told after."""
    endpoint = httpx.URL(url).path or url
    failures = rate_waits = 0
    while True:
        if pacer is not None:
            pacer.wait()
        try:
            r = client.get(url, params=params or None)  # {} would drop the query of a `next` URL
        except httpx.TransportError as e:
            failures += 1
            if failures > RETRIES:
                raise SyncError(f"{desk} {endpoint} failed {failures} times ({type(e).__name__}); "
                                "the sync stopped, its cursor kept — run it again later") from None
            sleep(BACKOFF * 2 ** (failures - 1))
            continue
        if pacer is not None and r.status_code != 429:  # a 429 is waited for by its Retry-After
            pacer.heard(r.headers)
        if r.status_code == 200:
            return r
        if r.status_code in absent:
            return None
        if r.status_code == 429:
            rate_waits += 1
            if rate_waits > RATE_WAITS:
                raise SyncError(f"{desk} {endpoint} kept answering 429 (rate limited); run the sync again later")
            sleep(min(retry_after(r), MAX_WAIT))
            continue
        if r.status_code >= 500:
            failures += 1
            if failures > RETRIES:
                raise SyncError(f"{desk} {endpoint} answered {r.status_code} {failures} times; "
                                "the sync stopped, its cursor kept — run it again later")
            sleep(BACKOFF * 2 ** (failures - 1))
            continue
        if r.status_code in (401, 403):
            raise SyncError(f"{desk} refused the credentials at {endpoint} ({r.status_code}): {credentials}")
        raise SyncError(f"{desk} {endpoint} answered {r.status_code}: {r.text[:200]}")


def json_of(r: httpx.Response, desk: str) -> object:
    """The answer's JSON, or an error naming the endpoint that answered something else."""
    try:
        return r.json()
    except ValueError:
        raise SyncError(f"{desk} {r.request.url.path} answered something that is not JSON") from None


def retry_after(r: httpx.Response) -> float:
    """The seconds a 429 asks to wait (1 when it does not say)."""
    try:
        return max(0.0, float(r.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0
