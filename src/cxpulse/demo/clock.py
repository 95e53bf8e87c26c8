"""Time in the demo: units of seconds, UTC datetimes, and an account's business time."""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from cxpulse.domain import BusinessHours

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0
YEAR = 365 * DAY


def dt(ts: float) -> datetime:
    """An instant in POSIX seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(ts, UTC)


class Clock:
    """Business time of one account: working windows as UTC instants, and their sums.

    `to_b` maps an instant to the business seconds worked since the first window (an
    instant outside the hours maps to the next window's start); `add` moves an instant
    forward by business seconds, landing inside a window. DST is exact: each window is
    built from the local wall clock of its own day.
    """

    def __init__(self, tz: ZoneInfo, hours: BusinessHours, first: date, last: date) -> None:
        starts: list[float] = []
        ends: list[float] = []
        cum: list[float] = []
        total = 0.0
        overnight = hours.end <= hours.start
        day = first
        while day <= last:
            if day.weekday() in hours.weekdays:
                s = datetime.combine(day, hours.start, tz).timestamp()
                e_day = day + timedelta(days=1) if overnight else day
                e = datetime.combine(e_day, hours.end, tz).timestamp()
                starts.append(s)
                ends.append(e)
                cum.append(total)
                total += e - s
            day += timedelta(days=1)
        self.starts, self.ends, self.cum = starts, ends, cum

    def working(self, ts: float) -> bool:
        i = bisect_right(self.starts, ts) - 1
        return i >= 0 and ts < self.ends[i]

    def to_b(self, ts: float) -> float:
        i = bisect_right(self.starts, ts) - 1
        if i < 0:
            return 0.0
        s, e = self.starts[i], self.ends[i]
        return self.cum[i] + (ts - s if ts < e else e - s)

    def from_b(self, b: float) -> float:
        j = max(0, bisect_right(self.cum, b) - 1)
        return self.starts[j] + (b - self.cum[j])

    def add(self, ts: float, seconds: float) -> float:
        return max(ts, self.from_b(self.to_b(ts) + seconds))
