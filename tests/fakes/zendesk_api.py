"""A fake Zendesk Support API on 127.0.0.1, serving a world given as Python data.

It answers the endpoints a live sync reads, with the shapes Zendesk documents, and lets a
test break it on purpose (429, 500, a hang, a dropped connection) or change the world
between two syncs. It counts requests per endpoint, so tests can quote API calls per N
tickets. Stdlib only (tests/fakes/server.py: `ThreadingHTTPServer` in a daemon thread).

References used (Zendesk's own pages unless said otherwise):
- Incremental Exports, https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/
  (cursor-based ticket export: `tickets`, `after_url`, `after_cursor`, `before_url`,
  `before_cursor`, `end_of_stream`; time-based ticket events: `ticket_events`,
  `next_page`, `count`, `end_time`, `end_of_stream`; "You can make up to 10 requests per
  minute to these endpoints"; Retry-After on 429 as in Rate limits)
- Using the Incremental Export API, https://developer.zendesk.com/documentation/ticketing/managing-tickets/using-the-incremental-export-api
  (start_time is inclusive; deleted tickets are listed with `status: "deleted"`; items of
  the last minute are held back — not imitated here, the fake serves everything at once)
- Fivetran, "How Does Fivetran Sync Zendesk Ticket Data Incrementally?",
  https://fivetran.com/docs/connectors/applications/zendesk/troubleshooting/sync-tickets-incrementally
  (an example cursor response; the last page's `after_cursor` is what the next poll sends)
- Ticket metrics incremental (community), https://support.zendesk.com/hc/en-us/community/posts/4984355661466-Ticket-metrics-incremental
  (`include=metric_sets` side-loads the ticket_metrics objects as `metric_sets`)
- Satisfaction Ratings, https://developer.zendesk.com/api-reference/ticketing/ticket-management/satisfaction_ratings/
  (cursor pagination `page[size]`/`page[after]`, `meta.has_more`, `links.next`;
  filters `start_time`/`end_time` on created_at, `score` ∈ offered, unoffered, received,
  good, bad, …)
- How can I authenticate API requests?, https://support.zendesk.com/hc/en-us/articles/4408831452954-How-can-I-authenticate-API-requests
  (`Authorization: Basic base64(email_address/token:api_token)`; a comment there quotes
  the 401 body `{"error":"Couldn't authenticate you"}`)
- Best practices for avoiding rate limiting, https://developer.zendesk.com/documentation/api-basics/best-practices/best-practices-for-avoiding-rate-limiting
  (`X-Rate-Limit: 700`, `X-Rate-Limit-Remaining: 699`; a 429 carries `Retry-After` seconds)
- Rate limits, https://developer.zendesk.com/api-reference/introduction/rate-limits/ (Ticketing
  APIs also answer `ratelimit-limit` / `ratelimit-remaining`; incremental exports: 10 requests
  a minute, 30 with the High Volume API add-on)
- CSAT Survey Responses, https://developer.zendesk.com/api-reference/ticketing/ticket-management/csat_survey_responses/
  (List Survey Responses `GET /api/v2/guide/survey_responses`: `filter[created_at_start]` in
  epoch milliseconds, `sort=id|-id`, `page[size]`/`page[after]`; the page is
  `{"survey_responses": [...], "meta": {"after_cursor", "before_cursor", "has_more"}}`; a
  response has `id`, `responder_id`, `subject_zrns`, `subjects`, `survey`, `expires_at` and
  `answers`; errors are `{"errors": [{"code", "status", "title"}]}`)

The world's records are the shapes of tests/zendesk_export.py (which docs/zendesk.md
documents for `cxpulse import zendesk`), so `write_export(world, dir)` gives the very
data the fake serves as a directory the importer reads.
"""

from __future__ import annotations

import base64
import json
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.fakes.server import FakeServer

RATE_LIMIT = 700  # requests per minute, the Enterprise figure the best-practices page shows
# "You can make up to 10 requests per minute to these endpoints" (Incremental Exports,
# Rate limits section, URL above). Enforced only when a test asks (`incremental_limit`),
# since a real wait of a minute has no place in a fast test.
INCREMENTAL_LIMIT = 10
AUTH_ERROR = {"error": "Couldn't authenticate you"}


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=None)  # a page request reads every audit's time: parsed once, not once per page
def _ts(iso: str) -> int:
    return int(datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


def _survey_created(r: dict) -> float:
    """A survey response's creation time: its `created_at`, else its first answer's."""
    times = [r.get("created_at")] + [a.get("created_at") for a in r.get("answers") or []]
    return min(datetime.fromisoformat(x.replace("Z", "+00:00")).timestamp() for x in times if x)


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _unb64(text: str) -> str:
    return base64.urlsafe_b64decode(text.encode()).decode()


@dataclass
class World:
    """What the fake account holds, in Zendesk's own shapes (see tests/zendesk_export.py)."""

    users: list[dict]
    groups: list[dict]
    tickets: dict[int, dict]  # id → ticket as the API gives it (current state)
    audits: dict[int, list[dict]]  # ticket id → its audits, oldest first
    metrics: dict[int, dict]  # ticket id → its ticket_metric (side-loaded as metric_sets)
    ratings: list[dict]  # satisfaction_ratings items, incl. score "offered"
    # the newer CSAT's survey responses; None: the account does not use it (the endpoint answers 404)
    survey_responses: list[dict] | None = None
    _next_id: int = 90_000_000_001  # ids for audits/events made by change_ticket

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id


@dataclass
class FakeZendesk(FakeServer):
    """The fake: `with fake.running(): httpx.get(fake.url + "/api/v2/…", auth=fake.auth)`."""

    world: World
    email: str = "agent@acme.example"
    token: str = "fake-zendesk-token-0001"
    page_size: int = 100  # cursor export and ratings/users pages (Zendesk: up to 1000)
    events_page_size: int = 1000  # ticket events per page (Zendesk: 1000)
    list_page_size: int = 100  # most items a cursor-paginated list page holds, whatever is asked (Zendesk: 100)
    incremental_limit: int | None = None  # requests/minute on incremental endpoints, or off

    @property
    def auth(self) -> tuple[str, str]:
        """The basic-auth pair Zendesk expects for an API token."""
        return (f"{self.email}/token", self.token)

    def authorised(self, header: str) -> bool:
        return header == "Basic " + base64.b64encode(f"{self.email}/token:{self.token}".encode()).decode()

    def unauthorised(self) -> tuple[int, dict]:
        return 401, AUTH_ERROR

    def rate_headers(self, limit: int, remaining: int) -> dict[str, str]:
        return {"X-Rate-Limit": str(limit), "X-Rate-Limit-Remaining": str(remaining),
                "ratelimit-limit": str(limit), "ratelimit-remaining": str(remaining)}

    def limit_for(self, endpoint: str) -> tuple[str, int]:
        if endpoint in ("tickets", "ticket_events") and self.incremental_limit:
            return "incremental", self.incremental_limit
        return "account", RATE_LIMIT

    def bad_request(self, endpoint: str, q: dict[str, str]) -> tuple[int, dict] | None:
        if endpoint in ("tickets", "ticket_events") and "cursor" not in q and "start_time" not in q:
            return 400, {"error": "InvalidValue", "description": "start_time is required"}
        if endpoint == "survey_responses" and self.world.survey_responses is None:
            return 404, {"errors": [{"code": "NotFound", "status": "404", "title": "Not found"}]}
        return None

    # -- control API (for tests, not HTTP) --

    def _stamp(self) -> int:
        """A change's time: now, or just after the newest change in the world if that is later."""
        latest = max((t["generated_timestamp"] for t in self.world.tickets.values()), default=0)
        return max(int(time.time()), latest + 1)

    def change_ticket(self, ticket_id: int, *, status: str | None = None, comment: str | None = None,
                      author_id: int | None = None, public: bool = True) -> dict:
        """Change a ticket now, as an agent would: a new audit with a status Change and/or a
        Comment; the ticket's updated_at moves, so the next cursor page lists it again."""
        with self._lock:
            w = self.world
            t = w.tickets[ticket_id]
            at = self._stamp()
            author = author_id if author_id is not None else (t["assignee_id"] or t["requester_id"])
            events: list[dict] = []
            audit_id = w.new_id()
            if comment is not None:
                events.append({"id": w.new_id(), "type": "Comment", "author_id": author, "body": comment,
                               "html_body": f"<p>{comment}</p>", "plain_body": comment, "public": public,
                               "attachments": [], "audit_id": audit_id})
            if status is not None and status != t["status"]:
                events.append({"id": w.new_id(), "type": "Change", "field_name": "status", "value": status,
                               "previous_value": t["status"]})
                t["status"] = status
            w.audits.setdefault(ticket_id, []).append({
                "id": audit_id, "ticket_id": ticket_id, "created_at": _iso(at), "author_id": author,
                "metadata": {"system": {}, "custom": {}}, "via": {"channel": "web", "source": {}},
                "events": events})
            t["updated_at"], t["generated_timestamp"] = _iso(at), at
            return t

    def delete_ticket(self, ticket_id: int) -> dict:
        """Delete a ticket now: the export lists it again, with status "deleted"."""
        with self._lock:
            t = self.world.tickets[ticket_id]
            at = self._stamp()
            t["status"], t["updated_at"], t["generated_timestamp"] = "deleted", _iso(at), at
            return t

    def rate_ticket(self, ticket_id: int, score: str, *, comment: str | None = None) -> dict:
        """The requester rates a ticket now (`good`/`bad`): its satisfaction rating is created
        (or changed), the ticket embeds it and moves, and an audit records it."""
        with self._lock:
            w = self.world
            t = w.tickets[ticket_id]
            at = self._stamp()
            rating = next((r for r in w.ratings if r["ticket_id"] == ticket_id), None)
            if rating is None:
                rid = w.new_id()
                rating = {"url": f"https://acme.zendesk.com/api/v2/satisfaction_ratings/{rid}.json", "id": rid,
                          "assignee_id": t["assignee_id"], "group_id": t["group_id"],
                          "requester_id": t["requester_id"], "ticket_id": ticket_id, "created_at": _iso(at)}
                w.ratings.append(rating)
            rating.update(score=score, comment=comment, updated_at=_iso(at))
            t["satisfaction_rating"] = {"id": rating["id"], "score": score, "comment": comment}
            w.audits.setdefault(ticket_id, []).append({
                "id": w.new_id(), "ticket_id": ticket_id, "created_at": _iso(at), "author_id": t["requester_id"],
                "metadata": {"system": {}, "custom": {}}, "via": {"channel": "web", "source": {}},
                "events": [{"id": w.new_id(), "type": "SatisfactionRating", "score": score,
                            "assignee_id": t["assignee_id"], "body": comment or ""}]})
            t["updated_at"], t["generated_timestamp"] = _iso(at), at
            return t

    # -- the endpoints --

    def tickets_page(self, q: dict[str, str], base: str) -> dict:
        """GET /api/v2/incremental/tickets/cursor.json?start_time=…|cursor=…[&include=metric_sets]."""
        with self._lock:
            order = sorted(self.world.tickets.values(), key=lambda t: (t["generated_timestamp"], t["id"]))
            if "cursor" in q:
                ts, tid = (int(x) for x in _unb64(q["cursor"]).split(":"))
                left = [t for t in order if (t["generated_timestamp"], t["id"]) > (ts, tid)]
            else:
                left = [t for t in order if t["generated_timestamp"] >= int(q["start_time"])]
            size = min(int(q.get("per_page", self.page_size)), 1000)
            page = [json.loads(json.dumps(t)) for t in left[:size]]
            if page:
                last = page[-1]
                after = _b64(f"{last['generated_timestamp']}:{last['id']}")
            elif "cursor" in q:
                after = q["cursor"]
            else:
                after = _b64(f"{int(q['start_time']) - 1}:{2**62}")
            body: dict[str, Any] = {
                "tickets": page,
                "after_url": f"{base}/api/v2/incremental/tickets/cursor.json?"  # keeps include=
                             + urlencode({"cursor": after, **{k: q[k] for k in ("include", "per_page") if k in q}}),
                "after_cursor": after,
                "before_url": None, "before_cursor": None,
                "end_of_stream": len(left) <= size,
            }
            if "metric_sets" in q.get("include", "").split(","):
                body["metric_sets"] = [self.world.metrics[t["id"]] for t in page if t["id"] in self.world.metrics]
            return body

    def ticket_events_page(self, q: dict[str, str], base: str) -> dict:
        """GET /api/v2/incremental/ticket_events.json?start_time=…[&include=comment_events] (time-based)."""
        start = int(q["start_time"])
        comments = "comment_events" in q.get("include", "").split(",")
        with self._lock:
            audits = sorted((a for lst in self.world.audits.values() for a in lst),
                            key=lambda a: (_ts(a["created_at"]), a["id"]))
            left = [a for a in audits if _ts(a["created_at"]) >= start]
            page = left[: self.events_page_size]
            if page:  # like Zendesk, never split one second over two pages (start_time is inclusive)
                last = _ts(page[-1]["created_at"])
                page += [a for a in left[len(page):] if _ts(a["created_at"]) == last]
            events = [self._ticket_event(a, comments) for a in page]
        end_time = _ts(page[-1]["created_at"]) if page else start
        eos = len(page) == len(left)
        return {
            "ticket_events": events,
            "next_page": f"{base}/api/v2/incremental/ticket_events.json?"
                         + urlencode({"start_time": end_time + (1 if eos and page else 0),
                                      **({"include": q["include"]} if "include" in q else {})}),
            "count": len(events), "end_time": end_time, "end_of_stream": eos,
        }

    def _ticket_event(self, a: dict, comments: bool) -> dict:
        via = "Web form" if a["via"]["channel"] == "web" else a["via"]["channel"]
        children = []
        for e in a["events"]:
            base = {"id": e["id"], "via": via, "via_reference_id": None}
            if e["type"] == "Comment":
                if comments:
                    children.append({**base, "event_type": "Comment", "comment_present": True,
                                     "comment_public": e["public"], "author_id": e["author_id"], "body": e["body"],
                                     "html_body": e["html_body"], "public": e["public"], "attachments": [],
                                     "created_at": a["created_at"]})
            elif e["type"] in ("Create", "Change"):
                child = {**base, "event_type": e["type"], e["field_name"]: e["value"]}
                if e["type"] == "Change":
                    child["previous_value"] = e.get("previous_value")
                children.append(child)
            else:  # Notification, SatisfactionRating, …: passed on as they are
                children.append({**base, **{k: v for k, v in e.items() if k != "type"}, "event_type": e["type"]})
        return {"id": a["id"], "ticket_id": a["ticket_id"], "timestamp": _ts(a["created_at"]),
                "created_at": a["created_at"], "updater_id": a["author_id"], "via": via,
                "system": a.get("metadata", {}).get("system", {}), "event_type": "Audit", "child_events": children}

    def _cursor_list(self, key: str, items: list[dict], q: dict[str, str], base: str, path: str) -> dict:
        """One cursor page (`page[size]`, `page[after]`) of `items`, with `meta` and `links`."""
        size = min(int(q.get("page[size]", self.page_size)), 100, self.list_page_size)
        offset = int(_unb64(q["page[after]"])) if "page[after]" in q else 0
        page = items[offset : offset + size]
        more = offset + size < len(items)
        after = _b64(str(offset + size)) if more else None
        rest = {k: v for k, v in q.items() if not k.startswith("page[")}
        nxt = f"{base}{path}?" + urlencode({**rest, "page[size]": size, "page[after]": after}) if more else None
        return {key: page, "meta": {"has_more": more, "after_cursor": after, "before_cursor": None},
                "links": {"next": nxt, "prev": None}}

    def ratings_page(self, q: dict[str, str], base: str) -> dict:
        """GET /api/v2/satisfaction_ratings?start_time=…&end_time=…&score=…"""
        with self._lock:
            items = sorted(self.world.ratings, key=lambda r: r["id"])
        if "start_time" in q:
            items = [r for r in items if _ts(r["created_at"]) >= int(q["start_time"])]
        if "end_time" in q:
            items = [r for r in items if _ts(r["created_at"]) <= int(q["end_time"])]
        score = q.get("score")
        if score == "received":
            items = [r for r in items if r["score"] in ("good", "bad")]
        elif score:
            items = [r for r in items if r["score"] == score]
        return self._cursor_list("satisfaction_ratings", items, q, base, "/api/v2/satisfaction_ratings")

    def survey_responses_page(self, q: dict[str, str], base: str) -> dict:
        """GET /api/v2/guide/survey_responses?filter[created_at_start]=ms&sort=id&page[size]=…&page[after]=…"""
        with self._lock:
            items = sorted(self.world.survey_responses or [], key=lambda r: r["id"], reverse=q.get("sort") == "-id")
        if "filter[created_at_start]" in q:
            start = int(q["filter[created_at_start]"]) / 1000
            items = [r for r in items if _survey_created(r) >= start]
        size = min(int(q.get("page[size]", self.page_size)), 100, self.list_page_size)
        offset = int(_unb64(q["page[after]"])) if "page[after]" in q else 0
        more = offset + size < len(items)
        return {"survey_responses": items[offset : offset + size],
                "meta": {"after_cursor": _b64(str(offset + size)) if more else None,
                         "before_cursor": _b64(str(offset)) if offset else None, "has_more": more}}

    def rating_show(self, q: dict[str, str], base: str, rating_id: str) -> dict:
        """GET /api/v2/satisfaction_ratings/{id}.json (an unknown id: an error body, not a 404, in this fake)."""
        with self._lock:
            found = next((r for r in self.world.ratings if str(r["id"]) == rating_id), None)
        return {"satisfaction_rating": found} if found else {"error": "RecordNotFound", "description": "Not found"}

    def users_page(self, q: dict[str, str], base: str) -> dict:
        """GET /api/v2/users[?role=…]"""
        items = [u for u in self.world.users if "role" not in q or u["role"] == q["role"]]
        return self._cursor_list("users", items, q, base, "/api/v2/users")

    def groups_page(self, q: dict[str, str], base: str) -> dict:
        """GET /api/v2/groups (cursor pagination as users; names for the tickets' group ids)."""
        return self._cursor_list("groups", list(self.world.groups), q, base, "/api/v2/groups")


FakeZendesk.routes = {
    "/api/v2/incremental/tickets/cursor.json": ("tickets", FakeZendesk.tickets_page),
    "/api/v2/incremental/ticket_events.json": ("ticket_events", FakeZendesk.ticket_events_page),
    "/api/v2/satisfaction_ratings": ("satisfaction_ratings", FakeZendesk.ratings_page),
    "/api/v2/satisfaction_ratings.json": ("satisfaction_ratings", FakeZendesk.ratings_page),
    "/api/v2/satisfaction_ratings/{id}.json": ("satisfaction_rating", FakeZendesk.rating_show),
    "/api/v2/users": ("users", FakeZendesk.users_page),
    "/api/v2/users.json": ("users", FakeZendesk.users_page),
    "/api/v2/guide/survey_responses": ("survey_responses", FakeZendesk.survey_responses_page),
    "/api/v2/groups": ("groups", FakeZendesk.groups_page),
    "/api/v2/groups.json": ("groups", FakeZendesk.groups_page),
}


# ---- worlds ---------------------------------------------------------------------------------


def _load_pages(directory: Path, key: str) -> list[dict]:
    def page_no(p: Path) -> int:
        stem = p.stem
        return int(stem.rsplit("-", 1)[1]) if "-" in stem else 1
    out: list[dict] = []
    for p in sorted(directory.glob(f"{key}*.json"), key=page_no):
        out += json.loads(p.read_text(encoding="utf-8"))[key]
    return out


def make_world(seed: int, tickets: int = 50, *, deleted: int = 2, account: str = "nordlicht") -> World:
    """A realistic world from the demo generator: `tickets` tickets of `account` (spread
    over its year), with requester and agent comments (public and private), status changes,
    ratings (good, bad, offered), their metrics, and `deleted` tickets marked deleted."""
    from cxpulse.demo.generate import generate
    from tests.zendesk_export import write_zendesk_export

    # the demo splits its tickets 50/30/20 over three accounts: ask for enough for ours
    records = list(generate(seed, tickets=max(3 * tickets, 10)))
    with tempfile.TemporaryDirectory() as tmp:
        a, m = Path(tmp, "audits"), Path(tmp, "metrics")
        write_zendesk_export(a, records, account=account, with_rating_file=True, page_size=1000)
        write_zendesk_export(m, records, account=account, with_audits=False, page_size=1000)
        all_tickets = _load_pages(a, "tickets")
        ordered = sorted(all_tickets, key=lambda t: t["id"])
        if len(ordered) < tickets:
            raise ValueError(f"the demo gave {len(ordered)} tickets for {account}, not {tickets}")
        # spread over the year, so the newest (still open) tickets are in it too
        chosen = [ordered[i * len(ordered) // tickets] for i in range(tickets)]
        ids = {t["id"] for t in chosen}
        audits = {tid: json.loads((a / "audits" / f"{tid}.json").read_text(encoding="utf-8"))["audits"]
                  for tid in ids}
        metrics = {x["ticket_id"]: x for x in _load_pages(m, "ticket_metrics") if x["ticket_id"] in ids}
        ratings = [r for r in _load_pages(a, "satisfaction_ratings") if r["ticket_id"] in ids]
        users, groups = _load_pages(a, "users"), _load_pages(a, "groups")
    world = World(users=users, groups=groups, tickets={t["id"]: t for t in chosen}, audits=audits,
                  metrics=metrics, ratings=ratings)
    # a few deleted tickets, spread over the world (the incremental export lists them deleted)
    for tid in sorted(ids)[1 :: max(1, tickets // max(deleted, 1))][:deleted]:
        world.tickets[tid]["status"] = "deleted"
    return world


def write_export(world: World, directory: str | Path, *, page_size: int = 100) -> Path:
    """The same world as a Zendesk export directory for `cxpulse import zendesk DIR`
    (docs/zendesk.md): users, groups, tickets (deleted ones included, as the incremental
    export lists them), ticket_metrics, satisfaction_ratings and audits/<id>.json."""
    from tests.zendesk_export import _write_pages

    root = Path(directory)
    (root / "audits").mkdir(parents=True, exist_ok=True)
    tickets = sorted(world.tickets.values(), key=lambda t: t["id"])
    _write_pages(root, "users", "users", world.users, page_size)
    _write_pages(root, "groups", "groups", world.groups, page_size)
    _write_pages(root, "tickets", "tickets", tickets, page_size)
    _write_pages(root, "ticket_metrics", "ticket_metrics",
                 [world.metrics[t["id"]] for t in tickets if t["id"] in world.metrics], page_size)
    _write_pages(root, "satisfaction_ratings", "satisfaction_ratings",
                 sorted(world.ratings, key=lambda r: r["id"]), page_size)
    if world.survey_responses is not None:
        _write_pages(root, "survey_responses", "survey_responses",
                     sorted(world.survey_responses, key=lambda r: r["id"]), page_size)
    for t in tickets:
        items = world.audits.get(t["id"], [])
        body = {"audits": items, "next_page": None, "previous_page": None, "count": len(items)}
        (root / "audits" / f"{t['id']}.json").write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return root
