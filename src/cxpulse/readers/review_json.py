"""Reviews from the JSON the review platforms' APIs answer (docs/reviews.md).

- `app-store`: App Store Connect API, `GET /v1/apps/{id}/customerReviews?include=response`:
  `{"data": [{"type": "customerReviews", "id", "attributes": {rating, title, body,
  reviewerNickname, createdDate, territory}, "relationships": {"response": {"data":
  {"type": "customerReviewResponses", "id"}}}}], "included": [{"type":
  "customerReviewResponses", "id", "attributes": {responseBody, lastModifiedDate, state}}]}`.
  A reply counts once published (`state` PUBLISHED, or no state given).
- `trustpilot`: Trustpilot Business API, `GET /v1/business-units/{id}/reviews`:
  `{"reviews": [{id, stars, title, text, language, createdAt, consumer: {id, displayName},
  companyReply: {text, createdAt, updatedAt}}]}`.
- `google-business`: Google Business Profile API, `accounts.locations.reviews.list`:
  `{"reviews": [{name, reviewId, reviewer: {displayName, isAnonymous}, starRating: "FIVE",
  comment, createTime, updateTime, reviewReply: {comment, updateTime}}]}`. A comment Google
  translated ("(Translated by Google) … (Original) …") keeps the reviewer's own words.

A file holds one page, a JSON array of pages or of reviews, or JSON Lines of either (one
page per line: what paging through the API and saving each answer gives).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cxpulse.domain import FormatError
from cxpulse.readers import fields
from cxpulse.readers.base import Progress, Record, Reject, RowError, Stream
from cxpulse.readers.reviews import dumps, review, screened, stars

__all__ = ["read_review_json"]

LIST_KEY = {"app-store": "data", "trustpilot": "reviews", "google-business": "reviews"}
REVIEW_KEY = {"app-store": "attributes", "trustpilot": "stars", "google-business": "starRating"}
EXAMPLE = {"app-store": "examples/app-store-reviews.json", "trustpilot": "examples/trustpilot-reviews.json",
           "google-business": "examples/google-business-reviews.json"}


def read_review_json(path: Path, source: str, *, progress: Progress | None = None) -> Stream:
    """Parse the file now (a bad one stops here, before anything is stored); stream its reviews."""
    if not path.is_file():
        raise FormatError(str(path), "no such file", fix="give the path of the JSON the API answered")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FormatError(str(path), f"not UTF-8 (byte {e.start})", fix="save the API's answer as UTF-8, as it was sent") from None
    pages = _pages(text, str(path), source)
    return _stream(str(path), source, pages, len(raw), progress)


def _pages(text: str, path: str, source: str) -> list[tuple[int, str, Any]]:
    """(line, place, JSON value) of each page or review in the file."""
    try:
        return [(1, "", json.loads(text))]
    except json.JSONDecodeError as whole:
        out = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                out.append((n, f"line {n}", json.loads(line)))
            except json.JSONDecodeError:
                if not out:  # not JSON Lines either: say where the JSON broke
                    raise FormatError(path, f"not valid JSON: {whole.msg}", line=whole.lineno,
                                      fix=f"save the API's answer as it came (see {EXAMPLE[source]})") from None
                out.append((n, f"line {n}", _Broken()))
        return out


class _Broken:
    """A line of a JSON Lines file that is not JSON."""


def _stream(path: str, source: str, pages: list[tuple[int, str, Any]], size: int,
            progress: Progress | None) -> Iterator[Record | Reject]:
    parse = PARSERS[source]
    found = said = 0
    for line, place, value in pages:
        if isinstance(value, _Broken):
            yield Reject(path, line, "(line)", "not valid JSON; the other lines went in")
            continue
        for where, item, included in _items(value, source, place):
            if isinstance(item, _NotReviews):
                what = f"{{\"{LIST_KEY[source]}\": [...]}}"
                yield Reject(path, line, where or LIST_KEY[source],
                             f"neither a page of reviews ({what}) nor a review (with {REVIEW_KEY[source]!r}) as the "
                             f"{source} API answers; see {EXAMPLE[source]}", dumps(item.value))
                said += 1
                continue
            found += 1
            if not isinstance(item, dict):
                yield Reject(path, line, where or "(review)", f"expected a review object, got {type(item).__name__}",
                             dumps(item))
                continue
            bad: list[RowError] = []
            try:
                obj = parse(item, included, bad)
            except RowError as e:
                yield Reject(path, line, f"{where}.{e.field}" if where else e.field, e.reason, dumps(item))
                continue
            yield from screened(path, line, obj, dumps(item), where)
            for e in bad:
                yield Reject(path, line, f"{where}.{e.field}" if where else e.field, e.reason, dumps(item), kept=True)
    if progress:
        progress(size)
    if not found and not said:
        yield Reject(path, 0, LIST_KEY[source], f"no reviews found: expected {{\"{LIST_KEY[source]}\": [...]}} as the "
                     f"{source} API answers (see {EXAMPLE[source]})")


def _items(value: Any, source: str, place: str) -> Iterator[tuple[str, Any, dict]]:
    """(place, review, the page's included replies) of every review in a page, a list of
    pages or reviews, or one review."""
    key = LIST_KEY[source]
    if isinstance(value, list):
        for i, v in enumerate(value):
            yield from _items(v, source, f"{place}[{i}]" if place else f"[{i}]")
        return
    if isinstance(value, dict) and isinstance(value.get(key), list):
        included = _included(value) if source == "app-store" else {}
        for i, item in enumerate(value[key]):
            yield (f"{place}.{key}[{i}]" if place else f"{key}[{i}]"), item, included
        return
    if isinstance(value, dict) and REVIEW_KEY[source] in value:
        yield place, value, {}
        return
    if isinstance(value, dict) and key in value and value[key] in (None, []):
        return  # an empty page: the last one of a listing
    yield place, _NotReviews(value), {}  # neither a page nor a review


class _NotReviews:
    def __init__(self, value: Any) -> None:
        self.value = value


def _included(page: dict) -> dict[str, dict]:
    """App Store Connect's `included` replies of a page, by id."""
    out = {}
    for inc in page.get("included") or []:
        if isinstance(inc, dict) and inc.get("type") == "customerReviewResponses" and inc.get("id"):
            out[str(inc["id"])] = inc.get("attributes") or {}
    return out


def _obj(d: dict, name: str) -> dict:
    v = d.get(name)
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise RowError(name, f"expected an object, got {type(v).__name__}")
    return v


def _reply_time(d: dict, names: tuple[str, ...], label: str, bad: list[RowError]):
    """The first of these times the reply has; a bad one is left out (the review goes in)."""
    value = next((d.get(n) for n in names if d.get(n)), None)
    try:
        return fields.timestamp(value, label, required=False)
    except RowError as e:
        bad.append(e)
        return None


def _app_store(item: dict, included: dict[str, dict], bad: list[RowError]):
    a = _obj(item, "attributes")
    if not a:
        raise RowError("attributes", "missing: an App Store customerReviews item keeps its review in attributes")
    given = fields.timestamp(a.get("createdDate"), "attributes.createdDate")
    score = stars(a.get("rating"), "attributes.rating")
    reply, replied = "", None
    rel = _obj(_obj(_obj(item, "relationships"), "response"), "data")
    answer = included.get(str(rel.get("id", ""))) if rel else None
    if answer and str(answer.get("state") or "PUBLISHED").upper() == "PUBLISHED":
        reply = fields.text(answer, "responseBody")
        replied = _reply_time(answer, ("lastModifiedDate",), "included.lastModifiedDate", bad)
    return review(source="app-store", native_id=fields.text(item, "id"), given_at=given, score=score,
                  title=fields.text(a, "title"), text=fields.text(a, "body"),
                  author=fields.text(a, "reviewerNickname"), reply=reply, replied_at=replied)


def _trustpilot(item: dict, _included: dict, bad: list[RowError]):
    given = fields.timestamp(item.get("createdAt"), "createdAt")
    score = stars(item.get("stars"), "stars")
    consumer = _obj(item, "consumer")
    author = fields.text(consumer, "displayName") or fields.text(consumer, "id")
    reply_obj = _obj(item, "companyReply")
    reply = fields.text(reply_obj, "text")
    replied = None
    if reply:  # the first reply's time (createdAt); updatedAt is its last edit
        replied = _reply_time(reply_obj, ("createdAt", "updatedAt"), "companyReply.createdAt", bad)
    return review(source="trustpilot", native_id=fields.text(item, "id"), given_at=given, score=score,
                  title=fields.text(item, "title"), text=fields.text(item, "text"), author=author,
                  language_code=fields.text(item, "language"), reply=reply, replied_at=replied)


def _google_business(item: dict, _included: dict, bad: list[RowError]):
    given = fields.timestamp(item.get("createTime"), "createTime")
    word = item.get("starRating")
    if isinstance(word, str) and word.strip().upper() == "STAR_RATING_UNSPECIFIED":
        raise RowError("starRating", "STAR_RATING_UNSPECIFIED: the review has no star rating to count")
    score = stars(word, "starRating")
    reviewer = _obj(item, "reviewer")
    author = "" if reviewer.get("isAnonymous") else fields.text(reviewer, "displayName")
    reply_obj = _obj(item, "reviewReply")
    reply = fields.text(reply_obj, "comment")
    replied = _reply_time(reply_obj, ("updateTime",), "reviewReply.updateTime", bad) if reply else None
    native = fields.text(item, "reviewId") or fields.text(item, "name").rsplit("/", 1)[-1]
    return review(source="google-business", native_id=native, given_at=given, score=score,
                  text=original_words(fields.text(item, "comment")), author=author, reply=reply, replied_at=replied)


def original_words(comment: str) -> str:
    """A Google Business comment without Google's translation: the part after "(Original)",
    or the part before "(Translated by Google)"; the comment as it is otherwise.

    >>> original_words("(Translated by Google) Very good\\n\\n(Original)\\nΠολύ καλό")
    'Πολύ καλό'
    >>> original_words("Πολύ καλό\\n\\n(Translated by Google) Very good")
    'Πολύ καλό'
    """
    if "(Original)" in comment:
        return comment.split("(Original)", 1)[1].strip()
    if "(Translated by Google)" in comment:
        return comment.split("(Translated by Google)", 1)[0].strip()
    return comment


PARSERS = {"app-store": _app_store, "trustpilot": _trustpilot, "google-business": _google_business}
