"""A Zendesk Support export: a directory of what the API's list endpoints return (docs/zendesk.md).

    DIR/users*.json                {"users": [...]}                 → User
    DIR/groups*.json               {"groups": [...]}                → names for group ids (nothing stored)
    DIR/ticket_metrics*.json       {"ticket_metrics": [...]}        → Ticket.metrics, Ticket.solved_at
    DIR/ticket_metric_events*.json {"ticket_metric_events": [...]}  → DUE events, Ticket.due_at (SLA deadlines)
    DIR/satisfaction_ratings*.json {"satisfaction_ratings": [...]}  → Response, Invitation (legacy CSAT)
    DIR/survey_responses*.json     {"survey_responses": [...]}      → Response, Invitation (CSAT survey responses)
    DIR/tickets*.json              {"tickets": [...]}               → Ticket (+ its embedded satisfaction_rating)
    DIR/audits/<ticket_id>.json    {"audits": [...]}                → TicketEvent (comment/status/assignee/group/…)
    DIR/comments/<ticket_id>.json  {"comments": [...]}              → TicketEvent (comment)

`*` is anything, so the pages of one endpoint can sit side by side (`tickets.json`,
`tickets-2.json`, …); a ticket's further audit or comment pages are `audits/<id>-2.json`, ….
Incremental-export responses (`/api/v2/incremental/tickets/cursor.json`,
`/api/v2/incremental/ticket_metric_events`) have the same top-level keys and read the same way.

Before anything is yielded every file is opened and its head parsed: a directory without
any of these files, a file that is not JSON, not an object, or lacks its top-level key
(`tickets.json` without `"tickets"`) raises FormatError and nothing is written.

A rejected part never takes its parent with it. Only an item that cannot be stored at all
is rejected whole: a ticket without a good `id` or `created_at`, an audit without its
`created_at`, a rating or survey response without an id or any time. A bad field of an
item that can be stored (a ticket's `updated_at`, `via`, `group_id`, `due_at`, its
embedded `satisfaction_rating`; a comment's `public` flag; one event of an audit) is left
out with a `Reject(kept=True)` naming the field, and the item goes in without it. A file
whose JSON breaks off mid-way is rejected from that item on.

Streaming: arrays are walked with ijson, one item at a time. In memory stay only small
maps: user id → role, group id → name, ticket id → its ticket_metrics numbers, its SLA
metric events (replaced by the deadline they give once the ticket is read: the incremental
export may list a ticket again, and every copy gets the same), ticket id → requester id,
ticket id → the latest legacy rating's (time, id, score), the tickets with a survey
response, and the ids of tickets that have audit files.

Read order: users, groups, ticket_metrics, ticket_metric_events, satisfaction_ratings
(indexed: the latest rating per ticket), survey_responses, tickets, satisfaction_ratings
(yielded), audits, comments.

Ratings (legacy CSAT) — one survey per ticket, so one invitation per ticket, `zd-offered-<ticket_id>`,
whichever file it is read from and however often it is re-imported:
- `offered` is an invitation without a response; `good`/`bad` a response (binary scale,
  source id = the rating id) and its invitation; `unoffered` and null are nothing.
- A rating that changed (bad, then good) keeps the latest: among the rating-file items of a
  ticket the one with the latest `updated_at` wins; the ticket's embedded rating (which has
  no time of its own) wins over them only when it says something else and the ticket was
  updated after the rating file's latest version. Otherwise the rating file's copy is read
  (it alone knows when the rating was offered and given); an embedded rating with no copy
  in any rating file is dated at the ticket's `updated_at`. `{"score": "offered"}` without
  an id — Zendesk's shape of a survey sent and not answered — is read the same way.
- A ticket with a CSAT survey response (the newer CSAT) takes its rating from there; its
  embedded legacy rating is left out.

Survey responses (the newer CSAT, `GET /api/v2/guide/survey_responses`): the answer to the
customer-satisfaction rating-scale question is a Response on 1–5 (numeric or emoji
scales; a two-point scale is binary), open-ended answers become its comment, closed-ended
ones its reason; a response without a rating answer is an invitation only. Source ids
`zd-survey-<id>` for both.

SLA deadlines (ticket metric events): the resolution targets — `requester_wait_time`, else
`agent_work_time` — are replayed per ticket: `apply_sla` sets a calendar-hours target, the
metric's clock runs from `activate` to `pause`/`fulfill`, and each start or change gives
the deadline in force (clock start + the target minutes not yet used) as a DUE event; a
pause withdraws it (""); a `breach` that is not `deleted` is the deadline Zendesk itself
saw pass. A business-hours target gives a deadline only through its breach (the schedule
is not in the export). The ticket's own `due_at` (a task's due date) wins: such a ticket
gets no SLA DUE events. Ticket.due_at is the ticket's `due_at`, else the last SLA deadline
in force.

Events: a Comment (or VoiceComment) is a `comment` with the plain `body`, its `public`
flag and `author_role` from the author's user role — else customer when the author is the
ticket's requester, else agent (a deleted user is not in users*.json); one by Zendesk itself
(author -1: a trigger's, an automation's) is the system's (`readers.zendesk_authors`, the
webhooks' rule too). A Create/Change of status, assignee_id, group_id or priority is a
`status`/`assignee`/`group`/`priority` event, `value_from` = previous_value ("" on
Create), `value_to` = value, group ids named from groups*.json; one made by Zendesk itself
(author -1) or by no author has the system role. Audit events are timed at their audit's
`created_at`, comments at their own. A ticket saved with comments only has comment events
and no status events (its ticket_metrics numbers are in Ticket.metrics).

Tickets keep every status Zendesk has, `deleted` included (docs/zendesk.md: what each
stores). `via.channel` is a via type ("email", "web", …) or a via id (a number), stored as
the type; `via.source` (the `follow_up` / `merge` relations) is not stored.

`line` of a Record or Reject is the 1-based position of the item in its file's top-level
array (the 3rd ticket of `tickets-2.json` is line 3), not a text line: API responses are
often a single line. Every event of one audit carries the audit's position.

Left out on purpose, never rejected: audit events other than Comment/VoiceComment and
Create/Change of status, assignee_id, group_id and priority (notifications, tags, CCs,
custom fields…), `unoffered` ratings, ratings read from another file, and the comments
file of a ticket that also has an audits file (the audits hold the same comments, with the
same ids). Pass `skipped=collections.Counter()` to count them; the keys are the audit
event type (`"Notification"`), `"Change:<field_name>"` / `"Create:<field_name>"`, and
`"rating:…"`, `"survey:…"`, `"sla:…"`, `"comments:superseded_by_audits"`.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
    due_time,
    due_value,
)
from cxpulse.readers import fields
from cxpulse.readers.base import Progress, Record, Reject, RowError, Stream
from cxpulse.readers.zendesk_authors import author_role

DOCS = "see docs/zendesk.md"
BOM = b"\xef\xbb\xbf"
PROGRESS_EVERY = 1000  # items between two progress calls inside one file

# (file name prefix = top-level key), in planning order (the read order is in _Reader.stream)
TOP_LEVEL = (
    "users", "groups", "ticket_metrics", "ticket_metric_events", "satisfaction_ratings", "survey_responses", "tickets",
)
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
SCORES = ("offered", "unoffered", "good", "bad")
# How far a legacy rating got: a later version never goes back (a received rating is not offered again).
STAGE = {"unoffered": 0, "offered": 1, "good": 2, "bad": 2}

# Via ids (numbers) → text. The via types reference maps ids to types (0 web_form, 4 mail,
# 5 web_service, …); the ones a ticket's `via.channel` shows as words are given as the ticket
# shows them ("web", "email", "api"), the others by their via type. Ids not listed stay numbers.
VIA_IDS = {
    0: "web", 4: "email", 5: "api", 8: "rule", 9: "linked_problem", 15: "iphone", 16: "get_satisfaction",
    17: "dropbox", 19: "merge", 20: "batch", 21: "recovered_from_suspended_tickets",
}

# SLA targets that promise a resolution, in order of preference (ticket metric events).
RESOLUTION_METRICS = ("requester_wait_time", "agent_work_time")
SLA_TYPES = frozenset({"activate", "pause", "fulfill", "apply_sla", "breach"})


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
            "ticket_metric_events*.json, satisfaction_ratings*.json, survey_responses*.json, groups*.json, "
            "audits/, comments/)",
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


# ---- reading one field ----------------------------------------------------------------


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


def _id_field(d: dict, name: str) -> str:
    try:
        return _id(d.get(name))
    except ValueError as e:
        raise RowError(name, str(e)) from None


def _number(d: dict, name: str, path: str) -> float | None:
    v = d.get(name)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise RowError(path, f"expected a number, got {v!r}")
    return float(v)


def _channel(via: Any) -> str:
    """`via.channel`: a via type ("email") or a via id (4 → "email")."""
    if via is None:
        return ""
    if not isinstance(via, dict):
        raise RowError("via", f'expected {{"channel": …, "source": …}}, got {_raw(via)[:40]}')
    ch = via.get("channel")
    if ch is None:
        return ""
    if isinstance(ch, bool) or isinstance(ch, (dict, list)):
        raise RowError("via.channel", f"expected a via type or a via id, got {_raw(ch)[:40]}")
    if isinstance(ch, (int, float)):
        n = int(ch)
        return VIA_IDS.get(n, str(n))
    return str(ch).strip().lower()


def _parse_metrics(d: dict) -> tuple[str, array]:
    """A ticket_metrics item → (ticket id, [solved_at epoch, *METRICS]) with NaN for missing."""
    tid = fields.required_id(d, "ticket_id")
    solved = fields.timestamp(d.get("solved_at"), "solved_at", required=False)
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


def _score_word(score: Any, field: str) -> str:
    """A legacy rating's score: offered, unoffered, good or bad (null counts as unoffered)."""
    if score is None:
        return "unoffered"
    word = score.strip().lower() if isinstance(score, str) else None
    if word not in SCORES:
        raise RowError(field, f"{score!r} is not one of offered, unoffered, good, bad")
    return word  # type: ignore[return-value]


class _Fields:
    """Field-level problems of one item: each field read through `get` falls back to its
    default and is remembered as (field, reason, raw value) instead of failing the item."""

    __slots__ = ("bad",)

    def __init__(self) -> None:
        self.bad: list[tuple[str, str, str]] = []

    def get(self, read: Callable[[], Any], default: Any, raw: Any = None) -> Any:
        try:
            return read()
        except RowError as e:
            self.bad.append((e.field, e.reason, _raw(raw)))
            return default

    def rejects(self, path: str, line: int, prefix: str = "") -> list[Reject]:
        return [Reject(path, line, prefix + f, reason, raw, kept=True) for f, reason, raw in self.bad]


# ---- ratings ----------------------------------------------------------------------------


def _invitation_id(ticket_id: str, rating_id: str) -> str:
    """One legacy CSAT survey per ticket: its invitation is named after the ticket."""
    return f"zd-offered-{ticket_id}" if ticket_id else f"zd-rating-{rating_id}"


@dataclass(frozen=True, slots=True)
class _Latest:
    """The latest version of a ticket's legacy rating in the rating files."""

    at: float  # updated_at (else created_at) as epoch seconds
    sent: float  # created_at (else updated_at)
    rating_id: str
    word: str
    where: tuple[int, int]  # (file number, position): the item that wins


def _rating_times(d: dict) -> tuple[datetime, datetime]:
    """(given at, offered at) of a rating-file item: updated_at and created_at, each standing in for the other."""
    created = fields.timestamp(d.get("created_at"), "created_at", required=False)
    updated = fields.timestamp(d.get("updated_at"), "updated_at", required=False)
    if created is None and updated is None:
        raise RowError("updated_at", "missing time (neither updated_at nor created_at)")
    return updated or created, created or updated  # type: ignore[return-value]


# ---- survey responses (the newer CSAT) ----------------------------------------------------


def _label(obj: Any) -> str:
    """A text content object ({"value": …} / {"key": …}) or plain text."""
    if isinstance(obj, dict):
        for k in ("value", "text", "key"):
            v = obj.get(k)
            if isinstance(v, str) and v.strip():
                return v.strip()
        return ""
    return obj.strip() if isinstance(obj, str) else ""


def _survey_ticket(d: dict) -> str:
    subjects = d.get("subjects")
    if isinstance(subjects, list):
        for s in subjects:
            if isinstance(s, dict) and s.get("type") == "ticket" and s.get("id") is not None:
                return _id(s.get("id"))
    zrns = d.get("subject_zrns")
    if isinstance(zrns, list):
        for z in zrns:
            if isinstance(z, str) and z.startswith("zen:ticket:"):
                return z.rsplit(":", 1)[1]
    return ""


def _scale_points(question: dict) -> int | None:
    """How many points the rating-scale question has, when the question says."""
    for k in ("scale_size", "points", "size"):
        v = question.get(k)
        if isinstance(v, int) and not isinstance(v, bool):
            return v
    scale = question.get("scale")
    if isinstance(scale, dict):
        return _scale_points(scale)
    options = question.get("options")
    if isinstance(options, list) and options:
        return len(options)
    return None


def _survey_rating(answer: dict) -> tuple[Scale, int]:
    """The rating of a rating-scale answer on cxpulse's scale: 1–5, or binary for a 2-point scale."""
    rating = answer.get("rating")
    question = answer.get("question") if isinstance(answer.get("question"), dict) else {}
    points = _scale_points(question)  # type: ignore[arg-type]
    category = answer.get("rating_category")
    if points == 2:
        if isinstance(category, str) and category.strip().lower() in RECEIVED:
            return Scale.BINARY, RECEIVED[category.strip().lower()]
        if rating in (1, 2):
            return Scale.BINARY, int(rating) - 1
    if isinstance(rating, bool) or not isinstance(rating, (int, float)) or not float(rating).is_integer():
        raise RowError("answers.rating", f"expected a whole-number rating, got {rating!r}")
    n = int(rating)
    if points not in (None, 5) or not 1 <= n <= 5:
        raise RowError("answers.rating", f"{rating!r} on a {points or '?'}-point scale: cxpulse reads 1–5 "
                                         "(numeric or emoji) and 2-point scales")
    return Scale.FIVE, n


# What one item of a file turns into: records by kind, Records with their own place, or rejects.
Out = list[tuple[str, Any] | Record | Reject]


# domain attribute → the Zendesk field it comes from, where they differ (for rejects)
_NAMES = {
    "source_id": "id", "group": "group_id", "category": "type", "channel": "via", "value_from": "previous_value",
    "value_to": "value", "at": "created_at", "given_at": "updated_at", "sent_at": "created_at",
    "customer_id": "requester_id", "agent_id": "assignee_id",
}  # fmt: skip


def _screened(out: Out, path: str, n: int, item: Any) -> Stream:
    """The item's records within the limits of every store (domain/limits.py). A ticket
    or user out of them rejects the item; a rating, an invitation or an event is left out
    alone, and a bad optional field of any record is left out of it."""
    for x in out:
        if x.__class__ is Reject:
            yield x  # type: ignore[misc]
            continue
        kind, obj = (x.kind, x.obj) if x.__class__ is Record else x  # type: ignore[union-attr,misc]
        try:
            bad = fields.screen(kind, obj, _NAMES)
        except RowError as e:
            if kind in ("ticket", "user"):
                yield Reject(path, n, e.field, e.reason, _raw(item))
                return
            yield Reject(path, n, f"({kind} {obj.source_id[:60]}).{e.field}", e.reason, _raw(item), kept=True)
            continue
        yield x if x.__class__ is Record else Record(kind, obj, None, path, n)  # type: ignore[misc]
        for e in bad:
            yield Reject(path, n, e.field, e.reason, _raw(item), kept=True)


class _Reader:
    def __init__(self, files: list[_File], progress: Progress | None, skipped: Counter) -> None:
        self.files = files
        self.progress = progress
        self.skipped = skipped
        self.done = 0  # bytes of the files read completely
        self.roles: dict[str, Role] = {}
        self.groups: dict[str, str] = {}
        self.metrics: dict[str, array] = {}
        self.sla: dict[str, list[tuple]] = defaultdict(list)  # ticket id → its resolution-metric events
        self.sla_due: dict[str, datetime | None] = {}  # ticket id → its SLA deadline, once its events are read
        self.requesters: dict[str, str] = {}
        self.latest: dict[str, _Latest] = {}  # ticket id (or "#" + rating id) → the rating-file winner
        self.overridden: set[str] = set()  # tickets whose embedded rating is newer than the rating file's
        self.surveyed: set[str] = set()  # tickets with a CSAT survey response
        self.file_no = 0  # the position of the file being read among the files of its kind
        self.with_audits = {f.ticket_id for f in files if f.kind == "audits"}

    def stream(self) -> Stream:
        handlers = {
            "users": self._user,
            "groups": self._group,
            "ticket_metrics": self._metric,
            "ticket_metric_events": self._metric_event,
            "survey_responses": self._survey_item,
            "tickets": self._ticket,
            "satisfaction_ratings": self._rating_item,
            "audits": self._audit,
            "comments": self._comment_item,
        }
        by_kind: dict[str, list[_File]] = defaultdict(list)
        for f in self.files:
            by_kind[f.kind].append(f)
        ratings = by_kind["satisfaction_ratings"]
        for i, f in enumerate(ratings):
            self._index_ratings(i, f)
        order = ("users", "groups", "ticket_metrics", "ticket_metric_events", "survey_responses", "tickets",
                 "satisfaction_ratings", "audits", "comments")
        for kind in order:
            for i, f in enumerate(by_kind[kind]):
                if f.kind == "comments" and f.ticket_id in self.with_audits:
                    self.skipped["comments:superseded_by_audits"] += 1
                else:
                    self.file_no = i
                    yield from self._read(f, handlers[f.kind])
                self.done += f.size
                if self.progress:
                    self.progress(self.done)
            if kind == "tickets" and self.sla:
                self.skipped["sla:ticket_not_in_export"] += len(self.sla)
                self.sla.clear()

    def _read(self, f: _File, handle, items: Iterable[tuple[int, Any]] | None = None) -> Stream:
        """Each item through `handle(file, position, item)`; a RowError rejects the whole item.
        `items`: (position, item) pairs already in memory (an API page), instead of the file's."""
        path = str(f.path)
        for n, item in self._items(f) if items is None else items:
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
            except OverflowError as e:  # a time plus an SLA target past the year 9999
                yield Reject(path, n, "(item)", f"a time out of range: {e}", _raw(item))
                continue
            yield from _screened(out, path, n, item)

    def _items(self, f: _File, *, report: bool = True) -> Iterator[tuple[int, Any]]:
        """(1-based position, item) of the file's top-level array; a Reject if the JSON breaks."""
        n = 0
        with _open(f.path) as fh:
            try:
                for item in ijson.items(fh, f"{f.kind}.item", use_float=True):
                    n += 1
                    if report and self.progress and n % PROGRESS_EVERY == 0:
                        self.progress(self.done + min(fh.tell(), f.size))
                    yield n, item
            except ijson.JSONError as e:
                reason = f"the JSON breaks off after item {n}: {_first_line(e)}"
                yield n + 1, Reject(str(f.path), n + 1, "(file)", reason, "")

    # ---- users and the maps -----------------------------------------------------------

    def _user(self, f: _File, n: int, d: dict) -> Out:
        sid = fields.required_id(d)
        bad = _Fields()
        role = bad.get(lambda: fields.role(d.get("role")), Role.CUSTOMER, d.get("role"))
        user = User(
            source_id=sid,
            role=role,
            name=bad.get(lambda: fields.text(d, "name"), "", d.get("name")),
            email=bad.get(lambda: fields.text(d, "email"), "", d.get("email")),
            locale=bad.get(lambda: fields.text(d, "locale"), "", d.get("locale")),
        )
        self.roles[user.source_id] = user.role
        return [("user", user), *bad.rejects(str(f.path), n)]

    def _group(self, f: _File, n: int, d: dict) -> Out:
        self.groups[fields.required_id(d)] = fields.text(d, "name")
        return []

    def _metric(self, f: _File, n: int, d: dict) -> Out:
        tid, values = _parse_metrics(d)
        self.metrics[tid] = values
        return []

    def _metric_event(self, f: _File, n: int, d: dict) -> Out:
        """A ticket metric event of a resolution metric, kept for its ticket (DUE events come with the ticket)."""
        eid = fields.required_id(d)
        tid = fields.required_id(d, "ticket_id")
        etype, metric = fields.text(d, "type").strip().lower(), fields.text(d, "metric").strip().lower()
        if metric not in RESOLUTION_METRICS or etype not in SLA_TYPES:
            self.skipped[f"sla:{etype or '?'}:{metric or '?'}"] += 1
            return []
        at = fields.timestamp(d.get("time"), "time")
        instance = _id_field(d, "instance_id") or "1"
        target: float | None = None
        if etype == "breach" and d.get("deleted") is True:
            self.skipped["sla:deleted_breach"] += 1  # withdrawn: the metric was met or paused before it
            return []
        if etype == "apply_sla":
            sla = d.get("sla")
            if sla is not None and not isinstance(sla, dict):
                raise RowError("sla", 'an apply_sla event carries {"target": minutes, "business_hours": …}')
            if sla is None:
                self.skipped["sla:removed"] += 1  # no target any more: no promise
            elif sla.get("business_hours") is True:
                self.skipped["sla:business_hours_target"] += 1  # its deadline needs the schedule: only a breach tells
            else:
                minutes = _number(sla, "target", "sla.target")
                if minutes is None:
                    seconds = _number(sla, "target_in_seconds", "sla.target_in_seconds")
                    minutes = None if seconds is None else seconds / 60.0
                if minutes is None:
                    raise RowError("sla.target", "missing: an apply_sla event needs its target in minutes")
                target = minutes
        self.sla[tid].append((at, etype, metric, instance, target, eid, str(f.path), n))
        return []

    # ---- legacy ratings ----------------------------------------------------------------

    def _index_ratings(self, file_no: int, f: _File) -> None:
        """First pass over a rating file: the latest version of each ticket's rating (bad items are skipped here
        and rejected when the file is read)."""
        for n, d in self._items(f, report=False):
            if not isinstance(d, dict):
                continue
            try:
                word = _score_word(d.get("score"), "score")
                given, sent = _rating_times(d)
                rid = fields.required_id(d)
                tid = _id_field(d, "ticket_id")
            except (RowError, ValueError):
                continue
            key = tid or f"#{rid}"
            new = _Latest(given.timestamp(), sent.timestamp(), rid, word, (file_no, n))
            old = self.latest.get(key)
            if old is None or new.at >= old.at:  # a tie: the later item, as a re-saved page would be
                self.latest[key] = new

    def _rating_item(self, f: _File, n: int, d: dict) -> Out:
        """An item of satisfaction_ratings*.json, unless a later version (or the ticket's own, newer one) wins."""
        word = _score_word(d.get("score"), "score")
        given, sent = _rating_times(d)
        rid = fields.required_id(d)
        tid = _id_field(d, "ticket_id")
        key = tid or f"#{rid}"
        latest = self.latest.get(key)
        if latest is not None and latest.where != (self.file_no, n):
            self.skipped["rating:superseded"] += 1
            return []
        if key in self.overridden:
            self.skipped["rating:superseded"] += 1
            return []
        if word == "unoffered":
            self.skipped["rating:unoffered"] += 1
            return []
        bad = _Fields()
        customer = bad.get(lambda: _id_field(d, "requester_id"), "", d.get("requester_id"))
        agent = bad.get(lambda: _id_field(d, "assignee_id"), "", d.get("assignee_id"))
        comment = bad.get(lambda: fields.text(d, "comment"), "", d.get("comment"))
        reason = bad.get(lambda: fields.text(d, "reason"), "", d.get("reason"))
        out: Out = [("invitation", Invitation(_invitation_id(tid, rid), sent, ResponseKind.CSAT, tid, customer))]
        if word in RECEIVED:
            out.append(("response", Response(
                source_id=rid, given_at=given, kind=ResponseKind.CSAT, scale=Scale.BINARY, score=RECEIVED[word],
                ticket_id=tid, customer_id=customer, agent_id=agent, comment=comment, reason=reason,
            )))
        return out + bad.rejects(str(f.path), n)  # type: ignore[operator]

    def _embedded_rating(self, ticket: Ticket, sr: Any, bad: _Fields) -> Out:
        """A ticket's `satisfaction_rating`: null, {"score": "unoffered"}, {"score": "offered"} (with or without
        an id), or {"id", "score": good/bad, "comment", "reason", "reason_id"}. A bad one is left out alone."""
        if sr is None:
            return []
        if not isinstance(sr, dict):
            bad.bad.append(("satisfaction_rating", 'expected {"score": …} or null', _raw(sr)))
            return []
        try:
            word = _score_word(sr.get("score"), "satisfaction_rating.score")
            rid = _id(sr.get("id"))
        except RowError as e:
            bad.bad.append((e.field, e.reason, _raw(sr)))
            return []
        except ValueError as e:
            bad.bad.append(("satisfaction_rating.id", str(e), _raw(sr)))
            return []
        tid = ticket.source_id
        if word == "unoffered":
            self.skipped["rating:unoffered"] += 1
            return []
        if tid in self.surveyed:
            self.skipped["rating:in_survey_responses"] += 1
            return []
        at = ticket.updated_at or ticket.created_at
        sent = at
        latest = self.latest.get(tid) or (self.latest.get(f"#{rid}") if rid else None)
        if latest is not None:
            newer = word != latest.word and at.timestamp() > latest.at and STAGE[word] >= STAGE[latest.word]
            if not newer:
                self.skipped["rating:in_rating_file"] += 1
                return []
            # the ticket says something else and was updated after the rating file's version: it changed since
            self.overridden.add(tid if self.latest.get(tid) is latest else f"#{latest.rating_id}")
            if latest.word != "unoffered":  # offered back then: the rating file knows when
                sent = datetime.fromtimestamp(latest.sent, UTC)
            rid = rid or latest.rating_id
        comment = bad.get(lambda: fields.text(sr, "comment"), "", sr.get("comment"))
        reason = bad.get(lambda: fields.text(sr, "reason"), "", sr.get("reason"))
        out: Out = [("invitation", Invitation(_invitation_id(tid, rid), sent, ResponseKind.CSAT, tid,
                                              ticket.requester_id))]
        if word in RECEIVED:
            out.append(("response", Response(
                source_id=rid or f"zd-rated-{tid}", given_at=at, kind=ResponseKind.CSAT, scale=Scale.BINARY,
                score=RECEIVED[word], ticket_id=tid, customer_id=ticket.requester_id, agent_id=ticket.assignee_id,
                comment=comment, reason=reason,
            )))
        return out

    # ---- survey responses (the newer CSAT) -----------------------------------------------

    def _survey_item(self, f: _File, n: int, d: dict) -> Out:
        sid = fields.required_id(d)
        tid = _survey_ticket(d)
        bad = _Fields()
        customer = bad.get(lambda: _id_field(d, "responder_id"), "", d.get("responder_id"))
        answers = d.get("answers") or []
        if not isinstance(answers, list):
            raise RowError("answers", "expected a list of answers")
        rating: tuple[Scale, int] | None = None
        rated_at: datetime | None = None
        comments: list[str] = []
        reasons: list[str] = []
        for i, a in enumerate(answers):
            if not isinstance(a, dict):
                bad.bad.append((f"answers[{i}]", "expected a JSON object", _raw(a)))
                continue
            atype = a.get("type")
            question = a.get("question") if isinstance(a.get("question"), dict) else {}
            if atype == "rating_scale":
                is_csat = question.get("sub_type") in (None, "customer_satisfaction")  # type: ignore[union-attr]
                if rating is not None or not is_csat:
                    self.skipped["survey:extra_rating_question"] += 1
                    continue
                try:
                    rating = _survey_rating(a)
                    rated_at = (fields.timestamp(a.get("updated_at"), "answers.updated_at", required=False)
                                or fields.timestamp(a.get("created_at"), "answers.created_at", required=False))
                except RowError as e:
                    raise RowError(f"answers[{i}].{e.field.split('.', 1)[-1]}", e.reason) from None
            elif atype == "open_ended":
                text = a.get("value")
                if isinstance(text, str) and text.strip():
                    comments.append(text.strip())
            elif atype == "closed_ended":
                choices = question.get("options") or []  # type: ignore[union-attr]
                options = {o.get("id"): _label(o.get("label")) for o in choices if isinstance(o, dict)}
                for sel in a.get("selections") or []:
                    if isinstance(sel, dict):
                        label = options.get(sel.get("option_id")) or _label(sel.get("label"))
                        if label:
                            reasons.append(label)
            elif atype == "skipped":
                self.skipped["survey:skipped_answer"] += 1
            else:
                self.skipped[f"survey:{atype}"] += 1
        created = fields.timestamp(d.get("created_at"), "created_at", required=False)
        updated = fields.timestamp(d.get("updated_at"), "updated_at", required=False)
        given = rated_at or updated or created
        sent = created or given
        if sent is None or (rating is not None and given is None):
            raise RowError("created_at", "missing time: a survey response needs its created_at or its answers' times")
        if tid:
            self.surveyed.add(tid)
        out: Out = [("invitation", Invitation(f"zd-survey-{sid}", sent, ResponseKind.CSAT, tid, customer))]
        if rating is not None:
            scale, score = rating
            out.append(("response", Response(
                source_id=f"zd-survey-{sid}", given_at=given, kind=ResponseKind.CSAT,  # type: ignore[arg-type]
                scale=scale, score=score, ticket_id=tid, customer_id=customer, comment="\n\n".join(comments),
                reason=", ".join(reasons),
            )))
        else:
            self.skipped["survey:offered_not_answered"] += 1
        return out + bad.rejects(str(f.path), n)  # type: ignore[operator]

    # ---- tickets ----------------------------------------------------------------------

    def _group_name(self, group_id: str) -> str:
        return self.groups.get(group_id) or group_id

    def _ticket(self, f: _File, n: int, d: dict) -> Out:
        bad = _Fields()
        ticket, own_due = self._parse_ticket(d, bad)
        self.requesters[ticket.source_id] = ticket.requester_id
        due_events, sla_due = self._due_events(ticket.source_id, own_due)
        ticket.due_at = own_due or sla_due
        ratings = self._embedded_rating(ticket, d.get("satisfaction_rating"), bad)
        return [("ticket", ticket), *due_events, *ratings, *bad.rejects(str(f.path), n)]

    def _parse_ticket(self, d: dict, bad: _Fields) -> tuple[Ticket, datetime | None]:
        """The ticket; only its id and created_at are required, any other bad field is left out in `bad`."""
        tid = fields.required_id(d)
        created = fields.timestamp(d.get("created_at"), "created_at")
        group_id = bad.get(lambda: _id_field(d, "group_id"), "", d.get("group_id"))
        values = self.metrics.get(tid)
        metrics: dict[str, float] = {}
        solved_at = None
        if values is not None:
            if not math.isnan(values[0]):
                solved_at = datetime.fromtimestamp(values[0], UTC)
            for (key, _, _), v in zip(METRICS, values[1:]):
                if not math.isnan(v):
                    metrics[key] = v

        def text(name: str, default: str = "") -> str:
            return bad.get(lambda: fields.text(d, name, default), default, d.get(name))

        def ident(name: str) -> str:
            return bad.get(lambda: _id_field(d, name), "", d.get(name))

        ticket = Ticket(
            source_id=tid,
            created_at=created,  # type: ignore[arg-type]
            updated_at=bad.get(lambda: fields.timestamp(d.get("updated_at"), "updated_at", required=False), None,
                               d.get("updated_at")),
            subject=text("subject"),
            description=text("description"),
            status=text("status", "new").strip().lower() or "new",
            channel=bad.get(lambda: _channel(d.get("via")), "", d.get("via")),
            priority=text("priority"),
            group=self._group_name(group_id),
            category=text("type"),
            requester_id=ident("requester_id"),
            assignee_id=ident("assignee_id"),
            solved_at=solved_at,
            metrics=metrics,
            tags=bad.get(lambda: fields.tags(d.get("tags")), (), d.get("tags")),
        )
        own_due = bad.get(lambda: fields.timestamp(d.get("due_at"), "due_at", required=False), None, d.get("due_at"))
        return ticket, own_due

    def _due_events(self, tid: str, own_due: datetime | None) -> tuple[list[Record], datetime | None]:
        """DUE events from the ticket's SLA resolution target, and the deadline in force at the end."""
        events = self.sla.pop(tid, None)
        if not events:
            return [], self.sla_due.get(tid)  # a ticket listed again: the deadline its events gave
        out, due = self._replay(tid, own_due, events)
        if due is not None:
            self.sla_due[tid] = due
        return out, due

    def _replay(self, tid: str, own_due: datetime | None, events: list[tuple]) -> tuple[list[Record], datetime | None]:
        """The resolution metric's clock, event by event: a DUE event whenever the deadline in force changes."""
        if own_due is not None:
            self.skipped["sla:ticket_due_at_wins"] += 1
            return [], None
        with_target = {e[2] for e in events if e[1] in ("apply_sla", "breach")}
        metric = next((m for m in RESOLUTION_METRICS if m in with_target), None)
        if metric is None:
            return [], None
        order = {"pause": 0, "fulfill": 0, "activate": 1, "apply_sla": 2, "breach": 3}
        chain = sorted((e for e in events if e[2] == metric), key=lambda e: (e[0], order[e[1]]))
        target: dict[str, float] = {}  # instance → target minutes (calendar)
        running: dict[str, datetime] = {}  # instance → clock running since
        used: dict[str, timedelta] = defaultdict(timedelta)  # instance → clock time already spent
        promise = ""
        out: list[Record] = []

        def move(at: datetime, value: str, eid: str, path: str, line: int) -> None:
            nonlocal promise
            if value == promise:
                return
            out.append(Record("event", TicketEvent(
                source_id=f"zd-sla-{eid}", ticket_id=tid, at=at, kind=EventKind.DUE, author_role=Role.SYSTEM,
                value_from=promise, value_to=value,
            ), None, path, line))
            promise = value

        for at, etype, _metric, inst, minutes, eid, path, line in chain:
            if etype == "apply_sla":
                if minutes is None:  # removed, or in business hours (a deadline only its breach will tell)
                    target.pop(inst, None)
                    move(at, "", eid, path, line)
                    continue
                target[inst] = minutes
                if inst in running:
                    move(at, due_value(running[inst] + timedelta(minutes=minutes) - used[inst]), eid, path, line)
            elif etype == "activate":
                if inst not in running:
                    running[inst] = at
                if inst in target:
                    move(at, due_value(running[inst] + timedelta(minutes=target[inst]) - used[inst]), eid, path, line)
            elif etype in ("pause", "fulfill"):
                start = running.pop(inst, None)
                if start is not None and at > start:
                    used[inst] += at - start
                if etype == "pause":
                    move(at, "", eid, path, line)  # waiting on the requester: no promise while the clock stands
            elif etype == "breach":
                move(at, due_value(at), eid, path, line)
        return out, due_time(promise)

    # ---- events -----------------------------------------------------------------------

    def _comment(self, c: dict, ticket_id: str, at: datetime, author_id: str, bad: _Fields) -> TicketEvent:
        author = _id_field(c, "author_id") or author_id
        public = c.get("public")  # the usual true/false and text go straight in (the fast path of every comment)
        if not isinstance(public, bool):
            public = bad.get(lambda: fields.boolean(c.get("public"), "public"), True, c.get("public"))
        body = c.get("body")
        if not isinstance(body, str) or not body:
            body = bad.get(lambda: fields.text(c, "body") or fields.text(c, "plain_body"), "", c.get("body"))
        return TicketEvent(
            source_id=fields.required_id(c),
            ticket_id=ticket_id,
            at=at,
            kind=EventKind.COMMENT,
            author_id=author,
            author_role=author_role(author, self.requesters.get(ticket_id, ""), self.roles.get(author)),
            public=public,
            body=body,
        )

    def _change(self, ev: dict, kind: EventKind, ticket_id: str, at: datetime, author_id: str) -> TicketEvent:
        try:
            new, old = _id(ev.get("value")), _id(ev.get("previous_value"))
        except ValueError as e:
            raise RowError("value", str(e)) from None
        if kind is EventKind.GROUP:
            new, old = self._group_name(new), self._group_name(old)
        return TicketEvent(
            source_id=fields.required_id(ev),
            ticket_id=ticket_id,
            at=at,
            kind=kind,
            author_id=author_id,
            author_role=author_role(author_id, self.requesters.get(ticket_id, ""), self.roles.get(author_id))
            if author_id else Role.SYSTEM,  # a change with no author is the system's
            value_from=old,
            value_to=new,
        )

    def _audit(self, f: _File, n: int, audit: dict) -> Out:
        ticket_id = _id_field(audit, "ticket_id") or f.ticket_id
        at = fields.timestamp(audit.get("created_at"), "created_at")
        author_id = _id_field(audit, "author_id")
        events = audit.get("events") or []
        if not isinstance(events, list):
            raise RowError("events", "expected a list of events")
        out: Out = []
        path = str(f.path)
        bad = _Fields()
        for i, ev in enumerate(events):  # a bad event is left out alone; the audit's others go in
            try:
                event = self._audit_event(ev, ticket_id, at, author_id, bad)  # type: ignore[arg-type]
            except RowError as e:
                out.append(Reject(path, n, f"events[{i}].{e.field}", e.reason, _raw(ev), kept=True))
                continue
            if event is not None:
                out.append(("event", event))
            if bad.bad:  # a bad field of this event (a comment's `public`…): the event went in without it
                out.extend(bad.rejects(path, n, f"events[{i}]."))
                bad.bad.clear()
        return out

    def _audit_event(self, ev: Any, ticket_id: str, at: datetime, author_id: str, bad: _Fields) -> TicketEvent | None:
        if not isinstance(ev, dict):
            raise RowError("(event)", "expected a JSON object")
        etype = ev.get("type")
        if not isinstance(etype, str):
            raise RowError("type", f"expected the event type (Comment, Change, …), got {etype!r}")
        if etype in COMMENT_TYPES:
            return self._comment(ev, ticket_id, at, author_id, bad)
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
        at = fields.timestamp(c.get("created_at"), "created_at")
        bad = _Fields()
        event = self._comment(c, f.ticket_id, at, "", bad)  # type: ignore[arg-type]
        return [("event", event), *bad.rejects(str(f.path), n)]
