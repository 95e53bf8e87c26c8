"""CSI: importance-weighted attribute satisfaction and priority quadrants."""

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.metrics import Estimate, csi, t_quantile


def test_csi_weights_satisfaction_by_importance():
    r = csi({"speed": {(5, 5): 1, (5, 3): 1}, "price": {(1, 2): 1, (3, 2): 1}})
    assert r.value.value == pytest.approx(75.0)
    assert r.value.n == 2
    speed, price = r.attributes
    assert (speed.satisfaction.value, speed.importance, speed.n) == (100.0, 4.0, 2)
    assert (price.satisfaction.value, price.importance) == (25.0, 2.0)


def test_csi_places_attributes_in_quadrants():
    r = csi(
        {
            "speed": {(2, 5): 10},  # important, poor
            "competence": {(5, 5): 10},  # important, good
            "price": {(1, 1): 10},  # unimportant, poor
            "wording": {(5, 1): 10},  # unimportant, good
        }
    )
    assert {a.attribute: a.quadrant for a in r.attributes} == {
        "speed": "fix first",
        "competence": "keep up",
        "price": "low priority",
        "wording": "maintain",
    }


def test_csi_is_plain_mean_without_any_importance():
    r = csi({"a": {(5, None): 2}, "b": {(3, None): 2}})
    assert r.value.value == pytest.approx(75.0)
    assert all(a.importance is None and a.quadrant == "no data" for a in r.attributes)


def test_csi_gives_unweighted_attributes_the_mean_weight():
    r = csi({"a": {(5, 4): 1, (5, 2): 1}, "b": {(1, None): 2}})  # w_a = 3, w_b := 3
    assert r.value.value == pytest.approx(50.0)


def test_csi_is_none_without_answers():
    r = csi({"speed": {}})
    assert r.value == Estimate(None, 0, None, None)
    assert r.attributes[0].quadrant == "no data"


def test_csi_has_no_interval_when_an_attribute_has_one_answer():
    r = csi({"a": {(5, 4): 1}, "b": {(1, 4): 3}})
    assert r.value.value is not None and r.value.low is None


def test_csi_refuses_a_score_off_the_scale():
    with pytest.raises(ValueError, match=r"speed: score 0 .*1\.\.5"):
        csi({"speed": {(0, 3): 1}})


def test_csi_refuses_importance_off_its_scale():
    with pytest.raises(ValueError, match=r"importance 9"):
        csi({"speed": {(4, 9): 1}})


answers_strategy = st.dictionaries(
    st.sampled_from(["speed", "competence", "price", "politeness"]),
    st.dictionaries(
        st.tuples(st.integers(1, 5), st.one_of(st.none(), st.integers(1, 5))),
        st.integers(0, 6),
    ),
    min_size=1,
)


@given(answers_strategy)
def test_csi_matches_the_individual_answers(answers):
    # Expand to one row per answer and recompute everything with loops and statistics.
    rows = [
        (a, s, i) for a, cells in answers.items() for (s, i), c in cells.items() for _ in range(c)
    ]
    r = csi(answers)
    per = {}
    for name in answers:
        scores = [(s - 1) / 4 * 100 for a, s, i in rows if a == name]
        imps = [i for a, s, i in rows if a == name and i is not None]
        if scores:
            per[name] = (scores, statistics.mean(imps) if imps else None)
    if not per:
        assert r.value.value is None
        return
    known = [w for _, w in per.values() if w is not None]
    fill = statistics.mean(known) if known else 1.0
    weights = {n: (fill if w is None else w) for n, (_, w) in per.items()}
    total = sum(weights.values())
    value = sum(weights[n] * statistics.mean(s) for n, (s, _) in per.items()) / total
    assert r.value.value == pytest.approx(value)
    assert r.value.n == max(len(s) for s, _ in per.values())
    for a in r.attributes:
        if a.attribute in per:
            scores, w = per[a.attribute]
            assert a.satisfaction.value == pytest.approx(statistics.mean(scores))
            assert a.importance == (pytest.approx(w) if w is not None else None)
            assert a.n == len(scores)
            if len(scores) > 1:
                m, sd, k = statistics.mean(scores), statistics.stdev(scores), len(scores)
                half = t_quantile(0.975, k - 1) * sd / math.sqrt(k)
                assert a.satisfaction.low == pytest.approx(max(0, m - half), abs=1e-9)
    if all(len(s) > 1 for s, _ in per.values()):
        sq = 0.0
        for n, (s, _) in per.items():
            h = t_quantile(0.975, len(s) - 1) * statistics.stdev(s) / math.sqrt(len(s))
            sq += (weights[n] / total * h) ** 2
        assert r.value.low == pytest.approx(max(0, value - math.sqrt(sq)), abs=1e-9)
        assert 0 <= r.value.low <= r.value.value <= r.value.high <= 100
