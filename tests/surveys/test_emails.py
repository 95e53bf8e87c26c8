"""The invitation email: escaped, one link per score in each part, in four languages."""

from __future__ import annotations

import html as htmllib
import re
from datetime import datetime, timezone
from html.parser import HTMLParser

import pytest

from cxpulse.domain.errors import SurveyError
from cxpulse.surveys.definitions import LANGUAGES, Survey
from cxpulse.surveys.emails import Email, render_invitation
from cxpulse.surveys.i18n import score_labels, texts

EVIL = '<script>alert("x")</script> & <b onmouseover=1>'


def links_for(survey: Survey, lang: str) -> list[tuple[int, str, str]]:
    return [(s, label, f"https://cx.example/s/tok-{s}?a=1&b={s}") for s, label in score_labels(survey, lang)]


def render(survey: Survey, lang: str = "en", **kw) -> Email:
    args = dict(
        ticket_id="48213",
        ticket_subject="Order never arrived",
        customer_name="Ann",
        links=links_for(survey, lang),
        open_url="https://cx.example/s/open",
        account_name="Acme",
    )
    args.update(kw)
    return render_invitation(survey, lang, **args)


class Anchors(HTMLParser):
    """Collects every <a>: its attributes and visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict] = []
        self.lang = None
        self.scripts = 0
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "script":
            self.scripts += 1
        if tag == "a":
            self._open = {**attrs, "text": ""}
            self.links.append(self._open)

    def handle_endtag(self, tag):
        if tag == "a":
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data


def parse(html: str) -> Anchors:
    p = Anchors()
    p.feed(html)
    return p


@pytest.mark.parametrize(
    "survey",
    [Survey("s", "csat"), Survey("s", "csat", "binary"), Survey("s", "ces"), Survey("s", "ces", "1-10"), Survey("s", "nps")],
    ids=lambda s: f"{s.kind}-{s.scale}",
)
def test_each_score_url_appears_exactly_once_in_each_part(survey):
    email = render(survey)
    for score, label, url in links_for(survey, "en"):
        assert email.text.count(url) == 1, score
        assert email.html.count(htmllib.escape(url)) == 1, score
        assert f"{label}: {url}" in email.text or f"{score} out of" in email.text
    assert email.text.count("https://cx.example/s/open") == 1
    assert email.html.count("https://cx.example/s/open") == 1
    anchors = parse(email.html).links
    scored = [a for a in anchors if "tok-" in a["href"]]
    assert [a["href"] for a in scored] == [url for _, _, url in links_for(survey, "en")]
    for a, (score, label, _) in zip(scored, links_for(survey, "en")):
        assert a["text"].strip() == label
        assert a["aria-label"]
        assert a["aria-label"] == label or a["aria-label"].startswith(f"{score} out of")


def test_user_text_is_escaped_in_html_and_raw_in_text():
    email = render(Survey("s", "csat"), ticket_subject=EVIL, customer_name=EVIL, account_name=EVIL)
    parsed = parse(email.html)
    assert parsed.scripts == 0
    assert "<script>" not in email.html and "<b onmouseover" not in email.html
    assert "&lt;script&gt;" in email.html
    assert "&lt;b onmouseover=1&gt;" in email.html
    assert '<script>alert("x")</script>' in email.text  # text/plain is not HTML: no entities
    assert "&lt;" not in email.text and "&amp;" not in email.text


def test_subject_is_one_line_and_names_the_ticket():
    email = render(Survey("s", "csat"), ticket_id="48\r\n213")
    assert email.subject == "Please rate our support on ticket 48 213"
    assert "\n" not in email.subject
    reminder = render(Survey("s", "csat"), reminder=True)
    assert reminder.subject.startswith("Reminder:")
    assert "A few days ago" in reminder.text


def test_long_subjects_are_shortened():
    email = render(Survey("s", "csat"), ticket_subject="x" * 500)
    assert "x" * 119 + "…" in email.text and "x" * 120 not in email.text


@pytest.mark.parametrize(
    "lang, words, script",
    [
        ("en", ["Hello Ann,", "Very satisfied", "Thank you,"], r"[A-Za-z]"),
        ("ru", ["Здравствуйте, Ann!", "Отлично", "Спасибо!"], r"[\u0400-\u04ff]"),
        ("el", ["Γεια σας, Ann,", "Άριστα", "Σας ευχαριστούμε,"], r"[\u0370-\u03ff]"),
        ("lt", ["Sveiki, Ann,", "Puikiai", "Ačiū,"], r"[ąčęėįšųūž]"),
    ],
)
def test_renders_in_the_customers_language(lang, words, script):
    email = render(Survey("s", "csat"), lang)
    assert email.language == lang
    assert parse(email.html).lang == lang
    for w in words:
        assert w in email.text
        assert htmllib.escape(w, quote=False) in email.html
    assert re.search(script, email.subject)
    m = texts(lang)
    assert m.format("question.csat", ticket="48213") in email.text
    assert m.format("email.reason", company="Acme") in email.text


def test_locale_spelling_and_fallback_to_the_surveys_language():
    assert render(Survey("s", "csat"), "ru_RU").language == "ru"
    assert render(Survey("s", "csat", language="lt"), "de").language == "lt"


def test_numeric_scales_show_their_anchors():
    email = render(Survey("s", "nps"), "el")
    assert "0 = Καθόλου πιθανό" in email.text or "Καθόλου πιθανό" in email.text
    assert "10 = Εξαιρετικά πιθανό" in email.html
    labels = [a["aria-label"] for a in parse(email.html).links if "tok-" in a["href"]]
    assert labels[0] == "0 από 10 — Καθόλου πιθανό" and labels[5] == "5 από 10"


def test_csi_has_one_start_link():
    csi = Survey("s", "csi", attributes=("speed", "empathy"))
    email = render(csi, "ru", links=[], open_url="https://cx.example/s/open-csi")
    assert email.text.count("https://cx.example/s/open-csi") == 1
    assert email.html.count("https://cx.example/s/open-csi") == 1
    assert "Начать опрос" in email.text and "Начать опрос" in email.html
    assert texts("ru")["question.csi_intro"] in email.text


def test_optional_parts():
    email = render(Survey("s", "csat"), customer_name="", ticket_subject="", account_name="", open_url=None,
                   expires_at=datetime(2025, 7, 1, 23, 0, tzinfo=timezone.utc))
    assert email.text.startswith("Hello,\n")
    assert "We recently resolved your request (ticket 48213)." in email.text
    assert "The support team" in email.text and "contacted our support team" in email.text
    assert "open the survey" not in email.text
    assert "valid until 2025-07-01" in email.text and "valid until 2025-07-01" in email.html
    ru = render(Survey("s", "csat"), "ru", expires_at=datetime(2025, 7, 1))
    assert "до 01.07.2025" in ru.text


def test_bad_links_are_refused():
    s = Survey("s", "csat")
    with pytest.raises(SurveyError, match="not an http"):
        render(s, links=[(1, "x", "javascript:alert(1)")])
    with pytest.raises(SurveyError, match="score 9 is not on the 1-5 scale"):
        render(s, links=[(9, "x", "https://cx.example/9")])
    with pytest.raises(SurveyError, match="listed twice"):
        render(s, links=[(1, "x", "https://cx.example/1"), (1, "x", "https://cx.example/1")])
    with pytest.raises(SurveyError, match="at least one"):
        render(s, links=[], open_url=None)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_html_is_self_contained(lang):
    html = render(Survey("s", "nps"), lang).html
    assert "<style" not in html and "<link" not in html and "<script" not in html
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in html


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_every_text_colour_has_enough_contrast():
    """WCAG AA 4.5:1: a style with its own background is checked against it, the rest
    against the white card."""
    html = render(Survey("s", "nps")).html + render(Survey("s", "csat")).html
    styles = re.findall(r'style="([^"]*)"', html)
    checked = 0
    for style in styles:
        colour = re.search(r"(?<![-\w])color:(#[0-9a-fA-F]{6})", style)
        if not colour:
            continue
        background = re.search(r"background-color:(#[0-9a-fA-F]{6})", style)
        assert _contrast(colour.group(1), background.group(1) if background else "#ffffff") >= 4.5, style
        checked += 1
    assert checked >= 5
