"""KPI summaries: median, p90 (linear interpolation), mean; None left out."""

import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.metrics import Summary, summarize


def test_summarize_leaves_out_missing_values():
    assert summarize([10, None, 20, 30, 40]) == Summary(4, 25.0, 37.0, 25.0)


def test_summarize_is_none_without_values():
    assert summarize([None, None]) == Summary(0, None, None, None)
    assert summarize(iter([])) == Summary(0, None, None, None)


def test_summarize_of_one_value_is_that_value():
    assert summarize([3]) == Summary(1, 3.0, 3.0, 3.0)


def test_summarize_p90_matches_numpy_linear_on_ten_values():
    # numpy.percentile(range(1, 11), 90) == 9.1
    assert summarize(range(1, 11)).p90 == pytest.approx(9.1)


@given(st.lists(st.one_of(st.none(), st.floats(0, 1e6)), max_size=60))
def test_summarize_matches_statistics_module(values):
    xs = [v for v in values if v is not None]
    s = summarize(values)
    assert s.n == len(xs)
    if not xs:
        assert s == Summary(0, None, None, None)
        return
    assert s.median == pytest.approx(statistics.median(xs))
    assert s.mean == pytest.approx(statistics.fmean(xs))
    # 'inclusive' is R type 7, the same as numpy's default 'linear' method.
    p90 = xs[0] if len(xs) == 1 else statistics.quantiles(xs, n=10, method="inclusive")[8]
    assert s.p90 == pytest.approx(p90)
    assert min(xs) <= s.median <= s.p90 <= max(xs)


def test_median_interval_covers_the_median_and_narrows_with_n():
    from cxpulse.metrics.summary import summarize

    small = summarize(range(1, 21))
    big = summarize(range(1, 2001))
    assert small.low <= small.median <= small.high
    assert big.low <= big.median <= big.high
    assert (big.high - big.low) / 2000 < (small.high - small.low) / 20
    assert summarize([1, 2, 3]).low is None


def test_median_interval_covers_the_true_median_about_95_percent_of_the_time():
    import random

    from cxpulse.metrics.summary import summarize

    rng = random.Random(3)
    hits = 0
    for _ in range(400):
        s = summarize(rng.expovariate(1.0) for _ in range(60))
        hits += s.low <= 0.6931471805599453 <= s.high  # median of Exp(1) = ln 2
    assert 0.92 <= hits / 400 <= 0.99


@given(st.lists(st.one_of(st.none(), st.floats(0, 1e6), st.integers(0, 10**6)), max_size=80))
def test_summarize_gives_the_statistics_module_figures_to_the_last_bit(values):
    """The values are sorted by numpy for speed; the figures stay Python's own, bit for bit."""
    xs = sorted(float(v) for v in values if v is not None)
    s = summarize(values)
    if not xs:
        return
    assert s.median == statistics.median(xs) and s.mean == statistics.fmean(xs)
    assert type(s.median) is float and type(s.p90) is float
    if s.low is not None:
        assert s.low in xs and s.high in xs and type(s.low) is float


def test_a_float_array_with_nan_for_null_summarises_as_the_list_with_none():
    """storage/queries.py hands KPI columns over as float arrays, NULL as NaN."""
    import random

    import numpy as np

    rng = random.Random(5)
    values = [None if rng.random() < 0.2 else rng.choice([rng.uniform(0, 5000), rng.randint(0, 40)])
              for _ in range(5001)]
    array = np.array(values, dtype=np.float64)
    before = array.copy()
    assert summarize(array) == summarize(values)
    assert summarize(np.array([np.nan, np.nan])) == summarize([None, None])
    assert np.array_equal(array, before, equal_nan=True)  # the caller's column is not sorted in place
