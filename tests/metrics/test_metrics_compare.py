"""Period comparisons: two-proportion z-test, combined NPS SE, Welch on means."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.metrics import compare_csat, compare_means, compare_nps, compare_shares
from cxpulse.metrics.stats import t_two_sided_p


def test_a_big_clear_csat_rise_is_significant():
    c = compare_csat({5: 200, 1: 800}, {5: 800, 1: 200})
    assert c.delta == pytest.approx(60.0)
    assert c.significant is True
    assert c.p_value < 1e-6


def test_identical_csat_counts_are_not_significant():
    counts = {5: 40, 4: 20, 2: 40}
    c = compare_csat(counts, counts)
    assert (c.delta, c.z, c.p_value, c.significant) == (0.0, 0.0, 1.0, False)


def test_compare_is_untested_without_responses():
    c = compare_csat({}, {5: 3})
    assert (c.delta, c.z, c.p_value, c.significant) == (None, None, None, None)
    assert c.current.value == 100.0
    assert compare_nps({10: 1}, {}).significant is None
    assert compare_means({}, {}).significant is None


def test_compare_shares_uses_the_pooled_share():
    c = compare_shares(50, 100, 70, 100)
    pooled = 120 / 200
    z = (0.7 - 0.5) / math.sqrt(pooled * (1 - pooled) * (2 / 100))
    assert c.z == pytest.approx(z)
    assert c.p_value == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert c.significant is True


def test_compare_shares_honours_alpha():
    c = compare_shares(50, 100, 62, 100)  # p ≈ 0.09
    assert c.significant is False
    assert compare_shares(50, 100, 62, 100, alpha=0.10).significant is True


def test_all_satisfied_in_both_periods_is_no_change():
    c = compare_shares(10, 10, 20, 20)
    assert (c.delta, c.significant) == (0.0, False)


def test_compare_nps_combines_the_two_standard_errors():
    c = compare_nps({10: 50, 8: 30, 3: 20}, {10: 70, 8: 20, 3: 10})
    se1 = 100 * math.sqrt((0.5 + 0.2 - 0.3**2) / 100)
    se2 = 100 * math.sqrt((0.7 + 0.1 - 0.6**2) / 100)
    assert c.delta == pytest.approx(30.0)
    assert c.z == pytest.approx(30 / math.sqrt(se1**2 + se2**2))
    assert c.significant is True


def test_identical_nps_counts_are_not_significant():
    counts = {10: 5, 7: 3, 2: 4}
    assert compare_nps(counts, counts).significant is False


def test_compare_means_detects_a_big_drop_in_ease():
    c = compare_means({7: 40, 6: 40, 5: 20}, {4: 50, 3: 50})
    assert c.delta == pytest.approx(-2.7)
    assert c.significant is True


def test_compare_means_matches_welch_by_hand():
    prev, cur = [1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 7]
    c = compare_means({s: prev.count(s) for s in prev}, {s: cur.count(s) for s in cur})
    v1, v2 = 2.5, sum((x - 32 / 6) ** 2 for x in cur) / 5
    a, b = v1 / 5, v2 / 6
    t = (32 / 6 - 3) / math.sqrt(a + b)
    df = (a + b) ** 2 / (a**2 / 4 + b**2 / 5)
    assert c.z == pytest.approx(t)
    assert c.p_value == pytest.approx(t_two_sided_p(t, df))
    assert c.significant is True  # t ≈ 2.40 on ≈ 8.7 df: p ≈ 0.04


def test_compare_means_needs_two_answers_per_period():
    c = compare_means({5: 1}, {5: 3, 7: 2})
    assert c.significant is None and c.delta is not None


def test_compare_means_refuses_a_score_off_the_scale():
    with pytest.raises(ValueError, match=r"score 9"):
        compare_means({9: 1}, {5: 1})


@given(st.integers(0, 300), st.integers(0, 300), st.data())
def test_compare_shares_p_value_is_a_probability(n1, n2, data):
    s1, s2 = data.draw(st.integers(0, n1)), data.draw(st.integers(0, n2))
    c = compare_shares(s1, n1, s2, n2)
    if n1 and n2:
        assert 0 <= c.p_value <= 1
        assert c.significant == (c.p_value < 0.05)
    else:
        assert c.significant is None
