"""Business-hours arithmetic: how many working minutes lie between two instants.

A minute counts when its wall-clock time in the account's timezone falls inside a
working window: `hours.start`..`hours.end` on a day in `hours.weekdays`. When `end` is
not after `start` the window runs past midnight into the next day (a night shift;
`start == end` means the whole day from `start`).

Why it is shaped this way: the fold over a ticket's events asks for several spans per
ticket, for tens of thousands of tickets, and spans can last months. So the count is
never done per minute or even per day: within a stretch of constant UTC offset the
wall clock is a plain shift of UTC, and the working minutes from a fixed Monday up to
any wall-clock moment have a closed form (whole weeks × minutes per week + a lookup
inside one week). DST transitions split the span into such stretches; they are found
once per zone and year by sampling the offset weekly and bisecting to the second, so
a gap (spring forward) or a repeated hour (fall back) is counted exactly as the wall
clock shows it.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from cxpulse.domain.types import BusinessHours

__all__ = ["add_business_minutes", "business_minutes"]

_MINUTES_PER_DAY = 1440
_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday; (t − _EPOCH) + offset is local wall-clock time since it
_SAMPLE = timedelta(days=7)  # no real zone changes its offset twice within a week
_FIXED_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT"})


@lru_cache(maxsize=256)
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


@lru_cache(maxsize=256)
def _week_windows(hours: BusinessHours) -> tuple[tuple, float]:
    """Working windows as minute offsets from a Monday 00:00 (as `_table` gives them), and
    minutes per week.

    Sunday's window is repeated one week early so a night shift that starts on Sunday
    spills into Monday morning of the next week.
    """
    s = hours.start.hour * 60 + hours.start.minute + hours.start.second / 60
    e = hours.end.hour * 60 + hours.end.minute + hours.end.second / 60
    if e <= s:
        e += _MINUTES_PER_DAY
    days = sorted({d % 7 for d in hours.weekdays})
    windows = [(d * _MINUTES_PER_DAY + s, d * _MINUTES_PER_DAY + e) for d in days]
    if 6 in days:
        windows.insert(0, (-_MINUTES_PER_DAY + s, -_MINUTES_PER_DAY + e))
    return _table(tuple(windows)), float(len(days)) * (e - s)


def _table(windows: tuple[tuple[float, float], ...]) -> tuple:
    """(starts, lows, ends, before) of the week's windows, sorted and never overlapping
    (a window is at most a day long, and they start a day or more apart): window i counts
    from lows[i] (its start, or the week's start), and before[i] is the working minutes of
    the windows ahead of it — added one by one from 0.0 as `_cumulative`'s loop used to
    add them, so a moment's count is one bisect and the same float, bit for bit."""
    starts = [ws for ws, _ in windows]
    lows = [ws if ws > 0.0 else 0.0 for ws in starts]
    ends = [we for _, we in windows]
    before = [0.0]
    for lo, we in zip(lows, ends):
        before.append(before[-1] + (we - lo) if we > lo else before[-1])
    return starts, lows, ends, before


def _cumulative(delta: timedelta, table: tuple, per_week: float) -> float:
    """Working minutes from the epoch Monday to the wall-clock moment `delta` after it."""
    weeks, day = divmod(delta.days, 7)
    r = day * _MINUTES_PER_DAY + delta.seconds / 60 + delta.microseconds / 60_000_000
    starts, lows, ends, before = table
    k = bisect_left(starts, r)  # the windows starting before r: all but the last end before it
    if k == 0:
        return weeks * per_week + 0.0
    k -= 1
    inside = before[k]
    lo, we = lows[k], ends[k]
    hi = we if we < r else r
    if hi > lo:
        inside += hi - lo
    return weeks * per_week + inside


def _offset_at(zone: ZoneInfo, ts: int) -> timedelta:
    return datetime.fromtimestamp(ts, zone).utcoffset()  # type: ignore[return-value]


def _transition(zone: ZoneInfo, lo: int, hi: int) -> int:
    """The first second in (lo, hi] whose offset differs from the offset at `lo`.

    tzdata transitions fall on whole seconds, so integer bisection finds it exactly.
    """
    before = _offset_at(zone, lo)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset_at(zone, mid) == before:
            lo = mid
        else:
            hi = mid
    return hi


@lru_cache(maxsize=4096)
def _year_transitions(tz: str, year: int) -> tuple[datetime, ...]:
    """The instants (UTC) in a calendar year (UTC) at which `tz` changes its offset.

    Found once per zone and year by weekly sampling and bisection, then reused, so a
    span of months costs a few cache look-ups.
    """
    zone = _zone(tz)
    probe = datetime(year, 1, 1, tzinfo=UTC)
    year_end = datetime(year + 1, 1, 1, tzinfo=UTC)
    off = probe.astimezone(zone).utcoffset()
    found: list[datetime] = []
    while probe < year_end:
        nxt = min(probe + _SAMPLE, year_end)
        if nxt.astimezone(zone).utcoffset() != off:
            ts = _transition(zone, math.floor(probe.timestamp()), math.floor(nxt.timestamp()))
            t = datetime.fromtimestamp(ts, UTC)
            found.append(t)  # may equal year_end; next year starts on the new offset
            off = t.astimezone(zone).utcoffset()
            probe = t  # sample the rest afresh from the change
            continue
        probe = nxt
    return tuple(found)


def _pieces(start: datetime, end: datetime, tz: str) -> list[tuple[datetime, datetime, timedelta]]:
    """Split [start, end) (UTC) into stretches of constant UTC offset."""
    zone = _zone(tz)
    pieces: list[tuple[datetime, datetime, timedelta]] = []
    seg_start = start
    for year in range(start.year, end.year + 1):
        for t in _year_transitions(tz, year):
            if seg_start < t < end:
                pieces.append((seg_start, t, seg_start.astimezone(zone).utcoffset()))  # type: ignore[arg-type]
                seg_start = t
    pieces.append((seg_start, end, seg_start.astimezone(zone).utcoffset()))  # type: ignore[arg-type]
    return pieces


_TABLE_YEARS = (1990, 2061)  # the zone tables' span; spans outside it take `_pieces`


@lru_cache(maxsize=256)
def _zone_table(tz: str) -> tuple[datetime, datetime, list[datetime], list[timedelta]]:
    """(first, last, transitions, offsets) of `tz` over `_TABLE_YEARS`: `offsets[k]` holds
    from `transitions[k - 1]` until `transitions[k]`, so a moment's offset is one bisect —
    the year-by-year walk of `_pieces`, done once per zone (~10 ms) instead of per span."""
    lo, hi = _TABLE_YEARS
    zone = _zone(tz)
    first = datetime(lo, 1, 1, tzinfo=UTC)
    last = datetime(hi, 1, 1, tzinfo=UTC)
    transitions = [t for year in range(lo, hi) for t in _year_transitions(tz, year) if t < last]
    offsets = [first.astimezone(zone).utcoffset()] + [t.astimezone(zone).utcoffset() for t in transitions]
    return first, last, transitions, offsets  # type: ignore[return-value]


# The hours and zone of the last call, with their tables: an account's tickets share one
# BusinessHours object, and hashing it for `_week_windows`' cache took half of each call.
# Swapped as one tuple, so a thread never reads one account's hours with another's tables.
_seen: tuple = (None, None, None)


def _remember(hours: BusinessHours, tz: str, tables: tuple) -> None:
    global _seen
    _seen = (hours, tz, tables)


def business_minutes(start: datetime, end: datetime, hours: BusinessHours, tz: str) -> float:
    """Minutes of [start, end) inside working hours, in timezone `tz` (IANA name).

    `start` and `end` are timezone-aware. `end <= start` gives 0. Exact to the second,
    DST-correct, and O(number of DST changes) rather than O(days), because the first
    reply, resolution and waiting times of every ticket go through here.

    >>> from datetime import datetime, timezone
    >>> mon_8 = datetime(2024, 1, 8, 8, 0, tzinfo=timezone.utc)
    >>> business_minutes(mon_8, mon_8.replace(hour=10), BusinessHours(), "UTC")
    60.0
    """
    if end <= start:
        return 0.0
    seen = _seen
    if seen[0] is hours and seen[1] == tz:
        windows, per_week, zone_table = seen[2]
    else:
        windows, per_week = _week_windows(hours)
        zone_table = None if tz in _FIXED_ZONES else _zone_table(tz)
        _remember(hours, tz, (windows, per_week, zone_table))
    if per_week <= 0.0:
        return 0.0
    if zone_table is None:
        return _cumulative(end - _EPOCH, windows, per_week) - _cumulative(start - _EPOCH, windows, per_week)
    first, last, transitions, offsets = zone_table
    if first <= start and end <= last:
        # the pieces of `_pieces` by bisection: transitions t with start < t < end split the span
        i = bisect_right(transitions, start)
        j = bisect_left(transitions, end)
        a = start
        total = 0.0
        for k in range(i, j + 1):
            b = transitions[k] if k < j else end
            off = offsets[k]
            if b > a:
                total += _cumulative(b - _EPOCH + off, windows, per_week) - _cumulative(a - _EPOCH + off, windows, per_week)
            a = b
        return total
    total = 0.0
    for a, b, off in _pieces(start.astimezone(UTC), end.astimezone(UTC), tz):
        if b <= a:
            continue
        # aware arithmetic: no conversion to naive wall-clock datetimes (replace() is slow)
        total += _cumulative(b - _EPOCH + off, windows, per_week) - _cumulative(a - _EPOCH + off, windows, per_week)
    return total


def _inverse(total: float, table: tuple, per_week: float) -> timedelta:
    """The earliest wall-clock moment after the epoch Monday by which `total` working minutes
    have passed: the inverse of `_cumulative` (which is flat outside the windows)."""
    weeks = math.floor(total / per_week)
    rem = total - weeks * per_week
    if rem <= 0.0:  # reached exactly at the end of a week's last window: that moment
        weeks -= 1
        rem += per_week
    _starts, lows, ends, before = table
    k = bisect_left(before, rem) - 1  # the window in which the count reaches rem
    k = max(0, min(k, len(lows) - 1))
    r = lows[k] + (rem - before[k])
    return timedelta(weeks=weeks, minutes=r)


def add_business_minutes(start: datetime, minutes: float, hours: BusinessHours, tz: str) -> datetime | None:
    """The earliest instant by which `minutes` working minutes have passed since `start`:
    the inverse of `business_minutes`, for an SLA target's deadline. None when the hours
    hold no working time at all (the deadline never comes).

    Closed form, like `business_minutes`: within a stretch of constant UTC offset the count
    is inverted window by window (`_inverse`); a DST change moves on to the next stretch.
    Outside the zone tables' years it falls back to bisection over `business_minutes`.

    >>> from datetime import datetime, timezone
    >>> fri_16 = datetime(2024, 1, 12, 16, 0, tzinfo=timezone.utc)
    >>> add_business_minutes(fri_16, 120, BusinessHours(), "UTC").isoformat()
    '2024-01-15T10:00:00+00:00'
    """
    if minutes <= 0:
        return start
    windows, per_week = _week_windows(hours)
    if per_week <= 0.0:
        return None
    if tz in _FIXED_ZONES:
        return _EPOCH + _inverse(_cumulative(start - _EPOCH, windows, per_week) + minutes, windows, per_week)
    first, last, transitions, offsets = _zone_table(tz)
    if first <= start < last:
        need = float(minutes)
        a = start
        for k in range(bisect_right(transitions, start), len(transitions) + 1):
            off = offsets[k]
            base = _cumulative(a - _EPOCH + off, windows, per_week)
            b = transitions[k] if k < len(transitions) else None
            have = None if b is None else _cumulative(b - _EPOCH + off, windows, per_week) - base
            if have is None or need <= have:
                return _EPOCH + _inverse(base + need, windows, per_week) - off
            need -= have
            a = b  # type: ignore[assignment]
    return _bisect_business(start, minutes, hours, tz, per_week)


def _bisect_business(start: datetime, minutes: float, hours: BusinessHours, tz: str, per_week: float) -> datetime:
    """`add_business_minutes` by bisection, to the second: for times outside the zone tables."""
    goal = minutes - 1e-7
    hi = int((minutes / per_week + 2) * 7 * 86400)
    while business_minutes(start, start + timedelta(seconds=hi), hours, tz) < goal:
        hi *= 2  # a DST week short of an hour can leave the estimate just short
    lo = 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if business_minutes(start, start + timedelta(seconds=mid), hours, tz) >= goal:
            hi = mid
        else:
            lo = mid
    return start + timedelta(seconds=hi)
