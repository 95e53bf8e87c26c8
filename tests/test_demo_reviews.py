"""The demo's public reviews: a year of them per account, in the four languages, from the
sources each account's trade has, with stars that follow its satisfaction, complaints that
name its problems, and replies that come before the end — so the review figures, themes
and webhooks have something to show."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from cxpulse.demo import DEMO_END, generate, generate_reviews
from cxpulse.demo.reviews import SOURCES
from cxpulse.domain import ResponseKind
from cxpulse.sentiment import sentiment
from cxpulse.service.drilldown import low_reviews
from cxpulse.service.load import load
from cxpulse.service.report import ReportQuery, report

TICKETS = 20_000


@pytest.fixture(scope="module")
def reviews():
    return list(generate_reviews(7, tickets=TICKETS))


def test_same_seed_same_reviews_and_the_help_desk_is_left_as_it_was(reviews):
    assert [repr(r) for r in generate_reviews(7, tickets=TICKETS)] == [repr(r) for r in reviews]
    assert [r.obj.source_id for r in generate_reviews(8, tickets=TICKETS)] != [r.obj.source_id for r in reviews] or \
        [r.obj.score for r in generate_reviews(8, tickets=TICKETS)] != [r.obj.score for r in reviews]
    assert not any(r.kind == "response" and r.obj.kind is ResponseKind.REVIEW for r in generate(7, tickets=300))


def test_a_year_per_account_in_all_four_languages_from_its_sources(reviews):
    start = datetime.combine(DEMO_END, datetime.min.time(), UTC) - timedelta(days=364)
    for account, sources in SOURCES.items():
        mine = [r.obj for r in reviews if r.account == account]
        assert len(mine) >= 200
        assert {r.language for r in mine} == {"en", "ru", "el", "lt"}
        assert {r.channel for r in mine} == {s for s, _w in sources}
        months = {r.given_at.strftime("%Y-%m") for r in mine}
        assert len(months) == 12 and min(r.given_at for r in mine) >= start
        assert all(r.kind is ResponseKind.REVIEW and r.scale == "1-5" and 1 <= r.score <= 5 for r in mine)
        assert len({r.source_id for r in mine}) == len(mine)


def test_stars_are_j_shaped_and_low_ones_read_as_complaints(reviews):
    stars = Counter(r.obj.score for r in reviews)
    assert stars[5] == max(stars.values()) and stars[1] + stars[2] > 0.12 * len(reviews)
    low = [r.obj for r in reviews if r.obj.score <= 2]
    good = [r.obj for r in reviews if r.obj.score >= 4]
    assert sum((sentiment(r.comment, r.language) or 0) < 0 for r in low) > 0.8 * len(low)
    assert sum((sentiment(r.comment, r.language) or 0) > 0 for r in good) > 0.8 * len(good)


def test_replies_come_after_their_review_and_before_the_end(reviews):
    end = datetime.combine(DEMO_END, datetime.min.time(), UTC) + timedelta(days=1)
    replied = [r.obj for r in reviews if r.obj.reply]
    assert 0.3 < len(replied) / len(reviews) < 0.6
    assert all(r.given_at < r.replied_at < end for r in replied)
    low = [r.obj for r in reviews if r.obj.score <= 2]
    assert sum(bool(r.reply) for r in low) / len(low) > 0.5


def test_stored_they_fill_the_review_figures_and_themes(store):
    load(store, generate_reviews(7, tickets=TICKETS))
    rows = report(store, ReportQuery(metrics=("reviews",), by=("account", "month")))
    stars = [r for r in rows if r["metric"] == "reviews"]
    assert len(stars) == 36 and all(r["n"] > 0 for r in stars)
    by_language = report(store, ReportQuery(metrics=("reviews",), by=("language",)))
    assert {r["group"]["language"] for r in by_language} == {"en", "ru", "el", "lt"}
    d = low_reviews(store, account="nordlicht", top_terms=50)
    assert d.low_rated > 10 and d.terms
