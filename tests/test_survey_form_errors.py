"""The survey form's refusals worded by the service (surveys/definitions.validate): English,
word for word, on the CLI and the API; in the page's language on the dashboard, through
their template (SurveyError.template / .params) and web/dashboard/settings.REFUSALS."""

from __future__ import annotations

import ast
import dataclasses
import inspect

import pytest

from cxpulse.domain import SurveyError
from cxpulse.surveys import definitions
from cxpulse.surveys.definitions import Survey, validate
from cxpulse.web import i18n
from cxpulse.web.dashboard.settings import REFUSALS, refusal_words

BASE = Survey(name="csat", kind="csat")
# what the form can send that validate refuses, and the English the CLI has always said
REFUSED = (
    ({"delay_minutes": -5}, "delay_minutes: -5 is not allowed (allowed: a whole number 0..525600)"),
    ({"reminder_days": 0}, "reminder_days: 0 is not allowed (allowed: a whole number 1..365 or none)"),
    ({"reminder_days": 30, "expire_days": 28},
     "reminder_days: 30 is not before expire_days 28 (allowed: 1..27 or none)"),
    ({"language": "fr"}, "language: 'fr' is not supported (allowed: en, ru, el, lt)"),
    ({"reasons": ("Slow",)}, "reasons: 'Slow' is not a valid key (allowed: slow, not_solved, unfriendly, "
     "hard_to_reach, incompetent, too_many_steps, other, or a custom key of 1-40 letters a-z and underscores)"),
    ({"reasons": ("slow", "slow")}, "reasons: 'slow' is listed twice"),
)


def _refusal(changes: dict) -> SurveyError:
    with pytest.raises(SurveyError) as caught:
        validate(dataclasses.replace(BASE, **changes))
    return caught.value


@pytest.fixture
def russian():
    i18n.use("ru")
    yield
    i18n.use("en")


@pytest.mark.parametrize(("changes", "english"), REFUSED)
def test_the_service_words_its_refusals_as_it_always_did(changes, english):
    assert str(_refusal(changes)) == english


@pytest.mark.parametrize(("changes", "english"), REFUSED)
def test_an_english_page_says_the_services_sentence(changes, english):
    assert refusal_words(_refusal(changes)) == english


@pytest.mark.parametrize(("changes", "english"), REFUSED)
def test_every_refusal_the_form_can_meet_is_said_in_russian(changes, english, russian):
    said = refusal_words(_refusal(changes))
    assert said != english and " is " not in said and "allowed" not in said, said


def test_refusals_name_the_forms_fields_and_write_figures_as_russian_does(russian):
    nbsp = "\u00a0"
    assert refusal_words(_refusal({"delay_minutes": -5})) == (
        f"Задержка после решения (минуты): -5 — недопустимое значение (допустимо целое число от 0 до 525{nbsp}600)")
    assert refusal_words(_refusal({"reminder_days": 30, "expire_days": 28})) == (
        "Напомнить через (дни): 30 — не раньше, чем «Ссылки истекают через (дни)» (28); допустимо от 1 до 27 или пусто")


def test_every_templated_refusal_of_validate_has_its_translation():
    """A refusal validate words as a template (SurveyError with params) that the dashboard
    does not know would show in English: each one in surveys/definitions.py is in REFUSALS."""
    tree = ast.parse(inspect.getsource(definitions))
    constants = {t.id: n.value.value for n in ast.walk(tree) if isinstance(n, ast.Assign)
                 for t in n.targets if isinstance(t, ast.Name) and isinstance(n.value, ast.Constant)}
    templates = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "SurveyError" and node.keywords:
            first = node.args[0]
            for arg in (first.body, first.orelse) if isinstance(first, ast.IfExp) else (first,):
                templates.add(arg.value if isinstance(arg, ast.Constant) else constants[arg.id])
    assert len(templates) >= 6
    assert templates <= set(REFUSALS), templates - set(REFUSALS)
