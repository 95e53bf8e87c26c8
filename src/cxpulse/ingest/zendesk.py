"""A Zendesk Support export: a directory of what the API's list endpoints return (docs/zendesk.md).

    DIR/users*.json                {"users": [...]}                 → User
    DIR/groups*.json               {"groups": [...]}                → names for group ids (nothing stored)
    DIR/ticket_metrics*.json       {"ticket_metrics": [...]}        → Ticket.metrics, Ticket.solved_at
    DIR/satisfaction_ratings*.json {"satisfaction_ratings": [...]}  → Response, Invitation
    DIR/tickets*.json              {"tickets": [...]}               → Ticket (+ its embedded satisfaction_rating)
    DIR/audits/<ticket_id>.json    {"audits": [...]}                → TicketEvent (comment/status/assignee/group/priority)
    DIR/comments/<ticket_id>.json  {"comments": [...]}              → TicketEvent (comment)

`*` is anything, so the pages of one endpoint can sit side by side (`tickets.json`,
`tickets-2.json`, …); a ticket's further audit or comment pages are `audits/<id>-2.json`, ….
Incremental-export responses (`/api/v2/incremental/tickets/cursor.json`) have the same
top-level key and read the same way.

Before anything is yielded every file is opened and its head parsed: a directory without
any of these files, a file that is not JSON, not an object, or lacks its top-level key
(`tickets.json` without `"tickets"`) raises FormatError and nothing is written. After
that a bad item (missing id, bad time, unknown score) becomes a Reject and the rest goes
on; a file whose JSON breaks off mid-way is rejected from that item on.

Streaming: arrays are walked with ijson, one item at a time. In memory stay only small
maps: user id → role, group id → name, ticket id → its ticket_metrics numbers (dropped
once the ticket is read), ticket id → requester id, satisfaction rating id → score, and
the ids of tickets that have audit files.

Read order: users, groups, ticket_metrics, satisfaction_ratings, tickets, audits, comments.
The rating files come before the tickets so that a rating also embedded in its ticket is
yielded once, from the rating file (it alone knows when the rating was given); an
embedded rating not in any rating file is yielded from the ticket, timed at the ticket's
`updated_at` (the embedded object carries no time).

Events: a Comment (or VoiceComment) is a `comment` with the plain `body`, its `public`
flag and `author_role` from the author's user role — else customer when the author is the
ticket's requester, else agent. A Create/Change of status, assignee_id, group_id or
priority is a `status`/`assignee`/`group`/`priority` event, `value_from` = previous_value
("" on Create), `value_to` = value, group ids named from groups*.json; one made by
Zendesk itself (author -1) has the system role. Audit events are timed at their audit's
`created_at`, comments at their own. A ticket saved with comments only has comment
events and no status events (its ticket_metrics numbers are in Ticket.metrics).

`line` of a Record or Reject is the 1-based position of the item in its file's top-level
array (the 3rd ticket of `tickets-2.json` is line 3), not a text line: API responses are
often a single line. Every event of one audit carries the audit's position.

Left out on purpose, never rejected: audit events other than Comment/VoiceComment and
Create/Change of status, assignee_id, group_id and priority (notifications, tags, CCs,
custom fields…), `unoffered` ratings, ratings already read from a rating file, and the
comments file of a ticket that also has an audits file (the audits hold the same comments,
with the same ids). Pass `skipped=collections.Counter()` to count them; the keys are the
audit event type (`"Notification"`), `"Change:<field_name>"` / `"Create:<field_name>"`,
`"rating:unoffered"`, `"rating:in_rating_file"` and `"comments:superseded_by_audits"`.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ijson
import orjson

from cxpulse.domain import (
    EventKind,
    FormatError,
    Invitation,
    Response,
    ResponseKind,
    Role,
    Scale,
    Ticket,
    TicketEvent,
    User,
)
from cxpulse.ingest import fields as F
from cxpulse.ingest.base import Progress, Record, Reject, RowError, Stream

DOCS = "see docs/zendesk.md"
BOM = b"\xef\xbb\xbf"
PROGRESS_EVERY = 1000  # items between two progress calls inside one file

# (file name prefix = top-level key), in read order
TOP_LEVEL = ("users", "groups", "ticket_metrics", "satisfaction_ratings", "tickets")
PER_TICKET = ("audits", "comments")
_TICKET_FILE = re.compile(r"^(\d+)(?:[-_.].*)?$")

# Ticket.metrics keys ← (ticket_metrics field, "calendar"/"business" or None for a count)
METRICS: tuple[tuple[str, str, str | None], ...] = (
    ("reply_time_in_minutes", "reply_time_in_minutes", "calendar"),
    ("reply_time_in_minutes_business", "reply_time_in_minutes", "business"),
    ("full_resolution_time_in_minutes", "full_resolution_time_in_minutes", "calendar"),
    ("full_resolution_time_in_minutes_business", "full_resolution_time_in_minutes", "business"),
    ("requester_wait_time_in_minutes", "requester_wait_time_in_minutes", "calendar"),
    ("requester_wait_time_in_minutes_business", "requester_wait_time_in_minutes", "business"),
    ("reopens", "reopens", None),
    ("replies", "replies", None),
    ("assignee_stations", "assignee_stations", None),
    ("group_stations", "group_stations", None),
)

COMMENT_TYPES = frozenset({"Comment", "VoiceComment"})
FIELD_KINDS = {
    "status": EventKind.STATUS,
    "assignee_id": EventKind.ASSIGNEE,
    "group_id": EventKind.GROUP,
    "priority": EventKind.PRIORITY,
}
RECEIVED = {"good": 1, "bad": 0}
SYSTEM_AUTHORS = frozenset({"", "-1"})  # -1: Zendesk itself (triggers, automations)


@dataclass(frozen=True, slots=True)
class _File:
    kind: str  # one of TOP_LEVEL or PER_TICKET: also the top-level key
    path: Path
    size: int
    ticket_id: str = ""  # audits/comments: from the file name


def read_zendesk(path: str | Path, *, progress: Progress | None = None, skipped: Counter | None = None) -> Stream:
    """Records and rejects of a Zendesk export directory; FormatError before anything else."""
    files = _plan(Path(path))
    return _Reader(files, progress, skipped if skipped is not None else Counter()).stream()


# ---- finding and checking the files -----------------------------------------------


def _natural(p: Path, prefix: str = "") -> tuple:
    """`tickets.json` first, then `tickets-2.json` … `tickets-10.json`; `audits/999.json` before `1001.json`."""
    rest = p.stem[len(prefix) :]
    return (bool(rest), tuple((0, int(s), "") if s.isdigit() else (1, 0, s) for s in re.split(r"(\d+)", rest)))


def _plan(root: Path) -> list[_File]:
    if not root.is_dir():
        fix = f"give the folder that holds tickets.json, users.json, … ({DOCS})"
        raise FormatError(str(root), "a Zendesk import reads a directory", fix=fix)
    files: list[_File] = []
    for kind in TOP_LEVEL:
        for p in sorted(root.glob(f"{kind}*.json"), key=lambda p, k=kind: _natural(p, k)):
            if p.is_file():
                files.append(_File(kind, p, p.stat().st_size))
    for kind in PER_TICKET:
        folder = root / kind
        if not folder.is_dir():
            continue
        for p in sorted(folder.glob("*.json"), key=_natural):
            if not p.is_file():
                continue
            m = _TICKET_FILE.match(p.stem)
            if m is None:
                raise FormatError(
                    str(p),
                    f"a file in {kind}/ is named after its ticket id",
                    fix=f"name it {kind}/<ticket_id>.json (further pages {kind}/<ticket_id>-2.json, …)",
                )
            files.append(_File(kind, p, p.stat().st_size, m.group(1)))
    if not files:
        raise FormatError(
            str(root),
            "no Zendesk export files here (tickets*.json, users*.json, ticket_metrics*.json, "
            "satisfaction_ratings*.json, groups*.json, audits/, comments/)",
            fix=f"save the API responses under these names ({DOCS})",
        )
    for f in files:
        _check_head(f)
    return files


def _open(path: Path):
    fh = path.open("rb")
    if fh.read(3) != BOM:
        fh.seek(0)
    return fh


def _check_head(f: _File) -> None:
    """The file is a JSON object whose top-level key `f.kind` holds an array.

    Cheap: the parse stops at that key, which the API writes first.
    """
    key = f.kind
    fix = f'save the body of the API response as it came: {{"{key}": [ … ]}} ({DOCS})'
    try:
        with _open(f.path) as fh:
            head = fh.read(4096)
            if not head.strip():
                raise FormatError(str(f.path), "empty file, not JSON", fix=fix)
            try:
                head.decode("utf-8")
            except UnicodeDecodeError as e:
                if e.start < len(head) - 4:  # not just a character cut at the end of the head
                    raise FormatError(str(f.path), "not UTF-8 text", fix="save the API response as UTF-8") from None
            fh.seek(3 if head.startswith(BOM) else 0)
            events = ijson.parse(fh)
            _, event, _ = next(events)
            if event != "start_map":
                got = _WHAT.get(event, event)
                raise FormatError(str(f.path), f'expected a JSON object with "{key}", got {got}', fix=fix)
            for prefix, event, value in events:
                if prefix == "" and event == "map_key" and value == key:
                    _, event, _ = next(events)
                    if event != "start_array":
                        raise FormatError(str(f.path), f'"{key}" is not a list', fix=fix)
                    return
                if prefix == "" and event == "end_map":
                    break
    except ijson.JSONError as e:
        raise FormatError(str(f.path), f"not JSON: {_first_line(e)}", fix=fix) from None
    except StopIteration:
        raise FormatError(str(f.path), "not JSON: it ends too early", fix=fix) from None
    except OSError as e:
        raise FormatError(str(f.path), f"cannot read it: {e.strerror or e}") from None
    raise FormatError(str(f.path), f'no "{key}" in this file', fix=fix)


_WHAT = {"start_array": "a list", "string": "a string", "number": "a number", "boolean": "true/false", "null": "null"}


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


# ---- reading ------------------------------------------------------------------------


def _raw(item: Any) -> str:
    try:
        return orjson.dumps(item, default=str).decode("utf-8")
    except TypeError:
        return repr(item)


def _id(value: Any) -> str:
    """An id or a value of a changed field, as text ("" for null)."""
    if value is None:
        return ""
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        raise ValueError(f"expected an id or a word, got {type(value).__name__}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _number(d: dict, name: str, path: str) -> float | None:
    v = d.get(name)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise RowError(path, f"expected a number, got {v!r}")
    return float(v)


def _parse_metrics(d: dict) -> tuple[str, array]:
    """A ticket_metrics item → (ticket id, [solved_at epoch, *METRICS]) with NaN for missing."""
    tid = F.required_id(d, "ticket_id")
    solved = F.timestamp(d.get("solved_at"), "solved_at", required=False)
    values = array("d", [solved.timestamp() if solved else math.nan])
    for _, name, part in METRICS:
        if part is None:
            v = _number(d, name, name)
        else:
            obj = d.get(name)
            if obj is None:
                v = None
            elif not isinstance(obj, dict):
                raise RowError(name, 'expected {"calendar": minutes, "business": minutes}')
            else:
                v = _number(obj, part, f"{name}.{part}")
        values.append(math.nan if v is None else v)
    return tid, values


def _parse_user(d: dict) -> User:
    return User(
        source_id=F.required_id(d),
        role=F.role(d.get("role")),
        name=F.text(d, "name"),
        email=F.text(d, "email"),
        locale=F.text(d, "locale"),
    )


def _rating(
    *,
    rating_id: str,
    score: Any,
    field: str,
    ticket_id: str,
    customer_id: str,
    agent_id: str,
    given_at: datetime,
    sent_at: datetime,
    comment: str,
    reason: str,
) -> tuple[Response | None, Invitation | None]:
    """One satisfaction rating → (response if received, invitation if offered)."""
    word = score.strip().lower() if isinstance(score, str) else None
    if word == "unoffered":
        return None, None
    if word != "offered" and word not in RECEIVED:
        raise RowError(field, f"{score!r} is not one of offered, unoffered, good, bad")
    invitation = Invitation(
        source_id=f"zd-rating-{rating_id}",
        sent_at=sent_at,
        kind=ResponseKind.CSAT,
        ticket_id=ticket_id,
        customer_id=customer_id,
    )
    if word == "offered":
        return None, invitation
    response = Response(
        source_id=rating_id,
        given_at=given_at,
        kind=ResponseKind.CSAT,
        scale=Scale.BINARY,
        score=RECEIVED[word],
        ticket_id=ticket_id,
        customer_id=customer_id,
        agent_id=agent_id,
        comment=comment,
        reason=reason,
    )
    return response, invitation


def _rating_of_file(d: dict) -> tuple[Response | None, Invitation | None]:
    """An item of satisfaction_ratings*.json: it carries its own times and people."""
    score = d.get("score")
    if isinstance(score, str) and score.strip().lower() == "unoffered":
        return None, None
    created = F.timestamp(d.get("created_at"), "created_at", required=False)
    updated = F.timestamp(d.get("updated_at"), "updated_at", required=False)
    if created is None and updated is None:
        raise RowError("updated_at", "missing time (neither updated_at nor created_at)")
    return _rating(
        rating_id=F.required_id(d),
        score=score,
        field="score",
        ticket_id=F.text(d, "ticket_id"),
        customer_id=F.text(d, "requester_id"),
        agent_id=F.text(d, "assignee_id"),
        given_at=updated or created,  # type: ignore[arg-type]
        sent_at=created or updated,  # type: ignore[arg-type]
        comment=F.text(d, "comment"),
        reason=F.text(d, "reason"),
    )


# What one item of a file turns into: records by kind, or rejects of parts of it (audit events).
Out = list[tuple[str, Any] | Reject]


class _Reader:
    def __init__(self, files: list[_File], progress: Progress | None, skipped: Counter) -> None:
        self.files = files
        self.progress = progress
        self.skipped = skipped
        self.done = 0  # bytes of the files read completely
        self.roles: dict[str, Role] = {}
        self.groups: dict[str, str] = {}
        self.metrics: dict[str, array] = {}
        self.requesters: dict[str, str] = {}
        self.ratings: dict[str, str] = {}  # rating id → "received" or "offered", from the rating files
        self.with_audits = {f.ticket_id for f in files if f.kind == "audits"}

    def stream(self) -> Stream:
        handlers = {
            "users": self._user,
            "groups": self._group,
            "ticket_metrics": self._metric,
            "satisfaction_ratings": self._rating_item,
            "tickets": self._ticket,
            "audits": self._audit,
            "comments": self._comment_item,
        }
        for f in self.files:  # already in read order
            if f.kind == "comments" and f.ticket_id in self.with_audits:
                self.skipped["comments:superseded_by_audits"] += 1
            else:
                yield from self._read(f, handlers[f.kind])
            self.done += f.size
            if self.progress:
                self.progress(self.done)

    def _read(self, f: _File, handle) -> Stream:
        """Each item through `handle(file, position, item)`; a RowError rejects the whole item."""
        path = str(f.path)
        for n, item in self._items(f):
            if isinstance(item, Reject):
                yield item
                continue
            if not isinstance(item, dict):
                yield Reject(path, n, "(item)", f"expected a JSON object, got {_raw(item)[:40]}", _raw(item))
                continue
            try:
                out: Out = handle(f, n, item)
            except RowError as e:
                yield Reject(path, n, e.field, e.reason, _raw(item))
                continue
            for x in out:
                yield x if isinstance(x, Reject) else Record(x[0], x[1], None, path, n)  # type: ignore[arg-type]

    def _items(self, f: _File) -> Iterator[tuple[int, Any]]:
        """(1-based position, item) of the file's top-level array; a Reject if the JSON breaks."""
        n = 0
        with _open(f.path) as fh:
            try:
                for item in ijson.items(fh, f"{f.kind}.item", use_float=True):
                    n += 1
                    if self.progress and n % PROGRESS_EVERY == 0:
                        self.progress(self.done + min(fh.tell(), f.size))
                    yield n, item
            except ijson.JSONError as e:
                reason = f"the JSON breaks off after item {n}: {_first_line(e)}"
                yield n + 1, Reject(str(f.path), n + 1, "(file)", reason, "")

    # ---- users and the maps -----------------------------------------------------------

    def _user(self, f: _File, n: int, d: dict) -> Out:
        user = _parse_user(d)
        self.roles[user.source_id] = user.role
        return [("user", user)]

    def _group(self, f: _File, n: int, d: dict) -> Out:
        self.groups[F.required_id(d)] = F.text(d, "name")
        return []

    def _metric(self, f: _File, n: int, d: dict) -> Out:
        tid, values = _parse_metrics(d)
        self.metrics[tid] = values
        return []

    def _rating_item(self, f: _File, n: int, d: dict) -> Out:
        response, invitation = _rating_of_file(d)
        if response is None and invitation is None:
            self.skipped["rating:unoffered"] += 1
            return []
        self.ratings[str(d["id"])] = "received" if response is not None else "offered"
        return [("invitation", invitation), *([("response", response)] if response else [])]

    # ---- tickets ----------------------------------------------------------------------

    def _group_name(self, group_id: str) -> str:
        return self.groups.get(group_id) or group_id

    def _ticket(self, f: _File, n: int, d: dict) -> Out:
        ticket = self._parse_ticket(d)
        response, invitation = self._embedded_rating(ticket, d.get("satisfaction_rating"))
        self.metrics.pop(ticket.source_id, None)
        self.requesters[ticket.source_id] = ticket.requester_id
        out: Out = [("ticket", ticket)]
        if invitation is not None:
            out.append(("invitation", invitation))
        if response is not None:
            out.append(("response", response))
        return out

    def _parse_ticket(self, d: dict) -> Ticket:
        tid = F.required_id(d)
        via = d.get("via")
        if via is not None and not isinstance(via, dict):
            raise RowError("via", 'expected {"channel": …}')
        try:
            group_id = _id(d.get("group_id"))
        except ValueError as e:
            raise RowError("group_id", str(e)) from None
        values = self.metrics.get(tid)
        metrics: dict[str, float] = {}
        solved_at = None
        if values is not None:
            if not math.isnan(values[0]):
                solved_at = datetime.fromtimestamp(values[0], UTC)
            for (key, _, _), v in zip(METRICS, values[1:]):
                if not math.isnan(v):
                    metrics[key] = v
        return Ticket(
            source_id=tid,
            created_at=F.timestamp(d.get("created_at"), "created_at"),  # type: ignore[arg-type]
            updated_at=F.timestamp(d.get("updated_at"), "updated_at", required=False),
            subject=F.text(d, "subject"),
            description=F.text(d, "description"),
            status=F.text(d, "status", "new").strip().lower() or "new",
            channel=F.text(via or {}, "channel"),
            priority=F.text(d, "priority"),
            group=self._group_name(group_id),
            category=F.text(d, "type"),
            requester_id=F.text(d, "requester_id"),
            assignee_id=F.text(d, "assignee_id"),
            solved_at=solved_at,
            metrics=metrics,
        )

    def _embedded_rating(self, ticket: Ticket, sr: Any) -> tuple[Response | None, Invitation | None]:
        """A ticket's `satisfaction_rating` ({"id", "score", "comment", "reason"}), unless a rating file had it."""
        if sr is None:
            return None, None
        if not isinstance(sr, dict):
            raise RowError("satisfaction_rating", 'expected {"id": …, "score": …}')
        score = sr.get("score")
        if score is not None and not isinstance(score, str):
            raise RowError("satisfaction_rating.score", f"{score!r} is not one of offered, unoffered, good, bad")
        word = score.strip().lower() if score is not None else None
        if word == "unoffered" or word is None:
            self.skipped["rating:unoffered"] += 1
            return None, None
        try:
            rid = F.required_id(sr)
        except RowError:
            raise RowError("satisfaction_rating.id", "missing: a rating needs its id") from None
        seen = self.ratings.get(rid)
        if seen == "received" or (seen == "offered" and word not in RECEIVED):
            self.skipped["rating:in_rating_file"] += 1
            return None, None
        at = ticket.updated_at or ticket.created_at
        response, invitation = _rating(
            rating_id=rid,
            score=score,
            field="satisfaction_rating.score",
            ticket_id=ticket.source_id,
            customer_id=ticket.requester_id,
            agent_id=ticket.assignee_id,
            given_at=at,
            sent_at=at,
            comment=F.text(sr, "comment"),
            reason=F.text(sr, "reason"),
        )
        if seen == "offered":  # offered per the rating file (its invitation is read), received since
            self.skipped["rating:in_rating_file"] += 1
            invitation = None
        return response, invitation

    # ---- events -----------------------------------------------------------------------

    def _author_role(self, author_id: str, ticket_id: str) -> Role:
        role = self.roles.get(author_id)
        if role is not None:
            return role
        if author_id and author_id == self.requesters.get(ticket_id):
            return Role.CUSTOMER
        return Role.AGENT

    def _comment(self, c: dict, ticket_id: str, at: datetime, author_id: str) -> TicketEvent:
        author = F.text(c, "author_id") or author_id
        return TicketEvent(
            source_id=F.required_id(c),
            ticket_id=ticket_id,
            at=at,
            kind=EventKind.COMMENT,
            author_id=author,
            author_role=self._author_role(author, ticket_id),
            public=F.boolean(c.get("public"), "public"),
            body=F.text(c, "body") or F.text(c, "plain_body"),
        )

    def _change(self, ev: dict, kind: EventKind, ticket_id: str, at: datetime, author_id: str) -> TicketEvent:
        try:
            new, old = _id(ev.get("value")), _id(ev.get("previous_value"))
        except ValueError as e:
            raise RowError("value", str(e)) from None
        if kind is EventKind.GROUP:
            new, old = self._group_name(new), self._group_name(old)
        return TicketEvent(
            source_id=F.required_id(ev),
            ticket_id=ticket_id,
            at=at,
            kind=kind,
            author_id=author_id,
            author_role=Role.SYSTEM if author_id in SYSTEM_AUTHORS else self._author_role(author_id, ticket_id),
            value_from=old,
            value_to=new,
        )

    def _audit(self, f: _File, n: int, audit: dict) -> Out:
        ticket_id = F.text(audit, "ticket_id") or f.ticket_id
        at = F.timestamp(audit.get("created_at"), "created_at")
        author_id = F.text(audit, "author_id")
        events = audit.get("events") or []
        if not isinstance(events, list):
            raise RowError("events", "expected a list of events")
        out: Out = []
        for i, ev in enumerate(events):  # a bad event is rejected alone
            try:
                event = self._audit_event(ev, ticket_id, at, author_id)  # type: ignore[arg-type]
            except RowError as e:
                out.append(Reject(str(f.path), n, f"events[{i}].{e.field}", e.reason, _raw(ev)))
                continue
            if event is not None:
                out.append(("event", event))
        return out

    def _audit_event(self, ev: Any, ticket_id: str, at: datetime, author_id: str) -> TicketEvent | None:
        if not isinstance(ev, dict):
            raise RowError("(event)", "expected a JSON object")
        etype = ev.get("type")
        if not isinstance(etype, str):
            raise RowError("type", f"expected the event type (Comment, Change, …), got {etype!r}")
        if etype in COMMENT_TYPES:
            return self._comment(ev, ticket_id, at, author_id)
        if etype in ("Create", "Change"):
            field = ev.get("field_name")
            kind = FIELD_KINDS.get(field) if isinstance(field, str) else None
            if kind is None:
                self.skipped[f"{etype}:{field}"] += 1
                return None
            return self._change(ev, kind, ticket_id, at, author_id)
        self.skipped[etype] += 1
        return None

    def _comment_item(self, f: _File, n: int, c: dict) -> Out:
        at = F.timestamp(c.get("created_at"), "created_at")
        return [("event", self._comment(c, f.ticket_id, at, ""))]  # type: ignore[arg-type]
