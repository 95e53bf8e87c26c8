"""The employee survey (issue 17 §1): an internal, anonymous survey of an account's agents.

What it asks: eNPS ("How likely are you to recommend working in this team?", 0–10), a 1–5
rating per process question (the account's list, else DEFAULT_QUESTIONS), and one open
question ("What would you change first?"). It goes out once per period (monthly or
quarterly) to every agent with an email. Pure values and rules here; the service holds the
database, the clock and the mail.

Anonymity rules live here too, so they are tested once: MIN_CELL is the smallest group whose
figures or whole comments are shown, and `answer_day` is the only date an answer keeps (its round's first day).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from cxpulse.domain.errors import SurveyError
from cxpulse.surveys.definitions import LANGUAGES, NAME_MAX

__all__ = [
    "DEFAULT_QUESTIONS", "EVERY", "FEWER", "MIN_CELL", "hidden_cells", "round_start", "EmployeeAnswer", "EmployeeSurvey", "check_answer", "period_of",
    "TENURE_BANDS", "tenure_band",
]

KIND = "employee"
EVERY = ("monthly", "quarterly")
DEFAULT_QUESTIONS = ("tools", "knowledge_base", "workload", "training", "handoffs")
MIN_CELL = 5  # fewer answers than this in a group: no figures, no whole comments
ENPS_SCORES = range(0, 11)
PROCESS_SCORES = range(1, 6)
COMMENT_MAX = 2000
TENURE_BANDS = ("<1y", "1-3y", "3y+")
_KEY = re.compile(r"[a-z_]{1,40}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class EmployeeSurvey:
    """One employee survey of an account: its process questions (keys), how often, its language."""

    name: str
    every: str = "quarterly"
    questions: tuple[str, ...] = DEFAULT_QUESTIONS
    language: str = "en"
    expire_days: int = 21
    active: bool = True
    kind: str = field(default=KIND, init=False)

    def __post_init__(self) -> None:
        if isinstance(self.questions, list):
            object.__setattr__(self, "questions", tuple(self.questions))

    def to_json(self) -> str:
        return json.dumps({"name": self.name, "kind": KIND, "every": self.every, "questions": list(self.questions),
                           "language": self.language, "expire_days": self.expire_days, "active": self.active})

    @classmethod
    def from_json(cls, text: str) -> EmployeeSurvey:
        d: dict[str, Any] = json.loads(text)
        d.pop("kind", None)
        return validate(cls(**d))


def validate(s: EmployeeSurvey) -> EmployeeSurvey:
    """The survey if every field is acceptable, else SurveyError naming the field and the fix."""
    if not isinstance(s.name, str) or not s.name.strip() or len(s.name) > NAME_MAX:
        raise SurveyError(f"name: {s.name!r} is not allowed (a non-empty text of at most {NAME_MAX} characters)")
    if s.every not in EVERY:
        raise SurveyError(f"every: {s.every!r} is not allowed (allowed: {', '.join(EVERY)})")
    if not s.questions:
        raise SurveyError(f"questions: give at least one (default: {','.join(DEFAULT_QUESTIONS)})")
    seen: set[str] = set()
    for q in s.questions:
        if not isinstance(q, str) or not _KEY.fullmatch(q):
            raise SurveyError(f"questions: {q!r} is not a valid key (1-40 letters a-z and underscores, "
                              f"e.g. {', '.join(DEFAULT_QUESTIONS)})")
        if q in seen:
            raise SurveyError(f"questions: {q!r} is listed twice")
        seen.add(q)
    if s.language not in LANGUAGES:
        raise SurveyError(f"language: {s.language!r} is not supported (allowed: {', '.join(LANGUAGES)})")
    if isinstance(s.expire_days, bool) or not isinstance(s.expire_days, int) or not 1 <= s.expire_days <= 92:
        raise SurveyError(f"expire_days: {s.expire_days!r} is not allowed (allowed: a whole number 1..92)")
    return s


def period_of(day: date, every: str) -> str:
    """The label of the round a day falls in: 2026-12 (monthly) or 2026-Q4 (quarterly).

    >>> period_of(date(2026, 11, 3), "quarterly"), period_of(date(2026, 11, 3), "monthly")
    ('2026-Q4', '2026-11')
    """
    if every == "monthly":
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def tenure_band(hired: date | None, on: date) -> str:
    """The coarse tenure band of an agent hired on `hired` ("" when unknown): three bands only,
    so it cannot single anyone out the way an exact start date would."""
    if hired is None:
        return ""
    years = (on - hired).days / 365.25
    return TENURE_BANDS[0] if years < 1 else TENURE_BANDS[1] if years < 3 else TENURE_BANDS[2]


@dataclass(frozen=True)
class EmployeeAnswer:
    """What an answer holds — and all it holds: no agent, no invitation, no email, no date but its round's first day."""

    enps: int
    ratings: dict[str, int]
    comment: str
    day: date
    group: str = ""
    tenure: str = ""


def check_answer(survey: EmployeeSurvey, enps: object, ratings: dict[str, object], comment: str | None
                 ) -> tuple[int, dict[str, int], str]:
    """(eNPS, ratings, comment) when the form is complete and on scale, else SurveyError saying what is wrong."""
    if isinstance(enps, bool) or not isinstance(enps, int) or enps not in ENPS_SCORES:
        raise SurveyError(f"enps: {enps!r} is not allowed (allowed: a whole number 0..10)")
    extra = sorted(set(ratings) - set(survey.questions))
    if extra:
        raise SurveyError(f"{extra[0]!r} is not one of this survey's questions ({', '.join(survey.questions)})")
    out: dict[str, int] = {}
    for q in survey.questions:
        if q not in ratings:
            raise SurveyError(f"answer every question; missing: {q}")
        v = ratings[q]
        if isinstance(v, bool) or not isinstance(v, int) or v not in PROCESS_SCORES:
            raise SurveyError(f"{q}: {v!r} is not allowed (allowed: a whole number 1..5)")
        out[q] = v
    text = (comment or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text).strip()
    if len(text) > COMMENT_MAX:
        raise SurveyError(f"comment: {len(text)} characters is too long (allowed: at most {COMMENT_MAX})")
    return enps, out, text


def answer_day(period: str) -> date:
    """The only date an answer keeps: the first day of its round, not the day it was given —
    with few answers a day, the day alone could match an answer with who was seen answering."""
    return round_start(period)


FEWER = f"fewer than {MIN_CELL} answers"
HIDDEN_TOO = f"hidden so that a group with {FEWER} cannot be worked out from the others"


def hidden_cells(sizes: dict[tuple[str, ...], int]) -> dict[tuple[str, ...], str]:
    """Which cells of a breakdown to hide, and why: each cell with 1..MIN_CELL-1 answers, and —
    so that no hidden cell can be had by subtracting the shown ones from a total — within
    every line of the breakdown (the cells sharing all other keys), the smallest shown cells
    until the hidden ones hold none or at least MIN_CELL answers together. Time keys are
    lines too: a total over the rounds minus the others would give one round.

    >>> sorted(hidden_cells({("Billing",): 7, ("Tech",): 3, ("Sales",): 6}).items())
    [(('Sales',), 'hidden so that a group with fewer than 5 answers cannot be worked out from the others'), (('Tech',), 'fewer than 5 answers')]
    >>> hidden_cells({("Billing",): 7, ("Tech",): 3, ("Sales",): 2})
    {('Tech',): 'fewer than 5 answers', ('Sales',): 'fewer than 5 answers'}
    """
    hidden: dict[tuple[str, ...], str] = {cell: FEWER for cell, n in sizes.items() if 0 < n < MIN_CELL}
    width = len(next(iter(sizes), ()))
    changed = True
    while changed:
        changed = False
        for pos in range(width):
            lines: dict[tuple, list[tuple[str, ...]]] = {}
            for cell in sizes:
                lines.setdefault(cell[:pos] + cell[pos + 1:], []).append(cell)
            for cells in lines.values():
                while True:
                    gap = sum(sizes[c] for c in cells if c in hidden)
                    shown = sorted((c for c in cells if c not in hidden and sizes[c] > 0), key=lambda c: (sizes[c], c))
                    if not (0 < gap < MIN_CELL) or not shown:
                        break
                    hidden[shown[0]] = HIDDEN_TOO
                    changed = True
    return hidden


def round_start(period: str) -> date:
    """The first day of a round: 2026-Q4 → 2026-10-01, 2026-11 → 2026-11-01. Reports place every
    answer of a round there, so no time slice is finer than a round."""
    year, part = period.split("-")
    if part.startswith("Q"):
        return date(int(year), (int(part[1:]) - 1) * 3 + 1, 1)
    return date(int(year), int(part), 1)
