"""Translations: complete in every language, in the right script, and used right."""

from __future__ import annotations

import re
import string
import tomllib
from importlib import resources

import pytest

from cxpulse.surveys.definitions import ATTRIBUTES, LANGUAGES, REASONS, Survey
from cxpulse.surveys.i18n import (
    attribute_text,
    pick_language,
    question,
    reason_choices,
    reason_text,
    scale_anchors,
    score_descriptions,
    score_labels,
    texts,
)

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
LITHUANIAN = re.compile(r"[ąčęėįšųūžĄČĘĖĮŠŲŪŽ]")
LATIN = re.compile(r"[A-Za-z]")
PAGE_KEYS = (
    "thanks_title thanks_body reason_label comment_label submit refused_title refused_body invalid_title "
    "invalid_body expired_title expired_body feedback_saved comment_too_long link_title ticket_label "
    "rate_limited already_rated importance_label"
).split()


def raw(lang: str) -> dict[str, str]:
    """The language's own keys, without the English fallback."""
    m = texts(lang)
    return dict(m._own)  # noqa: SLF001 - the test checks the files themselves


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def words(text: str) -> str:
    """The text without placeholders and strftime patterns, so only real words remain."""
    return re.sub(r"\{[a-z_]+\}|%-?[a-zA-Z]", "", text)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_file_is_valid_toml(lang):
    data = resources.files("cxpulse.surveys").joinpath("locales", f"{lang}.toml").read_text("utf-8")
    assert tomllib.loads(data)


@pytest.mark.parametrize("lang", ["ru", "el", "lt"])
def test_every_english_key_exists_with_the_same_placeholders(lang):
    en, other = raw("en"), raw(lang)
    assert sorted(set(en) - set(other)) == []
    assert sorted(set(other) - set(en)) == []
    for key, text in en.items():
        assert placeholders(other[key]) == placeholders(text), key


def test_every_page_key_and_shipped_key_is_defined():
    en = raw("en")
    for key in PAGE_KEYS:
        assert f"page.{key}" in en
    for a in ATTRIBUTES:
        assert {f"attribute.{a}", f"csi.satisfaction.{a}", f"csi.importance.{a}"} <= set(en)
    for r in REASONS:
        assert f"reason.{r}" in en


@pytest.mark.parametrize(
    "lang, script, foreign",
    [("ru", CYRILLIC, (GREEK,)), ("el", GREEK, (CYRILLIC,)), ("lt", LATIN, (CYRILLIC, GREEK)), ("en", LATIN, (CYRILLIC, GREEK, LITHUANIAN))],
)
def test_texts_are_in_their_own_script(lang, script, foreign):
    own = raw(lang)
    for key, text in own.items():
        body = words(text)
        if key.startswith("format.") or not re.search(r"[^\W\d_]", body):
            continue
        assert script.search(body), f"{lang} {key}: {text!r}"
        for other in foreign:
            assert not other.search(body), f"{lang} {key}: {text!r}"
        if lang in ("ru", "el"):  # no Latin words left untranslated
            assert not LATIN.search(body), f"{lang} {key}: {text!r}"


def test_lithuanian_uses_its_letters():
    lt = raw("lt")
    sentences = [t for t in lt.values() if len(words(t).split()) >= 4]
    with_letters = [t for t in sentences if LITHUANIAN.search(t)]
    assert len(with_letters) >= 0.8 * len(sentences)


def test_translations_differ_from_english():
    en = raw("en")
    for lang in ("ru", "el", "lt"):
        other = raw(lang)
        same = [k for k in en if other[k] == en[k] and re.search(r"[^\W\d_]", words(en[k])) and not k.startswith("format.")]
        assert same == [], lang


@pytest.mark.parametrize(
    "locale, default, expected",
    [
        ("ru-RU", "en", "ru"),
        ("ru_RU", "en", "ru"),
        ("RU", "en", "ru"),
        ("el_GR.UTF-8", "en", "el"),
        ("lt", "ru", "lt"),
        ("Lithuanian", "en", "lt"),
        ("gr", "en", "el"),
        ("en-GB", "ru", "en"),
        ("de-DE", "lt", "lt"),
        ("", "el", "el"),
        (None, "ru", "ru"),
        ("fr", "fr", "en"),
        ("  ", "", "en"),
    ],
)
def test_pick_language(locale, default, expected):
    assert pick_language(locale, default) == expected


def test_missing_keys_fall_back_to_english_and_format_keeps_unknown_placeholders():
    ru = texts("ru")
    ru._own = {k: v for k, v in ru._own.items() if k != "page.submit"}  # noqa: SLF001
    assert ru["page.submit"] == "Send"
    assert texts("xx").lang == "en"
    assert texts("ru-RU")["page.submit"] == "Отправить"
    assert texts("en").format("question.csat", ticket="{company}") == question(Survey("s", "csat"), "en", ticket="{company}")
    assert texts("en").format("email.greeting") == "Hello {name},"
    with pytest.raises(KeyError, match="no survey text 'nope'"):
        texts("el")["nope"]


def test_questions_per_kind():
    csat, ces, nps = Survey("s", "csat"), Survey("s", "ces"), Survey("s", "nps")
    assert question(csat, "en", ticket="48213") == "How satisfied were you with the support you received on ticket 48213?"
    assert question(csat, "en") == "How satisfied were you with the support you received?"
    assert "48213" in question(csat, "ru", ticket="48213")
    assert question(nps, "en", company="Acme") == "How likely are you to recommend Acme to a friend or colleague?"
    assert "us" in question(nps, "en").split()
    assert "Acme" in question(ces, "el", company="Acme") and "{" not in question(ces, "lt")
    with pytest.raises(Exception, match="only csi surveys have attributes"):
        question(csat, "en", "speed")


def test_csi_questions_per_attribute():
    csi = Survey("s", "csi", attributes=("speed", "price_fairness"))
    assert question(csi, "en", "speed") == "How satisfied are you with how quickly we handled your request?"
    assert question(csi, "en", "speed", importance=True).startswith("How important")
    assert question(csi, "en", "price_fairness") == "How satisfied are you with this aspect of our support: price fairness?"
    assert "speed" not in question(csi, "ru", "speed")
    assert question(csi, "ru") == texts("ru")["question.csi_intro"]
    assert [attribute_text(a, "lt") for a in ("speed", "price_fairness")] == ["Greitis", "price fairness"]


def test_score_labels_and_descriptions():
    assert score_labels(Survey("s", "csat"), "en") == [
        (1, "Very dissatisfied"),
        (2, "Dissatisfied"),
        (3, "Neutral"),
        (4, "Satisfied"),
        (5, "Very satisfied"),
    ]
    assert score_labels(Survey("s", "csat", "binary"), "en") == [(0, "Bad"), (1, "Good")]
    assert score_labels(Survey("s", "csat", "binary"), "el") == [(0, "Άσχημα"), (1, "Καλά")]
    nps = Survey("s", "nps")
    assert score_labels(nps, "ru") == [(s, str(s)) for s in range(11)]
    assert scale_anchors(nps, "en") == ("Not at all likely", "Extremely likely")
    assert scale_anchors(Survey("s", "ces"), "en") == ("Strongly disagree", "Strongly agree")
    assert scale_anchors(Survey("s", "csat"), "en") is None
    described = dict(score_descriptions(nps, "en"))
    assert described[0] == "0 out of 10 — Not at all likely"
    assert described[7] == "7 out of 10"
    assert described[10] == "10 out of 10 — Extremely likely"
    csi = Survey("s", "csi", attributes=("speed",))
    assert dict(score_descriptions(csi, "en", importance=True))[5] == "5 out of 5 — Extremely important"
    assert dict(score_descriptions(Survey("s", "ces", "1-10"), "lt"))[1] == "1 iš 10 – Visiškai nesutinku"


def test_reasons():
    assert reason_text("slow", "en") == "It took too long"
    assert reason_text("not_solved", "ru") == "Мой вопрос не решён"
    assert reason_text("late_delivery", "el") == "late delivery"
    survey = Survey("s", "csat", reasons=("slow", "other"))
    assert reason_choices(survey, "lt") == [("slow", "Užtruko per ilgai"), ("other", "Kita")]
