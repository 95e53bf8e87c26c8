from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxpulse.domain.types import BusinessHours
from cxpulse.metrics.business_hours import business_minutes

NINE_TO_FIVE = BusinessHours()  # 09:00–17:00, Monday–Friday
VILNIUS = "Europe/Vilnius"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def brute_force(start: datetime, end: datetime, hours: BusinessHours, tz: str) -> float:
    """The definition, one minute at a time: does this minute's wall clock fall in a window?"""
    zone = ZoneInfo(tz)
    s = hours.start.hour * 60 + hours.start.minute
    e = hours.end.hour * 60 + hours.end.minute
    count = 0
    t = start
    while t < end:
        wall = t.astimezone(zone)
        m = wall.hour * 60 + wall.minute
        today = wall.weekday() in hours.weekdays
        yesterday = (wall.weekday() - 1) % 7 in hours.weekdays
        if e > s:
            inside = today and s <= m < e
        else:  # the window runs past midnight (start == end: a whole day from start)
            inside = (today and m >= s) or (yesterday and m < e)
        count += inside
        t += timedelta(minutes=1)
    return float(count)


def test_span_inside_one_working_day_counts_every_minute():
    monday = local(VILNIUS, 2024, 1, 8, 10, 0)
    assert business_minutes(monday, monday + timedelta(minutes=95), NINE_TO_FIVE, VILNIUS) == 95.0


def test_overnight_span_counts_only_the_working_ends_of_both_days():
    # Monday 16:00 → Tuesday 10:00 local: 1 h on Monday, 1 h on Tuesday.
    start = local(VILNIUS, 2024, 1, 8, 16, 0)
    end = local(VILNIUS, 2024, 1, 9, 10, 0)
    assert business_minutes(start, end, NINE_TO_FIVE, VILNIUS) == 120.0


def test_weekend_counts_nothing():
    friday_16 = local(VILNIUS, 2024, 1, 12, 16, 0)
    monday_10 = local(VILNIUS, 2024, 1, 15, 10, 0)
    assert business_minutes(friday_16, monday_10, NINE_TO_FIVE, VILNIUS) == 120.0
    saturday = local(VILNIUS, 2024, 1, 13, 0, 0)
    assert business_minutes(saturday, saturday + timedelta(days=2), NINE_TO_FIVE, VILNIUS) == 0.0


def test_working_hours_follow_the_local_clock_across_a_dst_change():
    # Vilnius springs forward on Sunday 2024-03-31 (03:00 → 04:00, UTC+2 → UTC+3).
    every_day = BusinessHours(start=time(0, 0), end=time(0, 0), weekdays=tuple(range(7)))
    sunday = local(VILNIUS, 2024, 3, 31, 0, 0)
    monday = local(VILNIUS, 2024, 4, 1, 0, 0)
    assert business_minutes(sunday, monday, every_day, VILNIUS) == 23 * 60.0
    # A working day after the change is still 8 h, starting at 09:00 local = 06:00 UTC.
    assert business_minutes(utc(2024, 4, 1, 5), utc(2024, 4, 1, 7), NINE_TO_FIVE, VILNIUS) == 60.0
    # … and before the change 09:00 local was 07:00 UTC.
    assert business_minutes(utc(2024, 3, 29, 6), utc(2024, 3, 29, 8), NINE_TO_FIVE, VILNIUS) == 60.0
    # Falling back (2024-10-27, 04:00 → 03:00) makes that Sunday 25 h long.
    sunday = local(VILNIUS, 2024, 10, 27, 0, 0)
    monday = local(VILNIUS, 2024, 10, 28, 0, 0)
    assert business_minutes(sunday, monday, every_day, VILNIUS) == 25 * 60.0


def test_months_long_span_counts_whole_working_days():
    start = local(VILNIUS, 2024, 1, 1, 0, 0)  # a Monday
    end = local(VILNIUS, 2024, 12, 30, 0, 0)  # 52 weeks later, DST both ways in between
    assert business_minutes(start, end, NINE_TO_FIVE, VILNIUS) == 52 * 5 * 8 * 60.0


def test_empty_or_reversed_span_is_zero():
    t = utc(2024, 1, 8, 10)
    assert business_minutes(t, t, NINE_TO_FIVE, "UTC") == 0.0
    assert business_minutes(t, t - timedelta(hours=3), NINE_TO_FIVE, "UTC") == 0.0


def test_night_shift_crosses_midnight_into_the_next_day():
    nights = BusinessHours(start=time(22, 0), end=time(6, 0), weekdays=(4,))  # Friday night
    friday_20 = utc(2024, 1, 12, 20)
    assert business_minutes(friday_20, friday_20 + timedelta(hours=12), nights, "UTC") == 8 * 60.0


ZONES = st.sampled_from(
    ["UTC", VILNIUS, "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Europe/London"]
)
HOURS = st.builds(
    BusinessHours,
    start=st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
    end=st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
    weekdays=st.lists(st.integers(0, 6), min_size=0, max_size=7, unique=True).map(tuple),
)
# Starts cluster around DST changes of the zones above so the edges get exercised.
STARTS = st.sampled_from(
    [utc(2024, 3, 30), utc(2024, 10, 26), utc(2024, 3, 9), utc(2024, 11, 2), utc(2024, 4, 6), utc(2023, 12, 31)]
).flatmap(lambda base: st.integers(0, 3 * 24 * 60).map(lambda m: base + timedelta(minutes=m)))


@settings(max_examples=150, deadline=None)
@given(start=STARTS, length=st.integers(0, 3 * 24 * 60), hours=HOURS, tz=ZONES)
def test_matches_a_minute_by_minute_count(start, length, hours, tz):
    end = start + timedelta(minutes=length)
    assert business_minutes(start, end, hours, tz) == brute_force(start, end, hours, tz)


@pytest.mark.parametrize("start", [utc(1985, 3, 30), utc(2075, 10, 26), utc(2060, 12, 30)])
def test_spans_beyond_the_zone_table_count_the_same(start):
    """Outside 1990–2060 the per-zone table does not reach: the year-by-year walk counts."""
    every_day = BusinessHours(start=time(0, 0), end=time(0, 0), weekdays=tuple(range(7)))
    for hours in (NINE_TO_FIVE, every_day):
        end = start + timedelta(days=4, minutes=17)
        assert business_minutes(start, end, hours, VILNIUS) == brute_force(start, end, hours, VILNIUS)
