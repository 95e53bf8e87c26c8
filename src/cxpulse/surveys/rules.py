"""When to ask, remind, stop asking, and what a click does — pure decisions on times.

The service holds the database and the clock; these functions hold the rules, so each
boundary is tested once here. All times are UTC; a naive datetime is read as UTC (the
database stores naive UTC), and results are UTC-aware.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone
from typing import Literal

from cxpulse.domain.errors import SurveyError
from cxpulse.surveys.definitions import Survey

__all__ = [
    "COMMENT_MAX",
    "REPLACE_WINDOW",
    "SCANNER_WINDOW",
    "as_utc",
    "clean_comment",
    "click_outcome",
    "due_at",
    "expires_at",
    "is_expired",
    "reminder_at",
    "reminder_due",
    "scanner_burst",
    "throttle_cutoff",
    "throttled",
]

REPLACE_WINDOW = timedelta(minutes=15)
# Mail link scanners fetch every score link of an email within a second or two; a person
# who changes their mind reads the page first. A different score this soon after the first
# click, with no form posted in between, is a scanner (docs/surveys.md, "Link scanners").
SCANNER_WINDOW = timedelta(seconds=60)
COMMENT_MAX = 2000  # characters

ClickOutcome = Literal["record", "replace", "refuse"]


def due_at(solved_at: datetime, survey: Survey) -> datetime:
    """When the invitation goes out: the solve plus the survey's delay."""
    return as_utc(solved_at) + timedelta(minutes=survey.delay_minutes)


def expires_at(sent_at: datetime, survey: Survey) -> datetime:
    """When the invitation's links stop working."""
    return as_utc(sent_at) + timedelta(days=survey.expire_days)


def is_expired(expiry: datetime, now: datetime) -> bool:
    """Expired from the expiry instant on (the same boundary tokens.verify uses)."""
    return as_utc(now) >= as_utc(expiry)


def reminder_at(sent_at: datetime, survey: Survey) -> datetime | None:
    """When the single reminder goes out, or None when the survey sends none
    (or it would fall at or after the expiry)."""
    if survey.reminder_days is None:
        return None
    at = as_utc(sent_at) + timedelta(days=survey.reminder_days)
    return at if at < expires_at(sent_at, survey) else None


def reminder_due(
    sent_at: datetime,
    now: datetime,
    survey: Survey,
    *,
    reminded_at: datetime | None = None,
    answered_at: datetime | None = None,
) -> bool:
    """Whether to send the reminder now: configured, time reached, not yet sent or
    answered, and the links still valid."""
    at = reminder_at(sent_at, survey)
    if at is None or reminded_at is not None or answered_at is not None:
        return False
    now = as_utc(now)
    return at <= now < expires_at(sent_at, survey)


def throttle_cutoff(now: datetime, survey: Survey) -> datetime:
    """The customer may be asked again only if last asked strictly before this instant."""
    return as_utc(now) - timedelta(days=survey.throttle_days)


def throttled(last_sent_to_customer: datetime | None, now: datetime, survey: Survey) -> bool:
    """True when the customer was asked within throttle_days (the boundary counts as
    within, matching the store's `last_sent_at < cutoff` claim)."""
    if last_sent_to_customer is None or survey.throttle_days == 0:
        return False
    return as_utc(last_sent_to_customer) >= throttle_cutoff(now, survey)


def click_outcome(first_answered_at: datetime | None, now: datetime) -> ClickOutcome:
    """record the first click; replace it within REPLACE_WINDOW (15 minutes, the
    boundary included); refuse after that."""
    if first_answered_at is None:
        return "record"
    if as_utc(now) - as_utc(first_answered_at) <= REPLACE_WINDOW:
        return "replace"
    return "refuse"


def scanner_burst(first_answered_at: datetime | None, first_score: int | None, score: int, now: datetime, *,
                  confirmed: bool = False) -> bool:
    """Whether this click, after a first one, is a link scanner's: a different score less than
    SCANNER_WINDOW after the first click, before any form was posted.

    >>> t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> [scanner_burst(t, 1, 2, t + timedelta(seconds=1)), scanner_burst(t, 1, 1, t + timedelta(seconds=1)),
    ...  scanner_burst(t, 1, 2, t + timedelta(minutes=2)), scanner_burst(t, 1, 2, t, confirmed=True)]
    [True, False, False, False]
    """
    if first_answered_at is None or first_score is None or confirmed or score == first_score:
        return False
    return as_utc(now) - as_utc(first_answered_at) < SCANNER_WINDOW


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_comment(comment: str | None) -> str:
    """The comment as it will be stored: line ends unified, control characters (NUL
    breaks PostgreSQL) dropped, NFC, trimmed. Longer than COMMENT_MAX → SurveyError.
    HTML is kept as written: escaping is the page's job."""
    if comment is None:
        return ""
    if not isinstance(comment, str):
        raise SurveyError(f"comment: expected text, got {type(comment).__name__}")
    text = comment.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", _CONTROL.sub("", text)).strip()
    if len(text) > COMMENT_MAX:
        raise SurveyError(f"comment: {len(text)} characters is too long (allowed: at most {COMMENT_MAX})")
    return text


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; a naive one is read as UTC (the database stores naive UTC)."""
    if not isinstance(value, datetime):
        raise SurveyError(f"expected a datetime, got {value!r}")
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)
