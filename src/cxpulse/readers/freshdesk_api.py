"""Freshdesk API v2 pages → cxpulse records (pure: the sync fetches, this reads).

What is read, as the Freshdesk v2 reference documents it:

    GET /api/v2/agents                                  → User (agent): id, contact.name/email
    GET /api/v2/groups                                  → names for group ids (nothing stored)
    GET /api/v2/tickets?include=stats,requester,description&updated_since=…
                                                        → Ticket, its requester (User, customer),
                                                          the events its fields and stats imply
    GET /api/v2/tickets?filter=deleted|spam&updated_since=… → Ticket with status `deleted`
    GET /api/v2/tickets/{id}/conversations              → TicketEvent (comment) per reply or note
    GET /api/v2/surveys/satisfaction_ratings?created_since=…
                                                        → Response (CSAT, 1–5)

Codes become the words the Freshdesk CSV mapping gives the same ticket
(examples/freshdesk-tickets.toml, readers/csv_reader.py), so a file import and a sync
store the same values: the status code is Freshdesk's label (2 Open, 3 Pending,
4 Resolved, 5 Closed) read through the CSV reader's own status words (`Resolved` →
`solved`); a custom status (6 and up, the account's own) is an open state, stored `open`.
Priority (1 Low … 4 Urgent) and source (1 Email, 2 Portal, 3 Phone, 7 Chat, 9 Feedback
Widget, 10 Outbound Email; another code is kept as its number) are stored as the labels
the CSV export writes. A rating's `ratings.default_question` (103 Extremely Happy … -103
Extremely Unhappy) is its label's score on 1–5, as the mapping scores the CSV's survey
results (`RATING_SCORES`; 7-, 5- and 3-point surveys use a subset of the seven values).

Events use the CSV reader's ids where they say the same thing, so moving from file
imports to a connection overwrites the file's events instead of adding to them:
- `{id}:created` — the description (`description_text`), by the requester; by the agent
  on an outbound email (source 10), which an agent writes;
- `{id}:assigned` — the responder, at creation (the list gives no assignment time);
- `{id}:first-reply` — the first public conversation by an agent; without one, the
  stats' `first_responded_at` as a comment without a body (as the CSV's first reply);
- `{id}:solved` at `stats.resolved_at` (else `closed_at`), `{id}:closed` at `closed_at`;
- `{id}:status` — solved → open at `stats.reopened_at`: a reopen. The stats keep only the
  last solve, so when the ticket was solved again after the reopen (or no solve time is
  given) the solve it was reopened from is `{id}:solved-before-reopen` at the reopen
  itself: the reopen counts, and the wait before it is counted as open;
- `{id}:pending` at `stats.pending_since` while pending;
- `{id}:status-now` — the status it is in now, at `stats.status_updated_at`: a ticket that
  left a status an earlier sync stored (pending, then open again) ends in the right one.
Every other conversation is a comment with its own id: by an agent when `user_id` is one
of the agents (else by the requester, else by whoever `incoming` says: true = from
outside, a customer), public unless `private` (a note).

A rating is one per ticket and kind, as in the CSV (`{ticket_id}:rating:csat`): the
latest a page holds wins, and a re-rating replaces the earlier answer. Its time is
`created_at`, its agent `agent_id`, its comment `feedback`. Other questions of a custom
survey (`question_2`…) are not read.

A bad field of an item that can be stored is left out with a `Reject(kept=True)` naming
it; an item without a usable id or creation time is rejected whole. `path` names the
endpoint and page a reject came from; `line` is the item's 1-based place in that page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from cxpulse.domain import EventKind, ResponseKind, Role, Scale, Ticket, TicketEvent, User
from cxpulse.domain.types import DONE_STATES, OPEN_STATES, Response
from cxpulse.readers import fields
from cxpulse.readers.base import Record, Reject, RowError, Stream
from cxpulse.readers.csv_mapping import STATUS_WORDS

__all__ = [
    "PRIORITY_LABELS", "RATING_LABELS", "RATING_SCORES", "SOURCE_LABELS", "STATUS_LABELS", "Desk", "read_agents",
    "read_ratings", "read_tickets", "status_of",
]  # fmt: skip

STATUS_LABELS = {2: "Open", 3: "Pending", 4: "Resolved", 5: "Closed"}
PRIORITY_LABELS = {1: "Low", 2: "Medium", 3: "High", 4: "Urgent"}
SOURCE_LABELS = {1: "Email", 2: "Portal", 3: "Phone", 7: "Chat", 9: "Feedback Widget", 10: "Outbound Email"}
OUTBOUND_EMAIL = 10
RATING_LABELS = {103: "Extremely Happy", 102: "Very Happy", 101: "Happy", 100: "Neutral",
                 -101: "Unhappy", -102: "Very Unhappy", -103: "Extremely Unhappy"}
# A label's score on 1–5, as examples/freshdesk-tickets.toml scores the CSV's survey results
# (tests/test_sync_freshdesk.py keeps the two in step): Freshdesk counts every happy answer
# as satisfied, and so does CSAT's top-2-box here.
RATING_SCORES = {"Extremely Happy": 5, "Very Happy": 4, "Happy": 4, "Neutral": 3,
                 "Unhappy": 2, "Very Unhappy": 2, "Extremely Unhappy": 1}

# domain attribute → the Freshdesk field it came from (for rejects)
_NAMES = {
    "source_id": "id", "subject": "subject", "description": "description_text", "channel": "source",
    "group": "group_id", "category": "type", "requester_id": "requester_id", "assignee_id": "responder_id",
    "due_at": "due_by", "solved_at": "stats.resolved_at", "author_id": "user_id", "body": "body_text",
    "at": "created_at", "given_at": "created_at", "customer_id": "user_id", "agent_id": "agent_id",
    "comment": "feedback",
}  # fmt: skip


@dataclass
class Desk:
    """What ticket pages refer to by id, known before them: the agents and the group names."""

    agents: set[str] = field(default_factory=set)
    groups: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, agents: Iterable[Any], groups: Iterable[Any]) -> Desk:
        """From the agents and groups list pages (items that are not objects are skipped here;
        `read_agents` rejects them)."""
        return cls(
            agents={str(a["id"]) for a in agents if isinstance(a, dict) and a.get("id") is not None},
            groups={str(g["id"]): str(g.get("name") or "") for g in groups if isinstance(g, dict)
                    and g.get("id") is not None},
        )


def status_of(code: Any) -> str:
    """A ticket's status code as cxpulse's word, through the CSV reader's words for Freshdesk's labels."""
    if isinstance(code, bool) or not isinstance(code, int):
        raise RowError("status", f"{code!r} is not a Freshdesk status code (2 Open, 3 Pending, 4 Resolved, 5 Closed)")
    label = STATUS_LABELS.get(code)
    if label is None:
        return "open"  # a custom status (6 and up): the ticket is still being worked on
    key = label.casefold()
    return STATUS_WORDS.get(key) or key


def read_agents(agents: Iterable[Any], path: str = "/api/v2/agents") -> Stream:
    """Agents as users with the agent role; a contact's name and email are the agent's."""
    for n, a in enumerate(agents, 1):
        try:
            if not isinstance(a, dict):
                raise RowError("(agent)", "expected a JSON object")
            contact = a.get("contact") if isinstance(a.get("contact"), dict) else {}
            user = User(source_id=fields.required_id(a), role=Role.AGENT, name=fields.text(contact, "name"),
                        email=fields.text(contact, "email"), locale=fields.text(contact, "language"))
        except RowError as e:
            yield Reject(path, n, e.field, e.reason, _raw(a))
            continue
        yield from _screened([("user", user)], [], path, n, a)


def read_tickets(tickets: Iterable[Any], conversations: Mapping[str, list], desk: Desk, *,
                 path: str = "/api/v2/tickets", deleted: bool = False) -> Stream:
    """A page of tickets (with `stats`, `requester`, `description` included) and each one's
    conversations (by ticket id as text) → users, tickets and events. `deleted`: the
    page is of `filter=deleted` or `filter=spam`, its tickets are stored with the status
    `deleted` (as Zendesk's spam is) and their events as they were."""
    for n, t in enumerate(tickets, 1):
        bad: list[RowError] = []
        try:
            if not isinstance(t, dict):
                raise RowError("(ticket)", "expected a JSON object")
            out = _ticket(t, conversations, desk, deleted, bad)
        except RowError as e:
            yield Reject(path, n, e.field, e.reason, _raw(t))
            continue
        yield from _screened(out, bad, path, n, t)


def read_ratings(ratings: Iterable[Any], path: str = "/api/v2/surveys/satisfaction_ratings") -> Stream:
    """Satisfaction ratings → CSAT responses on 1–5, one per ticket (the latest wins: they
    are yielded oldest first, so the last written is the latest)."""
    items: list[tuple[datetime, str, int, Any]] = []
    for n, r in enumerate(ratings, 1):
        try:
            if not isinstance(r, dict):
                raise RowError("(rating)", "expected a JSON object")
            at = fields.timestamp(r.get("created_at"), "created_at")
            items.append((at, fields.required_id(r), n, r))  # type: ignore[arg-type]
        except RowError as e:
            yield Reject(path, n, e.field, e.reason, _raw(r))
    for at, rid, n, r in sorted(items, key=lambda x: (x[0], x[1].zfill(20))):
        try:
            response = _response(r, at, rid)
        except RowError as e:
            yield Reject(path, n, e.field, e.reason, _raw(r))
            continue
        yield from _screened([("response", response)], [], path, n, r)


# ---- one item --------------------------------------------------------------------------------


def _ticket(t: dict, conversations: Mapping[str, list], desk: Desk, deleted: bool,
            bad: list[RowError]) -> list[tuple[str, Any]]:
    tid = fields.required_id(t)
    created = fields.timestamp(t.get("created_at"), "created_at")
    assert created is not None
    stats = t.get("stats") if isinstance(t.get("stats"), dict) else {}

    def keep(fn, default, name: str | None = None):
        try:
            return fn()
        except RowError as e:
            bad.append(RowError(name or e.field, e.reason))
            return default

    status = "deleted" if deleted else keep(lambda: status_of(t.get("status")), "open")

    def when(name: str) -> datetime | None:
        return keep(lambda: fields.timestamp(stats.get(name), name, required=False), None, f"stats.{name}")

    requester = _id_text(t, "requester_id", bad)
    responder = _id_text(t, "responder_id", bad)
    group = _id_text(t, "group_id", bad)
    resolved, closed = when("resolved_at"), when("closed_at")
    solved_at = (resolved or closed) if status in DONE_STATES else None
    ticket = Ticket(
        source_id=tid,
        created_at=created,
        updated_at=keep(lambda: fields.timestamp(t.get("updated_at"), "updated_at", required=False), None),
        subject=keep(lambda: fields.text(t, "subject"), ""),
        description=keep(lambda: fields.text(t, "description_text"), ""),
        status=status,
        channel=_label(t.get("source"), SOURCE_LABELS),
        priority=_label(t.get("priority"), PRIORITY_LABELS),
        group=desk.groups.get(group) or group,  # a group not listed (deleted since): its id, as for Zendesk
        category=keep(lambda: fields.text(t, "type"), ""),
        requester_id=requester,
        assignee_id=responder,
        solved_at=solved_at,
        due_at=keep(lambda: fields.timestamp(t.get("due_by"), "due_by", required=False), None),
        tags=keep(lambda: fields.tags(t.get("tags")), ()),  # SLA policies match on them
    )
    out: list[tuple[str, Any]] = []
    person = t.get("requester")
    if isinstance(person, dict) and requester and requester not in desk.agents:
        name = keep(lambda: fields.text(person, "name"), "", "requester.name")
        email = keep(lambda: fields.text(person, "email"), "", "requester.email")
        out.append(("user", User(source_id=requester, role=Role.CUSTOMER, name=name, email=email)))
    out.append(("ticket", ticket))
    if deleted:  # its events stay as the last sync stored them
        return out

    def ev(suffix: str, at: datetime, kind: EventKind, **kw) -> tuple[str, TicketEvent]:
        return "event", TicketEvent(f"{tid}:{suffix}", tid, at, kind, **kw)

    if responder:
        out.append(ev("assigned", created, EventKind.ASSIGNEE, value_to=responder))
    if t.get("source") == OUTBOUND_EMAIL:  # an agent wrote the description
        out.append(ev("created", created, EventKind.COMMENT, author_id=responder, author_role=Role.AGENT,
                      body=ticket.description))
    else:
        out.append(ev("created", created, EventKind.COMMENT, author_id=requester, author_role=Role.CUSTOMER,
                      body=ticket.description))
    replies = _conversations(tid, conversations.get(tid) or [], requester, desk, bad)
    if not any(e.source_id == f"{tid}:first-reply" for e in replies):
        first = when("first_responded_at")
        if first is not None:
            out.append(ev("first-reply", first, EventKind.COMMENT, author_id=responder, author_role=Role.AGENT))
    out.extend(("event", e) for e in replies)
    last_solve = None
    if resolved is not None:
        out.append(ev("solved", resolved, EventKind.STATUS, value_from="open", value_to="solved"))
        last_solve = resolved
    if closed is not None:
        before = "solved" if resolved else "open"
        out.append(ev("closed", closed, EventKind.STATUS, value_from=before, value_to="closed"))
        last_solve = max(last_solve or closed, closed)
    reopened = when("reopened_at")
    if reopened is not None and (status in OPEN_STATES or last_solve is None or reopened < last_solve):
        if not (resolved and resolved < reopened) and not (closed and closed < reopened):
            # solved again since (the stats keep only the last solve), or no solve kept: the solve it
            # was reopened from is known only to have come before; at the reopen it counts the reopen
            out.append(ev("solved-before-reopen", reopened, EventKind.STATUS, value_from="open", value_to="solved"))
        out.append(ev("status", reopened, EventKind.STATUS, value_from="solved", value_to="open"))
    pending = when("pending_since")
    if status == "pending" and pending is not None:
        out.append(ev("pending", pending, EventKind.STATUS, value_from="open", value_to="pending"))
    changed = when("status_updated_at")
    if changed is not None:  # the status it is in now, since then: it ends what earlier syncs stored
        out.append(ev("status-now", changed, EventKind.STATUS, value_to=status))
    return out


def _conversations(tid: str, convs: list, requester: str, desk: Desk, bad: list[RowError]) -> list[TicketEvent]:
    """A ticket's conversations as comment events, oldest first; the first public agent one
    is `{tid}:first-reply`. A conversation that cannot be read is left out, named."""
    events: list[TicketEvent] = []
    for i, c in enumerate(convs):
        try:
            if not isinstance(c, dict):
                raise RowError("(conversation)", "expected a JSON object")
            cid = fields.required_id(c)
            at = fields.timestamp(c.get("created_at"), "created_at")
            author = _id_text(c, "user_id", [])
            private = fields.boolean(c.get("private"), "private", default=False)
            incoming = fields.boolean(c.get("incoming"), "incoming", default=False)
            body = fields.text(c, "body_text") or fields.text(c, "body")
        except RowError as e:
            bad.append(RowError(f"conversations[{i}].{e.field}", e.reason))
            continue
        if author in desk.agents:
            role = Role.AGENT
        elif author and author == requester:
            role = Role.CUSTOMER
        else:
            role = Role.CUSTOMER if incoming else Role.AGENT
        events.append(TicketEvent(cid, tid, at, EventKind.COMMENT,  # type: ignore[arg-type]
                                  author_id=author, author_role=role, public=not private, body=body))
    events.sort(key=lambda e: (e.at, e.source_id.zfill(20)))
    first = next((e for e in events if e.author_role is Role.AGENT and e.public), None)
    if first is not None:
        first.source_id = f"{tid}:first-reply"
    return events


def _response(r: dict, at: datetime, rid: str) -> Response:
    ratings = r.get("ratings")
    value = ratings.get("default_question") if isinstance(ratings, dict) else None
    label = RATING_LABELS.get(value) if isinstance(value, int) and not isinstance(value, bool) else None
    if label is None:
        known = ", ".join(f"{v} {k}" for v, k in RATING_LABELS.items())
        raise RowError("ratings.default_question", f"{value!r} is not a Freshdesk rating ({known})")
    tid = _id_text(r, "ticket_id", [])
    return Response(
        source_id=f"{tid}:rating:{ResponseKind.CSAT.value}" if tid else f"fd-rating-{rid}",
        given_at=at, kind=ResponseKind.CSAT, scale=Scale.FIVE, score=RATING_SCORES[label], ticket_id=tid,
        customer_id=_id_text(r, "user_id", []), agent_id=_id_text(r, "agent_id", []),
        comment=fields.text(r, "feedback") if isinstance(r.get("feedback"), str) else "",
    )


# ---- helpers ---------------------------------------------------------------------------------


def _screened(out: list[tuple[str, Any]], bad: list[RowError], path: str, n: int, item: Any) -> Iterator:
    """The item's records within the limits of every store; a ticket or user beyond them
    rejects the item, another record is left out alone (named), and its bad fields too."""
    raw = _raw(item)
    for kind, obj in out:
        try:
            left = fields.screen(kind, obj, _NAMES)
        except RowError as e:
            if kind == "ticket":
                yield Reject(path, n, e.field, e.reason, raw)
                return
            yield Reject(path, n, f"({kind} {obj.source_id[:60]}).{e.field}", e.reason, raw, kept=True)
            continue
        yield Record(kind, obj, None, path, n)
        bad = bad + left
    for e in bad:
        yield Reject(path, n, e.field, e.reason, raw, kept=True)


def _id_text(d: dict, name: str, bad: list[RowError]) -> str:
    """An id field as text; "" for null; a value that is no id is left out (in `bad`)."""
    v = d.get(name)
    if v is None or v == "":
        return ""
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        bad.append(RowError(name, f"expected an id, got {v!r}"))
        return ""
    return str(v)


def _label(code: Any, labels: Mapping[int, str]) -> str:
    """A documented code's label; another code as its number; null as ""."""
    if code is None or isinstance(code, bool):
        return ""
    return labels.get(code, str(code)) if isinstance(code, int) else str(code)


def _raw(item: Any) -> str:
    try:
        return orjson.dumps(item, default=str).decode("utf-8")
    except TypeError:
        return repr(item)
