"""Survey definitions: what to ask, on which scale, and when.

A `Survey` is a frozen value stored per account as JSON (`to_dict`/`from_dict`).
`validate` is the one gate every definition passes through — the CLI, the service and
`from_dict` all call it — so a bad kind, scale or delay is refused with a message that
names the field, the value given and what is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from cxpulse.domain.errors import SurveyError
from cxpulse.domain.types import Scale

__all__ = [
    "ATTRIBUTES",
    "DEFAULT_REASONS",
    "KINDS",
    "LANGUAGES",
    "REASONS",
    "SCALES",
    "Survey",
    "validate",
]

KINDS = ("csat", "ces", "nps", "csi")
SCALES = {"csat": ("1-5", "binary"), "ces": ("1-7", "1-10"), "nps": ("0-10",), "csi": ("1-5",)}
ATTRIBUTES = (
    "speed",
    "competence",
    "politeness",
    "convenience",
    "personal_approach",
    "empathy",
    "efficiency",
)
LANGUAGES = ("en", "ru", "el", "lt")
# Reasons with shipped translations; custom keys are allowed and shown as written.
REASONS = ("slow", "not_solved", "unfriendly", "hard_to_reach", "incompetent", "too_many_steps", "other")
DEFAULT_REASONS = {
    "csat": ("slow", "not_solved", "unfriendly", "hard_to_reach", "other"),
    "ces": ("too_many_steps", "hard_to_reach", "slow", "not_solved", "other"),
    "nps": ("not_solved", "slow", "unfriendly", "incompetent", "other"),
    "csi": ("slow", "not_solved", "incompetent", "unfriendly", "other"),
}

KEY_PATTERN = re.compile(r"[a-z_]{1,40}")
NAME_MAX = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A refusal the dashboard's survey form can meet is a template of its figures (SurveyError's
# `template` and `params`), so the form says it in the page's language; str(e) is the English.
_OUT_OF_RANGE = "%(field)s: %(value)r is not allowed (allowed: a whole number %(low)s..%(high)s)"
_OUT_OF_RANGE_OR_NONE = "%(field)s: %(value)r is not allowed (allowed: a whole number %(low)s..%(high)s or none)"
_LIMITS = {  # field: (lowest, highest) — a year is the longest wait that makes sense
    "delay_minutes": (0, 60 * 24 * 365),
    "throttle_days": (0, 365),
    "reminder_days": (1, 365),
    "expire_days": (1, 365),
}


@dataclass(frozen=True)
class Survey:
    """One survey of an account. `scale` left empty means the kind's first scale."""

    name: str
    kind: str
    scale: str = ""
    attributes: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    comment: bool = True
    delay_minutes: int = 60
    throttle_days: int = 30
    reminder_days: int | None = None
    expire_days: int = 28
    language: str = "en"
    active: bool = True

    def __post_init__(self) -> None:
        # Lists from JSON or the CLI become tuples, so the value stays hashable.
        if not self.scale and isinstance(self.kind, str) and self.kind in SCALES:
            object.__setattr__(self, "scale", SCALES[self.kind][0])
        for name in ("attributes", "reasons"):
            value = getattr(self, name)
            if isinstance(value, (list, tuple)):
                object.__setattr__(self, name, tuple(value))

    def scores(self) -> list[int]:
        """The scale's scores, low to high (binary: [0, 1] for bad, good)."""
        low, high = _bounds(self.scale)
        return list(range(low, high + 1))

    def is_low(self, score: int) -> bool:
        """Whether a score is low enough to ask why: the reasons are shown for these.

        csat: not satisfied (1–3 on 1–5, bad on binary); ces: bottom half (1–3 on 1–7,
        1–5 on 1–10); nps: detractor (0–6); csi: 1–2.
        """
        low, high = _bounds(self.scale)
        if isinstance(score, bool) or not isinstance(score, int) or not low <= score <= high:
            raise SurveyError(f"score: {score!r} is not on the {self.scale} scale (allowed {low}..{high})")
        if self.kind == "csat":
            return score == 0 if self.scale == "binary" else score <= 3
        if self.kind == "ces":
            return score < (low + high) / 2
        if self.kind == "nps":
            return score <= 6
        return score <= 2

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; `from_dict` reads it back to an equal Survey."""
        return {
            "name": self.name,
            "kind": self.kind,
            "scale": self.scale,
            "attributes": list(self.attributes),
            "reasons": list(self.reasons),
            "comment": self.comment,
            "delay_minutes": self.delay_minutes,
            "throttle_days": self.throttle_days,
            "reminder_days": self.reminder_days,
            "expire_days": self.expire_days,
            "language": self.language,
            "active": self.active,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Survey:
        """Read a stored definition; unknown keys are refused so typos do not vanish."""
        if not isinstance(d, dict):
            raise SurveyError(f"survey definition: expected a JSON object, got {type(d).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise SurveyError(f"survey definition: unknown field(s) {', '.join(map(repr, unknown))} (allowed: {', '.join(sorted(known))})")
        for required in ("name", "kind"):
            if required not in d:
                raise SurveyError(f"survey definition: field {required!r} is missing")
        values = dict(d)
        for name in ("attributes", "reasons"):
            if name in values and not isinstance(values[name], (list, tuple)):
                raise SurveyError(f"{name}: expected a list of keys, got {values[name]!r}")
        return validate(cls(**values))


def validate(survey: Survey) -> Survey:
    """Return the survey if every field is acceptable, else raise SurveyError saying which."""
    if not isinstance(survey, Survey):
        raise SurveyError(f"expected a Survey, got {type(survey).__name__}")
    name = survey.name
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX or _CONTROL.search(name):
        raise SurveyError(f"name: {name!r} is not allowed (a non-empty text of at most {NAME_MAX} characters, no control characters)")
    if survey.kind not in KINDS:
        raise SurveyError(f"kind: {survey.kind!r} is unknown (allowed: {', '.join(KINDS)})")
    if survey.scale not in SCALES[survey.kind]:
        raise SurveyError(f"scale: {survey.scale!r} is not a {survey.kind} scale (allowed: {', '.join(SCALES[survey.kind])})")
    _check_keys("attributes", survey.attributes, ATTRIBUTES)
    if survey.kind == "csi" and not survey.attributes:
        raise SurveyError(f"attributes: a csi survey needs at least one (e.g. {', '.join(ATTRIBUTES)})")
    if survey.kind != "csi" and survey.attributes:
        raise SurveyError(f"attributes: {list(survey.attributes)!r} given for kind {survey.kind!r}; only csi surveys have attributes")
    _check_keys("reasons", survey.reasons, REASONS)
    for flag in ("comment", "active"):
        if not isinstance(getattr(survey, flag), bool):
            raise SurveyError(f"{flag}: {getattr(survey, flag)!r} is not allowed (allowed: true, false)")
    for field_name, (low, high) in _LIMITS.items():
        value = getattr(survey, field_name)
        if value is None and field_name == "reminder_days":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise SurveyError(_OUT_OF_RANGE_OR_NONE if field_name == "reminder_days" else _OUT_OF_RANGE,
                              field=field_name, value=value, low=low, high=high)
    if survey.reminder_days is not None and survey.reminder_days >= survey.expire_days:
        raise SurveyError("%(field)s: %(value)s is not before %(other)s %(limit)s (allowed: 1..%(last)s or none)",
                          field="reminder_days", value=survey.reminder_days, other="expire_days",
                          limit=survey.expire_days, last=survey.expire_days - 1)
    if survey.language not in LANGUAGES:
        raise SurveyError("%(field)s: %(value)r is not supported (allowed: %(allowed)s)", field="language",
                          value=survey.language, allowed=", ".join(LANGUAGES))
    return survey


def _check_keys(field_name: str, keys: tuple[str, ...], shipped: tuple[str, ...]) -> None:
    if not isinstance(keys, tuple):
        raise SurveyError(f"{field_name}: expected a list of keys, got {keys!r}")
    seen: set[str] = set()
    for key in keys:
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            raise SurveyError("%(field)s: %(value)r is not a valid key (allowed: %(allowed)s, "
                              "or a custom key of 1-40 letters a-z and underscores)",
                              field=field_name, value=key, allowed=", ".join(shipped))
        if key in seen:
            raise SurveyError("%(field)s: %(value)r is listed twice", field=field_name, value=key)
        seen.add(key)


def _bounds(scale: str) -> tuple[int, int]:
    try:
        return Scale(scale).bounds
    except ValueError:
        allowed = sorted({s for kind_scales in SCALES.values() for s in kind_scales})
        raise SurveyError(f"scale: {scale!r} is unknown (allowed: {', '.join(allowed)})") from None
