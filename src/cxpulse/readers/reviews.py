"""Public reviews from the exports people can get (docs/reviews.md), as responses of kind `review`.

One source per call: `google-play` (the Play Console's reviews CSV, UTF-16), `app-store`
(App Store Connect API `customerReviews` JSON, with `include=response`), `trustpilot`
(the Business API's reviews JSON), `google-business` (the Business Profile API's reviews
JSON) and `csv` (any CSV, through a mapping with `rows = "reviews"`, docs/csv.md).

Each review becomes one `Response(kind=REVIEW, scale=1-5)`: its stars as the score, its
source in `channel`, its title and text in `comment` (joined by a blank line), its author
in `customer_id`, its language (the export's, else detected: cxpulse.text) and the
company's public reply with its time. Its id is the source's review id, prefixed by the
source; a review without one (an export that has none) is keyed by a hash of its source,
product, author and time, so importing the same file twice changes nothing.

A review without a readable time or star rating is rejected whole, naming its place and
field; a bad reply time or language is left out and the review goes in.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from cxpulse.domain import FormatError, Response, ResponseKind, Scale
from cxpulse.domain.limits import ID
from cxpulse.readers import fields
from cxpulse.readers.base import Progress, Record, Reject, RowError, Stream
from cxpulse.text import detect_language

__all__ = ["SOURCES", "read_reviews", "review", "review_id", "stars"]

SOURCES = ("google-play", "app-store", "trustpilot", "google-business", "csv")
JSON_SOURCES = ("app-store", "trustpilot", "google-business")
STAR_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}  # Google Business Profile's starRating
_WHOLE = re.compile(r"\s*([1-5])(?:[.,]0*)?\s*")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}")


def read_reviews(path: str | Path, source: str, *, mapping: str | Path | None = None,
                 progress: Progress | None = None) -> Stream:
    """The reviews of one export file, checked as far as can be before the first one is yielded."""
    path = Path(path)
    if source not in SOURCES:
        raise FormatError(str(path), f"unknown review source {source!r}", fix=f"use --source {' | '.join(SOURCES)}")
    if mapping is not None and source != "csv":
        raise FormatError(str(path), f"--mapping goes with --source csv; the {source} export is read as documented",
                          fix=f"leave --mapping out, or read an edited copy with --source csv --mapping {mapping}")
    if source == "csv" and mapping is None:
        raise FormatError(str(path), "a reviews CSV needs a mapping",
                          fix="pass --mapping examples/reviews.toml (or write one: docs/reviews.md)")
    if source in JSON_SOURCES:
        from cxpulse.readers.review_json import read_review_json

        return read_review_json(path, source, progress=progress)
    from cxpulse.readers.review_csv import read_review_csv

    return read_review_csv(path, source, mapping=Path(mapping) if mapping else None, progress=progress)


# ---- one review ----------------------------------------------------------------------------


def stars(value: Any, name: str, labels: dict[str, int] | None = None) -> int:
    """1–5 stars: a number (`4`, `4.0`), one of Google's words (`FOUR`), or a mapped label."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, int) and 1 <= value <= 5:
        return value
    if isinstance(value, float) and value.is_integer() and 1 <= value <= 5:
        return int(value)
    if isinstance(value, str):
        key = value.strip().casefold()
        if labels and key in labels:
            return labels[key]
        if key in STAR_WORDS:
            return STAR_WORDS[key]
        m = _WHOLE.fullmatch(value)
        if m:
            return int(m.group(1))
    if value is None or value == "":
        raise RowError(name, "missing: a review needs its star rating (1–5)")
    fix = "; map other labels in the mapping's [review] stars, e.g. { \"Excellent\" = 5 }" if labels is not None else ""
    raise RowError(name, f"{value!r} is not a star rating from 1 to 5{fix}")


def review_id(source: str, native: str, *, author: str = "", at: datetime | None = None, product: str = "") -> str:
    """`source:native id`; without a native id, `source:h:` and a hash of source, product,
    author and time — stable across re-imports of the same export. An id past the store's
    limit is hashed too."""
    native = native.strip()
    if not native:
        basis = "\x1f".join([source, product, author, at.isoformat() if at else ""])
        return f"{source}:h:{hashlib.blake2b(basis.encode(), digest_size=12).hexdigest()}"
    sid = f"{source}:{native}"
    if len(sid) > ID:
        return f"{source}:sha256:{hashlib.sha256(native.encode()).hexdigest()}"
    return sid


def language(given: str, text: str) -> str:
    """The export's language code, shortened to ISO 639-1 (`pt_BR` → `pt`); else the text's, detected."""
    code = re.split(r"[-_]", given.strip(), maxsplit=1)[0].lower() if given and given.strip() else ""
    if code and _LANGUAGE.fullmatch(code):
        return code
    return detect_language(text) if text.strip() else ""


def review(*, source: str, native_id: str, given_at: datetime, score: int, title: str = "", text: str = "",
           author: str = "", language_code: str = "", product: str = "", reply: str = "",
           replied_at: datetime | None = None) -> Response:
    """A review as the response every report, drill-down and webhook reads."""
    title, text = title.strip(), text.strip()
    comment = "\n\n".join(t for t in (title, text) if t)
    reply = reply.strip()
    return Response(
        source_id=review_id(source, native_id, author=author, at=given_at, product=product),
        given_at=given_at,
        kind=ResponseKind.REVIEW,
        scale=Scale.FIVE,
        score=score,
        customer_id=author.strip()[:ID],
        channel=source,
        comment=comment,
        language=language(language_code, comment),
        reply=reply,
        replied_at=replied_at if reply else None,
    )


def screened(path: str, line: int, obj: Response, raw: str, where: str = "") -> Iterator[Record | Reject]:
    """The review after the limits every store holds (fields.screen): a bad optional part is
    left out with a `Reject(kept=True)`; a bad id or time rejects the review."""
    prefix = f"{where}." if where else ""
    try:
        bad = fields.screen("response", obj)
    except RowError as e:
        yield Reject(path, line, prefix + e.field, e.reason, raw)
        return
    yield Record("response", obj, None, path, line)
    for e in bad:
        yield Reject(path, line, prefix + e.field, e.reason, raw, kept=True)


def dumps(obj: Any) -> str:
    """A JSON item as the rejects file keeps it."""
    return json.dumps(obj, ensure_ascii=False, default=str)[:2000]
