"""Survey definitions: validation names field, value and allowed values; JSON round trip."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.domain.errors import SurveyError
from cxpulse.surveys.definitions import ATTRIBUTES, DEFAULT_REASONS, KINDS, LANGUAGES, REASONS, SCALES, Survey, validate


def test_scale_defaults_to_the_kinds_first():
    assert [Survey("s", kind).scale for kind in KINDS] == ["1-5", "1-7", "0-10", "1-5"]
    assert Survey("s", "ces", "1-10").scale == "1-10"


def test_defaults_match_the_issue():
    s = validate(Survey("csat", "csat"))
    assert (s.delay_minutes, s.throttle_days, s.reminder_days, s.expire_days) == (60, 30, None, 28)
    assert s.comment and s.active and s.language == "en"


def test_lists_become_tuples():
    s = Survey("csi", "csi", attributes=["speed", "empathy"], reasons=["slow"])
    assert s.attributes == ("speed", "empathy") and s.reasons == ("slow",)
    hash(s)


@pytest.mark.parametrize(
    "kind, scale, scores",
    [
        ("csat", "1-5", [1, 2, 3, 4, 5]),
        ("csat", "binary", [0, 1]),
        ("ces", "1-7", list(range(1, 8))),
        ("ces", "1-10", list(range(1, 11))),
        ("nps", "0-10", list(range(0, 11))),
        ("csi", "1-5", [1, 2, 3, 4, 5]),
    ],
)
def test_scores_low_to_high(kind, scale, scores):
    assert Survey("s", kind, scale).scores() == scores


@pytest.mark.parametrize(
    "kind, scale, low",
    [
        ("csat", "1-5", [1, 2, 3]),
        ("csat", "binary", [0]),
        ("ces", "1-7", [1, 2, 3]),
        ("ces", "1-10", [1, 2, 3, 4, 5]),
        ("nps", "0-10", [0, 1, 2, 3, 4, 5, 6]),
        ("csi", "1-5", [1, 2]),
    ],
)
def test_is_low_per_kind(kind, scale, low):
    s = Survey("s", kind, scale, attributes=("speed",) if kind == "csi" else ())
    assert [x for x in s.scores() if s.is_low(x)] == low


@pytest.mark.parametrize("score", [-1, 6, True, 2.5, "3"])
def test_is_low_refuses_scores_off_the_scale(score):
    with pytest.raises(SurveyError, match="1..5"):
        Survey("s", "csat").is_low(score)


@pytest.mark.parametrize(
    "changes, field, allowed",
    [
        ({"kind": "ratings"}, "kind", "csat, ces, nps, csi"),
        ({"scale": "1-10"}, "scale", "1-5, binary"),
        ({"name": ""}, "name", "non-empty"),
        ({"name": "x" * 101}, "name", "at most 100"),
        ({"name": "a\nb"}, "name", "control"),
        ({"attributes": ("speed",)}, "attributes", "only csi"),
        ({"reasons": ("Slow!",)}, "reasons", "not_solved"),
        ({"reasons": ("slow", "slow")}, "reasons", "twice"),
        ({"delay_minutes": -1}, "delay_minutes", "0..525600"),
        ({"delay_minutes": True}, "delay_minutes", "whole number"),
        ({"throttle_days": 1.5}, "throttle_days", "0..365"),
        ({"expire_days": 0}, "expire_days", "1..365"),
        ({"reminder_days": 0}, "reminder_days", "or none"),
        ({"reminder_days": 28}, "reminder_days", "1..27 or none"),
        ({"language": "de"}, "language", "en, ru, el, lt"),
        ({"comment": "yes"}, "comment", "true, false"),
        ({"active": 1}, "active", "true, false"),
    ],
)
def test_validate_names_field_value_and_allowed(changes, field, allowed):
    with pytest.raises(SurveyError) as caught:
        validate(replace(Survey("csat", "csat"), **changes))
    message = str(caught.value)
    assert message.startswith(field + ":")
    assert allowed in message
    value = next(iter(changes.values()))
    if isinstance(value, str) and value and "\n" not in value:
        assert repr(value)[:20] in message or value[:20] in message


def test_csi_needs_attributes_and_accepts_custom_keys():
    with pytest.raises(SurveyError, match="attributes: a csi survey needs at least one"):
        validate(Survey("csi", "csi"))
    assert validate(Survey("csi", "csi", attributes=("speed", "price_fairness"))).attributes[1] == "price_fairness"
    with pytest.raises(SurveyError, match="attributes: 'Price' is not a valid key"):
        validate(Survey("csi", "csi", attributes=("Price",)))


def test_default_reasons_are_shipped_reasons():
    assert set(DEFAULT_REASONS) == set(KINDS)
    for kind, reasons in DEFAULT_REASONS.items():
        assert set(reasons) <= set(REASONS) and reasons[-1] == "other"
        validate(Survey("s", kind, reasons=reasons, attributes=("speed",) if kind == "csi" else ()))


attribute_keys = st.sampled_from(ATTRIBUTES) | st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=40)
attribute_lists = st.lists(attribute_keys, min_size=1, max_size=5, unique=True).map(tuple)
surveys = st.sampled_from(KINDS).flatmap(
    lambda kind: st.builds(
        Survey,
        name=st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=40).filter(str.strip),
        kind=st.just(kind),
        scale=st.sampled_from(SCALES[kind]),
        attributes=attribute_lists if kind == "csi" else st.just(()),
        reasons=st.lists(st.sampled_from(REASONS), max_size=4, unique=True).map(tuple),
        comment=st.booleans(),
        delay_minutes=st.integers(0, 10_000),
        throttle_days=st.integers(0, 365),
        reminder_days=st.none() | st.integers(1, 27),
        expire_days=st.just(28),
        language=st.sampled_from(LANGUAGES),
        active=st.booleans(),
    )
)


@given(surveys)
def test_to_dict_from_dict_round_trip_through_json(survey):
    validate(survey)
    stored = json.dumps(survey.to_dict())
    assert Survey.from_dict(json.loads(stored)) == survey


def test_from_dict_fills_defaults_and_refuses_unknown_or_missing_keys():
    assert Survey.from_dict({"name": "n", "kind": "nps"}) == Survey("n", "nps", "0-10")
    with pytest.raises(SurveyError, match="unknown field.*'colour'"):
        Survey.from_dict({"name": "n", "kind": "nps", "colour": "red"})
    with pytest.raises(SurveyError, match="'kind' is missing"):
        Survey.from_dict({"name": "n"})
    with pytest.raises(SurveyError, match="reasons: expected a list"):
        Survey.from_dict({"name": "n", "kind": "nps", "reasons": "slow"})
    with pytest.raises(SurveyError, match="JSON object"):
        Survey.from_dict(["n", "nps"])  # type: ignore[arg-type]
    with pytest.raises(SurveyError, match="kind: 'x'"):
        Survey.from_dict({"name": "n", "kind": "x"})
