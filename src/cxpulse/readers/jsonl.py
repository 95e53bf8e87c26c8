"""The canonical format: one JSON object per line with a `type` (docs/formats.md)."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson

from cxpulse.domain import (
    DONE_STATES,
    LONG_HOLD_DAYS_MAX,
    OPEN_STATES,
    Account,
    BusinessHours,
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
from cxpulse.readers import fields
from cxpulse.domain.limits import TEXT_LIMITS, text_problem
from cxpulse.readers.base import KINDS, Note, Progress, Record, Reject, RowError, Stream


def read_jsonl(path: str | Path, *, progress: Progress | None = None) -> Stream:
    path = Path(path)
    _check_head(path)
    done = 0
    ids = _Ids()
    add_hash, add_line, add_kind = ids.hashes.append, ids.lines.append, ids.kinds.append
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            done += len(raw)
            if progress and lineno % 2048 == 0:
                progress(done)
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            item = _parse_line(str(path), lineno, raw)
            if item.__class__ is list:
                for x in item:
                    if x.__class__ is Record:
                        ids.add(x)
                yield from item
            else:
                if item.__class__ is Record and item.kind != "account":  # ids.add, inlined: once a line
                    add_hash(hash((item.kind, item.account, item.obj.source_id)))
                    add_line(lineno)
                    add_kind(KIND_NO[item.kind])
                yield item
    yield from ids.duplicates(str(path))
    if progress:
        progress(done)


class _Ids:
    """The ids of a file's records, to say which were given twice (the later line wins,
    as a re-import would). 16 bytes a record: a hash and a line; sorted once at the end."""

    def __init__(self) -> None:
        self.hashes = array("q")
        self.lines = array("q")
        self.kinds = array("B")

    def add(self, rec: Record) -> None:
        if rec.kind == "account":
            return
        h = hash((rec.kind, rec.account, rec.obj.source_id))
        self.hashes.append(h)
        self.lines.append(rec.line)
        self.kinds.append(KIND_NO[rec.kind])

    def duplicates(self, path: str) -> Iterator[Note]:
        if len(self.hashes) < 2:
            return
        import numpy as np

        h = np.frombuffer(self.hashes, dtype=np.int64)
        order = np.argsort(h, kind="stable")
        hs = h[order]
        same = np.flatnonzero(hs[1:] == hs[:-1])  # order[i + 1] repeats order[i]
        if not len(same):
            return
        lines = np.frombuffer(self.lines, dtype=np.int64)
        first: dict[int, int] = {}
        found = []
        for i in same:
            key = int(hs[i])
            earlier = first.setdefault(key, int(lines[order[i]]))
            found.append((int(lines[order[i + 1]]), earlier, KINDS[self.kinds[order[i + 1]]]))
        for line, earlier, kind in sorted(found):
            yield Note(path, line, DUPLICATE_ID, f"the {kind} of line {earlier} has the same id; this line replaces it")


KIND_NO = {k: i for i, k in enumerate(KINDS)}
DUPLICATE_ID = "id given twice in the file (the later line wins)"
NUMBER_ID = "id given as a number (read as text)"


def _check_head(path: Path) -> None:
    """Refuse a file that is not JSON Lines at all, before anything is written."""
    if not path.is_file():
        raise FormatError(str(path), "no such file", fix="give the path of a .jsonl file")
    with path.open("rb") as fh:
        head = fh.read(65536)
    first = next((ln for ln in head.lstrip(b"\xef\xbb\xbf").splitlines() if ln.strip()), b"")
    if not first:
        return
    try:
        first.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError(str(path), "not UTF-8 text", line=1, fix="save the file as UTF-8") from None
    try:
        obj = orjson.loads(first)
    except orjson.JSONDecodeError as e:
        raise FormatError(
            str(path), f"not JSON Lines: {e}", line=1, fix="one JSON object per line (docs/formats.md)"
        ) from None
    if not isinstance(obj, dict):
        raise FormatError(str(path), "each line must be a JSON object with a \"type\"", line=1)


def _text_of(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").strip()


def _parse_line(path: str, lineno: int, raw: bytes) -> Record | Reject | list[Record | Reject]:
    try:
        d = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        return Reject(path, lineno, "(line)", f"not valid JSON or not UTF-8: {e}", _text_of(raw))
    if not isinstance(d, dict):
        return Reject(path, lineno, "(line)", "expected a JSON object", _text_of(raw))
    kind = d.get("type")
    parser = PARSERS.get(kind)  # type: ignore[arg-type]
    if parser is None:
        return Reject(path, lineno, "type", f"{kind!r} is not one of {', '.join(PARSERS)}", _text_of(raw))
    kind_name = "response" if kind == "rating" else kind
    try:
        obj = parser(d)
        left_out: list[RowError] = []
    except RowError as e:
        try:
            obj, left_out = parse_lenient(kind, d, e)
        except RowError as e2:
            return Reject(path, lineno, e2.field, e2.reason, _text_of(raw))
    try:
        account = _account(d.get("account"))
        left_out += fields.screen(kind_name, obj)  # the limits of every store, before any write
    except RowError as e:
        return Reject(path, lineno, e.field, e.reason, _text_of(raw))
    record = Record(kind_name, obj, account, path, lineno)
    notes = _number_ids(kind, d, path, lineno) if _NUMBER_SEEN[0] else ()
    if not left_out and not notes:
        return record
    return [record, *notes,
            *(Reject(path, lineno, e.field, e.reason, _text_of(raw), kept=True) for e in left_out)]


def _account(value) -> str | None:
    """A line's own `account`: the name of an account, within the limits of one."""
    if value is None or value == "":
        return None
    if value.__class__ is not str:
        raise RowError("account", f"expected an account name as text, got {value!r}")
    why = text_problem(value, TEXT_LIMITS["account"]["name"])
    if why is not None:
        raise RowError("account", why)
    return value


# the fields of each line type that hold an id in the source system
_ID_FIELDS = {
    "user": ("id",),
    "ticket": ("id", "requester_id", "assignee_id"),
    "event": ("id", "ticket_id", "author_id"),
    "response": ("id", "ticket_id", "customer_id", "agent_id"),
    "rating": ("id", "ticket_id", "customer_id", "agent_id"),
    "invitation": ("id", "ticket_id", "customer_id"),
}


_NUMBER_SEEN = [False]  # set by _id / _text_id when they read a number: only then look for it


def _number_ids(kind: str, d: dict, path: str, lineno: int) -> list[Note]:
    """A Note for each id given as a whole number: read as its text, said in the summary."""
    _NUMBER_SEEN[0] = False
    return [Note(path, lineno, NUMBER_ID, f"{name}: {d[name]}")
            for name in _ID_FIELDS.get(kind, ()) if d.get(name).__class__ is int]


# The fields a record can do without: a bad one is left out (its default taken) and
# reported, and the record goes in (DESIGN.md: a bad field never drops its parent).
# The rest — ids, times that place the record, a score and its scale — reject the line.
OPTIONAL: dict[str, frozenset[str]] = {
    "account": frozenset({"timezone", "business_hours", "csat_scale", "min_rated_for_model", "alert_below",
                          "long_hold_days"}),
    "user": frozenset({"role", "name", "email", "locale"}),
    "ticket": frozenset({
        "subject", "description", "status", "channel", "priority", "group", "category", "requester_id",
        "assignee_id", "updated_at", "solved_at", "due_at", "metrics", "tags",
    }),
    "event": frozenset({"author_id", "author_role", "public", "body", "from", "to"}),
    "response": frozenset({"ticket_id", "customer_id", "agent_id", "channel", "importance", "comment", "reason"}),
    "rating": frozenset({"ticket_id", "customer_id", "agent_id", "channel", "comment", "reason"}),
    "invitation": frozenset({"ticket_id", "customer_id"}),
}


def parse_lenient(kind: str, d: dict, first: RowError) -> tuple[object, list[RowError]]:
    """Parse again without each bad optional field, until the rest parses.

    Called only after the strict parse failed, so good lines pay nothing. A field
    `metrics.x` drops only that key of `metrics`. Raises the RowError of a required field.
    """
    optional = OPTIONAL.get(kind, frozenset())
    left_out: list[RowError] = []
    e = first
    d = dict(d)
    while True:
        top, _, sub = e.field.partition(".")
        if top not in optional or top not in d:
            raise e
        if sub and isinstance(d[top], dict) and sub in d[top]:
            d[top] = {k: v for k, v in d[top].items() if k != sub}
        else:
            del d[top]
        left_out.append(e)
        try:
            return PARSERS[kind](d), left_out
        except RowError as again:
            e = again


# ---- fields, fast path -------------------------------------------------------------------
# The common well-formed value is taken as is; anything else goes to cxpulse.readers.fields,
# which converts it or raises the RowError naming the field. Same results, same errors.

_EVENT_KINDS = {k.value: k for k in EventKind}
_ROLES = {r.value: r for r in Role}


def _id(d: dict, name: str = "id") -> str:
    """An id: text, or a whole number read as its text (noted: `_number_ids`); never 1.5 or true."""
    v = d.get(name)
    if v.__class__ is str and v.strip():
        return v
    if v.__class__ is int:
        _NUMBER_SEEN[0] = True
        return str(v)
    if v is not None and not isinstance(v, str):
        raise RowError(name, f"an id is text (or a whole number), not {v!r}")
    return fields.required_id(d, name)


def _text_id(d: dict, name: str) -> str:
    """An optional id: as `_id`, and "" when it is missing."""
    v = d.get(name)
    if v is None:
        return ""
    if v.__class__ is str:
        return v
    if v.__class__ is int:
        _NUMBER_SEEN[0] = True
        return str(v)
    raise RowError(name, f"an id is text (or a whole number), not {v!r}")


def _text(d: dict, name: str) -> str:
    v = d.get(name, "")
    if v.__class__ is str:
        return v
    return fields.text(d, name)


# `status` of a ticket: one of these; anything else is left out (the default, new, taken)
STATUSES = frozenset(OPEN_STATES | DONE_STATES | {"deleted"})


def _status(d: dict) -> str:
    v = d.get("status")
    if v is None or v == "":
        return "new"
    s = v.strip().lower() if v.__class__ is str else None
    if s not in STATUSES:
        raise RowError("status", f"{v!r} is not one of new, open, pending, hold, solved, closed")
    return s


def _time(value, name: str, required: bool = True) -> datetime | None:
    if value.__class__ is str:
        try:
            at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            tz = at.tzinfo
            if tz is UTC:  # "…Z" and "…+00:00" parse to UTC itself: nothing to convert
                return at
            return datetime.combine(at.date(), at.time(), UTC) if tz is None else fields.in_window(at, name)
    return fields.timestamp(value, name, required=required)


def parse_account(d: dict) -> Account:
    hours = d.get("business_hours")
    bh = None
    if hours:
        try:
            bh = BusinessHours(
                start=time.fromisoformat(hours.get("start", "09:00")),
                end=time.fromisoformat(hours.get("end", "17:00")),
                weekdays=tuple(int(x) for x in hours.get("weekdays", (0, 1, 2, 3, 4))),
            )
        except (AttributeError, ValueError, TypeError):
            raise RowError("business_hours", 'expected {"start": "09:00", "end": "17:00", "weekdays": [0,1,2,3,4]}') from None
    tz = fields.text(d, "timezone", "UTC")
    try:
        ZoneInfo(tz)
    except Exception:
        raise RowError("timezone", f"{tz!r} is not an IANA timezone such as Europe/Vilnius") from None
    name = fields.text(d, "name") or fields.required_id(d, "name")
    why = text_problem(name, TEXT_LIMITS["account"]["name"])
    if why is not None:
        raise RowError("name", why)
    return Account(
        name=name,
        timezone=tz,
        business_hours=bh,
        csat_scale=fields.choice(d.get("csat_scale"), "csat_scale", Scale, default=Scale.FIVE),
        min_rated_for_model=fields.integer(d.get("min_rated_for_model"), "min_rated_for_model", 300, low=1, high=10**9),
        alert_below=fields.integer(d.get("alert_below"), "alert_below", 40, low=0, high=100),
        long_hold_days=fields.integer(d.get("long_hold_days"), "long_hold_days", 14, low=1, high=LONG_HOLD_DAYS_MAX),
    )


def parse_user(d: dict) -> User:
    return User(
        source_id=_id(d),
        role=fields.role(d.get("role")),
        name=fields.text(d, "name"),
        email=fields.text(d, "email"),
        locale=fields.text(d, "locale"),
    )


def _metrics(d: dict) -> dict[str, float]:
    metrics = d.get("metrics") or {}
    if not isinstance(metrics, dict):
        raise RowError("metrics", "expected an object of numbers, e.g. {\"reply_time_in_minutes\": 120}")
    out = {}
    for k, v in metrics.items():
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v < 0:
            raise RowError(f"metrics.{k}", f"{v!r} is not a number of minutes or a count (0 or more)")
        out[k] = float(v)
    return out


def parse_ticket(d: dict) -> Ticket:
    return Ticket(
        source_id=_id(d),
        created_at=_time(d.get("created_at"), "created_at"),
        subject=_text(d, "subject"),
        description=_text(d, "description"),
        status=_status(d),
        channel=_text(d, "channel"),
        priority=_text(d, "priority"),
        group=_text(d, "group"),
        category=_text(d, "category"),
        requester_id=_text_id(d, "requester_id"),
        assignee_id=_text_id(d, "assignee_id"),
        updated_at=_time(d.get("updated_at"), "updated_at", required=False),
        solved_at=_time(d.get("solved_at"), "solved_at", required=False),
        due_at=_time(d.get("due_at"), "due_at", required=False),
        metrics=_metrics(d),
        tags=fields.tags(d.get("tags")),
    )


def parse_event(d: dict) -> TicketEvent:
    # fields are checked in this order, so a row with several bad ones names the same one
    get = d.get
    v = get("kind")
    kind = _EVENT_KINDS.get(v) if v.__class__ is str else None
    if kind is None:
        kind = fields.choice(v, "kind", EventKind)
    source_id = _id(d)
    ticket_id = _id(d, "ticket_id")
    at = _time(get("at"), "at")
    author_id = _text_id(d, "author_id")
    v = get("author_role")
    role = _ROLES.get(v) if v.__class__ is str else None
    if role is None:
        role = fields.choice(v, "author_role", Role, default=Role.SYSTEM)
    v = get("public")
    public = True if v is None else v if v.__class__ is bool else fields.boolean(v, "public")
    return TicketEvent(
        source_id=source_id,
        ticket_id=ticket_id,
        at=at,
        kind=kind,
        author_id=author_id,
        author_role=role,
        public=public,
        body=_text(d, "body"),
        value_from=_text(d, "from"),
        value_to=_text(d, "to"),
    )


def parse_response(d: dict) -> Response:
    kind = fields.choice(d.get("kind"), "kind", ResponseKind, default=ResponseKind.CSAT)
    scale = fields.response_scale(kind, d.get("scale"))
    imp = d.get("importance")
    if kind is ResponseKind.CSI and not fields.text(d, "attribute"):
        raise RowError("attribute", "a CSI answer names its attribute (speed, competence, …)")
    return Response(
        source_id=_id(d),
        given_at=_time(d.get("given_at"), "given_at"),
        kind=kind,
        scale=scale,
        score=fields.score(d.get("score"), scale),
        ticket_id=_text_id(d, "ticket_id"),
        customer_id=_text_id(d, "customer_id"),
        agent_id=_text_id(d, "agent_id"),
        channel=_text(d, "channel"),
        attribute=_text(d, "attribute"),
        importance=None if imp in (None, "") else fields.score(imp, Scale.FIVE, "importance"),
        comment=_text(d, "comment"),
        reason=_text(d, "reason"),
        language=_text(d, "language").strip().lower(),
        reply=_text(d, "reply"),
        replied_at=fields.timestamp(d.get("replied_at"), "replied_at", required=False),
    )


def parse_rating(d: dict) -> Response:
    """A help desk's own CSAT rating: `good`/`bad` or 1–5."""
    s = d.get("score")
    binary = isinstance(s, str) and s.strip().lower() in {"good", "bad"}
    return parse_response({**d, "kind": "csat", "scale": d.get("scale") or ("binary" if binary else "1-5")})


def parse_invitation(d: dict) -> Invitation:
    return Invitation(
        source_id=_id(d),
        sent_at=fields.timestamp(d.get("sent_at"), "sent_at"),
        kind=fields.choice(d.get("kind"), "kind", ResponseKind, default=ResponseKind.CSAT),
        ticket_id=_text_id(d, "ticket_id"),
        customer_id=_text_id(d, "customer_id"),
    )


PARSERS: dict[str, Callable[[dict], object]] = {
    "account": parse_account,
    "user": parse_user,
    "ticket": parse_ticket,
    "event": parse_event,
    "rating": parse_rating,
    "response": parse_response,
    "invitation": parse_invitation,
}
