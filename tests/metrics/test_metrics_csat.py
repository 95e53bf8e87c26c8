"""CSAT: share of satisfied responses × 100, Wilson 95% interval."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.metrics import Estimate, csat, csat_mixed


def expand(counts):
    return [score for score, c in counts.items() for _ in range(c)]


def brute_satisfied(scale, score):
    return score == 1 if scale == "binary" else score >= 4


five_counts = st.dictionaries(st.integers(1, 5), st.integers(0, 40))
binary_counts = st.dictionaries(st.integers(0, 1), st.integers(0, 40))


def test_csat_of_the_seed_example_is_fifty_percent():
    e = csat({5: 25, 4: 25, 3: 10, 2: 10, 1: 30})  # 100 surveyed, 50 satisfied
    assert e.value == 50.0
    assert e.n == 100
    assert (round(e.low, 2), round(e.high, 2)) == (40.38, 59.62)


def test_csat_counts_good_on_the_binary_scale():
    assert csat({1: 3, 0: 1}, "binary").value == 75.0


def test_csat_is_none_without_responses():
    assert csat({}) == Estimate(None, 0, None, None)
    assert csat({5: 0, 1: 0}) == Estimate(None, 0, None, None)


def test_csat_refuses_a_score_off_the_scale_and_names_it():
    with pytest.raises(ValueError, match=r"score 6 .*1\.\.5"):
        csat({6: 1})


def test_csat_refuses_scales_it_is_not_defined_on():
    with pytest.raises(ValueError, match="1-7"):
        csat({}, "1-7")


def test_csat_refuses_an_unknown_scale_listing_the_known_ones():
    with pytest.raises(ValueError, match="Unknown scale: '1-4', expected one of"):
        csat({4: 1}, "1-4")


def test_csat_refuses_negative_counts():
    with pytest.raises(ValueError, match="negative"):
        csat({5: -1})


@given(five_counts)
def test_csat_matches_counting_each_response(counts):
    responses = expand(counts)
    e = csat(counts)
    assert e.n == len(responses)
    if not responses:
        assert e.value is None
        return
    satisfied = 0
    for score in responses:
        if brute_satisfied("1-5", score):
            satisfied += 1
    assert e.value == pytest.approx(100 * satisfied / len(responses))
    assert 0 <= e.low <= e.value <= e.high <= 100


@given(binary_counts, five_counts)
def test_csat_mixed_judges_each_response_on_its_own_scale(binary, five):
    responses = [("binary", s) for s in expand(binary)] + [("1-5", s) for s in expand(five)]
    e = csat_mixed({"binary": binary, "1-5": five})
    assert e.n == len(responses)
    if responses:
        satisfied = sum(1 for scale, s in responses if brute_satisfied(scale, s))
        assert e.value == pytest.approx(100 * satisfied / len(responses))
        assert e.low <= e.value <= e.high


def test_csat_mixed_of_one_scale_is_plain_csat():
    counts = {5: 7, 4: 2, 1: 3}
    assert csat_mixed({"1-5": counts}) == csat(counts)
