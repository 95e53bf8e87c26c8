"""How a duration reads and how a time is read: one rule for the CLI, the dashboard and the
model's reasons, so 75 minutes is "1.2 h" wherever a person sees it.

A duration reads in the largest unit that keeps it short: minutes under an hour ("40 min"),
hours under two days ("1.5 h", "14 h"), days above ("3 d"); one decimal only below 10 and
only when it says something (`number`). It reads without its sign — the words around it say
which way ("overdue by 3 d", "due in 2 h"). Business time stops at hours (`business_duration`).

Times given on the command line are read by `parse_day` and `parse_time`, whose errors say
what was wrong and what to type instead.

>>> duration(75), duration(840), duration(4320), business_duration(4320)
('1.2 h', '14 h', '3 d', '72 h')
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from cxpulse.domain.errors import InvalidQuery

__all__ = ["business_duration", "duration", "number", "parse_day", "parse_time"]

_NONE = "–"  # a missing figure, as the dashboard shows every one


def number(x: float) -> str:
    """2, 1.5, 14, 1,200 — one decimal only below 10 and only when it says something."""
    if abs(x) < 9.95:
        s = f"{x:.1f}"
        return s[:-2] if s.endswith(".0") else s
    return f"{x:,.0f}"


def duration(minutes: float | None) -> str:
    """840 → "14 h", 40 → "40 min", 90 → "1.5 h", 4320 → "3 d"; None → "–".

    The unit changes where the rounded figure would reach the next one: 59.5 min reads
    "1 h", not "60 min"; 47.5 h reads "2 d", not "48 h"."""
    if minutes is None:
        return _NONE
    m = abs(minutes)
    if m < 59.5:
        return f"{m:.0f} min"
    h = m / 60.0
    if h < 47.5:
        return f"{number(h)} h"
    return f"{number(h / 24.0)} d"


def business_duration(minutes: float | None) -> str:
    """Business time in minutes or hours, never days: "3 d of business hours" reads as
    72 working hours to some and three working days to others. 40 → "40 min", 840 → "14 h"."""
    if minutes is None:
        return _NONE
    m = abs(minutes)
    return f"{m:.0f} min" if m < 59.5 else f"{number(m / 60.0)} h"


def parse_day(value: str | None, name: str) -> date | None:
    """A day given as an option (`name`, e.g. "--since"), YYYY-MM-DD; None when not given."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidQuery(f"{name} {value!r} is not a date; use YYYY-MM-DD, e.g. 2026-03-01") from None


def parse_time(value: str | None, name: str) -> datetime | None:
    """A time given as an option (`name`, e.g. "--now"): ISO 8601, or a day meaning its
    midnight; without a zone it is UTC. None when not given."""
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidQuery(f"{name} {value!r} is not a time; use ISO 8601, e.g. 2026-03-01T14:00:00Z") from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at
