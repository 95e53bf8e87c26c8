"""How `cxpulse report --format table` writes each figure, which columns it keeps, and
what it says about a change (issue 18 §10) — the pieces, without a database."""

from __future__ import annotations

import pytest

from cxpulse.cli import report_table as rt
from cxpulse.metrics import direction as d
from cxpulse.service.report import ROW_ORDER


@pytest.mark.parametrize(("minutes", "text"), [
    (42, "42 min"), (59.4, "59 min"), (59.6, "1 h"), (75, "1.2 h"), (1514.6, "25 h"), (4464, "3.1 d"),
    (None, ""),
])
def test_a_duration_reads_in_the_unit_that_keeps_it_short(minutes, text):
    assert rt.figure("minutes", minutes) == text


@pytest.mark.parametrize(("kind", "value", "text"), [
    ("percent", 86.44, "86.4%"), ("nps", 37.4, "+37"), ("nps", -6.4, "-6"), ("nps", 0.2, "0"),
    ("mean", 5.139, "5.14"), ("score", 75.94, "75.9"), ("count", 1.84, "1.8"), ("ratio", 0.5876, "0.59"),
])
def test_each_kind_of_figure_reads_in_its_unit(kind, value, text):
    assert rt.figure(kind, value) == text


@pytest.mark.parametrize(("kind", "low", "high", "text"), [
    ("minutes", 1440, 1680, "24–28 h"),  # one unit: said once
    ("minutes", 50, 75, "50 min–1.2 h"),  # two units: each said
    ("percent", 82.24, 89.71, "82.2–89.7%"),
    ("nps", -6.1, 40.1, "-6 to +40"),  # a minus sign next to a dash would misread
    ("ratio", -0.375, 0.758, "-0.38 to 0.76"),
    ("percent", None, None, ""),
])
def test_an_interval_says_its_unit_once_and_never_reads_as_a_subtraction(kind, low, high, text):
    assert rt.interval(kind, low, high) == text


@pytest.mark.parametrize(("kind", "delta", "text"), [
    ("percent", 2.06, "+2.1 pts"), ("percent", -10.25, "-10.2 pts"), ("minutes", -75, "-1.2 h"),
    ("minutes", 168, "+2.8 h"), ("mean", 0.0, "0.00"), ("nps", -14.2, "-14 pts"), ("percent", None, ""),
])
def test_a_change_shows_its_sign_and_unit(kind, delta, text):
    assert rt.change(kind, delta) == text


def test_p_values_read_as_a_person_quotes_them():
    assert [rt.p_value(p) for p in (0.0004, 0.0123, 0.7, None)] == ["< 0.001", "0.012", "0.700", ""]


def test_only_columns_with_a_value_in_some_row_are_kept():
    cols = [rt.Column("metric", "metric"), rt.Column("p90", "p90"), rt.Column("note", "note"), rt.Column("n", "n")]
    rows = [{"metric": "CSAT", "p90": "", "note": None, "n": "12"}, {"metric": "NPS", "n": "3"}]
    assert [c.key for c in rt.nonempty(cols, rows)] == ["metric", "n"]
    rows.append({"metric": "1st reply", "p90": "34 h", "n": "9"})
    assert [c.key for c in rt.nonempty(cols, rows)] == ["metric", "p90", "n"]


def test_labels_name_the_figure_and_what_tells_its_rows_apart():
    assert rt.label({"metric": "first_reply_minutes", "group": {}}) == "1st reply"
    assert rt.label({"metric": "csi_attribute", "group": {}, "attribute": "speed"}) == "CSI · speed"
    assert rt.label({"metric": "ces", "group": {}, "scale": "1-7"}) == "CES (1-7)"
    assert rt.label({"metric": "response_rate", "group": {}, "kind": "nps"}) == "response rate · nps"
    # a --by key has a column of its own: not said again in the label
    assert rt.label({"metric": "iqs_criterion", "group": {"criterion": "speed"}, "criterion": "speed"}) == "IQS"


def test_every_metric_the_report_can_give_has_a_spec_and_a_direction():
    """A new metric added to the report without saying how it reads, or which way is better,
    would print as a bare number and be judged as neither: fail here instead."""
    assert set(ROW_ORDER) <= set(rt.SPECS)
    assert set(ROW_ORDER) <= set(d.DIRECTION)


def _verdict(metric, delta, significant=True, p=0.01, n_previous=100, n_current=100):
    return d.verdict(metric, delta=delta, p_value=p, significant=significant, n_previous=n_previous,
                     n_current=n_current)


def test_better_and_worse_follow_each_metric_direction():
    assert _verdict("csat", +5.0) == "better"
    assert _verdict("csat", -5.0) == "worse"
    assert _verdict("first_reply_minutes", -30.0) == "better"  # a faster first reply
    assert _verdict("first_reply_minutes", +30.0) == "worse"  # was shown like a better one (issue 18 §4)
    assert _verdict("reopen_rate", +2.0) == "worse"
    assert _verdict("qa_vs_csat_correlation", +0.2) == "higher"  # no better side: the way it moved


def test_no_claim_below_the_minimum_n_whatever_the_p_value():
    assert d.MIN_COMPARE_N == 30
    assert _verdict("csat", -20.2, p=0.0001, n_previous=4, n_current=248) == "too few to tell"
    assert _verdict("csat", -20.2, p=0.0001, n_previous=248, n_current=29) == "too few to tell"
    assert _verdict("csat", -20.2, p=0.0001, n_previous=30, n_current=30) == "worse"


def test_an_insignificant_untested_or_unmatched_change_says_so():
    assert _verdict("csat", 3.0, significant=False, p=0.4) == "no significant change"
    assert _verdict("first_reply_minutes", 30.0, significant=None, p=None) == "not tested"  # a median
    assert d.verdict("csat", delta=None, p_value=None, significant=None, n_previous=None, n_current=50) == \
        "no previous data"


def test_the_doctests_hold():
    import doctest

    assert doctest.testmod(rt).failed == 0
    assert doctest.testmod(d).failed == 0
