"""The dashboard's Reviews page (issue 17 §2) through HTTP: the public reviews' figures by
source, month and language equal the report's, with charts that have a table beside them;
the 1–2-star reviews and their themes, for one source or language when asked; a year by
default; an empty state that says how to import; another account's reviews never shown."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

from cxpulse.service.imports import import_path
from cxpulse.service.keys import create_key
from cxpulse.service.report import ReportQuery, report
from cxpulse.web.dashboard import format as F
from tests.dashboard_helpers import NOW, client_for, login
from tests.factories import write_jsonl

RIVAL_SECRET = "the rival frobnicator never works"
CRASH_EN = ["The app crashes every time I log in", "Crashes at login, useless app", "It crashes on login again",
            "Login crashes the app, awful"]
CRASH_RU = ["Приложение вылетает при входе, ужасно", "Вылетает при входе, ужасно", "Опять вылетает при входе"]
PRAISE_EN = ["Great support, quick answer, thank you", "Great app, thank you", "Quick and friendly support",
             "Great service", "Works well, thank you", "Helpful answer from support"]
PRAISE_RU = ["Отличный сервис, спасибо", "Отличная поддержка", "Спасибо, всё работает"]


def _review(i: int, stars: int, text: str, *, source: str, lang: str, at: datetime, reply: bool = False) -> dict:
    rec = {"type": "response", "id": f"{source}:{i}", "kind": "review", "scale": "1-5", "score": stars,
           "channel": source, "language": lang, "comment": text, "given_at": at.isoformat()}
    if reply:
        rec.update(reply="Thank you for writing", replied_at=(at + timedelta(hours=2)).isoformat())
    return rec


def _seed(store, tmp_path) -> None:
    june, may, april = (datetime(2026, m, 10, 12, tzinfo=UTC) for m in (6, 5, 4))
    recs = [_review(i, 1 + i % 2, t, source="google-play", lang="en", at=june if i % 2 else may)
            for i, t in enumerate(CRASH_EN)]
    recs += [_review(10 + i, 5 - i % 2, t, source="google-play", lang="en", at=(june, may, april)[i % 3], reply=i < 3)
             for i, t in enumerate(PRAISE_EN)]
    recs += [_review(20 + i, 1, t, source="app-store", lang="ru", at=june) for i, t in enumerate(CRASH_RU)]
    recs += [_review(30 + i, 5, t, source="app-store", lang="ru", at=april) for i, t in enumerate(PRAISE_RU)]
    recs.append(_review(99, 3, "An old review, more than a year ago", source="google-play", lang="en",
                        at=datetime(2025, 5, 1, tzinfo=UTC)))
    import_path(store, "jsonl", write_jsonl(tmp_path / "acme.jsonl", recs), account="acme")
    rival = [_review(i, 1, RIVAL_SECRET, source="trustpilot", lang="en", at=june) for i in range(4)]
    import_path(store, "jsonl", write_jsonl(tmp_path / "rival.jsonl", rival), account="rival")


def _client(store, account: str = "acme"):
    key, _ = create_key(store, account=account)
    client = client_for(store)
    assert login(client, key).status_code == 303
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _row(html: str, attr: str, value: str) -> str:
    """The visible text of the table row marked data-ATTR="VALUE"."""
    m = re.search(rf'<tr data-{attr}="{re.escape(value)}">(.*?)</tr>', html, re.S)
    assert m, f"no row {attr}={value}"
    return _text(m.group(1)).strip()


def test_the_reviews_page_shows_the_reports_figures_by_source_month_and_language(store, tmp_path):
    _seed(store, tmp_path)
    html = _client(store).get("/reviews").text
    since, until = NOW.date() - timedelta(days=364), NOW.date()  # a year by default
    rows = report(store, ReportQuery(metrics=("reviews",), by=("source",), account="acme", since=since, until=until))
    for source in ("google-play", "app-store"):
        stars = next(r for r in rows if r["metric"] == "reviews" and r["group"]["source"] == source)
        positive = next(r for r in rows if r["metric"] == "reviews_positive" and r["group"]["source"] == source)
        line = _row(html, "source", source)
        assert line.startswith(f"{source} {stars['n']} {F.mean(stars['value'])} "
                               f"{F.mean(stars['low'])} to {F.mean(stars['high'])} {F.percent(positive['value'])}")
    assert _row(html, "source", "google-play").split()[1] == "10"  # the review from May 2025 is outside the year
    assert _row(html, "source", "app-store").startswith("app-store 6 3.00")  # three 1s, three 5s
    # the company replied to 3 of google-play's 10, two hours after each
    assert _row(html, "source", "google-play").endswith("30.0% 2 h")
    assert _row(html, "language", "ru").startswith("ru 6 3.00") and _row(html, "language", "en").startswith("en 10")
    assert [m for m in ("2026-06", "2026-05", "2026-04") if f'data-month="{m}"' in html] == ["2026-06", "2026-05",
                                                                                              "2026-04"]
    assert _row(html, "month", "2026-04").startswith("2026-04 5 ")  # 2 praise (en) + 3 praise (ru)
    # charts with their own titles and the figures in their descriptions; no script anywhere
    for title in ("Mean stars by source with 95% interval", "Mean stars by month with 95% interval",
                  "Mean sentiment by month with 95% interval"):
        assert f">{title}</title>" in html
    assert re.search(r'<desc id="reviews-by-source-d">[^<]*google-play: \d\.\d\d \(n = 10\)', html)
    assert "<script" not in html.lower()
    assert 'aria-current="page">Reviews</a>' in html
    assert RIVAL_SECRET not in html and "trustpilot" not in html


def test_low_reviews_and_their_themes_in_every_language_and_for_one(store, tmp_path):
    _seed(store, tmp_path)
    client = _client(store)
    text = _text(client.get("/reviews").text)
    assert "7 reviews of 1–2 stars of 16" in text
    assert all(t in text for t in CRASH_EN + CRASH_RU)
    html = client.get("/reviews").text
    terms = re.search(r'<table class="terms review-terms">(.*?)</table>', html, re.S).group(1)
    assert re.search(r"crash", terms) and re.search(r"вылета", terms)  # each review read in its own language
    russian = client.get("/reviews", params={"language": "ru"}).text
    low = re.search(r'<table class="low-reviews">(.*?)</table>', russian, re.S).group(1)
    assert all(t in low for t in CRASH_RU) and not any(t in low for t in CRASH_EN)
    assert "3 reviews of 1–2 stars of 6 in ru" in _text(russian)
    assert 'lang="ru" class="comment"' in russian
    assert re.search(r"вылета", re.search(r'<table class="terms review-terms">(.*?)</table>', russian, re.S).group(1))
    play = _text(client.get("/reviews", params={"source": "google-play", "days": "30"}).text)
    assert "2 reviews of 1–2 stars of 4 from google-play" in play  # June only: 2 crashes, 2 praise


def test_a_period_without_reviews_and_an_account_without_any_say_so(store, tmp_path):
    _seed(store, tmp_path)
    import_path(store, "jsonl", write_jsonl(tmp_path / "t.jsonl", [
        {"type": "ticket", "id": "T1", "subject": "hello", "status": "open", "created_at": "2026-06-01T10:00:00Z"}]),
        account="quiet")
    quiet = _client(store, "quiet").get("/reviews")
    assert quiet.status_code == 200 and 'data-empty="reviews"' in quiet.text
    assert "cxpulse import reviews FILE --source google-play --account quiet" in _text(quiet.text)
    assert "<svg" not in quiet.text
    # acme has reviews, none in the last 30 days before… a clock a year on
    late = client_for(store)
    late.app.state.clock = lambda: NOW + timedelta(days=400)
    key, _ = create_key(store, account="acme")
    login(late, key)
    page = late.get("/reviews", params={"days": "30"}).text
    assert "No public reviews were written in this period" in page and 'data-empty="reviews"' not in page
    assert date(2027, 8, 5).strftime("%b %Y") in _text(page)  # the period's last day, 400 days on


def test_a_from_to_range_narrows_the_page_and_the_filter_links_keep_it(store, tmp_path):
    _seed(store, tmp_path)
    client = _client(store)
    html = client.get("/reviews", params={"from": "2026-04-01", "to": "2026-04-30"}).text
    assert _row(html, "source", "google-play").startswith("google-play 2 ")  # April: two praise reviews
    assert 'data-month="2026-05"' not in html
    assert 'href="/reviews?language=ru&amp;from=2026-04-01&amp;to=2026-04-30#h-low"' in html
    # the last-30-days link keeps 30 days through the source links (this page's own default is a year)
    month = client.get("/reviews", params={"days": "30"}).text
    assert 'href="/reviews?source=app-store&amp;days=30#h-low"' in month


def test_the_page_needs_a_login_and_a_key_that_reads_figures(store, tmp_path):
    _seed(store, tmp_path)
    anonymous = client_for(store).get("/reviews?language=ru", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=/reviews")
    for role in ("reviewer", "shopper"):
        key, _ = create_key(store, account="acme", role=role)
        client = client_for(store)
        login(client, key)
        refused = client.get("/reviews", follow_redirects=False)
        assert refused.status_code == 403 and "Crash" not in refused.text, role
