"""The sync use case: pull what changed in an account's help desk (Zendesk) and store it
as `cxpulse import zendesk` would.

Read: the cursor-based incremental ticket export with the metric sets side-loaded, the
incremental ticket events with their comments (time-based), the
users, and the satisfaction ratings created since the last sync. The fetched pages become
records through the export reader (readers/zendesk_api.py), go through `load` like an
import, and the derived data and scores of what they touched are refreshed.

The saved cursor moves only in the transaction after the rows are committed: a sync
killed at any point resumes from the last stored cursor, and `load` is idempotent, so
nothing is lost or duplicated. The token goes into the Authorization header and nowhere
else: no error, message or log holds it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx2 as httpx  # the project's HTTP client (pyproject: httpx2)

from cxpulse.collector import collector_paused
from cxpulse.domain import SyncError
from cxpulse.readers import ImportSummary
from cxpulse.readers.zendesk_api import read_api_pages
from cxpulse.service.connections import connection_for_sync
from cxpulse.service.derive import derive_stale, rescore_marked
from cxpulse.service.load import load
from cxpulse.service.webhooks import queue_marked_low_ratings
from cxpulse.storage import Store
from cxpulse.storage import connections as stored

__all__ = ["sync"]

TICKETS = "/api/v2/incremental/tickets/cursor.json"
USERS = "/api/v2/users.json"
GROUPS = "/api/v2/groups.json"
EVENTS = "/api/v2/incremental/ticket_events.json"
RATINGS = "/api/v2/satisfaction_ratings.json"

RETRIES = 4  # a 5xx or a dropped connection is retried this often, with backoff, before the sync stops
RATE_WAITS = 6  # 429s in a row on one request before the sync stops
BACKOFF = 1.0  # seconds before the first retry; doubled each time
MAX_WAIT = 120.0  # a Retry-After longer than this is cut to it
TIMEOUT = 30.0
sleep: Callable[[float], None] = time.sleep  # tests replace it


def sync(store: Store, account: str, *, full: bool = False) -> ImportSummary:
    """Pull the account's help desk changes since its saved cursor (`full`: from the start)."""
    conn_row = connection_for_sync(store, account)
    if conn_row.kind == "freshdesk":
        from cxpulse.service.sync_freshdesk import sync_freshdesk

        return sync_freshdesk(store, conn_row, full=full)
    if conn_row.kind != "zendesk":
        raise SyncError(f"account {account!r} is connected to {conn_row.kind}, which cannot sync")
    cursor = {} if full or not conn_row.cursor else json.loads(conn_row.cursor)
    started = datetime.now(UTC)
    try:
        with _client(conn_row.base_url, conn_row.email, conn_row.token) as client:
            pages, new_cursor = _fetch(client, conn_row.base_url, cursor)
    except SyncError as e:
        with store.engine.begin() as conn:
            stored.save_error(conn, conn_row.account_id, str(e))
        raise
    new_cursor["ratings_since"] = int(started.timestamp()) - 60  # a minute's overlap: a rating at the edge is read twice, never lost
    with collector_paused():
        result = load(store, read_api_pages(pages), account=account, follow_up=True)
        with store.engine.begin() as conn:  # after the rows are committed
            stored.save_progress(conn, conn_row.account_id, cursor=json.dumps(new_cursor), synced_at=started)
        derive_stale(store)
        queue_marked_low_ratings(store)
    result.summary.rescored = rescore_marked(store)
    return result.summary


def _client(base_url: str, email: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, auth=(f"{email}/token", token), timeout=TIMEOUT,
                        headers={"Accept": "application/json"})


def _fetch(client: httpx.Client, base_url: str, cursor: dict) -> tuple[list[dict], dict]:
    """Every page the sync reads, and the cursor to save once they are stored."""
    pages: list[dict] = list(_list_pages(client, USERS, {"page[size]": 100}))
    pages += _list_pages(client, GROUPS, {"page[size]": 100})  # group names on the tickets
    since = {"start_time": cursor["ratings_since"]} if "ratings_since" in cursor else {}
    pages += _list_pages(client, RATINGS, {"page[size]": 100, **since})
    params: dict[str, Any] = {"include": "metric_sets"}
    params |= {"cursor": cursor["tickets"]} if "tickets" in cursor else {"start_time": 0}
    after = cursor.get("tickets")
    while True:
        page = _get(client, TICKETS, params)
        pages.append(page)
        after = page.get("after_cursor") or after
        if page.get("end_of_stream") or not page.get("after_cursor"):
            break
        params = {"include": "metric_sets", "cursor": page["after_cursor"]}
    new = {"tickets": after} if after else {}
    events, new["events_since"] = _events(client, cursor.get("events_since", 0))
    pages += events
    return pages, new


def _events(client: httpx.Client, start: int) -> tuple[list[dict], int]:
    """The incremental ticket events (with comments) since `start`, and where the next sync starts."""
    pages, params = [], {"start_time": start, "include": "comment_events"}
    while True:
        page = _get(client, EVENTS, params)
        pages.append(page)
        nxt = httpx.URL(page.get("next_page") or "").params.get("start_time")
        start = int(nxt) if nxt is not None else int(page.get("end_time") or start)
        if page.get("end_of_stream") or not page.get("ticket_events"):
            return pages, start
        params = {"start_time": start, "include": "comment_events"}


def _list_pages(client: httpx.Client, path: str, params: dict) -> Iterator[dict]:
    """A cursor-paginated list endpoint's pages (`meta.has_more`, `links.next`)."""
    url: str = path
    while True:
        page = _get(client, url, params)
        yield page
        nxt = (page.get("links") or {}).get("next")
        if not (page.get("meta") or {}).get("has_more") or not nxt:
            return
        url, params = nxt, {}


def _get(client: httpx.Client, url: str, params: dict) -> dict:
    """One GET: a 429 waits its Retry-After; a 5xx or a dropped connection is retried with
    backoff; anything else that is not a 200 stops the sync with an error naming the endpoint."""
    endpoint = httpx.URL(url).path or url
    failures = rate_waits = 0
    while True:
        try:
            r = client.get(url, params=params)
        except httpx.TransportError as e:
            failures += 1
            if failures > RETRIES:
                raise SyncError(f"Zendesk {endpoint} failed {failures} times ({type(e).__name__}); "
                                "the sync stopped, its cursor kept — run it again later") from None
            sleep(BACKOFF * 2 ** (failures - 1))
            continue
        if r.status_code == 200:
            try:
                return r.json()
            except ValueError:
                raise SyncError(f"Zendesk {endpoint} answered something that is not JSON") from None
        if r.status_code == 429:
            rate_waits += 1
            if rate_waits > RATE_WAITS:
                raise SyncError(f"Zendesk {endpoint} kept answering 429 (rate limited); run the sync again later")
            sleep(min(_retry_after(r), MAX_WAIT))
            continue
        if r.status_code >= 500:
            failures += 1
            if failures > RETRIES:
                raise SyncError(f"Zendesk {endpoint} answered {r.status_code} {failures} times; "
                                "the sync stopped, its cursor kept — run it again later")
            sleep(BACKOFF * 2 ** (failures - 1))
            continue
        if r.status_code in (401, 403):
            raise SyncError(f"Zendesk refused the credentials at {endpoint} ({r.status_code}): check the "
                            "connection's email and token (`cxpulse connections`), and connect again with "
                            "`cxpulse connect zendesk`")
        raise SyncError(f"Zendesk {endpoint} answered {r.status_code}: {r.text[:200]}")


def _retry_after(r: httpx.Response) -> float:
    try:
        return max(0.0, float(r.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0
