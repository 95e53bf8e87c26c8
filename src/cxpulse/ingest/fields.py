"""Parsing one field of one row, with an error that names the field and the fix."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cxpulse.domain import ResponseKind, Role, Scale
from cxpulse.ingest.base import RowError

_RATING_WORDS = {"good": 1, "bad": 0}


def text(d: dict, name: str, default: str = "") -> str:
    v = d.get(name, default)
    if v is None:
        return default
    if isinstance(v, (dict, list)):
        raise RowError(name, f"expected text, got {type(v).__name__}")
    return str(v)


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
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        raise RowError(name, f"expected a time, got {type(value).__name__}")
    try:
        if fmt:
            at = datetime.strptime(value.strip(), fmt)
        else:
            at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        want = f"format {fmt!r}" if fmt else "ISO 8601, e.g. 2026-03-01T09:30:00Z"
        raise RowError(name, f"not a time: {value!r} (expected {want})") from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


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
}
ALLOWED_SCALES = {
    ResponseKind.CSAT: {Scale.FIVE, Scale.BINARY},
    ResponseKind.CES: {Scale.SEVEN, Scale.TEN},
    ResponseKind.NPS: {Scale.ELEVEN},
    ResponseKind.CSI: {Scale.FIVE, Scale.SEVEN, Scale.TEN},
}


def response_scale(kind: ResponseKind, value: Any, name: str = "scale") -> Scale:
    if value in (None, ""):
        return DEFAULT_SCALES[kind]
    sc = choice(value, name, Scale)
    if sc not in ALLOWED_SCALES[kind]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED_SCALES[kind]))
        raise RowError(name, f"{kind.value} is asked on {allowed}, not {sc.value}")
    return sc
