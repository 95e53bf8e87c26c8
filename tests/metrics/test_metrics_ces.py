"""CES: mean with a t-interval, and the share of top-3-box "easy" answers."""

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.metrics import Estimate, ces, t_quantile

seven_counts = st.dictionaries(st.integers(1, 7), st.integers(0, 30))
ten_counts = st.dictionaries(st.integers(1, 10), st.integers(0, 30))


def test_ces_reports_mean_and_easy_share():
    r = ces({7: 2, 5: 1, 3: 1})
    assert r.mean.value == 5.5
    assert r.easy.value == 75.0
    assert r.mean.n == r.easy.n == 4


def test_ces_is_none_without_responses():
    r = ces({})
    assert r.mean == r.easy == Estimate(None, 0, None, None)


def test_ces_of_one_answer_has_no_mean_interval():
    r = ces({6: 1})
    assert r.mean == Estimate(6.0, 1, None, None)


def test_ces_easy_is_eight_to_ten_on_the_ten_point_scale():
    assert ces({8: 1, 7: 1}, "1-10").easy.value == 50.0


def test_ces_refuses_scales_other_than_seven_and_ten_points():
    with pytest.raises(ValueError, match="1-5"):
        ces({3: 1}, "1-5")


def test_ces_refuses_a_score_off_the_scale():
    with pytest.raises(ValueError, match=r"score 8 .*1\.\.7"):
        ces({8: 1})


def check_against_responses(counts, scale, lo, hi):
    responses = [score for score, c in counts.items() for _ in range(c)]
    r = ces(counts, scale)
    assert r.mean.n == r.easy.n == len(responses)
    if len(responses) < 2:
        return
    mean, sd = statistics.mean(responses), statistics.stdev(responses)
    half = t_quantile(0.975, len(responses) - 1) * sd / math.sqrt(len(responses))
    assert r.mean.value == pytest.approx(mean)
    assert r.mean.low == pytest.approx(max(lo, mean - half))
    assert r.mean.high == pytest.approx(min(hi, mean + half))
    assert lo <= r.mean.low <= r.mean.value <= r.mean.high <= hi
    easy = sum(1 for s in responses if s >= hi - 2)
    assert r.easy.value == pytest.approx(100 * easy / len(responses))
    assert r.easy.low <= r.easy.value <= r.easy.high


@given(seven_counts)
def test_ces_matches_the_individual_answers_on_seven_points(counts):
    check_against_responses(counts, "1-7", 1, 7)


@given(ten_counts)
def test_ces_matches_the_individual_answers_on_ten_points(counts):
    check_against_responses(counts, "1-10", 1, 10)
