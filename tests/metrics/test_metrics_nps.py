"""NPS: % promoters − % detractors, published margin-of-error formula."""

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.metrics import Estimate, nps
from cxpulse.metrics.stats import Z95

nps_counts = st.dictionaries(st.integers(0, 10), st.integers(0, 40))


def test_nps_follows_the_published_margin_of_error():
    e = nps({10: 30, 9: 20, 8: 20, 7: 10, 5: 15, 0: 5})  # 50 promoters, 20 detractors of 100
    se = 100 * math.sqrt((0.5 + 0.2 - 0.3**2) / 100)
    assert round(se, 2) == 7.81
    assert e.value == pytest.approx(30.0)
    assert e.n == 100
    assert round(e.value - e.low, 2) == 15.31
    assert round(e.high - e.value, 2) == 15.31
    assert e.low == pytest.approx(30 - 1.96 * se, abs=1e-3)


def test_nps_is_none_without_responses():
    assert nps({}) == Estimate(None, 0, None, None)


def test_nps_of_only_promoters_is_a_hundred():
    assert nps({10: 5}) == Estimate(100.0, 5, 100.0, 100.0)


def test_nps_interval_is_clipped_to_minus_a_hundred():
    e = nps({0: 1, 10: 0, 9: 1})
    assert e.low == -100.0


def test_nps_refuses_a_score_off_the_scale():
    with pytest.raises(ValueError, match=r"score 11 .*0\.\.10"):
        nps({11: 1})


@given(nps_counts)
def test_nps_matches_classifying_each_response(counts):
    responses = [score for score, c in counts.items() for _ in range(c)]
    e = nps(counts)
    assert e.n == len(responses)
    if not responses:
        assert e.value is None
        return
    signs = []
    for score in responses:
        signs.append(1 if score >= 9 else -1 if score <= 6 else 0)
    value = 100 * sum(signs) / len(signs)
    se = 100 * math.sqrt(statistics.pvariance(signs) / len(signs))
    assert e.value == pytest.approx(value, abs=1e-9)
    assert e.low == pytest.approx(max(-100, value - Z95 * se), abs=1e-9)
    assert e.high == pytest.approx(min(100, value + Z95 * se), abs=1e-9)
    assert -100 <= e.low <= e.value <= e.high <= 100
