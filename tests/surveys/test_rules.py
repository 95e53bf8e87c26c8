"""Timing rules at their boundaries: due, expiry, reminder, throttle, double clicks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from cxpulse.domain.errors import SurveyError
from cxpulse.surveys import rules
from cxpulse.surveys.definitions import Survey

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
SEC = timedelta(seconds=1)


def test_due_after_the_delay_and_naive_is_utc():
    s = Survey("csat", "csat", delay_minutes=90)
    assert rules.due_at(T0, s) == T0 + timedelta(minutes=90)
    assert rules.due_at(T0.replace(tzinfo=None), s) == T0 + timedelta(minutes=90)
    assert rules.due_at(T0, Survey("csat", "csat")) == T0 + timedelta(hours=1)
    athens = timezone(timedelta(hours=2))
    assert rules.due_at(T0.astimezone(athens), s).tzinfo == timezone.utc


def test_expiry_after_28_days_from_the_instant():
    s = Survey("csat", "csat")
    end = rules.expires_at(T0, s)
    assert end == T0 + timedelta(days=28)
    assert not rules.is_expired(end, end - SEC)
    assert rules.is_expired(end, end)


def test_reminder_only_when_configured_and_before_expiry():
    assert rules.reminder_at(T0, Survey("csat", "csat")) is None
    s = Survey("csat", "csat", reminder_days=3)
    at = rules.reminder_at(T0, s)
    assert at == T0 + timedelta(days=3)
    assert not rules.reminder_due(T0, at - SEC, s)
    assert rules.reminder_due(T0, at, s)
    assert not rules.reminder_due(T0, at, s, reminded_at=at)
    assert not rules.reminder_due(T0, at, s, answered_at=T0 + SEC)
    assert not rules.reminder_due(T0, rules.expires_at(T0, s), s)
    # an unvalidated survey with the reminder at the expiry sends none
    assert rules.reminder_at(T0, Survey("csat", "csat", reminder_days=28)) is None


def test_throttle_boundary_counts_as_within():
    s = Survey("csat", "csat", throttle_days=30)
    now = T0 + timedelta(days=30)
    assert not rules.throttled(None, now, s)
    assert rules.throttled(T0, now, s)  # exactly 30 days ago: still within
    assert not rules.throttled(T0 - SEC, now, s)
    assert rules.throttled(T0 + timedelta(days=29), now, s)
    assert rules.throttled(now + timedelta(hours=1), now, s)  # clock skew: a future send throttles
    assert rules.throttle_cutoff(now, s) == T0
    assert not rules.throttled(now, now, Survey("csat", "csat", throttle_days=0))


def test_click_outcome_at_exactly_fifteen_minutes():
    assert rules.REPLACE_WINDOW == timedelta(minutes=15)
    assert rules.click_outcome(None, T0) == "record"
    assert rules.click_outcome(T0, T0) == "replace"
    assert rules.click_outcome(T0, T0 + timedelta(minutes=15)) == "replace"
    assert rules.click_outcome(T0, T0 + timedelta(minutes=15) + SEC) == "refuse"
    assert rules.click_outcome(T0.replace(tzinfo=None), T0 + timedelta(minutes=14)) == "replace"


def test_clean_comment():
    assert rules.clean_comment(None) == ""
    assert rules.clean_comment("  ok\r\nthanks\x00 \x1b ") == "ok\nthanks"
    html = "<script>alert(1)</script> & <b>bold</b>"
    assert rules.clean_comment(html) == html  # stored raw; the page escapes
    assert rules.clean_comment("e\u0301") == "\u00e9"
    assert len(rules.clean_comment("ы" * rules.COMMENT_MAX)) == rules.COMMENT_MAX
    with pytest.raises(SurveyError, match="comment: 2001 characters is too long .*at most 2000"):
        rules.clean_comment("ы" * (rules.COMMENT_MAX + 1))
    with pytest.raises(SurveyError, match="comment: expected text"):
        rules.clean_comment(42)  # type: ignore[arg-type]


def test_times_must_be_datetimes():
    with pytest.raises(SurveyError, match="expected a datetime"):
        rules.due_at("2025-03-01", Survey("csat", "csat"))  # type: ignore[arg-type]
