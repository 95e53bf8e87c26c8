"""Reviews from a CSV: the Play Console's reviews export, or any CSV through a mapping.

Both go through the CSV reader (csv_reader.py) with a mapping of `rows = "reviews"`
(docs/csv.md, docs/reviews.md): Google Play's is built in (GOOGLE_PLAY, from the export's
documented columns), and `--source csv` reads the user's. Play writes its export in
UTF-16; a copy saved again as UTF-8 (a spreadsheet does that) reads too: the encoding
follows the file's byte-order mark unless the mapping names one.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

from cxpulse.domain import FormatError
from cxpulse.readers.base import Progress, Stream
from cxpulse.readers.csv_mapping import Mapping, load_mapping, mapping_from_text
from cxpulse.readers.csv_reader import _check_head, _norm, _Row, read_csv
from cxpulse.readers.reviews import review, stars

__all__ = ["GOOGLE_PLAY", "ReviewRow", "read_review_csv"]

# The Play Console's reviews report (Download reports → Reviews): one CSV per app and
# month, reviews_<package>_<yyyymm>.csv, UTF-16. Columns as documented; "App Version
# Name", "Device", the millisecond twins of each time and "Review Last Update…" are not read.
GOOGLE_PLAY = """
[csv]
rows = "reviews"
encoding = "utf-16"
date_format = "iso"

[columns]
review_id = "Review Link"                        # its reviewId= parameter is the review's id
given_at = "Review Submit Date and Time"
stars = "Star Rating"
title = "Review Title"
text = "Review Text"
language = "Reviewer Language"
product = "Package Name"
reply = "Developer Reply Text"
replied_at = "Developer Reply Date and Time"

[review]
source = "google-play"
"""
# what a Play export may lack (older ones have no Review Link or title): left unmapped
OPTIONAL = ("review_id", "title", "text", "language", "product", "reply", "replied_at")


def read_review_csv(path: Path, source: str, *, mapping: Path | None, progress: Progress | None = None) -> Stream:
    if source == "google-play":
        m = _by_bom(path, mapping_from_text(GOOGLE_PLAY, "the Google Play reviews export (built in)"))
        m = _present_only(path, m)
    else:
        assert mapping is not None
        m = load_mapping(mapping)
        if m.rows != "reviews":
            raise FormatError(str(mapping), f'rows = "{m.rows}": a reviews import reads a mapping of rows = "reviews"',
                              fix='set rows = "reviews" in [csv] (docs/reviews.md), or import it with `cxpulse import csv`')
    return read_csv(path, m, progress=progress)


def _by_bom(path: Path, m: Mapping) -> Mapping:
    """UTF-16 when the file starts with its byte-order mark, else UTF-8 (a BOM dropped)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError:
        return m  # the reader says what is wrong with the path
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return replace(m, encoding="utf-16", codec="utf-16")
    return replace(m, encoding="utf-8", codec="utf-8-sig")


def _present_only(path: Path, m: Mapping) -> Mapping:
    """The built-in mapping without the optional columns this export's header lacks."""
    if not path.is_file():
        return m
    header, _line = _check_head(path, m)
    have = {_norm(h) for h in header}
    columns = {k: c for k, c in m.columns.items() if k not in OPTIONAL or _norm(c) in have}
    joined = {k: cols for k, cols in m.joined.items() if k in columns}
    return replace(m, columns=columns, joined=joined)


class ReviewRow(_Row):
    """One row per review → one response of kind `review`."""

    def __init__(self, m: Mapping, positions: dict[str, int]) -> None:
        super().__init__(m, positions)
        # a user's mapping can list more star labels; the built-in Play one is as documented
        self.labels = m.star_values if Path(m.path).suffix == ".toml" else None

    def _names(self) -> dict[str, dict[str, str]]:
        m = self.m

        def col(key: str, default: str) -> str:
            cols = m.joined.get(key) or ((m.columns[key],) if key in m.columns else ())
            return ", ".join(cols) if cols else default

        return {"response": {
            "source_id": col("review_id", "review_id"), "customer_id": col("author", "author"),
            "channel": "[review] source", "comment": ", ".join(x for x in (col("title", ""), col("text", "")) if x) or "text",
            "given_at": col("given_at", "given_at"), "language": col("language", "language"),
            "reply": col("reply", "reply"), "replied_at": col("replied_at", "replied_at"),
        }}

    def parse(self, row: list[str]) -> list[tuple[str, object]]:
        m = self.m
        given = self.required_time(row, "given_at")
        score = stars(self.cell(row, "stars"), m.columns["stars"], self.labels)
        reply = self.cell(row, "reply")
        replied = self.time(row, "replied_at") if reply.strip() else None
        if replied is not None and replied < given:
            self.notes.append(("reply before the review", f"{m.columns['replied_at']} {self.label(row, 'replied_at')!r}"))
        text = self.text(row, "text")
        return [("response", review(
            source=m.source, native_id=native_id(self.label(row, "review_id")), given_at=given, score=score,
            title=self.cell(row, "title"), text=text, author=self.label(row, "author"),
            language_code=self.label(row, "language"), product=self.label(row, "product"),
            reply=reply, replied_at=replied,
        ))]


def native_id(cell: str) -> str:
    """A review's id from its cell: the `reviewId` parameter of a review link (Play's
    Review Link), or the cell as it is.

    >>> native_id("https://play.google.com/console/…/review-details?reviewId=gp%3AAOqpTOE&corpus=PUBLIC_REVIEWS")
    'gp:AOqpTOE'
    """
    if "reviewId=" in cell:
        m = _REVIEW_ID.search(cell)
        if m and m.group(1).strip():
            return unquote(m.group(1)).strip()
    return cell


_REVIEW_ID = re.compile(r"[?&]reviewId=([^&#]*)")
