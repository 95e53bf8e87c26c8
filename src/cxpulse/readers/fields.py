"""Parsing one field of one row, with an error that names the field and the fix."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from cxpulse.domain import EventKind, ResponseKind, Role, Scale, due_time
from cxpulse.domain.limits import (
    BAD_CHAR,
    CHANGE_LIMITS,
    EARLIEST,
    ID,
    TEXT_LIMITS,
    has_bad_char,
    latest,
    text_problem,
    time_problem,
)
from cxpulse.readers.base import RowError

_RATING_WORDS = {"good": 1, "bad": 0}


def text(d: dict, name: str, default: str = "") -> str:
    v = d.get(name, default)
    if v is None:
        return default
    if isinstance(v, (dict, list)):
        raise RowError(name, f"expected text, got {type(v).__name__}")
    return str(v)


def tags(value: Any, name: str = "tags") -> tuple[str, ...]:
    """A ticket's tags: a list of names (Zendesk's `tags`) or one text of names separated by
    spaces or commas; lower-case, each once, in the order given. Zendesk tags hold no spaces."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items = value.replace(",", " ").split()
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = [part for v in value for part in v.split()]
    else:
        raise RowError(name, f"expected a list of tag names or text like \"vip renewal\", got {value!r}")
    return tuple(dict.fromkeys(t.strip().lower() for t in items if t.strip()))


def required_id(d: dict, name: str = "id") -> str:
    v = d.get(name)
    if v is None or (isinstance(v, str) and not v.strip()) or isinstance(v, (dict, list, bool)):
        raise RowError(name, "missing: every row needs its id in the source system")
    return str(v)


def timestamp(value: Any, name: str, *, required: bool = True, fmt: str | None = None) -> datetime | None:
    """ISO 8601 (or `fmt`) → aware UTC. Offsets are honoured; a time without one is UTC."""
    if value is None or value == "":
        if required:
            raise RowError(name, "missing time")
        return None
    if not isinstance(value, str):
        # a number is not read as epoch seconds: `123` would be a time in 1970, silently
        raise RowError(name, f"expected a time as ISO 8601 text, e.g. 2026-03-01T09:30:00Z; got {value!r}")
    try:
        if fmt:
            at = datetime.strptime(value.strip(), fmt)
        else:
            at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        want = f"format {fmt!r}" if fmt else "ISO 8601, e.g. 2026-03-01T09:30:00Z"
        raise RowError(name, f"not a time: {value!r} (expected {want})") from None
    return in_window(at.replace(tzinfo=UTC) if at.tzinfo is None else at, name)


def in_window(at: datetime, name: str) -> datetime:
    """An aware time → UTC, or the RowError saying it lies outside the window
    (domain/limits.py: 1990 to five years ahead)."""
    try:
        utc = at.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:30-05:00: past the last year a datetime holds
        utc = None
    why = time_problem(utc if utc is not None else at)
    if why is not None:
        raise RowError(name, why)
    return utc  # type: ignore[return-value]


def boolean(value: Any, name: str, default: bool = True) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "1", "yes", "public"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "0", "no", "private", "internal"}:
        return False
    raise RowError(name, f"expected true or false, got {value!r}")


def integer(value: Any, name: str, default: int, *, low: int, high: int) -> int:
    """A whole number in [low, high]; missing means the default."""
    if value is None or value == "":
        return default
    n = None
    if isinstance(value, bool):
        pass  # true/false is not a number here
    elif isinstance(value, int):
        n = value
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        n = int(value.strip())
    if n is None or not low <= n <= high:
        raise RowError(name, f"{value!r} is not a whole number from {low} to {high}")
    return n


def choice(value: Any, name: str, enum: type, default: Any = None):
    if value is None or value == "":
        if default is None:
            raise RowError(name, f"missing; one of {', '.join(e.value for e in enum)}")
        return default
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        raise RowError(name, f"{value!r} is not one of {', '.join(e.value for e in enum)}") from None


def role(value: Any, name: str = "role") -> Role:
    if str(value).strip().lower() in {"end-user", "end_user", "requester", "customer"}:
        return Role.CUSTOMER
    if str(value).strip().lower() in {"admin", "agent", "staff"}:
        return Role.AGENT
    return choice(value, name, Role, default=Role.CUSTOMER if value in (None, "") else None)


def score(value: Any, scale: Scale, name: str = "score") -> int:
    """A score on its scale; `good`/`bad` are the binary scale's 1/0."""
    if isinstance(value, str) and value.strip().lower() in _RATING_WORDS:
        if scale is not Scale.BINARY:
            raise RowError(name, f"{value!r} is a binary rating but the scale is {scale.value}")
        return _RATING_WORDS[value.strip().lower()]
    try:
        n = int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        n = None
    lo, hi = scale.bounds
    if n is None or not lo <= n <= hi:
        raise RowError(name, f"{value!r} is not a score on the {scale.value} scale ({lo}–{hi})")
    return n


DEFAULT_SCALES = {
    ResponseKind.CSAT: Scale.FIVE,
    ResponseKind.CES: Scale.SEVEN,
    ResponseKind.NPS: Scale.ELEVEN,
    ResponseKind.CSI: Scale.FIVE,
    ResponseKind.REVIEW: Scale.FIVE,
}
ALLOWED_SCALES = {
    ResponseKind.CSAT: {Scale.FIVE, Scale.BINARY},
    ResponseKind.CES: {Scale.SEVEN, Scale.TEN},
    ResponseKind.NPS: {Scale.ELEVEN},
    ResponseKind.CSI: {Scale.FIVE, Scale.SEVEN, Scale.TEN},
    ResponseKind.REVIEW: {Scale.FIVE},
}


def response_scale(kind: ResponseKind, value: Any, name: str = "scale") -> Scale:
    if value in (None, ""):
        return DEFAULT_SCALES[kind]
    sc = choice(value, name, Scale)
    if sc not in ALLOWED_SCALES[kind]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED_SCALES[kind]))
        raise RowError(name, f"{kind.value} is asked on {allowed}, not {sc.value}")
    return sc


# ---- limits: what a record may hold before it is written (domain/limits.py) -------------

# the text attributes of each record kind; the times, and which are required
TEXTS = {
    "user": ("source_id", "name", "email", "locale"),
    "ticket": ("source_id", "subject", "description", "status", "channel", "priority", "group", "category",
               "requester_id", "assignee_id"),
    "event": ("source_id", "ticket_id", "author_id", "body", "value_from", "value_to"),
    "response": ("source_id", "ticket_id", "customer_id", "agent_id", "channel", "attribute", "comment", "reason",
                 "language", "reply"),
    "invitation": ("source_id", "ticket_id", "customer_id"),
}  # fmt: skip
TIMES = {
    "ticket": ("created_at", "updated_at", "solved_at", "due_at"),
    "event": ("at",),
    "response": ("given_at", "replied_at"),
    "invitation": ("sent_at",),
}
# Without these a record cannot be stored: a bad one rejects the record. Any other bad
# text or time is left out (its default taken) and the record goes in.
REQUIRED = frozenset({"source_id", "ticket_id@event", "created_at", "at", "given_at", "sent_at",
                      "attribute@response", "value_from@event", "value_to@event"})
# domain attribute → the JSON Lines (and API) field name, where they differ
JSONL_NAMES = {"source_id": "id", "value_from": "from", "value_to": "to"}
_DEFAULTS = {"status": "new"}


def _required(kind: str, attr: str) -> bool:
    return attr in REQUIRED or f"{attr}@{kind}" in REQUIRED


def screen(kind: str, obj: Any, names: dict[str, str] | None = None) -> list[RowError]:
    """Check a parsed record against the limits every store holds (domain/limits.py).

    A bad required value (an id, the time that places the record, a change event's
    value) raises RowError: the record is rejected. A bad optional one is reset to its
    default in `obj` and returned, for a `Reject(kept=True)`. `names` maps a domain
    attribute to the field name of the door (JSON Lines names by default).
    """
    if kind == "event":  # most of every import: checked in one expression
        e = obj
        if (e.kind is EventKind.COMMENT and len(e.source_id) <= ID and len(e.ticket_id) <= ID
                and len(e.author_id) <= ID and EARLIEST <= e.at <= _window_end()
                and BAD_CHAR.search(e.source_id + e.ticket_id + e.author_id + e.body + e.value_from + e.value_to)
                is None):
            return []
        return _screen(kind, obj, JSONL_NAMES if names is None else names)
    fast = _FAST.get(kind)
    if fast is None:
        return []
    # the usual record, in one pass (an import screens a million): no bad character, every
    # limited text short enough, every time in the window, no metrics
    texts, limited, times = fast
    values = texts(obj)
    if BAD_CHAR.search("".join(values)) is None:
        for i, n in limited:
            if len(values[i]) > n:
                break
        else:
            if kind != "ticket" or not obj.metrics:
                end = _window_end()
                for at in times(obj):
                    if at is not None and not EARLIEST <= at <= end:
                        break
                else:
                    return []
    return _screen(kind, obj, JSONL_NAMES if names is None else names)


def _window_end() -> datetime:
    """The window's end (domain/limits.latest), read from the clock once a minute."""
    now = time.monotonic()
    if now - _END[0] > 60.0:
        _END[:] = [now, latest()]
    return _END[1]  # type: ignore[return-value]


_END: list = [-1e9, None]


def _screen(kind: str, obj: Any, names: dict[str, str]) -> list[RowError]:
    """`screen`, field by field: what is wrong and where."""
    out: list[RowError] = []
    attrs = TEXTS.get(kind)
    if attrs is None:
        return out
    limits = TEXT_LIMITS[kind]
    values = [getattr(obj, a) for a in attrs]
    bad_chars = has_bad_char("".join(values))
    change = CHANGE_LIMITS.get(obj.kind.value) if kind == "event" else None
    for attr, value in zip(attrs, values):
        limit = limits.get(attr)
        if change is not None and attr in ("value_from", "value_to"):
            limit = change
        if limit is None and not bad_chars:
            continue
        why = text_problem(value, limit) if bad_chars or len(value) > limit else None  # type: ignore[operator]
        if why is None:
            continue
        if _required(kind, attr) and (attr not in ("value_from", "value_to") or obj.kind is not EventKind.COMMENT):
            raise RowError(names.get(attr, attr), why)
        out.append(RowError(names.get(attr, attr), why))
        setattr(obj, attr, _DEFAULTS.get(attr, ""))
    if kind == "event" and obj.kind is EventKind.DUE:
        _check_due(obj, names)
    elif kind == "ticket" and obj.metrics:
        for key in [k for k in obj.metrics if has_bad_char(k)]:
            out.append(RowError(f"metrics.{key!r}", text_problem(key) or ""))
            del obj.metrics[key]
    times = TIMES.get(kind, ())
    if times:
        end = latest()
        for attr in times:
            at = getattr(obj, attr)
            why = None if at is None else time_problem(at, end)
            if why is None:
                continue
            if _required(kind, attr):
                raise RowError(names.get(attr, attr), why)
            out.append(RowError(names.get(attr, attr), why))
            setattr(obj, attr, None)
    return out


def _tuple_getter(attrs: tuple[str, ...]):
    get = attrgetter(*attrs)
    return get if len(attrs) > 1 else lambda obj: (get(obj),)


_FAST = {
    kind: (
        _tuple_getter(attrs),
        tuple((attrs.index(a), n) for a, n in TEXT_LIMITS[kind].items()),
        _tuple_getter(TIMES[kind]) if kind in TIMES else (lambda obj: ()),
    )
    for kind, attrs in TEXTS.items()
}


def _check_due(event: Any, names: dict[str, str]) -> None:
    """A due event's values are promises (times): one outside the window rejects the event."""
    for attr in ("value_from", "value_to"):
        at = due_time(getattr(event, attr))
        why = None if at is None else time_problem(at)
        if why is not None:
            raise RowError(names.get(attr, attr), why)
