"""The sync use case: pull what changed in an account's help desk (Zendesk) and store it
as `cxpulse import zendesk` would.

Read, in the import's order (readers/zendesk_api.py says why): the users and groups; the
newer CSAT's survey responses, where the account uses them; the satisfaction ratings
created since the last sync (held on disk until the tickets are stored); the
cursor-based incremental ticket export with the metric sets side-loaded (and, one by one,
the ratings its tickets embed that were created before those read: offered earlier, given
since); then the held ratings; then the incremental ticket events with their comments (time-based).

Page by page: each page's records go through `load` like an import and are committed,
then the cursor moves past that page in a transaction of its own. A sync killed at any
point resumes from the last stored cursor, and `load` is idempotent, so nothing is lost or
duplicated; only one page is held in memory at a time. The derived data and scores of
what was stored are refreshed at the end (and by the next run, or import, if it was killed).

Zendesk's incremental exports allow 10 requests a minute (30 with the High Volume API
add-on; CXPULSE_ZENDESK_EXPORT_RPM): a `Pacer` keeps to it, and any answer whose
`ratelimit-remaining` / `X-Rate-Limit-Remaining` says 0 holds the next request until the
window resets. The token goes into the Authorization header and nowhere else: no error,
message or log holds it.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx2 as httpx  # the project's HTTP client (pyproject: httpx2)

from cxpulse.collector import collector_paused
from cxpulse.config import Settings
from cxpulse.domain import SyncError
from cxpulse.readers import ImportSummary
from cxpulse.readers.base import KindCounts
from cxpulse.readers.zendesk_api import PageReader, surveys_open_since
from cxpulse.service import http_fetch
from cxpulse.service.connections import connection_for_sync
from cxpulse.service.http_fetch import Pacer
from cxpulse.service.sync_progress import SyncProgress
from cxpulse.service.derive import derive_stale, rescore_marked
from cxpulse.service.load import SHOWN_REJECTS, load
from cxpulse.service.webhooks import queue_marked_low_ratings
from cxpulse.storage import Store
from cxpulse.storage import connections as stored
from cxpulse.storage import tickets as stored_tickets
from cxpulse.storage.connections import ConnectionRow

__all__ = ["Pacer", "SyncProgress", "sync"]

TICKETS = "/api/v2/incremental/tickets/cursor.json"
USERS = "/api/v2/users.json"
GROUPS = "/api/v2/groups.json"
EVENTS = "/api/v2/incremental/ticket_events.json"
RATINGS = "/api/v2/satisfaction_ratings.json"  # filtered by start_time: those created since
RATING = "/api/v2/satisfaction_ratings/{id}.json"  # Show Satisfaction Rating
SURVEYS = "/api/v2/guide/survey_responses"  # the newer CSAT (CSAT Survey Responses, List Survey Responses)

CREDENTIALS = ("check the connection's email and token (`cxpulse connections`), and connect again with "
               "`cxpulse connect zendesk`")
OVERLAP = 60  # seconds a time-based start goes back: an item at the edge is read twice, never lost
TIMEOUT = 30.0


def sync(store: Store, account: str, *, full: bool = False,
         progress: Callable[[SyncProgress], None] | None = None, export_rpm: int | None = None) -> ImportSummary:
    """Pull the account's help desk changes since its saved cursor (`full`: from the start).

    `progress(p)` is called after each page with the pages and tickets read so far;
    `export_rpm` overrides CXPULSE_ZENDESK_EXPORT_RPM."""
    conn_row = connection_for_sync(store, account)
    if conn_row.kind == "freshdesk":
        from cxpulse.service.sync_freshdesk import sync_freshdesk

        return sync_freshdesk(store, conn_row, full=full, progress=progress)
    if conn_row.kind != "zendesk":
        raise SyncError(f"account {account!r} is connected to {conn_row.kind}, which cannot sync")
    return _ZendeskSync(store, conn_row, full=full, progress=progress,
                        export_rpm=export_rpm if export_rpm is not None else _export_rpm()).run()


def _export_rpm() -> int:
    raw = Settings.from_env().zendesk_export_rpm
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if not 1 <= n <= 10_000:
        raise SyncError(f"CXPULSE_ZENDESK_EXPORT_RPM={raw!r} is not a number of requests per minute: "
                        "set 10 (Zendesk's limit), or 30 with the High Volume API add-on")
    return n


class _ZendeskSync:
    """One sync run of one account: fetch a page, store it, move the cursor, next page."""

    def __init__(self, store: Store, conn_row: ConnectionRow, *, full: bool,
                 progress: Callable[[SyncProgress], None] | None, export_rpm: int) -> None:
        self.store, self.c = store, conn_row
        self.cursor: dict[str, Any] = {} if full or not conn_row.cursor else json.loads(conn_row.cursor)
        self.summary = ImportSummary(rejects_path=None)
        self.progress, self.seen = progress, SyncProgress()
        self.export = Pacer(export_rpm)  # the incremental endpoints share one limit
        self.account = Pacer(None)  # the others: only what their headers say

    def run(self) -> ImportSummary:
        started = datetime.now(UTC)
        try:
            with _client(self.c.base_url, self.c.email, self.c.token) as client, \
                    tempfile.TemporaryDirectory(prefix="cxpulse-sync-") as spool:
                self._pull(client, PageReader(spool), started)
                self._save(synced_at=started)
        except SyncError as e:
            with self.store.engine.begin() as conn:
                stored.save_error(conn, self.c.account_id, str(e))
            raise
        with collector_paused():
            derive_stale(self.store, [self.c.account])
            derive_stale(self.store, wait=False)  # and what other runs left stale where nobody writes now
            queue_marked_low_ratings(self.store)
        self.summary.rescored = rescore_marked(self.store)
        return self.summary

    # ---- the steps ----------------------------------------------------------------------

    def _pull(self, client: httpx.Client, pages: PageReader, started: datetime) -> None:
        for n, page in enumerate(_list_pages(client, USERS, {"page[size]": 100}, self.account), 1):
            self._store(pages.users(page, f"{USERS} page {n}"), "users")
        for n, page in enumerate(_list_pages(client, GROUPS, {"page[size]": 100}, self.account), 1):
            self._store(pages.groups(page, f"{GROUPS} page {n}"), "groups")  # names only: nothing stored
        self._surveys(client, pages, started)
        since = {"start_time": self.cursor["ratings_since"]} if "ratings_since" in self.cursor else {}
        for n, page in enumerate(_list_pages(client, RATINGS, {"page[size]": 100, **since}, self.account), 1):
            pages.hold_ratings(page, f"{RATINGS} page {n}")
            self._read_one("ratings")
        self._tickets(client, pages)
        self._store(pages.ratings(), "ratings")
        self._save(ratings_since=int(started.timestamp()) - OVERLAP)
        self._events(client, pages)

    def _surveys(self, client: httpx.Client, pages: PageReader, started: datetime) -> None:
        """The newer CSAT's survey responses, where the account has them (a 404 or 403: it has
        not, and nothing is said). A response can be answered or changed until it expires,
        so the next sync starts at the oldest one still open (else where this one started)."""
        params: dict[str, Any] = {"page[size]": 100, "sort": "id"}
        if "surveys_since" in self.cursor:
            params["filter[created_at_start]"] = self.cursor["surveys_since"]
        held: list[dict] = []  # the times of each response read
        used = False
        for n, page in enumerate(_list_pages(client, SURVEYS, params, self.account, absent=(403, 404)), 1):
            used = True
            items = page.get("survey_responses") or []
            held += [{k: r.get(k) for k in ("created_at", "expires_at", "answers")} for r in items if isinstance(r, dict)]
            self._store(pages.survey_responses(page, f"{SURVEYS} page {n}"), "survey responses")
        if not used:
            return
        oldest_open, all_timed = surveys_open_since(held, started)
        floor = (int(started.timestamp()) - OVERLAP) * 1000
        if not all_timed:  # one still open with no time of its own: the next sync starts where this one did
            return
        self._save(surveys_since=min(floor, oldest_open) if oldest_open is not None else floor)

    def _tickets(self, client: httpx.Client, pages: PageReader) -> None:
        params: dict[str, Any] = {"include": "metric_sets"}
        params |= {"cursor": self.cursor["tickets"]} if "tickets" in self.cursor else {"start_time": 0}
        n = 0
        while True:
            n += 1
            page = _get(client, TICKETS, params, pacer=self.export)
            for rid in pages.unheld_ratings(page):  # a rating offered before the last sync, given since
                one = _get(client, RATING.format(id=rid), {}, pacer=self.account, absent=(404,)) or {}
                if isinstance(one.get("satisfaction_rating"), dict):
                    pages.hold_ratings({"satisfaction_ratings": [one["satisfaction_rating"]]}, RATING.format(id=rid))
            self.seen.tickets += len(page.get("tickets") or [])
            self._store(pages.tickets(page, f"{TICKETS} page {n}"), "tickets")
            after = page.get("after_cursor")
            if after:
                self._save(tickets=after)
            if page.get("end_of_stream") or not after:
                return
            params = {"include": "metric_sets", "cursor": after}

    def _events(self, client: httpx.Client, pages: PageReader) -> None:
        """The incremental ticket events (with comments) since the saved start time."""
        start = int(self.cursor.get("events_since", 0))
        n = 0
        while True:
            n += 1
            page = _get(client, EVENTS, {"start_time": start, "include": "comment_events"}, pacer=self.export)
            ids = pages.event_tickets(page)
            with self.store.engine.connect() as conn:
                owners = stored_tickets.requesters(conn, self.c.account_id, ids)
            self._store(pages.events(page, f"{EVENTS} page {n}", owners), "events")
            nxt = httpx.URL(page.get("next_page") or "").params.get("start_time")
            start = int(nxt) if nxt is not None else int(page.get("end_time") or start)
            self._save(events_since=start)
            if page.get("end_of_stream") or not page.get("ticket_events"):
                return

    # ---- storing and saving -----------------------------------------------------------

    def _store(self, stream: Iterable, stage: str) -> None:
        """One page's records, committed (`load` writes in its own transactions). The cyclic
        collector rests while a page is stored, not while the sync waits on the network:
        a sync of hours keeps its memory."""
        with collector_paused():
            part = load(self.store, stream, account=self.c.account, follow_up=True).summary
        _add(self.summary, part)
        self._read_one(stage)

    def _read_one(self, stage: str) -> None:
        self.seen.pages += 1
        self.seen.stage = stage
        if self.progress is not None:
            self.progress(self.seen)

    def _save(self, *, synced_at: datetime | None = None, **moved: Any) -> None:
        """Move the cursor, in a transaction after the rows it covers were committed."""
        self.cursor.update(moved)
        with self.store.engine.begin() as conn:
            stored.save_progress(conn, self.c.account_id, cursor=json.dumps(self.cursor, sort_keys=True),
                                 synced_at=synced_at)


def _add(total: ImportSummary, part: ImportSummary) -> None:
    """Add one page's summary to the sync's."""
    for name in ("read", "inserted", "updated", "unchanged", "rejected", "fields_rejected"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    for kind, c in part.by_kind.items():
        t = total.by_kind.setdefault(kind, KindCounts())
        for name in ("read", "inserted", "updated", "unchanged"):
            setattr(t, name, getattr(t, name) + getattr(c, name))
    for name in part.accounts:
        if name not in total.accounts:
            total.accounts.append(name)
    for r in part.first_rejects:
        if sum(x.kept == r.kept for x in total.first_rejects) < SHOWN_REJECTS:
            total.first_rejects.append(r)
    for what, n in part.notes.items():
        total.notes[what] = total.notes.get(what, 0) + n
    total.first_notes += part.first_notes[: max(0, 5 - len(total.first_notes))]


# ---- HTTP ---------------------------------------------------------------------------------


def _client(base_url: str, email: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, auth=(f"{email}/token", token), timeout=TIMEOUT,
                        headers={"Accept": "application/json"})


def _list_pages(client: httpx.Client, path: str, params: dict, pacer: Pacer | None = None, *,
                absent: tuple[int, ...] = ()) -> Iterator[dict]:
    """A cursor-paginated list endpoint's pages (`meta.has_more`, then `links.next` or
    `page[after]=meta.after_cursor`). An `absent` status ends it with no page."""
    url: str = path
    while True:
        page = _get(client, url, params, pacer=pacer, absent=absent)
        if page is None:
            return
        yield page
        meta = page.get("meta") or {}
        nxt = (page.get("links") or {}).get("next")
        if not meta.get("has_more") or not (nxt or meta.get("after_cursor")):
            return
        if nxt:
            url, params = nxt, {}
        else:
            params = {**params, "page[after]": meta["after_cursor"]}


def _get(client: httpx.Client, url: str, params: dict, *, pacer: Pacer | None = None,
         absent: tuple[int, ...] = ()) -> Any:
    """One GET's JSON (`http_fetch.get`: paced, 429s waited, failures retried and bounded);
    None for a status in `absent`."""
    r = http_fetch.get(client, url, params, desk="Zendesk", credentials=CREDENTIALS, pacer=pacer, absent=absent)
    return None if r is None else http_fetch.json_of(r, "Zendesk")
