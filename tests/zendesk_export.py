"""Demo data written as a Zendesk Support export: what the API's list endpoints return.

`write_zendesk_export(directory, records)` takes the demo generator's records
(`cxpulse.demo.generate`) of one account and saves them as docs/zendesk.md says a user
saves them with curl: `users*.json`, `groups*.json`, `tickets*.json` (each ticket with
its embedded `satisfaction_rating`) and, per ticket, `audits/<id>.json` — or, with
`with_audits=False`, `comments/<id>.json` plus `ticket_metrics*.json`. Optionally
`satisfaction_ratings*.json` too. Pages of `page_size` items sit side by side
(`tickets.json`, `tickets-2.json`, …) with the cursor `meta`/`links` the API adds.

It is faithful to Zendesk, not to cxpulse: integer ids, second-precision `Z` times, the
real field names and value sets, and nothing Zendesk would not know:

- ratings are good/bad: a 1–5 CSAT of 4–5 is `good`, 1–3 `bad` (binary: 1/0); a ticket
  whose survey went out unanswered is `offered`, one never surveyed `unoffered`. CES, NPS
  and CSI answers have no place in the legacy CSAT API and are left out;
- a ticket's `type` is one of question/incident/problem/task (the demo's category goes
  to `tags`, as help desks do), `via.channel` a Zendesk channel (a phone call is `voice`);
- a ticket's `updated_at` is its last change: its last event, the survey sent or the
  rating given, whichever is latest (rating a ticket updates it);
- events made together become one audit: an event joins the open audit when it comes
  within `AUDIT_WINDOW` of the audit's start and is by the same author or by nobody (the
  system: a trigger's status change rides in the audit of the update that fired it);
  otherwise it opens a new audit, authored by Zendesk itself (-1) when it has no author.
  Every event of an audit carries the audit's time, as in the API. Field events of the
  ticket's first audit are `Create`s, later ones `Change`s with `previous_value`. A rating
  also leaves a `SatisfactionRating` audit event, and the creation audit a `Notification`
  (both are skipped by the importer, as real exports make it do);
- `ticket_metrics` follow Zendesk's definitions, computed from the demo's events:
  first public agent reply, latest solve, requester wait (new/open/hold until the
  solve), agent wait (pending), on hold, reopens, replies, assignee and group stations;
  business minutes on the demo account's own schedule.

Ids: every demo string id is mapped to an integer once, per kind (users, tickets in
order of creation from 1, groups, ratings, metrics, and one sequence shared by audits
and their events, as in Zendesk), so the same records always give the same export.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from cxpulse.domain import (
    DONE_STATES,
    Account,
    EventKind,
    Invitation,
    Response,
    ResponseKind,
    Role,
    Ticket,
    TicketEvent,
    User,
    is_satisfied,
)
from cxpulse.metrics.business_hours import business_minutes

SUBDOMAIN = "acme"
AUDIT_WINDOW = timedelta(seconds=60)
ZENDESK = -1  # author of what Zendesk does itself (triggers, automations)

CHANNELS = {"email": "email", "web": "web", "chat": "chat", "phone": "voice"}
TYPES = {  # Zendesk ticket types: question, incident, problem, task
    "how-to": "question", "account": "question", "billing": "question", "booking": "question",
    "login": "incident", "delivery": "incident", "complaint": "incident", "bug": "problem",
    "refund": "task", "cancellation": "task",
}
FIELDS = {EventKind.STATUS: "status", EventKind.ASSIGNEE: "assignee_id", EventKind.GROUP: "group_id",
          EventKind.PRIORITY: "priority"}
WAITING_ON_AGENT = frozenset({"new", "open", "hold"})
NO_MINUTES: dict[str, None] = {"calendar": None, "business": None}  # a metric not (yet) known
NEW_REQUEST = {"id": 360_005_001, "title": "Notify requester of received request"}  # a trigger


@dataclass
class ExportSummary:
    """What was written: counts and the id maps (demo id → Zendesk id)."""

    account: str
    tickets: int = 0
    users: int = 0
    events: int = 0
    good: int = 0
    bad: int = 0
    offered: int = 0  # surveyed, no answer
    open: int = 0  # not solved/closed at the end
    ticket_ids: dict[str, int] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)

    @property
    def rated(self) -> int:
        return self.good + self.bad


@dataclass
class _Ticket:
    ticket: Ticket
    events: list[TicketEvent] = field(default_factory=list)
    invitation: Invitation | None = None
    response: Response | None = None


# ---- small helpers ----------------------------------------------------------------------


class _Ids:
    """Demo string id → Zendesk integer id, assigned on first sight from `start`."""

    def __init__(self, start: int) -> None:
        self._next = count(start)
        self.map: dict[str, int] = {}

    def __call__(self, key: str) -> int:
        got = self.map.get(key)
        if got is None:
            got = self.map[key] = next(self._next)
        return got

    def get(self, key: str) -> int | None:
        return self(key) if key else None


def _second(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(microsecond=0)


def _iso(at: datetime | None) -> str | None:
    return None if at is None else _second(at).strftime("%Y-%m-%dT%H:%M:%SZ")


def _minutes(a: datetime, b: datetime) -> int:
    return max(0, math.floor((_second(b) - _second(a)).total_seconds() / 60))


def _url(kind: str, id_: int) -> str:
    return f"https://{SUBDOMAIN}.zendesk.com/api/v2/{kind}/{id_}.json"


def _source() -> dict:
    return {"from": {}, "to": {}, "rel": None}


def _write_pages(directory: Path, stem: str, key: str, items: list[dict], page_size: int) -> None:
    """`stem.json`, `stem-2.json`, … each one cursor page `{key: [...], "meta", "links"}`."""
    pages = [items[i : i + page_size] for i in range(0, len(items), page_size)] or [[]]
    base = f"https://{SUBDOMAIN}.zendesk.com/api/v2/{key}.json?page[size]={page_size}"
    for n, page in enumerate(pages, 1):
        more = n < len(pages)
        body = {
            key: page,
            "meta": {"has_more": more, "after_cursor": f"c{n}" if more else None,
                     "before_cursor": f"c{n - 1}" if n > 1 else None},
            "links": {"next": f"{base}&page[after]=c{n}" if more else None,
                      "prev": f"{base}&page[before]=c{n - 1}" if n > 1 else None},
        }
        name = f"{stem}.json" if n == 1 else f"{stem}-{n}.json"
        with (directory / name).open("w", encoding="utf-8") as fh:
            json.dump(body, fh, ensure_ascii=False, separators=(",", ":"))


# ---- the export -----------------------------------------------------------------------------


def write_zendesk_export(
    directory: str | Path,
    records: Iterable[Any],
    *,
    with_audits: bool = True,
    with_rating_file: bool = False,
    account: str = "nordlicht",
    page_size: int = 100,
) -> ExportSummary:
    """Write `account`'s part of the demo records into `directory` as a Zendesk export.

    `with_audits`: per-ticket audits (the full history); else per-ticket comments and
    `ticket_metrics.json`. `with_rating_file`: also `satisfaction_ratings.json` (ratings
    with their own times); without it the ratings live only inside their tickets.
    """
    return _Export(Path(directory), account, page_size).write(records, with_audits, with_rating_file)


class _Export:
    def __init__(self, root: Path, account: str, page_size: int) -> None:
        self.root = root
        self.account_name = account
        self.page_size = page_size
        self.account: Account | None = None
        self.users: dict[str, User] = {}
        self.tickets: dict[str, _Ticket] = {}
        self.user_id = _Ids(381_000_000_001)
        self.ticket_id = _Ids(1)
        self.group_id = _Ids(360_000_101)
        self.event_id = _Ids(24_100_000_001)  # audits, their events and comments share one sequence
        self.rating_id = _Ids(880_000_001)
        self.metric_id = _Ids(33_000_001)
        self.summary = ExportSummary(account)

    # -- reading the records --

    def _collect(self, records: Iterable[Any]) -> None:
        for r in records:
            if r.account != self.account_name:
                continue
            obj = r.obj
            if r.kind == "account":
                self.account = obj
            elif r.kind == "user":
                self.users[obj.source_id] = obj
            elif r.kind == "ticket":
                self.tickets[obj.source_id] = _Ticket(obj)
            elif r.kind == "event":
                self.tickets[obj.ticket_id].events.append(obj)
            elif r.kind == "invitation" and obj.kind == ResponseKind.CSAT and obj.ticket_id in self.tickets:
                self.tickets[obj.ticket_id].invitation = obj
            elif r.kind == "response" and obj.kind == ResponseKind.CSAT and obj.ticket_id in self.tickets:
                t = self.tickets[obj.ticket_id]
                if t.response is None or obj.given_at >= t.response.given_at:
                    t.response = obj
        if not self.tickets:
            raise ValueError(f"no tickets of account {self.account_name!r} in these records")

    def write(self, records: Iterable[Any], with_audits: bool, with_rating_file: bool) -> ExportSummary:
        self._collect(records)
        self.root.mkdir(parents=True, exist_ok=True)
        s = self.summary
        ordered = sorted(self.tickets.values(), key=lambda t: (t.ticket.created_at, t.ticket.source_id))
        for t in ordered:
            t.events.sort(key=lambda e: e.at)  # stable: the demo's order within a second stays
            self.ticket_id(t.ticket.source_id)
        for sid in self.users:
            self.user_id(sid)

        tickets, ratings, metrics = [], [], []
        per_ticket_dir = self.root / ("audits" if with_audits else "comments")
        per_ticket_dir.mkdir(exist_ok=True)
        for t in ordered:
            zid = self.ticket_id(t.ticket.source_id)
            rating = self._rating(t)
            tickets.append(self._ticket(t, rating))
            if rating is not None and with_rating_file:
                ratings.append(self._rating_item(t, rating))
            if with_audits:
                items = list(self._audits(t, rating))
            else:
                items = [self._comment_item(e) for e in t.events if e.kind == EventKind.COMMENT]
                metrics.append(self._metrics(t))
            # the per-ticket endpoints page by offset: next_page, previous_page, count
            body = {per_ticket_dir.name: items, "next_page": None, "previous_page": None, "count": len(items)}
            with (per_ticket_dir / f"{zid}.json").open("w", encoding="utf-8") as fh:
                json.dump(body, fh, ensure_ascii=False, separators=(",", ":"))
            s.tickets += 1
            s.events += len(t.events)
            if t.ticket.status not in DONE_STATES:
                s.open += 1

        _write_pages(self.root, "users", "users", [self._user(u) for u in self.users.values()], self.page_size)
        groups = sorted({e.value_to for t in ordered for e in t.events if e.kind == EventKind.GROUP and e.value_to}
                        | {t.ticket.group for t in ordered if t.ticket.group})
        _write_pages(self.root, "groups", "groups", [self._group(g) for g in groups], self.page_size)
        _write_pages(self.root, "tickets", "tickets", tickets, self.page_size)
        if with_rating_file:
            _write_pages(self.root, "satisfaction_ratings", "satisfaction_ratings", ratings, self.page_size)
        if not with_audits:
            _write_pages(self.root, "ticket_metrics", "ticket_metrics", metrics, self.page_size)
        s.users = len(self.users)
        s.ticket_ids = dict(self.ticket_id.map)
        s.user_ids = dict(self.user_id.map)
        return s

    # -- users and groups --

    def _user(self, u: User) -> dict:
        zid = self.user_id(u.source_id)
        agent = u.role == Role.AGENT
        return {
            "id": zid, "url": _url("users", zid), "name": u.name, "email": u.email,
            "created_at": "2024-01-08T09:00:00Z", "updated_at": "2026-01-05T09:00:00Z",
            "time_zone": None, "iana_time_zone": None, "phone": None, "shared_phone_number": None, "photo": None,
            "locale_id": None, "locale": u.locale or "en-US", "organization_id": None,
            "role": "agent" if agent else "end-user", "verified": True, "external_id": None, "tags": [],
            "alias": "", "active": True, "shared": False, "shared_agent": False, "last_login_at": None,
            "two_factor_auth_enabled": None, "signature": "", "details": "", "notes": "",
            "role_type": 0 if agent else None, "custom_role_id": None, "moderator": agent,
            "ticket_restriction": None if agent else "requested", "only_private_comments": False,
            "restricted_agent": False, "suspended": False, "default_group_id": None, "report_csv": False,
            "user_fields": {},
        }

    def _group(self, name: str) -> dict:
        zid = self.group_id(name)
        return {"id": zid, "url": _url("groups", zid), "name": name, "description": "", "default": False,
                "is_public": True, "deleted": False, "created_at": "2024-01-08T09:00:00Z",
                "updated_at": "2025-01-10T09:00:00Z"}

    # -- tickets and ratings --

    def _rating(self, t: _Ticket) -> dict | None:
        """The ticket's rating as Zendesk holds it (score word, id, times), or None when unoffered."""
        r, inv = t.response, t.invitation
        if r is None and inv is None:
            return None
        sid = t.ticket.source_id
        sent = inv.sent_at if inv is not None else r.given_at  # type: ignore[union-attr]
        out: dict[str, Any] = {"id": self.rating_id(sid), "comment": None, "reason": None, "sent_at": sent,
                               "given_at": None}
        if r is None:
            out["score"] = "offered"
            self.summary.offered += 1
        else:
            good = is_satisfied(r.scale, r.score)
            out.update(score="good" if good else "bad", comment=r.comment or None, reason=r.reason or None,
                       given_at=r.given_at)
            if good:
                self.summary.good += 1
            else:
                self.summary.bad += 1
        return out

    def _updated_at(self, t: _Ticket, rating: dict | None) -> datetime:
        times = [t.ticket.created_at] + [e.at for e in t.events]
        if rating is not None:
            times += [x for x in (rating["sent_at"], rating["given_at"]) if x is not None]
        return max(times)

    def _ticket(self, t: _Ticket, rating: dict | None) -> dict:
        tk = t.ticket
        zid = self.ticket_id(tk.source_id)
        requester = self.user_id.get(tk.requester_id)
        embedded: dict[str, Any] = {"score": "unoffered"}
        if rating is not None:
            embedded = {"id": rating["id"], "score": rating["score"], "comment": rating["comment"]}
            if rating["reason"]:
                embedded["reason"] = rating["reason"]
        return {
            "url": _url("tickets", zid), "id": zid, "external_id": None,
            "via": {"channel": CHANNELS.get(tk.channel, tk.channel or "web"), "source": _source()},
            "created_at": _iso(tk.created_at), "updated_at": _iso(self._updated_at(t, rating)),
            "generated_timestamp": int(self._updated_at(t, rating).timestamp()),
            "type": TYPES.get(tk.category), "subject": tk.subject, "raw_subject": tk.subject,
            "description": tk.description, "priority": tk.priority or None, "status": tk.status,
            "recipient": f"support@{SUBDOMAIN}.zendesk.com", "requester_id": requester, "submitter_id": requester,
            "assignee_id": self.user_id.get(tk.assignee_id), "organization_id": None,
            "group_id": self.group_id(tk.group) if tk.group else None, "collaborator_ids": [], "follower_ids": [],
            "email_cc_ids": [], "forum_topic_id": None, "problem_id": None, "has_incidents": False,
            "is_public": True, "due_at": None, "tags": [tk.category] if tk.category else [], "custom_fields": [],
            "satisfaction_rating": embedded, "sharing_agreement_ids": [], "custom_status_id": None, "fields": [],
            "followup_ids": [], "ticket_form_id": 360_000_300_001, "brand_id": 360_000_200_001,
            "allow_channelback": False, "allow_attachments": True, "from_messaging_channel": False,
        }

    def _rating_item(self, t: _Ticket, rating: dict) -> dict:
        tk = t.ticket
        given = rating["given_at"] or rating["sent_at"]
        item = {
            "url": _url("satisfaction_ratings", rating["id"]), "id": rating["id"],
            "assignee_id": self.user_id.get(tk.assignee_id), "group_id": self.group_id(tk.group) if tk.group else None,
            "requester_id": self.user_id.get(tk.requester_id), "ticket_id": self.ticket_id(tk.source_id),
            "score": rating["score"], "created_at": _iso(rating["sent_at"]), "updated_at": _iso(given),
            "comment": rating["comment"],
        }
        if rating["reason"]:
            item["reason"] = rating["reason"]
        return item

    # -- audits --

    def _value(self, e: TicketEvent, which: str, *, create: bool) -> Any:
        v = e.value_to if which == "to" else e.value_from
        if not v:
            return None
        if e.kind == EventKind.ASSIGNEE:
            return str(self.user_id(v))
        if e.kind == EventKind.GROUP:
            return self.group_id(v) if create else str(self.group_id(v))
        return v

    def _groups_of_events(self, t: _Ticket) -> Iterator[tuple[datetime, int, list[TicketEvent]]]:
        """(audit time, author, events): events made together by one author."""
        start: datetime | None = None
        author: int = ZENDESK
        batch: list[TicketEvent] = []
        for e in t.events:
            who = self.user_id(e.author_id) if e.author_id else None
            joins = (
                start is not None
                and _second(e.at) - start <= AUDIT_WINDOW
                and (who is None or who == author or (author == ZENDESK and not any(b.author_id for b in batch)))
            )
            if joins:
                if who is not None and author == ZENDESK:
                    author = who  # a system batch so far: the first person in it makes the update
                batch.append(e)
                continue
            if batch:
                yield start, author, batch  # type: ignore[misc]
            start, author, batch = _second(e.at), (ZENDESK if who is None else who), [e]
        if batch:
            yield start, author, batch  # type: ignore[misc]

    def _audits(self, t: _Ticket, rating: dict | None) -> Iterator[dict]:
        zid = self.ticket_id(t.ticket.source_id)
        first = True
        for at, author, batch in self._groups_of_events(t):
            audit_id = self.event_id(f"{t.ticket.source_id}/audit@{at.isoformat()}#{batch[0].source_id}")
            events = []
            for e in batch:
                if e.kind == EventKind.COMMENT:
                    events.append(self._comment(e, audit_id))
                    continue
                create = first
                ev: dict[str, Any] = {"id": self.event_id(e.source_id), "type": "Create" if create else "Change",
                                      "field_name": FIELDS[e.kind], "value": self._value(e, "to", create=create)}
                if not create:
                    ev["previous_value"] = self._value(e, "from", create=False)
                events.append(ev)
            if first:
                events.append({
                    "id": self.event_id(f"{t.ticket.source_id}/notification"), "type": "Notification",
                    "subject": "[{{ticket.account}}] Re: {{ticket.title}}",
                    "body": "Your request ({{ticket.id}}) has been received and is being reviewed by our staff.",
                    "recipients": [self.user_id.get(t.ticket.requester_id)],
                    "via": {"channel": "rule", "source": {"from": NEW_REQUEST, "rel": "trigger"}},
                })
            yield self._audit(audit_id, zid, at, author, events)
            first = False
        if rating is not None and rating["given_at"] is not None:
            at = _second(rating["given_at"])
            audit_id = self.event_id(f"{t.ticket.source_id}/rating-audit")
            requester = self.user_id.get(t.ticket.requester_id)
            ev = {"id": self.event_id(f"{t.ticket.source_id}/rating-event"), "type": "SatisfactionRating",
                  "score": rating["score"], "assignee_id": self.user_id.get(t.ticket.assignee_id),
                  "body": rating["comment"] or ""}
            yield self._audit(audit_id, zid, at, requester or ZENDESK, [ev])

    def _audit(self, audit_id: int, ticket_id: int, at: datetime, author: int, events: list[dict]) -> dict:
        return {
            "id": audit_id, "ticket_id": ticket_id, "created_at": _iso(at), "author_id": author,
            "metadata": {"system": {"client": "Mozilla/5.0", "ip_address": "192.0.2.10"}, "custom": {}},
            "via": {"channel": "web" if author != ZENDESK else "rule", "source": _source()},
            "events": events,
        }

    def _comment(self, e: TicketEvent, audit_id: int) -> dict:
        body = e.body
        return {
            "id": self.event_id(e.source_id), "type": "Comment", "author_id": self.user_id.get(e.author_id) or ZENDESK,
            "body": body, "html_body": f'<div class="zd-comment" dir="auto"><p dir="auto">{_html(body)}</p></div>',
            "plain_body": body, "public": e.public, "attachments": [], "audit_id": audit_id,
        }

    def _comment_item(self, e: TicketEvent) -> dict:
        """A comment as `GET /tickets/{id}/comments` gives it: with its own time."""
        audit_id = self.event_id(f"{e.ticket_id}/comment-audit#{e.source_id}")
        return {**self._comment(e, audit_id), "created_at": _iso(e.at),
                "via": {"channel": "web", "source": _source()},
                "metadata": {"system": {"client": "Mozilla/5.0", "ip_address": "192.0.2.10"}, "custom": {}}}

    # -- ticket_metrics --

    def _business(self, a: datetime, b: datetime) -> int:
        acc = self.account
        if acc is None or acc.business_hours is None:
            return _minutes(a, b)
        return max(0, math.floor(business_minutes(_second(a), _second(b), acc.business_hours, acc.timezone)))

    def _metrics(self, t: _Ticket) -> dict:
        tk = t.ticket
        created = tk.created_at
        first_reply = next((e.at for e in t.events if e.kind == EventKind.COMMENT and e.author_role == Role.AGENT
                            and e.public and e.at >= created), None)
        replies = sum(1 for e in t.events if e.kind == EventKind.COMMENT and e.author_role == Role.AGENT and e.public)
        status, since = "new", created
        spent: dict[str, list[tuple[datetime, datetime]]] = {}
        first_solve = last_solve = None
        reopens = 0
        assignees, groups = set(), set()
        first_assigned = last_assigned = None
        for e in t.events:
            if e.kind == EventKind.STATUS and e.value_to and e.value_to != status:
                spent.setdefault(status, []).append((since, e.at))
                if status in DONE_STATES and e.value_to not in DONE_STATES:
                    reopens += 1
                if e.value_to == "solved":
                    first_solve = first_solve or e.at
                    last_solve = e.at
                status, since = e.value_to, e.at
            elif e.kind == EventKind.ASSIGNEE and e.value_to:
                assignees.add(e.value_to)
                first_assigned = first_assigned or e.at
                last_assigned = e.at
            elif e.kind == EventKind.GROUP and e.value_to:
                groups.add(e.value_to)
        solved = tk.status in DONE_STATES and last_solve is not None

        def span(states: Iterable[str]) -> dict:
            """Minutes spent in these states until the solve (Zendesk sets them when a ticket is solved)."""
            if not solved:
                return NO_MINUTES
            pieces = [(a, min(b, last_solve)) for s in states for a, b in spent.get(s, []) if a < last_solve]
            return {"calendar": sum(_minutes(a, b) for a, b in pieces),
                    "business": sum(self._business(a, b) for a, b in pieces)}

        def since_created(end: datetime | None) -> dict:
            if end is None:
                return NO_MINUTES
            return {"calendar": _minutes(created, end), "business": self._business(created, end)}

        updated = t.events[-1].at if t.events else created
        mid = self.metric_id(tk.source_id)
        reply_seconds = None if first_reply is None else int((_second(first_reply) - _second(created)).total_seconds())
        last_comment = max((e.at for e in t.events if e.kind == EventKind.COMMENT), default=None)
        return {
            "url": _url("ticket_metrics", mid), "id": mid, "ticket_id": self.ticket_id(tk.source_id),
            "created_at": _iso(created), "updated_at": _iso(updated),
            "group_stations": len(groups), "assignee_stations": len(assignees), "reopens": reopens, "replies": replies,
            "assignee_updated_at": _iso(last_assigned), "requester_updated_at": _iso(updated),
            "status_updated_at": _iso(since), "initially_assigned_at": _iso(first_assigned),
            "assigned_at": _iso(last_assigned), "solved_at": _iso(last_solve if solved else None),
            "latest_comment_added_at": _iso(last_comment), "custom_status_updated_at": _iso(since),
            "reply_time_in_minutes": since_created(first_reply),
            "reply_time_in_seconds": {"calendar": reply_seconds},
            "first_resolution_time_in_minutes": since_created(first_solve if solved else None),
            "full_resolution_time_in_minutes": since_created(last_solve if solved else None),
            "agent_wait_time_in_minutes": span(["pending"]),
            "requester_wait_time_in_minutes": span(WAITING_ON_AGENT),
            "on_hold_time_in_minutes": span(["hold"]),
        }


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")
