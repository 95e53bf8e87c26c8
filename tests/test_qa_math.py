"""QA math: review scores and criticals by hand, alpha against Krippendorff's published
examples, the IQS–CSAT correlation against scipy, and the scorecard file validator."""

from __future__ import annotations

import doctest
import math
import random

import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.domain import scorecards
from cxpulse.domain.scorecards import (
    DEFAULT_SCORECARD,
    LANGUAGES,
    Criterion,
    CriterionScale,
    Scorecard,
    ScorecardError,
    scorecard_from_mapping,
)
from cxpulse.metrics import qa
from cxpulse.metrics.qa import (
    check_review,
    correlation_interval,
    criterion_score,
    iqs,
    iqs_from_sums,
    krippendorff_alpha,
    review_score,
)


def crit(key: str, weight: float = 1, scale: str = "1-4", **kw) -> Criterion:
    return Criterion(key, {"en": key.title()}, weight=weight, scale=CriterionScale(scale), **kw)


CARD = [
    crit("solution", 3),
    crit("tone", 1),
    crit("gdpr", 1, "pass_fail", critical=True),
    crit("accuracy", 2, critical=True),
    crit("greeting", 0.5, "pass_fail"),
]


def test_worked_examples_in_docstrings_hold():
    for module in (qa, scorecards):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0


# --- a review's score, by hand ----------------------------------------------------------


def test_review_score_is_the_weighted_share_of_points():
    # solution 3 → 2/3 of 3 = 2; tone 4 → 1; gdpr pass → 1; accuracy 4 → 2; greeting fail → 0
    # earned 2 + 1 + 1 + 2 + 0 = 6 of 3 + 1 + 1 + 2 + 0.5 = 7.5 → 80
    scores = {"solution": 3, "tone": 4, "gdpr": True, "accuracy": 4, "greeting": False}
    assert review_score(scores, CARD) == pytest.approx(80.0)


def test_na_counts_in_neither_the_points_earned_nor_the_points_possible():
    # tone and greeting N/A: earned 2 + 1 + 2 = 5 of 3 + 1 + 2 = 6
    scores = {"solution": 3, "tone": None, "gdpr": True, "accuracy": 4, "greeting": None}
    assert review_score(scores, CARD) == pytest.approx(500 / 6)


def test_one_to_four_scale_gives_thirds_of_the_weight():
    card = [crit("a", 1)]
    assert [review_score({"a": s}, card) for s in (1, 2, 3, 4)] == pytest.approx([0, 100 / 3, 200 / 3, 100])


def test_weights_move_the_score_toward_the_heavier_criterion():
    card = [crit("heavy", 4), crit("light", 1)]
    assert review_score({"heavy": 4, "light": 1}, card) == pytest.approx(80.0)
    assert review_score({"heavy": 1, "light": 4}, card) == pytest.approx(20.0)


def test_pass_fail_is_all_or_nothing():
    card = [crit("a", 1, "pass_fail"), crit("b", 1, "pass_fail")]
    assert review_score({"a": True, "b": False}, card) == 50.0
    assert review_score({"a": 1, "b": 0}, card) == 50.0  # 1/0 from a CSV mean the same


def test_a_failed_critical_makes_the_review_zero_however_good_the_rest():
    perfect = {"solution": 4, "tone": 4, "gdpr": True, "accuracy": 4, "greeting": True}
    assert review_score(perfect, CARD) == 100.0
    assert review_score({**perfect, "gdpr": False}, CARD) == 0.0
    # on 1–4 a critical fails below half its points: 1 and 2 fail, 3 and 4 pass
    assert review_score({**perfect, "accuracy": 2}, CARD) == 0.0
    assert review_score({**perfect, "accuracy": 1}, CARD) == 0.0
    assert review_score({**perfect, "accuracy": 3}, CARD) == pytest.approx(100 * (7.5 - 2 / 3) / 7.5)


def test_a_critical_marked_na_does_not_fail_the_review():
    scores = {"solution": 4, "tone": 4, "gdpr": None, "accuracy": None, "greeting": True}
    assert review_score(scores, CARD) == 100.0


def test_a_review_with_every_criterion_na_has_no_score():
    assert review_score({c.key: None for c in CARD}, CARD) is None


def test_a_non_critical_fail_only_costs_its_own_points():
    scores = {"solution": 1, "tone": 4, "gdpr": True, "accuracy": 4, "greeting": True}
    assert review_score(scores, CARD) == pytest.approx(100 * 4.5 / 7.5)


@pytest.mark.parametrize("scores, message", [
    ({"solution": 5, "tone": 4, "gdpr": True, "accuracy": 4, "greeting": True}, "solution: 5 is outside the 1-4 scale"),
    ({"solution": 0, "tone": 4, "gdpr": True, "accuracy": 4, "greeting": True}, "solution: 0 is outside"),
    ({"solution": True, "tone": 4, "gdpr": True, "accuracy": 4, "greeting": True}, "solution: True is outside"),
    ({"solution": 4, "tone": 4, "gdpr": 2, "accuracy": 4, "greeting": True}, "gdpr: 2 is not a pass/fail rating"),
    ({"solution": 4, "tone": 4, "gdpr": True, "accuracy": 4}, "greeting: no rating"),
    ({"solution": 4, "tone": 4, "gdpr": True, "accuracy": 4, "greeting": True, "tnoe": 3}, "no criterion 'tnoe'"),
])
def test_a_review_that_does_not_fit_its_scorecard_is_refused_by_name(scores, message):
    with pytest.raises(ValueError, match=message):
        review_score(scores, CARD)


def test_na_is_refused_where_the_criterion_does_not_allow_it():
    card = [crit("must", 1, na_allowed=False)]
    with pytest.raises(ValueError, match="must: N/A is not allowed"):
        check_review({"must": None}, card)


# --- IQS and criterion rows ---------------------------------------------------------------


def test_iqs_is_the_mean_review_score_as_zendesk_publishes_it():
    e = iqs([100.0, 9.91, 63.96, 90.99, 0.0, None])  # None: an all-N/A review is left out
    assert e.n == 5
    assert e.value == pytest.approx(52.972)
    sd = math.sqrt(sum((v - e.value) ** 2 for v in [100.0, 9.91, 63.96, 90.99, 0.0]) / 4)
    half = scipy.stats.t.ppf(0.975, 4) * sd / math.sqrt(5)
    assert e.low == pytest.approx(max(0.0, e.value - half))
    assert e.high == pytest.approx(min(100.0, e.value + half))


def test_iqs_from_sql_sums_matches_iqs_from_the_scores():
    values = [100.0, 77.5, 0.0, 66.7, 91.2, 88.0]
    a = iqs(values)
    b = iqs_from_sums(sum(values), sum(v * v for v in values), len(values))
    assert (b.value, b.n) == (pytest.approx(a.value), a.n)
    assert (b.low, b.high) == (pytest.approx(a.low), pytest.approx(a.high))


def test_iqs_without_reviews_is_empty_and_one_review_has_no_interval():
    assert iqs([]).value is None and iqs([]).n == 0
    one = iqs([70.0])
    assert (one.value, one.n, one.low, one.high) == (70.0, 1, None, None)


def test_iqs_refuses_a_score_off_the_scale():
    with pytest.raises(ValueError, match="0..100"):
        iqs([101.0])


def test_criterion_score_on_one_to_four_is_the_mean_share_of_points():
    # ratings 4, 4, 3, 1 → points 1, 1, 2/3, 0 → 66.67
    e = criterion_score({4: 2, 3: 1, 1: 1}, crit("tone"))
    assert e.n == 4 and e.value == pytest.approx(200 / 3)
    assert 0 <= e.low < e.value < e.high <= 100


def test_criterion_score_on_pass_fail_is_a_share_with_a_wilson_interval():
    e = criterion_score({True: 50, False: 50}, crit("gdpr", scale="pass_fail", critical=True))
    assert (e.value, e.n, round(e.low, 2), round(e.high, 2)) == (50.0, 100, 40.38, 59.62)


def test_criterion_score_refuses_ratings_off_its_scale():
    with pytest.raises(ValueError, match="outside the 1-4 scale"):
        criterion_score({5: 1}, crit("tone"))


# --- Krippendorff's alpha against the published examples -----------------------------------

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
# observers, twelve units, missing data (unit 12 has one value and is unpairable).
PAPER_OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
PAPER_UNITS = list(zip(*PAPER_OBSERVERS))

# Wikipedia's "A computational example" (three coders, fifteen units): nominal 0.691, interval 0.811.
WIKI_CODERS = [
    [None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
    [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
    [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4],
]


@pytest.mark.parametrize("level, published", [
    ("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797),
])
def test_alpha_matches_the_papers_four_observer_example_at_every_level(level, published):
    assert round(krippendorff_alpha(PAPER_UNITS, level), 3) == published


def test_alpha_matches_the_papers_binary_example():
    # section A: two observers, ten units, α = 1 − (20 − 1)·4 / (14·6) = 0.095
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha(list(zip(a, b))) == pytest.approx(1 - 19 * 4 / 84)
    assert round(krippendorff_alpha(list(zip(a, b))), 3) == 0.095


def test_alpha_matches_the_papers_two_observer_nominal_example():
    # section B: values a–e, two observers, twelve units, α = 0.692
    a = "aabbdcccedda"
    b = "babbbccceddd"
    assert round(krippendorff_alpha(list(zip(a, b)), "nominal"), 3) == 0.692


@pytest.mark.parametrize("level, published", [("nominal", 0.691), ("interval", 0.811)])
def test_alpha_matches_wikipedias_computational_example(level, published):
    assert round(krippendorff_alpha(list(zip(*WIKI_CODERS)), level), 3) == published


def test_ordinal_alpha_on_labels_follows_the_given_order():
    names = {1: "very low", 2: "low", 3: "mid", 4: "high", 5: "very high"}
    units = [[names.get(v) for v in unit] for unit in PAPER_UNITS]
    order = ["very low", "low", "mid", "high", "very high"]
    assert round(krippendorff_alpha(units, "ordinal", order=order), 3) == 0.815
    assert round(krippendorff_alpha(units, "nominal"), 3) == 0.743
    with pytest.raises(ValueError, match="needs order"):
        krippendorff_alpha(units, "ordinal")


def test_alpha_is_undefined_without_pairs_or_without_variation():
    assert krippendorff_alpha([]) is None
    assert krippendorff_alpha([[1, None], [None, 2]]) is None  # nobody coded a unit twice
    assert krippendorff_alpha([[3, 3], [3, 3, 3]]) is None  # all alike: chance explains it


def test_alpha_refuses_labels_at_interval_level_and_unknown_levels():
    with pytest.raises(ValueError, match="needs finite numbers"):
        krippendorff_alpha([["a", "b"], ["a", "a"]], "interval")
    with pytest.raises(ValueError, match="expected one of nominal, ordinal, interval, ratio"):
        krippendorff_alpha(PAPER_UNITS, "circular")
    with pytest.raises(ValueError, match="values >= 0"):
        krippendorff_alpha([[-1, 2], [3, 3]], "ratio")


def test_alpha_agrees_with_a_plain_double_loop_over_pairable_values():
    """A second, literal reading of the definition: D_o over all within-unit pairs, D_e over
    all pairs of pairable values; on random data with gaps, at every level."""
    rng = random.Random(7)
    for _ in range(40):
        units = [[rng.choice([None, 1, 2, 3, 4]) for _ in range(rng.randint(1, 4))] for _ in range(rng.randint(2, 15))]
        for level in ("nominal", "interval"):
            expected = _alpha_by_pairs(units, level)
            got = krippendorff_alpha(units, level)
            assert (got is None) == (expected is None)
            if got is not None:
                assert got == pytest.approx(expected, abs=1e-12)


def _alpha_by_pairs(units, level):
    diff = (lambda c, k: float(c != k)) if level == "nominal" else (lambda c, k: float(c - k) ** 2)
    pairable = [[v for v in u if v is not None] for u in units]
    pairable = [u for u in pairable if len(u) >= 2]
    values = [v for u in pairable for v in u]
    n = len(values)
    if n < 2:
        return None
    d_o = sum(diff(u[i], u[j]) / (len(u) - 1)
              for u in pairable for i in range(len(u)) for j in range(len(u)) if i != j) / n
    d_e = sum(diff(values[i], values[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    return None if d_e == 0 else 1 - d_o / d_e


unit_lists = st.lists(st.lists(st.one_of(st.none(), st.integers(1, 4)), min_size=1, max_size=5),
                      min_size=1, max_size=20)


@given(st.lists(st.integers(1, 4), min_size=2, max_size=30).filter(lambda xs: len(set(xs)) > 1),
       st.integers(2, 5), st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_alpha_is_one_when_every_coder_agrees_on_every_unit(truth, coders, level):
    assert krippendorff_alpha([[v] * coders for v in truth], level) == pytest.approx(1.0)


@given(unit_lists, st.sampled_from(["nominal", "ordinal", "interval", "ratio"]), st.randoms(use_true_random=False))
def test_alpha_ignores_the_order_of_units_and_of_coders_within_a_unit(units, level, rnd):
    before = krippendorff_alpha(units, level)
    shuffled = [rnd.sample(u, len(u)) for u in units]
    rnd.shuffle(shuffled)
    after = krippendorff_alpha(shuffled, level)
    assert (before is None) == (after is None)
    if before is not None:
        assert after == pytest.approx(before, abs=1e-9)
        assert before <= 1 + 1e-12


# --- correlation of IQS with CSAT over agents ----------------------------------------------


def test_correlation_matches_scipys_pearson_r_and_a_hand_fisher_interval():
    iqs_by_agent = [62.0, 71.5, 80.0, 55.0, 90.0, 68.0, 77.0, 84.5]
    csat_by_agent = [70.0, 74.0, 88.0, 61.0, 86.0, 79.0, 75.0, 90.0]
    r, low, high = correlation_interval(iqs_by_agent, csat_by_agent)
    assert r == pytest.approx(scipy.stats.pearsonr(iqs_by_agent, csat_by_agent).statistic)
    z, se = math.atanh(r), 1 / math.sqrt(8 - 3)
    assert (low, high) == (pytest.approx(math.tanh(z - 1.959963984540054 * se)),
                           pytest.approx(math.tanh(z + 1.959963984540054 * se)))
    ci = scipy.stats.pearsonr(iqs_by_agent, csat_by_agent).confidence_interval(0.95)
    assert (low, high) == (pytest.approx(ci.low), pytest.approx(ci.high))


def test_a_wider_level_gives_a_wider_interval():
    xs, ys = [1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 6, 5]
    _, lo95, hi95 = correlation_interval(xs, ys)
    _, lo99, hi99 = correlation_interval(xs, ys, level=0.99)
    assert lo99 < lo95 and hi99 > hi95


def test_correlation_needs_four_pairs_and_variance():
    assert correlation_interval([1, 2, 3], [1, 2, 3]) is None
    assert correlation_interval([1, 2, 3, 4], [5, 5, 5, 5]) is None
    assert correlation_interval([1, 2, 3, 4], [2, 4, 6, 8]) == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="pair up"):
        correlation_interval([1, 2, 3, 4], [1, 2, 3])


# --- properties of the review score --------------------------------------------------------

criteria_st = st.lists(
    st.builds(lambda w, s, c, na: (w, s, c, na), st.floats(0.05, 10), st.sampled_from(["pass_fail", "1-4"]),
              st.booleans(), st.booleans()),
    min_size=1, max_size=8)


@given(criteria_st, st.data())
def test_review_score_stays_in_0_100_and_ignores_criterion_order(spec, data):
    card = [crit(f"c{i}", w, s, critical=c, na_allowed=na) for i, (w, s, c, na) in enumerate(spec)]
    scores = {}
    for c in card:
        options = [True, False] if c.scale is CriterionScale.PASS_FAIL else [1, 2, 3, 4]
        scores[c.key] = data.draw(st.sampled_from(options + ([None] if c.na_allowed else [])))
    value = review_score(scores, card)
    if all(v is None for v in scores.values()):
        assert value is None
    else:
        assert 0.0 <= value <= 100.0 + 1e-9
    shuffled = data.draw(st.permutations(card))
    again = review_score(scores, shuffled)
    assert (value is None and again is None) or again == pytest.approx(value)


# --- scorecards ----------------------------------------------------------------------------


def test_default_scorecard_has_the_eight_criteria_worded_in_four_languages():
    assert DEFAULT_SCORECARD.keys == ("speed", "integrity", "competence", "politeness", "convenience",
                                      "personalisation", "empathy", "efficiency")
    for c in DEFAULT_SCORECARD.criteria:
        assert set(c.labels) == set(c.questions) == set(LANGUAGES), c.key
        assert all(q.strip().endswith(("?", ";")) for q in c.questions.values()), c.key  # el asks with ";"
        assert c.scale is CriterionScale.ONE_TO_FOUR and c.na_allowed and c.weight > 0
    assert [c.key for c in DEFAULT_SCORECARD.criteria if c.critical] == ["integrity"]
    assert DEFAULT_SCORECARD.criterion("empathy").label("el") == "Ενσυναίσθηση"
    assert DEFAULT_SCORECARD.criterion("speed").label("pt") == "Speed"  # falls back to English


def test_default_scorecard_round_trips_through_its_mapping():
    assert scorecard_from_mapping(DEFAULT_SCORECARD.to_mapping()) == DEFAULT_SCORECARD


def test_a_scorecard_from_toml_reads_every_field():
    import tomllib

    text = """
name = "Chat QA"
version = 3

[[criteria]]
key = "solution"
weight = 3
labels = { en = "Solution", lt = "Sprendimas" }
questions.en = "Was the answer right?"

[[criteria]]
key = "gdpr"
scale = "pass_fail"
critical = true
na_allowed = false
labels.en = "GDPR"
"""
    card = scorecard_from_mapping(tomllib.loads(text))
    assert (card.name, card.version, card.keys) == ("Chat QA", 3, ("solution", "gdpr"))
    solution, gdpr = card.criteria
    assert (solution.weight, solution.scale, solution.na_allowed, solution.critical) == (
        3.0, CriterionScale.ONE_TO_FOUR, True, False)
    assert solution.question("lt") == "Was the answer right?"  # no Lithuanian question: English
    assert (gdpr.scale, gdpr.critical, gdpr.na_allowed, gdpr.weight) == (CriterionScale.PASS_FAIL, True, False, 1.0)


@pytest.mark.parametrize("patch, message", [
    ({"weight": -1}, "criteria[0].weight: must be a number > 0, got -1 — set weight = 1"),
    ({"weight": "heavy"}, "criteria[0].weight: must be a number > 0, got 'heavy'"),
    ({"weight": True}, "criteria[0].weight: must be a number > 0, got True"),
    ({"scale": "1-5"}, "criteria[0].scale: unknown scale '1-5' — use one of \"pass_fail\", \"1-4\""),
    ({"key": "Tone Of Voice"}, "criteria[0].key: must be lower-case letters"),
    ({"labels": {}}, "criteria[0].labels: must be a table of at least one language"),
    ({"labels": {"en": "  "}}, "criteria[0].labels.en: must be a non-empty text"),
    ({"labels": {"English": "Tone"}}, "'English' is not a language code"),
    ({"critical": "yes"}, "criteria[0].critical: must be true or false, got 'yes'"),
    ({"wieght": 2}, "criteria[0].wieght: unknown field — the fields are key, labels"),
])
def test_validator_names_the_bad_field_and_the_fix(patch, message):
    item = {"key": "tone", "labels": {"en": "Tone"}, **patch}
    with pytest.raises(ScorecardError, match=message.replace("[", r"\[").replace("]", r"\]")):
        scorecard_from_mapping({"name": "Chat", "criteria": [item]})


def test_validator_lists_every_problem_at_once_and_is_a_value_error():
    data = {"name": "", "version": 0, "criteria": [
        {"key": "tone", "labels": {"en": "Tone"}},
        {"key": "tone", "labels": {"en": "Tone again"}, "weight": 0},
    ]}
    with pytest.raises(ValueError) as info:
        scorecard_from_mapping(data)
    message = str(info.value)
    for part in ("name: must be a non-empty text", "version: must be a whole number >= 1",
                 "criteria[1].key: 'tone' is already criteria[0]'s key", "criteria[1].weight"):
        assert part in message


@pytest.mark.parametrize("data, message", [
    ({"name": "x"}, "criteria: must be a non-empty list"),
    ({"name": "x", "criteria": []}, "criteria: must be a non-empty list"),
    ({"name": "x", "criteria": ["tone"]}, r"criteria\[0\]: must be a table"),
    ({"name": "x", "criteria": [{"key": "a", "labels": {"en": "A"}}], "colour": "red"}, "colour: unknown field"),
    (["not", "a", "table"], "a scorecard must be a table"),
])
def test_validator_refuses_a_badly_shaped_file(data, message):
    with pytest.raises(ScorecardError, match=message):
        scorecard_from_mapping(data)


def test_a_scorecard_built_in_code_is_checked_too():
    with pytest.raises(ScorecardError, match="key 'a' appears 2 times"):
        Scorecard("x", 1, (crit("a"), crit("a")))
    with pytest.raises(ScorecardError, match="weight"):
        crit("a", 0)
