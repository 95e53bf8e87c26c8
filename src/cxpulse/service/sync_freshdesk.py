"""The sync use case for a Freshdesk connection: pull what changed since the saved cursor
and store it as the Freshdesk reader makes it (readers/freshdesk_api.py).

Read, per the Freshdesk API v2 reference: the agents and groups; the tickets updated since
the cursor (`include=stats,requester,description`, oldest change first, 100 a page,
followed by the `Link: <…>; rel="next"` header) with each one's conversations; the
deleted and the spam tickets updated since theirs (`filter=deleted`, `filter=spam`: both
stored as deleted); the satisfaction ratings created since theirs. The ticket list stops
at page 300 (Freshdesk serves no further page): the sync then asks again from the newest
`updated_at` it read.

API calls for N changed tickets: 1 agents + 1 groups (+1 per further 100 of each) +
⌈N/100⌉ ticket pages + N conversation lists (+1 per further 100 conversations of a
ticket) + 1 deleted + 1 spam + ⌈R/100⌉ rating pages (R new ratings; at least 1). The
tickets changed in the cursor's own second are read again on the next sync.

Each page of tickets (with their conversations) or ratings is loaded as an import loads
a file, and the cursor — the `updated_at` / `created_at` of the page's newest item, as
JSON in the connection — is saved after the page's rows are committed. A sync killed at
any point resumes from the last saved page; `updated_since` is inclusive and loading is
idempotent, so the items at the edge are read again and nothing is lost or duplicated.
Requests are made one at a time; Freshdesk's per-minute limit (`X-RateLimit-Total`,
`X-RateLimit-Remaining`; no reset time is given) is met by its 429, whose `Retry-After`
the sync waits (service/http_fetch.py: waits, retries and their bounds, as for Zendesk).
The API key is the basic-auth user (password "X"); it goes into the Authorization
header and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

import httpx2 as httpx  # the project's HTTP client (pyproject: httpx2)

from cxpulse.collector import collector_paused
from cxpulse.domain import SyncError
from cxpulse.readers import ImportSummary
from cxpulse.readers.base import KindCounts, Stream
from cxpulse.readers.freshdesk_api import Desk, read_agents, read_ratings, read_tickets
from cxpulse.service import http_fetch
from cxpulse.service.derive import derive_stale, rescore_marked
from cxpulse.service.load import load
from cxpulse.service.sync_progress import SyncProgress
from cxpulse.service.webhooks import queue_marked_low_ratings
from cxpulse.storage import Store
from cxpulse.storage import connections as stored
from cxpulse.storage.connections import ConnectionRow

__all__ = ["sync_freshdesk"]

DESK = "Freshdesk"
AGENTS = "/api/v2/agents"
GROUPS = "/api/v2/groups"
TICKETS = "/api/v2/tickets"
CONVERSATIONS = "/api/v2/tickets/{id}/conversations"
RATINGS = "/api/v2/surveys/satisfaction_ratings"
INCLUDE = "stats,requester,description"  # each include costs the list call 2 more API credits
PER_PAGE = 100  # the most Freshdesk gives a page
PAGE_CAP = 300  # the last page the ticket list serves; past it the sync asks again from the newest update read
START = "1970-01-01T00:00:00Z"  # `updated_since` / `created_since` of a first (or --full) sync
TIMEOUT = 30.0
CREDENTIALS = ("check the connection's API key (`cxpulse connections` shows its last 4 characters) and connect "
               "again with `cxpulse connect freshdesk ACCOUNT --url URL --token API_KEY` (Profile settings → "
               "View API key)")


def sync_freshdesk(store: Store, conn_row: ConnectionRow, *, full: bool = False,
                   progress: Callable[[SyncProgress], None] | None = None) -> ImportSummary:
    """Pull the Freshdesk account's changes since its saved cursor (`full`: from the start).
    `progress(p)` is called after each stored page with the pages and tickets read so far."""
    cursor: dict[str, str] = {} if full or not conn_row.cursor else json.loads(conn_row.cursor)
    total = ImportSummary()
    account = conn_row.account
    seen = SyncProgress()

    def read(stage: str, tickets: int = 0) -> None:
        seen.pages, seen.tickets, seen.stage = seen.pages + 1, seen.tickets + tickets, stage
        if progress is not None:
            progress(seen)
    try:
        with _client(conn_row) as client, collector_paused():
            agents = list(_items(client, AGENTS, {"per_page": PER_PAGE}))
            desk = Desk.of(agents, _items(client, GROUPS, {"per_page": PER_PAGE}))
            _add(total, load(store, read_agents(agents), account=account, follow_up=True).summary)
            for key, gone in (("tickets_since", ""), ("deleted_since", "deleted"), ("spam_since", "spam")):
                for n, tickets in _ticket_pages(client, cursor.get(key, START), gone):
                    convs = {} if gone else {str(t["id"]): list(_items(client, CONVERSATIONS.format(id=t["id"]),
                                                                       {"per_page": PER_PAGE}))
                                             for t in tickets if isinstance(t, dict) and "id" in t}
                    path = f"GET {TICKETS}{f'?filter={gone}' if gone else ''} page {n}"
                    _page(store, conn_row, total, read_tickets(tickets, convs, desk, path=path, deleted=bool(gone)),
                          cursor, key, _newest(tickets, "updated_at"))
                    read(gone or "tickets", len(tickets))
            for n, ratings in _pages(client, RATINGS, {"created_since": cursor.get("ratings_since", START),
                                                       "per_page": PER_PAGE}):
                _page(store, conn_row, total, read_ratings(ratings, path=f"GET {RATINGS} page {n}"),
                      cursor, "ratings_since", _newest(ratings, "created_at"))
                read("ratings")
            with store.engine.begin() as conn:
                stored.save_progress(conn, conn_row.account_id, cursor=json.dumps(cursor), synced_at=datetime.now(UTC))
            derive_stale(store, [account])
            derive_stale(store, wait=False)  # and what other runs left stale where nobody writes now
            queue_marked_low_ratings(store)
    except SyncError as e:
        with store.engine.begin() as conn:
            stored.save_error(conn, conn_row.account_id, str(e))
        raise
    total.rescored = rescore_marked(store)
    return total


def _client(c: ConnectionRow) -> httpx.Client:
    return httpx.Client(base_url=c.base_url, auth=(c.token, "X"), timeout=TIMEOUT,
                        headers={"Accept": "application/json"})


def _page(store: Store, c: ConnectionRow, total: ImportSummary, stream: Stream, cursor: dict[str, str],
          key: str, newest: str | None) -> None:
    """Load one page's records; then, its rows committed, move the cursor past it."""
    _add(total, load(store, stream, account=c.account, follow_up=True).summary)
    if newest is not None and _parse(newest) > _parse(cursor.get(key, START)):
        cursor[key] = newest
    with store.engine.begin() as conn:
        stored.save_progress(conn, c.account_id, cursor=json.dumps(cursor))


_PACERS: WeakKeyDictionary[httpx.Client, http_fetch.Pacer] = WeakKeyDictionary()


def _pacer(client: httpx.Client) -> http_fetch.Pacer:
    """The client's pacer: an answer with `X-RateLimit-Remaining: 0` holds the next request
    a minute (Freshdesk's window; it gives no reset time) instead of drawing a 429."""
    pacer = _PACERS.get(client)
    if pacer is None:
        pacer = _PACERS[client] = http_fetch.Pacer(None)
    return pacer


def _ticket_pages(client: httpx.Client, since: str, filter_: str) -> Iterator[tuple[int, list]]:
    """The tickets (`filter_`: the deleted or spam ones) updated since `since`, oldest change
    first, page by page; past the page cap, asked again from the newest `updated_at` read."""
    n = 0
    while True:
        params: dict[str, Any] = {"updated_since": since, "include": INCLUDE, "order_by": "updated_at",
                                  "order_type": "asc", "per_page": PER_PAGE}
        if filter_:
            params["filter"] = filter_
        for page_no, (m, items) in enumerate(_pages(client, TICKETS, params), 1):
            n += 1
            yield n, items
            if page_no == PAGE_CAP and m:  # a next page that Freshdesk would not serve
                newest = _newest(items, "updated_at")
                if newest is None or newest <= since:
                    raise SyncError(f"{DESK} {TICKETS}: more than {PAGE_CAP * PER_PAGE} tickets were updated at "
                                    f"{since}; the list cannot page past them")
                since = newest
                break
        else:
            return


def _pages(client: httpx.Client, path: str, params: dict) -> Iterator[tuple[int, list]]:
    """A list endpoint's pages by the `Link: <…>; rel="next"` header: (1 if a next page
    follows else 0, the page's items)."""
    url: str = path
    query: dict | None = params
    while True:
        r = http_fetch.get(client, url, query, desk=DESK, credentials=CREDENTIALS, pacer=_pacer(client))
        items = http_fetch.json_of(r, DESK)
        if not isinstance(items, list):
            raise SyncError(f"{DESK} {path} answered {type(items).__name__}, not the list its reference documents")
        nxt = r.links.get("next", {}).get("url")
        yield (1 if nxt else 0), items
        if not nxt:
            return
        url, query = nxt, None


def _items(client: httpx.Client, path: str, params: dict) -> Iterator[Any]:
    for _, items in _pages(client, path, params):
        yield from items


def _newest(items: list, name: str) -> str | None:
    """The latest of the items' `name` times, as Freshdesk wrote it (ISO 8601 UTC, `Z`)."""
    times = [i[name] for i in items if isinstance(i, dict) and isinstance(i.get(name), str)]
    return max(times, key=_parse, default=None)


def _parse(at: str) -> datetime:
    try:
        return datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def _add(total: ImportSummary, part: ImportSummary) -> None:
    """Count one page's load into the sync's summary."""
    for name in ("read", "inserted", "updated", "unchanged", "rejected", "fields_rejected"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    for kind, c in part.by_kind.items():
        into = total.by_kind.setdefault(kind, KindCounts())
        for name in ("read", "inserted", "updated", "unchanged"):
            setattr(into, name, getattr(into, name) + getattr(c, name))
    total.accounts += [a for a in part.accounts if a not in total.accounts]
    total.first_rejects += part.first_rejects[: max(0, 20 - len(total.first_rejects))]
    for what, k in part.notes.items():
        total.notes[what] = total.notes.get(what, 0) + k
    total.first_notes += part.first_notes[: max(0, 5 - len(total.first_notes))]
    total.warnings += [w for w in part.warnings if w not in total.warnings]
