"""Shared statistics: Wilson interval, share, Student t, mean from running sums."""

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.metrics import Estimate, mean_interval, share, t_quantile, wilson_interval
from cxpulse.metrics.stats import Z95, t_sf, t_two_sided_p


@st.composite
def successes_and_n(draw):
    n = draw(st.integers(0, 2000))
    return draw(st.integers(0, n)), n


def test_wilson_interval_of_half_of_a_hundred():
    low, high = wilson_interval(50, 100)
    assert (round(low * 100, 2), round(high * 100, 2)) == (40.38, 59.62)


def test_wilson_interval_is_everything_without_data():
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_interval_touches_the_edge_at_zero_and_all():
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 10)[1] > 0  # zero successes in ten is not proof of zero


@given(successes_and_n())
def test_wilson_bounds_stay_in_unit_interval_and_contain_the_share(sn):
    s, n = sn
    low, high = wilson_interval(s, n)
    assert 0.0 <= low <= high <= 1.0
    if n:
        assert low <= s / n <= high


@given(successes_and_n().filter(lambda sn: 0 < sn[0] < sn[1]))
def test_wilson_bounds_solve_the_score_test_equation(sn):
    # Brute-force definition: the bounds are the p0 where |p̂ − p0| = z·√(p0(1 − p0)/n).
    s, n = sn
    p_hat = s / n
    for p0 in wilson_interval(s, n):
        lhs, rhs = (p_hat - p0) ** 2, Z95**2 * p0 * (1 - p0) / n
        assert math.isclose(lhs, rhs, rel_tol=1e-9, abs_tol=1e-15)


def test_share_is_none_without_data():
    assert share(0, 0) == Estimate(None, 0, None, None)


@pytest.mark.parametrize("successes, n", [(-1, 5), (6, 5), (0, -1)])
def test_share_refuses_impossible_counts(successes, n):
    with pytest.raises(ValueError, match="successes"):
        share(successes, n)


@given(successes_and_n())
def test_share_is_percent_with_its_interval(sn):
    s, n = sn
    e = share(s, n)
    assert e.n == n
    if n:
        assert e.value == pytest.approx(100 * s / n)
        assert 0 <= e.low <= e.value <= e.high <= 100


@pytest.mark.parametrize(
    "p, df, expected",
    [
        (0.975, 1, 12.706),
        (0.975, 2, 4.303),
        (0.975, 3, 3.182),
        (0.975, 5, 2.571),
        (0.975, 10, 2.228),
        (0.975, 30, 2.042),
        (0.975, 120, 1.980),
        (0.95, 10, 1.812),
        (0.995, 4, 4.604),
        (0.9995, 20, 3.850),
        (0.025, 10, -2.228),
    ],
)
def test_t_quantile_matches_published_tables(p, df, expected):
    assert round(t_quantile(p, df), 3) == expected


def test_t_quantile_tends_to_the_normal():
    assert t_quantile(0.975, 1e7) == pytest.approx(Z95, abs=1e-6)


@given(st.floats(0.501, 0.9999), st.floats(0.5, 500))
def test_t_quantile_inverts_the_t_distribution(p, df):
    assert t_sf(t_quantile(p, df), df) == pytest.approx(1 - p, rel=1e-8)


def simpson_t_sf(t, df, steps=2000):
    """Brute force: 1/2 minus the integral of the t density from 0 to t (Simpson's rule)."""
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    pdf = lambda x: c * (1 + x * x / df) ** (-(df + 1) / 2)  # noqa: E731
    h = t / steps
    total = pdf(0) + pdf(t) + sum((4 if k % 2 else 2) * pdf(k * h) for k in range(1, steps))
    return 0.5 - total * h / 3


@given(st.floats(0, 8), st.floats(0.7, 60))
def test_t_tail_matches_numerical_integration_of_the_density(t, df):
    assert t_sf(t, df) == pytest.approx(simpson_t_sf(t, df), abs=1e-8)


def test_t_two_sided_p_at_the_critical_value_is_five_percent():
    assert t_two_sided_p(2.2281388519649385, 10) == pytest.approx(0.05, rel=1e-9)


@pytest.mark.parametrize("p, df", [(0, 5), (1, 5), (0.5, 0)])
def test_t_quantile_refuses_impossible_arguments(p, df):
    with pytest.raises(ValueError):
        t_quantile(p, df)


def test_mean_interval_is_none_without_data():
    assert mean_interval(0, 0, 0) == Estimate(None, 0, None, None)


def test_mean_interval_of_one_value_has_no_interval():
    assert mean_interval(7, 49, 1) == Estimate(7.0, 1, None, None)


@given(st.lists(st.integers(0, 100_000), min_size=2, max_size=200))
def test_mean_interval_from_sums_matches_the_values(xs):
    e = mean_interval(sum(xs), sum(x * x for x in xs), len(xs))
    mean, sd = statistics.mean(xs), statistics.stdev(xs)
    half = t_quantile(0.975, len(xs) - 1) * sd / math.sqrt(len(xs))
    assert e.n == len(xs)
    assert e.value == pytest.approx(mean)
    assert e.low == pytest.approx(mean - half, rel=1e-6, abs=1e-6)
    assert e.high == pytest.approx(mean + half, rel=1e-6, abs=1e-6)
    assert e.low <= e.value <= e.high
