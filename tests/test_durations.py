"""One rule for how a duration reads (`cxpulse.durations`), the same in the CLI, on the
dashboard and in the model's reasons; and one reader of the times given on the command line."""

from __future__ import annotations

import doctest
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from cxpulse import durations
from cxpulse.cli.app import overview
from cxpulse.domain import InvalidQuery
from cxpulse.durations import business_duration, duration, number, parse_day, parse_time
from cxpulse.ml.features import reason
from cxpulse.web.dashboard import format as F


def test_the_module_docstring_runs():
    assert doctest.testmod(durations).failed == 0


@pytest.mark.parametrize(("minutes", "words"), [
    (0, "0 min"),
    (59 / 60, "1 min"),  # 59 s
    (0.4, "0 min"),
    (59.4, "59 min"),
    (59.5, "1 h"),  # never "60 min"
    (75, "1.2 h"),
    (90, "1.5 h"),
    (120, "2 h"),  # never "2.0 h"
    (597, "10 h"),  # 9.95 h: no decimal from 10 up
    (23.9 * 60, "24 h"),
    (26 * 60, "26 h"),
    (47.4 * 60, "47 h"),
    (47.5 * 60, "2 d"),  # never "48 h"
    (3 * 1440, "3 d"),
    (3.5 * 1440, "3.5 d"),
    (45 * 1440, "45 d"),
    (1200 * 1440, "1,200 d"),
])
def test_a_duration_reads_in_the_largest_unit_that_keeps_it_short(minutes, words):
    assert duration(minutes) == words


def test_a_duration_reads_without_its_sign_and_none_as_a_dash():
    """The words around it say which way ("overdue by 3 d"); a missing figure is a dash."""
    assert duration(-75) == duration(75) == "1.2 h"
    assert duration(-3 * 1440) == "3 d"
    assert duration(-0.2) == "0 min"
    assert duration(None) == business_duration(None) == "–"


@pytest.mark.parametrize(("minutes", "words"), [
    (0, "0 min"), (59 / 60, "1 min"), (59.5, "1 h"), (75, "1.2 h"), (23.9 * 60, "24 h"),
    (3 * 1440, "72 h"), (45 * 1440, "1,080 h"), (-90, "1.5 h"),
])
def test_business_time_stops_at_hours(minutes, words):
    assert business_duration(minutes) == words


@pytest.mark.parametrize(("x", "said"), [(0, "0"), (2, "2"), (1.25, "1.2"), (1.5, "1.5"), (9.94, "9.9"),
                                         (9.95, "10"), (14.4, "14"), (1200, "1,200"), (-1.5, "-1.5")])
def test_a_number_has_one_decimal_only_below_ten_and_only_when_it_says_something(x, said):
    assert number(x) == said


@pytest.mark.parametrize("minutes", [0, 59 / 60, 59.5, 75, 90, 840, 23.9 * 60, 2880, 4320, 45 * 1440])
def test_the_cli_the_dashboard_and_the_reasons_say_a_duration_alike(minutes):
    words = duration(minutes)
    assert F.minutes(minutes) == words
    assert F.figure("minutes", minutes) == words
    assert F.change("minutes", minutes) == (f"+{words}" if minutes else f"±{words}")
    assert F.change("minutes", -minutes) == (f"−{words}" if minutes else f"±{words}")
    (line,) = overview([{"group": {"account": "acme"}, "metric": "first_reply_minutes", "value": minutes,
                         "low": None, "high": None, "n": 1}])
    assert line["1st reply"] == words
    assert reason("first_reply_minutes", minutes, minutes) == f"first reply after {words}; account median {words}"


def test_75_minutes_read_the_same_everywhere():
    """The case issue 14 names: the CLI said "75 min" where the dashboard and reasons said "1.2 h"."""
    (line,) = overview([{"group": {}, "metric": "full_resolution_minutes", "value": 75.0, "low": None,
                         "high": None, "n": 3}])
    assert line["resolve"] == F.minutes(75.0) == "1.2 h"
    assert F.minutes(None) == "–"


def test_a_day_is_read_or_refused_with_what_to_type():
    assert parse_day("2026-03-01", "--since") == date(2026, 3, 1)
    assert parse_day(None, "--since") is None and parse_day("", "--since") is None
    with pytest.raises(InvalidQuery, match=r"--since 'March' is not a date; use YYYY-MM-DD, e\.g\. 2026-03-01"):
        parse_day("March", "--since")


def test_a_time_is_read_as_utc_unless_it_says_otherwise():
    assert parse_time("2026-03-01T14:00:00Z", "--now") == datetime(2026, 3, 1, 14, tzinfo=UTC)
    assert parse_time("2026-03-01T14:00:00", "--now") == datetime(2026, 3, 1, 14, tzinfo=UTC)
    assert parse_time("2026-03-01", "--as-of") == datetime(2026, 3, 1, tzinfo=UTC)  # a day: its midnight
    kyiv = parse_time("2026-03-01T14:00:00+02:00", "--now")
    assert kyiv.utcoffset() == timedelta(hours=2) and kyiv == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert kyiv.tzinfo == timezone(timedelta(hours=2))
    assert parse_time(None, "--now") is None and parse_time("", "--now") is None


def test_a_time_that_is_not_one_is_refused_with_what_to_type():
    with pytest.raises(InvalidQuery) as e:
        parse_time("yesterday", "--now")
    assert str(e.value) == "--now 'yesterday' is not a time; use ISO 8601, e.g. 2026-03-01T14:00:00Z"
