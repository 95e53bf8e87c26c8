"""One GET against a help desk API, as every sync makes it: a 429 waits its `Retry-After`,
a 5xx or a dropped connection is retried with backoff, and a bounded number of failures
stops the sync with an error that names the endpoint — never the credentials, which
travel in the client's auth and nowhere else.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx2 as httpx  # the project's HTTP client (pyproject: httpx2)

from cxpulse.domain import SyncError

__all__ = ["RATE_WAITS", "RETRIES", "get"]

RETRIES = 4  # a 5xx or a dropped connection is retried this often, with backoff, before the sync stops
RATE_WAITS = 6  # 429s in a row on one request before the sync stops
BACKOFF = 1.0  # seconds before the first retry; doubled each time
MAX_WAIT = 120.0  # a Retry-After longer than this is cut to it
sleep: Callable[[float], None] = time.sleep  # tests replace it


def get(client: httpx.Client, url: str, params: dict | None, *, desk: str, credentials: str) -> httpx.Response:
    """A 200 answer to GET `url`, after waiting out 429s and retrying 5xx and dropped
    connections. `desk` names the help desk in errors; `credentials` says how to fix a
    401/403 (which credentials, which command)."""
    endpoint = httpx.URL(url).path or url
    failures = rate_waits = 0
    while True:
        try:
            r = client.get(url, params=params)
        except httpx.TransportError as e:
            failures += 1
            if failures > RETRIES:
                raise SyncError(f"{desk} {endpoint} failed {failures} times ({type(e).__name__}); "
                                "the sync stopped, its cursor kept — run it again later") from None
            sleep(BACKOFF * 2 ** (failures - 1))
            continue
        if r.status_code == 200:
            return r
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
