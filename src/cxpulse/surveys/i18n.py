"""Translations of survey texts, read from the TOML files shipped in `locales/`.

English is the reference; a key another language lacks falls back to English, so a
half-finished translation shows English rather than breaking a page. Texts are plain:
values are inserted raw and the Jinja2 templates escape the finished sentence.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from cxpulse.domain.errors import SurveyError
from cxpulse.surveys.definitions import ATTRIBUTES, LANGUAGES, REASONS, Survey

__all__ = [
    "Messages",
    "accepted_languages",
    "attribute_text",
    "language_of",
    "pick_language",
    "question",
    "reason_choices",
    "reason_text",
    "scale_anchors",
    "score_descriptions",
    "score_labels",
    "texts",
]

# Names and a common mistake ("gr" is Greece's country code) seen in help-desk profiles.
_ALIASES = {"english": "en", "russian": "ru", "greek": "el", "gr": "el", "lithuanian": "lt"}
_LABELLED = {("csat", "1-5"): "scale.csat", ("csat", "binary"): "scale.binary"}
_ANCHORS = {"ces": "scale.ces", "nps": "scale.nps", "csi": "scale.csi"}


class Messages(Mapping[str, str]):
    """The texts of one language: `m["email.subject"]`, `m.format(key, ticket=…)`."""

    def __init__(self, lang: str, own: Mapping[str, str], fallback: Mapping[str, str]) -> None:
        self.lang = lang
        self._own = own
        self._fallback = fallback

    def __getitem__(self, key: str) -> str:
        try:
            return self._own[key]
        except KeyError:
            pass
        try:
            return self._fallback[key]
        except KeyError:
            raise KeyError(f"no survey text {key!r} in {self.lang} or en") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._fallback)

    def __len__(self) -> int:
        return len(self._fallback)

    def __contains__(self, key: object) -> bool:
        return key in self._own or key in self._fallback

    def format(self, key: str, **values: Any) -> str:
        """The text with its {placeholders} filled; an unfilled one is left as written."""
        return self[key].format_map(_Keep(values))

    def date(self, value: date) -> str:
        """A date written the way this language writes dates."""
        return value.strftime(self["format.date"])


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def pick_language(locale: str | None, default: str) -> str:
    """The survey language for a profile locale: "ru-RU", "ru_RU", "RU" → "ru".

    An unknown or empty locale gives the account's default, or English if that default
    is not one of LANGUAGES either.
    """
    code = _code(locale)
    if code:
        return code
    return _code(default) or "en"


def language_of(locale: str | None) -> str:
    """The language we speak that a profile locale names ("el_GR" → "el"), "" for none."""
    return _code(locale) or ""


def _code(locale: str | None) -> str | None:
    if not isinstance(locale, str):
        return None
    text = locale.strip().lower()
    head = re.split(r"[-_.@\s]", text, maxsplit=1)[0]
    for candidate in (head, _ALIASES.get(head), _ALIASES.get(text)):
        if candidate in LANGUAGES:
            return candidate
    return None


def accepted_languages(header: str | None) -> list[str]:
    """The languages we speak that an `Accept-Language` header asks for, most wanted first.

    "fr, el;q=0.9, ru-RU;q=0.95" → ["ru", "el"]: entries are ranked by their q-value
    (1 when absent; ties keep the header's order), q=0, `*` and languages we do not
    speak are left out, and a malformed entry is skipped rather than trusted.
    """
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((header or "")[:500].split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = -1.0
        code = _code(tag) if tag and tag != "*" else None
        if code and 0 < q <= 1:
            ranked.append((-q, i, code))
    out: list[str] = []
    for _q, _i, code in sorted(ranked):
        if code not in out:
            out.append(code)
    return out


def texts(lang: str) -> Messages:
    """The texts of a language (any locale spelling; unknown ones give English)."""
    code = pick_language(lang, "en")
    return Messages(code, _load(code), _load("en"))


@lru_cache(maxsize=None)
def _load(lang: str) -> dict[str, str]:
    raw = resources.files("cxpulse.surveys").joinpath("locales", f"{lang}.toml").read_text("utf-8")
    flat: dict[str, str] = {}
    _flatten(tomllib.loads(raw), "", flat)
    return flat


def _flatten(table: dict[str, Any], prefix: str, out: dict[str, str]) -> None:
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, path + ".", out)
        else:
            out[path] = str(value)


def question(
    survey: Survey,
    lang: str,
    attribute: str | None = None,
    importance: bool = False,
    *,
    ticket: str = "",
    company: str = "",
) -> str:
    """The question to show. CSI: one per attribute (satisfaction or importance);
    without an attribute, the CSI introduction. Unknown ticket/company use the
    sentence that does without them."""
    m = texts(lang)
    if survey.kind == "csi":
        if attribute is None:
            return m["question.csi_intro"]
        aspect = "importance" if importance else "satisfaction"
        if attribute in ATTRIBUTES:
            return m[f"csi.{aspect}.{attribute}"]
        return m.format(f"question.csi_{aspect}", attribute=attribute_text(attribute, m.lang))
    if attribute is not None:
        raise SurveyError(f"attribute: {attribute!r} given for a {survey.kind} survey; only csi surveys have attributes")
    if survey.kind == "csat":
        return m.format("question.csat", ticket=ticket) if ticket else m["question.csat_no_ticket"]
    key = f"question.{survey.kind}"
    return m.format(key, company=company) if company else m[key + "_no_company"]


def score_labels(survey: Survey, lang: str) -> list[tuple[int, str]]:
    """(score, visible label) per button: words on csat 1-5 and binary, numbers elsewhere."""
    m = texts(lang)
    prefix = _LABELLED.get((survey.kind, survey.scale))
    if prefix:
        return [(s, m[f"{prefix}.{s}"]) for s in survey.scores()]
    return [(s, str(s)) for s in survey.scores()]


def scale_anchors(survey: Survey, lang: str, importance: bool = False) -> tuple[str, str] | None:
    """The words at both ends of a numeric scale ("Not at all likely", "Extremely likely");
    None for scales whose every button already has words."""
    if (survey.kind, survey.scale) in _LABELLED:
        return None
    m = texts(lang)
    prefix = "scale.importance" if importance else _ANCHORS[survey.kind]
    return m[f"{prefix}.low"], m[f"{prefix}.high"]


def score_descriptions(survey: Survey, lang: str, importance: bool = False) -> list[tuple[int, str]]:
    """(score, accessible name) per button: "7 out of 10", the ends with their anchor."""
    anchors = scale_anchors(survey, lang, importance)
    if anchors is None:
        return score_labels(survey, lang)
    m = texts(lang)
    scores = survey.scores()
    top = scores[-1]
    ends = {scores[0]: anchors[0], top: anchors[1]}
    return [
        (s, m.format("scale.score_of_labeled", score=s, max=top, label=ends[s]))
        if s in ends
        else (s, m.format("scale.score_of", score=s, max=top))
        for s in scores
    ]


def reason_text(reason_key: str, lang: str) -> str:
    """A reason's text; a custom key without a translation is shown as the key in words."""
    return _text_or_key("reason", reason_key, REASONS, lang)


def attribute_text(attr: str, lang: str) -> str:
    """An attribute's name; a custom key without a translation is shown as the key in words."""
    return _text_or_key("attribute", attr, ATTRIBUTES, lang)


def reason_choices(survey: Survey, lang: str) -> list[tuple[str, str]]:
    """(key, text) for each of the survey's reasons, in the survey's order."""
    return [(key, reason_text(key, lang)) for key in survey.reasons]


def _text_or_key(group: str, key: str, shipped: tuple[str, ...], lang: str) -> str:
    m = texts(lang)
    full = f"{group}.{key}"
    if key in shipped or full in m:
        return m[full]
    return key.replace("_", " ")
