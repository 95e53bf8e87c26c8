"""A fake Freshdesk API v2 on 127.0.0.1, serving a world given as Python data.

The endpoints a live sync reads, with the shapes Freshdesk documents, and the faults and
counts of tests/fakes/server.py. The world is a Zendesk fake world restated in Freshdesk's
terms (`from_zendesk`), so both fakes can serve the same help desk.

References used:
- Freshdesk API v2 reference, https://developers.freshdesk.com/api/ (List All Tickets:
  `updated_since`, `include=stats`, `order_by`/`order_type`, `page`/`per_page` ≤ 100, a
  `Link: <…>; rel="next"` header while more pages follow, and by default only tickets
  created in the past 30 days; List All Conversations of a Ticket; Surveys → List All
  Satisfaction Ratings with `created_since`; List All Agents; List All Groups; basic
  auth with the API key as the user name and "X" as the password; rate-limit headers
  `X-RateLimit-Total`, `X-RateLimit-Remaining`, `X-RateLimit-Used-CurrentRequest`, and a
  429 with `Retry-After` seconds; `include` takes `stats`, `requester` (the requester's
  id, name, email, mobile, phone) and `description` (without it the list has no
  description fields), each costing 2 more credits; `filter=deleted` lists the deleted
  tickets, which the default list leaves out; a page past 300 is not served). Found through
  Freshdesk's support article "Is there an
  API to list all the tickets…", https://support.freshdesk.com/support/solutions/articles/226868
  and the Airbyte connector discussion https://github.com/airbytehq/airbyte/pull/6442
  ("By default, only tickets that have been created within the past 30 days will be
  returned. For older tickets, use this parameter" — `updated_since`).
- Rate limits per plan (e.g. legacy Enterprise 700/min, ticket list 200/min), summarised at
  https://apis.io/rate-limits/freshdesk/freshdesk-rate-limits/ ; 429 with Retry-After.
- List All Tickets' `include` (stats, requester, description; 2 credits each) and `filter`
  (new_and_my_open, watching, spam, deleted) as the reference lists them, summarised at
  https://www.withone.ai/knowledge/freshdesk/ (List All Tickets); "max page 300" for the list.
- Rating values (103 … -103 on `ratings.default_question`; labels Extremely Happy, Very
  Happy, Happy, Neutral, Unhappy, Very Unhappy, Extremely Unhappy) and status/source/priority
  codes as the reference lists them: status 2 open, 3 pending, 4 resolved, 5 closed;
  priority 1 low … 4 urgent; source 1 email, 2 portal, 3 phone, 7 chat.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from tests.fakes.server import FakeServer
from tests.fakes.zendesk_api import World as ZendeskWorld

RATE_LIMIT = 700  # per minute, legacy Enterprise (see the rate-limit source above)
AUTH_ERROR = {"code": "invalid_credentials", "message": "You have to be logged in to perform this action."}
STATUS = {"new": 2, "open": 2, "pending": 3, "hold": 3, "solved": 4, "closed": 5}
PRIORITY = {"low": 1, "normal": 2, "high": 3, "urgent": 4, None: 1}
SOURCE = {"email": 1, "web": 2, "voice": 3, "chat": 7}
RATING = {"good": 103, "bad": -103}  # a 3-point survey: extremely happy / unhappy


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ts(iso: str) -> int:
    return int(datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


@dataclass
class FreshdeskWorld:
    """A Freshdesk account in its own shapes."""

    agents: list[dict]
    contacts: dict[int, dict]  # requesters (not served; for tests that check names)
    groups: list[dict]
    tickets: dict[int, dict]  # id → ticket with its `stats`
    conversations: dict[int, list[dict]]  # ticket id → its conversations (the first message is the description)
    ratings: list[dict]  # satisfaction ratings (only answered surveys exist in Freshdesk)
    _next_id: int = 70_000_000_001

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id


def from_zendesk(zw: ZendeskWorld) -> FreshdeskWorld:
    """The same help desk as Freshdesk would hold it: comments after the first become
    conversations (agent replies and notes, requester replies `incoming`), good/bad
    ratings become 103/-103, deleted tickets are marked `deleted` (Freshdesk lists them only
    under `filter=deleted`) and their ratings left out."""
    users = {u["id"]: u for u in zw.users}
    agents = [{"id": u["id"], "available": True, "occasional": False, "signature": None, "ticket_scope": 1,
               "created_at": u["created_at"], "updated_at": u["updated_at"], "type": "support_agent",
               "contact": {"active": True, "email": u["email"], "job_title": None, "language": "en",
                           "mobile": None, "name": u["name"], "phone": None, "time_zone": "UTC",
                           "created_at": u["created_at"], "updated_at": u["updated_at"]}}
              for u in zw.users if u["role"] != "end-user"]
    contacts = {u["id"]: {"id": u["id"], "name": u["name"], "email": u["email"]} for u in zw.users
                if u["role"] == "end-user"}
    groups = [{"id": g["id"], "name": g["name"], "description": None, "created_at": g.get("created_at"),
               "updated_at": g.get("updated_at")} for g in zw.groups]
    tickets: dict[int, dict] = {}
    conversations: dict[int, list[dict]] = {}
    for tid, t in zw.tickets.items():
        comments, stats = [], {"agent_responded_at": None, "requester_responded_at": None,
                               "first_responded_at": None, "status_updated_at": None, "reopened_at": None,
                               "resolved_at": None, "closed_at": None, "pending_since": None}
        for a in zw.audits.get(tid, []):
            for e in a["events"]:
                if e["type"] == "Comment":
                    comments.append((a["created_at"], e))
                elif e["type"] in ("Create", "Change") and e["field_name"] == "status":
                    stats["status_updated_at"] = a["created_at"]
                    if e["value"] in ("solved", "closed"):
                        stats["resolved_at"] = a["created_at"]
                    if e["value"] == "pending":
                        stats["pending_since"] = a["created_at"]
                    if e.get("previous_value") in ("solved", "closed") and e["value"] not in ("solved", "closed"):
                        stats["reopened_at"] = a["created_at"]
        convs = []
        for at, e in comments[1:]:
            incoming = e["author_id"] == t["requester_id"]
            convs.append({"id": e["id"], "body": e["html_body"], "body_text": e["body"], "incoming": incoming,
                          "private": not e["public"], "user_id": e["author_id"], "support_email": None,
                          "source": 0 if e["public"] else 2, "category": 2, "ticket_id": tid,
                          "to_emails": [], "from_email": None, "cc_emails": [], "bcc_emails": None,
                          "attachments": [], "created_at": at, "updated_at": at})
            if not incoming and e["public"]:
                stats["agent_responded_at"] = at
                stats["first_responded_at"] = stats["first_responded_at"] or at
            elif incoming:
                stats["requester_responded_at"] = at
        conversations[tid] = convs
        description = comments[0][1]["body"] if comments else t["description"]
        tickets[tid] = {
            "id": tid, "subject": t["subject"], "description": f"<div>{description}</div>",
            "description_text": description, "status": STATUS.get(t["status"], 2),
            "priority": PRIORITY.get(t["priority"], 1), "source": SOURCE.get(t["via"]["channel"], 2),
            "type": t["type"].capitalize() if t["type"] else None, "requester_id": t["requester_id"],
            "responder_id": t["assignee_id"], "group_id": t["group_id"], "company_id": None,
            "product_id": None, "email_config_id": None, "tags": t["tags"], "cc_emails": [], "fwd_emails": [],
            "reply_cc_emails": [], "to_emails": None, "fr_escalated": False, "is_escalated": False, "spam": False,
            "custom_fields": {}, "due_by": None, "fr_due_by": None,
            "created_at": t["created_at"], "updated_at": t["updated_at"], "stats": stats,
        }
        if t["status"] == "deleted":
            tickets[tid] |= {"deleted": True, "status": 5}
    ratings = [{"id": r["id"], "survey_id": 50_000_000_001, "user_id": r["requester_id"], "agent_id": r["assignee_id"],
                "feedback": r.get("comment") or "", "group_id": r["group_id"], "ticket_id": r["ticket_id"],
                "created_at": r["updated_at"], "updated_at": r["updated_at"],
                "ratings": {"default_question": RATING[r["score"]]}}
               for r in zw.ratings if r["score"] in RATING and r["ticket_id"] in tickets
               and not tickets[r["ticket_id"]].get("deleted")]
    return FreshdeskWorld(agents=agents, contacts=contacts, groups=groups, tickets=tickets,
                          conversations=conversations, ratings=ratings)


@dataclass
class FakeFreshdesk(FakeServer):
    """The fake: `with fake.running(): httpx.get(fake.url + "/api/v2/tickets", auth=fake.auth)`."""

    world: FreshdeskWorld
    api_key: str = "fakeFreshdeskKey0001"
    per_page: int = 30  # Freshdesk's default; `per_page` up to 100
    max_page: int = 300  # the last page the ticket list serves
    list_limit: int | None = None  # requests/minute on the ticket list, or off (Enterprise: 200)

    @property
    def auth(self) -> tuple[str, str]:
        """The API key as the user name, "X" as the password."""
        return (self.api_key, "X")

    def authorised(self, header: str) -> bool:
        if not header.startswith("Basic "):
            return False
        try:
            user, _, _ = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == self.api_key  # Freshdesk ignores the password ("X" by convention)

    def unauthorised(self) -> tuple[int, dict]:
        return 401, AUTH_ERROR

    def rate_headers(self, limit: int, remaining: int) -> dict[str, str]:
        return {"X-RateLimit-Total": str(limit), "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Used-CurrentRequest": "1"}

    def bad_request(self, endpoint: str, q: dict[str, str]) -> tuple[int, dict] | None:
        if endpoint == "tickets" and int(q.get("page", 1)) > self.max_page:
            return 400, {"description": "Validation failed", "errors": [
                {"field": "page", "message": f"It should be less than or equal to {self.max_page}",
                 "code": "invalid_value"}]}
        return None

    def limit_for(self, endpoint: str) -> tuple[str, int]:
        if endpoint == "tickets" and self.list_limit:
            return "tickets", self.list_limit
        return "account", RATE_LIMIT

    # -- control API --

    def change_ticket(self, ticket_id: int, *, status: int | None = None, reply: str | None = None,
                      user_id: int | None = None, private: bool = False) -> dict:
        """Change a ticket now: a new conversation and/or status; updated_at moves."""
        with self._lock:
            t = self.world.tickets[ticket_id]
            latest = max(_ts(x["updated_at"]) for x in self.world.tickets.values())
            at = _iso(max(int(time.time()), latest + 1))
            if reply is not None:
                uid = user_id if user_id is not None else t["requester_id"]
                self.world.conversations.setdefault(ticket_id, []).append({
                    "id": self.world.new_id(), "body": f"<div>{reply}</div>", "body_text": reply,
                    "incoming": uid == t["requester_id"], "private": private, "user_id": uid,
                    "support_email": None, "source": 2 if private else 0, "category": 2, "ticket_id": ticket_id,
                    "to_emails": [], "from_email": None, "cc_emails": [], "bcc_emails": None, "attachments": [],
                    "created_at": at, "updated_at": at})
                if not private and uid != t["requester_id"]:
                    t["stats"]["agent_responded_at"] = at
                    t["stats"]["first_responded_at"] = t["stats"]["first_responded_at"] or at
            if status is not None:
                stats = t["stats"]
                if t["status"] in (4, 5) and status in (2, 3):
                    stats["reopened_at"] = at
                if status == 4:
                    stats["resolved_at"] = at
                if status == 5:
                    stats["closed_at"] = at
                    stats["resolved_at"] = stats["resolved_at"] or at
                if status == 3:
                    stats["pending_since"] = at
                t["status"] = status
                stats["status_updated_at"] = at
            t["updated_at"] = at
            return t

    def delete_ticket(self, ticket_id: int, *, spam: bool = False) -> dict:
        """Delete a ticket now (to the trash), or mark it spam: listed only under
        `filter=deleted` (`filter=spam`) from now on."""
        with self._lock:
            t = self.world.tickets[ticket_id]
            latest = max(_ts(x["updated_at"]) for x in self.world.tickets.values())
            t["spam" if spam else "deleted"] = True
            t["updated_at"] = _iso(max(int(time.time()), latest + 1))
            return t

    def rate(self, ticket_id: int, value: int, feedback: str = "") -> dict:
        """A satisfaction rating of the ticket, created now (`value` on 103 … -103)."""
        with self._lock:
            t = self.world.tickets[ticket_id]
            latest = max([_ts(r["created_at"]) for r in self.world.ratings] + [_ts(t["updated_at"])])
            at = _iso(max(int(time.time()), latest + 1))
            rating = {"id": self.world.new_id(), "survey_id": 50_000_000_001, "user_id": t["requester_id"],
                      "agent_id": t["responder_id"], "feedback": feedback, "group_id": t["group_id"],
                      "ticket_id": ticket_id, "created_at": at, "updated_at": at,
                      "ratings": {"default_question": value}}
            self.world.ratings.append(rating)
            return rating

    # -- the endpoints --

    def _paged(self, items: list[dict], q: dict[str, str], base: str, path: str) -> tuple[list, dict]:
        per_page = min(int(q.get("per_page", self.per_page)), 100)
        page = int(q.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            headers["Link"] = f'<{base}{path}?{urlencode({**q, "page": page + 1})}>; rel="next"'
        return chunk, headers

    def tickets_page(self, q: dict[str, str], base: str) -> tuple[list, dict]:
        """GET /api/v2/tickets?updated_since=…&include=stats&order_by=updated_at&order_type=asc&page=N&per_page=M"""
        with self._lock:
            items = list(self.world.tickets.values())
        if q.get("filter") == "spam":
            items = [t for t in items if t.get("spam") and not t.get("deleted")]
        else:  # the default list leaves out the deleted and the spam; filter=deleted lists the deleted
            deleted = q.get("filter") == "deleted"
            items = [t for t in items if bool(t.get("deleted")) == deleted and (deleted or not t.get("spam"))]
        if "updated_since" in q:
            since = _ts(q["updated_since"].replace(".000", ""))
            items = [t for t in items if _ts(t["updated_at"]) >= since]
        else:  # without updated_since: only tickets created in the past 30 days
            cutoff = datetime.now(UTC) - timedelta(days=30)
            items = [t for t in items if _ts(t["created_at"]) >= cutoff.timestamp()]
        key = q.get("order_by", "created_at")
        items.sort(key=lambda t: (t[key] if key in t else t["created_at"], t["id"]),
                   reverse=q.get("order_type", "desc") == "desc")
        include = q.get("include", "").split(",")
        items = [t if "stats" in include else {k: v for k, v in t.items() if k != "stats"} for t in items]
        if "description" not in include:
            items = [{k: v for k, v in t.items() if k not in ("description", "description_text")} for t in items]
        if "requester" in include:
            items = [{**t, "requester": self._requester(t["requester_id"])} for t in items]
        return self._paged(items, q, base, "/api/v2/tickets")

    def _requester(self, uid: int) -> dict:
        c = self.world.contacts.get(uid) or next(({"name": a["contact"]["name"], "email": a["contact"]["email"]}
                                                 for a in self.world.agents if a["id"] == uid), {})
        return {"id": uid, "name": c.get("name"), "email": c.get("email"), "mobile": None, "phone": None}

    def conversations_page(self, q: dict[str, str], base: str, ticket_id: str) -> tuple[list, dict]:
        """GET /api/v2/tickets/{id}/conversations"""
        with self._lock:
            items = list(self.world.conversations.get(int(ticket_id), []))
        return self._paged(items, q, base, f"/api/v2/tickets/{ticket_id}/conversations")

    def ratings_page(self, q: dict[str, str], base: str) -> tuple[list, dict]:
        """GET /api/v2/surveys/satisfaction_ratings?created_since=…"""
        items = sorted(self.world.ratings, key=lambda r: (r["created_at"], r["id"]))
        if "created_since" in q:
            since = _ts(q["created_since"].replace(".000", ""))
            items = [r for r in items if _ts(r["created_at"]) >= since]
        return self._paged(items, q, base, "/api/v2/surveys/satisfaction_ratings")

    def agents_page(self, q: dict[str, str], base: str) -> tuple[list, dict]:
        """GET /api/v2/agents"""
        return self._paged(self.world.agents, q, base, "/api/v2/agents")

    def groups_page(self, q: dict[str, str], base: str) -> tuple[list, dict]:
        """GET /api/v2/groups"""
        return self._paged(self.world.groups, q, base, "/api/v2/groups")


FakeFreshdesk.routes = {
    "/api/v2/tickets": ("tickets", FakeFreshdesk.tickets_page),
    "/api/v2/tickets/{id}/conversations": ("conversations", FakeFreshdesk.conversations_page),
    "/api/v2/surveys/satisfaction_ratings": ("satisfaction_ratings", FakeFreshdesk.ratings_page),
    "/api/v2/agents": ("agents", FakeFreshdesk.agents_page),
    "/api/v2/groups": ("groups", FakeFreshdesk.groups_page),
}
