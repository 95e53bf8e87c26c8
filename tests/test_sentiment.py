"""The review sentiment score (cxpulse.sentiment): its worked examples, its behaviour on
negation and mixed texts, and its accuracy on the labelled sample — the figures
docs/reviews.md quotes are recomputed here, so they cannot drift from the code."""

from __future__ import annotations

import csv
import doctest
from pathlib import Path

import pytest

import cxpulse.sentiment as sentiment_module
from cxpulse.sentiment import LEXICON_LANGUAGES, label, sentiment

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "fixtures" / "sentiment"


def sample(split: str) -> list[dict]:
    with (SAMPLE / f"{split}.tsv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def scores(split: str) -> dict[str, tuple[int, int, int]]:
    """Per language (and "all"): (texts, scored, right) — right: the label matches; a text
    without a score counts as wrong."""
    out: dict[str, list[int]] = {}
    for row in sample(split):
        got = label(sentiment(row["text"], row["lang"]))
        for key in (row["lang"], "all"):
            n = out.setdefault(key, [0, 0, 0])
            n[0] += 1
            n[1] += got != "neutral"
            n[2] += got == row["label"]
    return {k: tuple(v) for k, v in out.items()}  # type: ignore[misc]


def doc_line(lang: str, n: int, scored: int, right: int) -> str:
    return f"| {lang} | {n} | {scored} | {right} | {100 * right / n:.1f}% | {100 * right / scored:.1f}% |"


def test_the_worked_examples_hold():
    assert doctest.testmod(sentiment_module).failed == 0


def test_the_sample_is_balanced_and_its_splits_apart():
    test, dev = sample("test"), sample("dev")
    assert {r["text"] for r in test}.isdisjoint(r["text"] for r in dev)
    for lang in LEXICON_LANGUAGES:
        labels = [r["label"] for r in test if r["lang"] == lang]
        assert labels.count("positive") == labels.count("negative") == 15


def test_the_accuracy_docs_reviews_md_quotes_is_what_the_code_gives():
    doc = (ROOT / "docs" / "reviews.md").read_text(encoding="utf-8")
    for lang, (n, scored, right) in scores("test").items():
        assert doc_line(lang, n, scored, right) in doc, f"docs/reviews.md: update the row {doc_line(lang, n, scored, right)}"


def test_held_out_accuracy_stays_above_three_in_four_in_every_language():
    for lang, (n, _scored, right) in scores("test").items():
        assert right / n >= 0.75, lang


@pytest.mark.parametrize(("text", "lang", "sign"), [
    ("The support was not helpful at all", "en", -1),
    ("Не рекомендую, поддержка не помогла", "ru", -1),
    ("Δεν είναι καλή η εφαρμογή", "el", -1),
    ("Aptarnavimas nepatiko", "lt", -1),
    ("No problems at all, everything works", "en", 1),
    ("Problem solved in ten minutes", "en", 1),
    ("Проблему решили за день", "ru", 1),
])
def test_negation_and_solved_problems_turn_the_sign(text, lang, sign):
    s = sentiment(text, lang)
    assert s is not None and s * sign > 0, s


def test_mixed_praise_and_complaint_sits_between_and_empty_text_has_no_score():
    mixed = sentiment("Great app, but support is slow", "en")
    assert mixed is not None and -1 < mixed < 1
    assert sentiment("", "en") is None and sentiment("   ", "ru") is None
    assert sentiment("Отличный сервис") == 1.0  # the language detected when not given
