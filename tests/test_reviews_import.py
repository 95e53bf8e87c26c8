"""Public reviews in (issue 17 §2): each documented export shape imports through the real
import into a real store, keeps what a review is, rejects only what is bad, and a second
import changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from cxpulse.domain import FormatError
from cxpulse.readers.review_json import original_words
from cxpulse.readers.reviews import read_reviews, review_id
from cxpulse.service.imports import import_path
from cxpulse.service.report import ReportQuery, report
from cxpulse.storage import tables as T

EXAMPLES = Path(__file__).parent.parent / "examples"
SHAPES = [  # source, file, mapping, reviews in it
    ("google-play", "google-play-reviews.csv", None, 6),
    ("app-store", "app-store-reviews.json", None, 4),
    ("trustpilot", "trustpilot-reviews.json", None, 4),
    ("google-business", "google-business-reviews.json", None, 4),
    ("csv", "reviews.csv", "reviews.toml", 4),
    ("csv", "google-play-reviews.csv", "google-play-reviews.toml", 6),
    ("csv", "trustpilot-reviews.csv", "trustpilot-reviews.toml", 2),
    ("csv", "google-business-reviews.csv", "google-business-reviews.toml", 2),
]


def stored(store, account: str = "acme") -> dict[str, dict]:
    r = T.responses.c
    with store.engine.connect() as c:
        rows = c.execute(select(T.responses).join(T.accounts, T.accounts.c.id == r.account_id)
                         .where(T.accounts.c.name == account)).mappings().all()
    return {row["source_id"]: dict(row) for row in rows}


def _import(store, source, name, mapping=None, tmp_path=None, **kw):
    return import_path(store, "reviews", EXAMPLES / name if tmp_path is None else name, account="acme",
                       source=source, mapping=EXAMPLES / mapping if mapping else None, **kw)


@pytest.mark.parametrize(("source", "name", "mapping", "n"), SHAPES, ids=[f"{s[0]}-{s[1]}" for s in SHAPES])
def test_every_example_shape_imports_once_and_a_second_time_changes_nothing(store, source, name, mapping, n):
    first = _import(store, source, name, mapping)
    again = _import(store, source, name, mapping)
    assert (first.inserted, first.rejected, first.fields_rejected) == (n, 0, 0)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, n)
    rows = stored(store)
    assert len(rows) == n
    assert {r["kind"] for r in rows.values()} == {"review"} and {r["scale"] for r in rows.values()} == {"1-5"}
    assert all(1 <= r["score"] <= 5 and r["channel"] for r in rows.values())


def test_google_play_keeps_stars_text_language_reply_and_the_id_of_its_link(store):
    _import(store, "google-play", "google-play-reviews.csv")
    rows = stored(store)
    ru = rows["google-play:gp:AOqpTOHx2"]
    assert (ru["score"], ru["channel"], ru["language"]) == (1, "google-play", "ru")
    assert ru["comment"] == "Ужасно\n\nПриложение вылетает при оплате, поддержка не отвечает третий день."
    assert ru["reply"].startswith("Здравствуйте!") and ru["replied_at"] == datetime(2026, 11, 5, 9, 30)
    assert ru["given_at"] == datetime(2026, 11, 3, 19, 40, 2)
    assert rows["google-play:gp:AOqpTOHx5"]["language"] == "pt"  # pt_BR
    assert rows["google-play:gp:AOqpTOHx6"]["language"] == "en"  # none in the export: detected
    assert rows["google-play:gp:AOqpTOHx3"]["reply"] == "" and rows["google-play:gp:AOqpTOHx3"]["replied_at"] is None


def test_a_utf8_copy_of_the_play_export_without_link_or_title_reads_with_hashed_stable_ids(store, tmp_path):
    text = (EXAMPLES / "google-play-reviews.csv").read_bytes().decode("utf-16")
    lines = [line.rsplit(",", 1)[0] for line in text.splitlines()]  # Review Link dropped
    copy = tmp_path / "play-utf8.csv"
    copy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = _import(store, "google-play", copy, tmp_path=tmp_path)
    again = _import(store, "google-play", copy, tmp_path=tmp_path)
    assert (first.inserted, first.rejected, again.unchanged) == (6, 0, 6)
    assert all(":h:" in sid for sid in stored(store))


def test_app_store_joins_the_published_response_and_detects_the_language(store):
    _import(store, "app-store", "app-store-reviews.json")
    rows = stored(store)
    one = rows["app-store:00000051-4b1b-a86f-0000-000000000001"]
    assert (one["score"], one["customer_id"], one["language"]) == (5, "mkline", "en")
    assert one["reply"] == "Thanks for the kind words!" and one["replied_at"] == datetime(2026, 11, 1, 19, 0)
    assert one["given_at"] == datetime(2026, 11, 1, 16, 12, 44)  # -07:00 → UTC
    assert rows["app-store:00000051-4b1b-a86f-0000-000000000002"]["language"] == "ru"
    assert rows["app-store:00000051-4b1b-a86f-0000-000000000003"]["language"] == "el"
    pending = rows["app-store:00000051-4b1b-a86f-0000-000000000004"]
    assert (pending["language"], pending["reply"]) == ("lt", "")  # PENDING_PUBLISH: not public yet


def test_trustpilot_takes_the_first_reply_time_and_google_business_the_original_words(store):
    _import(store, "trustpilot", "trustpilot-reviews.json")
    _import(store, "google-business", "google-business-reviews.json")
    rows = stored(store)
    lt = rows["trustpilot:6568f2a1c7d4b20001a1b2c5"]
    assert (lt["language"], lt["replied_at"], lt["customer_id"]) == ("lt", datetime(2026, 11, 7, 9, 0), "Tomas")
    el = rows["google-business:AbFvOqmxQ2"]
    assert (el["score"], el["language"], el["customer_id"]) == (1, "el", "")  # anonymous: no name kept
    assert el["comment"] == "Άθλια εξυπηρέτηση, κανείς δεν σηκώνει το τηλέφωνο."
    assert rows["google-business:AbFvOqmxQ4"]["score"] == 2  # stars without a comment still count


def test_mapped_star_labels_and_local_times(store):
    _import(store, "csv", "reviews.csv", "reviews.toml")
    rows = stored(store)
    assert rows["my-shop:r-1002"]["score"] == 1 and rows["my-shop:r-1002"]["language"] == "ru"
    assert rows["my-shop:r-1001"]["given_at"] == datetime(2026, 11, 2, 7, 30)  # 09:30 in Vilnius


def test_bad_rows_are_named_with_line_and_field_and_the_good_ones_go_in(store, tmp_path):
    f = tmp_path / "shop.csv"
    f.write_text(
        "Review ID,Posted,Rating,Headline,Review,Lang,Customer,Our answer,Answered on\n"
        "r-1,2026-11-02 09:30,5,,Great,en,Anna,Thanks,2026-11-02 10:00\n"
        "r-2,2026-11-02 09:30,7,,Too many stars,en,Bo,,\n"
        "r-3,yesterday,4,,No time,en,Cy,,\n"
        "r-4,2026-11-03 09:30,2,,Slow,en,Di,Sorry,soon\n",
        encoding="utf-8",
    )
    s = import_path(store, "reviews", f, account="acme", source="csv", mapping=EXAMPLES / "reviews.toml")
    assert (s.inserted, s.rejected, s.fields_rejected) == (2, 2, 1)
    said = {(r.line, r.field): r.reason for r in s.first_rejects}
    assert "not a star rating from 1 to 5" in said[(3, "Rating")] and "[review] stars" in said[(3, "Rating")]
    assert "not a time: 'yesterday'" in said[(4, "Posted")]
    assert (5, "Answered on") in said  # the reply time left out, the review kept
    r4 = stored(store)["my-shop:r-4"]
    assert (r4["reply"], r4["replied_at"]) == ("Sorry", None)
    rejects = [json.loads(x) for x in Path(s.rejects_path).read_text().splitlines()]
    assert {x["line"] for x in rejects} == {3, 4, 5}


def test_a_bad_json_review_is_named_by_its_place_and_the_others_go_in(store, tmp_path):
    doc = json.loads((EXAMPLES / "google-business-reviews.json").read_text())
    doc["reviews"][1]["starRating"] = "STAR_RATING_UNSPECIFIED"
    doc["reviews"][2]["createTime"] = "not a time"
    f = tmp_path / "gbp.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    s = import_path(store, "reviews", f, account="acme", source="google-business")
    assert (s.inserted, s.rejected) == (2, 2)
    fields = sorted(r.field for r in s.first_rejects)
    assert fields == ["reviews[1].starRating", "reviews[2].createTime"]


def test_json_lines_of_pages_read_with_line_numbers(tmp_path):
    page = json.loads((EXAMPLES / "trustpilot-reviews.json").read_text())
    f = tmp_path / "pages.jsonl"
    f.write_text(json.dumps({"reviews": page["reviews"][:2]}) + "\nnot json\n"
                 + json.dumps({"reviews": page["reviews"][2:]}) + "\n", encoding="utf-8")
    items = list(read_reviews(f, "trustpilot"))
    assert [getattr(x, "line") for x in items] == [1, 1, 2, 3, 3]
    assert items[2].field == "(line)"


@pytest.mark.parametrize(("source", "content", "message"), [
    ("app-store", "{not json", "not valid JSON"),
    ("trustpilot", '{"data": []}', None),
    ("tiktok", "{}", "unknown review source 'tiktok'"),
    ("csv", "a,b\n", "needs a mapping"),
])
def test_files_that_cannot_be_reviews_are_said_before_anything_is_stored(tmp_path, source, content, message):
    f = tmp_path / "x.json"
    f.write_text(content, encoding="utf-8")
    if message is None:  # parsed, but holds no reviews: one reject that says what was expected
        (r,) = list(read_reviews(f, source))
        assert "neither a page of reviews" in r.reason and "examples/trustpilot-reviews.json" in r.reason
        return
    with pytest.raises(FormatError, match=message):
        list(read_reviews(f, source))


def test_a_mapping_goes_with_source_csv_only():
    with pytest.raises(FormatError, match="--mapping goes with --source csv"):
        read_reviews(EXAMPLES / "google-play-reviews.csv", "google-play", mapping=EXAMPLES / "reviews.toml")


def test_a_bad_star_in_a_play_export_says_what_it_is_without_a_mapping_hint(tmp_path):
    text = (EXAMPLES / "google-play-reviews.csv").read_bytes().decode("utf-16")
    f = tmp_path / "play.csv"
    f.write_bytes(text.replace(",5,,\"Quick", ",0,,\"Quick").encode("utf-16"))
    bad = [x for x in read_reviews(f, "google-play") if not hasattr(x, "obj")]
    assert [(r.line, r.field) for r in bad] == [(2, "Star Rating")]
    assert "not a star rating from 1 to 5" in bad[0].reason and "[review]" not in bad[0].reason


def test_a_tickets_mapping_is_refused_for_reviews(tmp_path):
    with pytest.raises(FormatError, match='rows = "reviews"'):
        read_reviews(EXAMPLES / "olist-reviews.csv", "csv", mapping=EXAMPLES / "olist-reviews.toml")


def test_ids_without_a_native_one_are_stable_hashes_and_long_ones_are_shortened():
    at = datetime(2026, 1, 1, tzinfo=UTC)
    a = review_id("google-play", "", author="x", at=at, product="p")
    assert a == review_id("google-play", "", author="x", at=at, product="p") and a.startswith("google-play:h:")
    assert a != review_id("google-play", "", author="y", at=at, product="p")
    assert len(review_id("trustpilot", "x" * 500)) <= 200


def test_google_translation_is_dropped_for_the_reviewers_own_words():
    assert original_words("Great\n\n(Translated by Google) Puiku") == "Great"
    assert original_words("(Translated by Google) Good\n\n(Original)\nГерай") == "Герай"


def test_reviews_leave_the_survey_figures_as_they_were(store):
    import_path(store, "jsonl", Path(__file__).parent / "fixtures" / "small.jsonl", account="acme")
    before = report(store, ReportQuery())
    for source, name, mapping, _n in SHAPES[:5]:
        _import(store, source, name, mapping)
    assert report(store, ReportQuery()) == before


def test_the_readers_worked_examples_hold():
    import doctest

    from cxpulse.readers import review_csv, review_json

    for module in (review_csv, review_json):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__
