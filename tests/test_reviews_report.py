"""Public review figures (issue 17 §2): mean stars with a t-interval, the share of 4–5 stars
with a Wilson interval, the texts' sentiment and the review channel's reply KPIs, by source,
month and language; through the CLI and the API; themes of the 1–2-star reviews in every
language; and the survey figures untouched."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse.cli import app
from cxpulse.domain import InvalidQuery
from cxpulse.metrics import reply_rate, review_rating, share
from cxpulse.service.drilldown import low_reviews
from cxpulse.service.imports import import_path
from cxpulse.service.report import ReportQuery, parse_by, report
from tests.factories import write_jsonl

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
runner = CliRunner()
T0 = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def review(i: int, stars: int, *, source: str = "google-play", lang: str = "en", text: str = "ok",
           at: datetime = T0, reply_after: timedelta | None = None) -> dict:
    rec = {"type": "response", "id": f"{source}:{i}", "kind": "review", "scale": "1-5", "score": stars,
           "channel": source, "language": lang, "comment": text, "given_at": at.isoformat()}
    if reply_after is not None:
        rec.update(reply="Thank you", replied_at=(at + reply_after).isoformat())
    return rec


def rows_by(rows: list[dict], metric: str) -> dict[tuple, dict]:
    return {tuple(r["group"].values()): r for r in rows if r["metric"] == metric}


def test_mean_stars_share_of_four_and_five_and_reply_kpis_by_source(store, tmp_path):
    recs = [review(1, 5, reply_after=timedelta(minutes=30)), review(2, 4, reply_after=timedelta(hours=3)),
            review(3, 1, reply_after=timedelta(hours=25)), review(4, 2),
            review(5, 5, source="app-store"), review(6, 3, source="app-store")]
    import_path(store, "jsonl", write_jsonl(tmp_path / "r.jsonl", recs), account="acme")
    rows = report(store, ReportQuery(metrics=("reviews",), by=("source",)))
    play, apple = rows_by(rows, "reviews")[("google-play",)], rows_by(rows, "reviews")[("app-store",)]
    expected = review_rating({5: 1, 4: 1, 1: 1, 2: 1})
    assert (play["value"], play["n"], play["low"], play["high"]) == (3.0, 4, expected.stars.low, expected.stars.high)
    assert play["counts"] == {1: 1, 2: 1, 4: 1, 5: 1} and apple["value"] == 4.0
    positive = rows_by(rows, "reviews_positive")[("google-play",)]
    assert (positive["value"], positive["count"], positive["low"]) == (50.0, 2, share(2, 4).low)
    replied = rows_by(rows, "review_reply_rate")[("google-play",)]
    assert (replied["value"], replied["count"], replied["high"]) == (75.0, 3, reply_rate(3, 4).high)
    wait = rows_by(rows, "review_reply_minutes")[("google-play",)]
    assert (wait["value"], wait["n"], wait["mean"]) == (180.0, 3, (30 + 180 + 1500) / 3)
    assert rows_by(rows, "review_reply_rate")[("app-store",)]["value"] == 0.0
    assert rows_by(rows, "review_reply_minutes")[("app-store",)]["n"] == 0


def test_by_month_and_language_and_the_sentiment_of_each_text(store, tmp_path):
    nov = T0 + timedelta(days=35)
    recs = [review(1, 5, lang="ru", text="Отличный сервис, спасибо!"),
            review(2, 1, lang="ru", text="Ужасно, приложение вылетает"),
            review(3, 2, lang="el", text="Άθλια εξυπηρέτηση", at=nov),
            review(4, 5, lang="lt", text="Puikus aptarnavimas, ačiū", at=nov),
            review(5, 4, lang="lt", text="Numeris 42", at=nov)]  # no sentiment word: no score
    import_path(store, "jsonl", write_jsonl(tmp_path / "r.jsonl", recs), account="acme")
    rows = report(store, ReportQuery(metrics=("reviews",), by=("language", "month")))
    assert set(rows_by(rows, "reviews")) == {("ru", "2026-10"), ("el", "2026-11"), ("lt", "2026-11")}
    felt = rows_by(rows, "review_sentiment")
    assert felt[("ru", "2026-10")]["value"] == 0.0 and felt[("ru", "2026-10")]["n"] == 2
    assert felt[("el", "2026-11")]["value"] == -1.0
    assert (felt[("lt", "2026-11")]["value"], felt[("lt", "2026-11")]["n"]) == (1.0, 1)


def test_survey_figures_do_not_move_when_reviews_come_in(store, tmp_path):
    import_path(store, "jsonl", ROOT / "tests" / "fixtures" / "small.jsonl", account="acme")
    surveys = ReportQuery(metrics=("csat", "nps", "ces", "csi", "kpi", "response-rate"))
    by_day = ReportQuery(metrics=("csat",), by=("day",))
    before = report(store, surveys), report(store, by_day), report(store, ReportQuery(metrics=("csat",), by=("channel",)))
    import_path(store, "reviews", EXAMPLES / "google-play-reviews.csv", account="acme", source="google-play")
    import_path(store, "jsonl", write_jsonl(tmp_path / "r.jsonl", [review(i, 1 + i % 5) for i in range(30)]),
                account="acme")
    assert (report(store, surveys), report(store, by_day),
            report(store, ReportQuery(metrics=("csat",), by=("channel",)))) == before
    assert report(store, ReportQuery(metrics=("reviews",)))[0]["n"] == 36


def test_newer_reviews_do_not_move_the_period_a_csat_change_is_compared_over(store, tmp_path):
    import_path(store, "jsonl", ROOT / "tests" / "fixtures" / "small.jsonl", account="acme")
    q = ReportQuery(metrics=("csat",), compare_previous=True)
    before = report(store, q)
    newest = datetime.now(UTC).replace(microsecond=0)
    later = [review(i, 1, at=newest - timedelta(days=i)) for i in range(5)]
    import_path(store, "jsonl", write_jsonl(tmp_path / "r.jsonl", later), account="acme")
    assert report(store, q) == before
    (stars, *_rest) = report(store, ReportQuery(metrics=("reviews",), compare_previous=True))
    local_day = newest.astimezone(store.account("acme").tz).date()
    assert (stars["period"]["until"], stars["n"]) == (local_day.isoformat(), 5)  # reviews: their own last day


def test_review_keys_group_reviews_only(store):
    with pytest.raises(InvalidQuery, match="use --metric reviews, not csat"):
        report(store, ReportQuery(metrics=("csat", "reviews"), by=("source",)))
    with pytest.raises(InvalidQuery, match="not by 'agent'"):
        report(store, ReportQuery(metrics=("reviews",), by=("agent",)))
    assert parse_by("language,month") == ("language", "month")
    with pytest.raises(InvalidQuery, match="at most one of day, week, month"):
        parse_by("month,week")


def test_a_change_of_mean_stars_is_tested_against_the_previous_period(store, tmp_path):
    early = [review(i, 5, at=T0 - timedelta(days=40 - i % 20)) for i in range(40)]
    late = [review(100 + i, 1 + i % 2, at=T0 - timedelta(days=i % 20)) for i in range(40)]
    import_path(store, "jsonl", write_jsonl(tmp_path / "r.jsonl", early + late), account="acme")
    q = ReportQuery(metrics=("reviews",), since=date(2026, 9, 12), until=date(2026, 10, 1), compare_previous=True)
    rows = {r["metric"]: r for r in report(store, q)}
    assert rows["reviews"]["delta"] < -3 and rows["reviews"]["significant"] is True
    assert rows["reviews_positive"]["significant"] is True


def test_the_cli_and_the_api_give_the_same_rows(db_arg, tmp_path):
    imported = runner.invoke(app, ["import", "reviews", str(EXAMPLES / "trustpilot-reviews.json"), "--source",
                                   "trustpilot", "-a", "acme", "--db", db_arg, "-f", "json"])
    assert json.loads(imported.stdout)["inserted"] == 4
    out = runner.invoke(app, ["report", "--metric", "reviews", "--by", "source", "--db", db_arg, "-f", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    assert [r["metric"] for r in rows] == ["reviews", "reviews_positive", "review_sentiment", "review_reply_rate",
                                           "review_reply_minutes"]
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for key in {k for r in rows for k in r} | {r["metric"] for r in rows}:
        assert f"`{key}`" in doc, f"{key!r} is not documented in docs/cli.md"
    bad = runner.invoke(app, ["report", "--metric", "csat", "--by", "language", "--db", db_arg])
    assert bad.exit_code == 2 and "use --metric reviews" in bad.output


LOW = {"en": ["The app crashes at checkout", "Crashes again after the update, money gone"],
       "ru": ["Приложение вылетает при оплате", "Снова вылетает, деньги списали"],
       "el": ["Η εφαρμογή κολλάει στην πληρωμή", "Κολλάει ξανά, χρεώθηκα"],
       "lt": ["Programėlė stringa apmokant", "Vėl stringa, nuskaičiavo pinigus"]}
GOOD = {"en": "Friendly support and a quick answer", "ru": "Вежливая поддержка и быстрый ответ",
        "el": "Ευγενική υποστήριξη και γρήγορη απάντηση", "lt": "Maloni pagalba ir greitas atsakymas"}


def test_themes_of_low_reviews_come_out_in_each_language(store, tmp_path):
    recs, i = [], 0
    for lang in LOW:
        for k in range(6):
            recs.append(review(i, 1, lang=lang, text=LOW[lang][k % 2], at=T0 + timedelta(hours=i)))
            recs.append(review(i + 1, 5, lang=lang, text=GOOD[lang], at=T0 + timedelta(hours=i)))
            i += 2
    import_path(store, "jsonl", write_jsonl(tmp_path / "r.jsonl", recs), account="acme")
    d = low_reviews(store, account="acme", top_terms=40)
    assert (d.low_rated, d.reviews) == (24, 48)
    terms = {t.term for t in d.terms}
    for word in ("crashes", "вылетает", "κολλάει", "stringa"):
        assert word in terms, (word, terms)
    assert all(r["score"] == 1 and r["sentiment"] is not None and r["sentiment"] < 0 for r in d.low[:5])
    assert low_reviews(store, source="app-store").reviews == 0
