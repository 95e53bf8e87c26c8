"""Reviews from another QA tool's CSV export, read through a TOML mapping (docs/qa.md).

QA tools export reviews in one of two shapes, and the mapping says which (`[csv] rows`):

- `rows = "ratings"`: one row per criterion rating — review id, conversation, reviewer,
  reviewee, category, rating, comment — as Zendesk QA's (Klaus') exports are laid out;
  the rows of one review are gathered by their review id, wherever they stand in the file;
- `rows = "reviews"`: one row per review, a column per criterion (`[ratings]`).

Like csv_mapping.py, everything checkable before the first row is checked before anything
is read: the mapping's keys, the columns it names against the header. A row without a
review id, ticket, reviewer or a readable time is rejected with its file, line and column;
the other rows go on. A rating cell is read by `rating_cell`: `[values]` first (a label
→ a score, or "na"), then N/A words, pass/fail words, then a whole number. Whether the
scores fit the scorecard is the service's to check (it knows the scorecard).
"""

from __future__ import annotations

import csv
import difflib
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cxpulse.domain import FormatError
from cxpulse.readers.base import Reject, RowError

__all__ = ["QaMapping", "RawReview", "load_qa_mapping", "rating_cell", "read_reviews"]

ROW_KINDS = ("ratings", "reviews")
TOP_KEYS = ("csv", "columns", "ratings", "categories", "values", "review")
CSV_KEYS = ("rows", "delimiter", "encoding", "date_format", "timezone")
COLUMN_KEYS = ("review_id", "ticket_id", "conversation_id", "created_at", "reviewer", "agent", "scorecard",
               "scorecard_version", "comment", "root_cause", "mystery", "criterion", "rating", "rating_comment")
REQUIRED = ("review_id", "ticket_id", "created_at", "reviewer")
REVIEW_KEYS = ("scorecard", "mystery")
NA_WORDS = frozenset({"n/a", "na", "not applicable", "-", ""})
PASS_WORDS = frozenset({"pass", "passed", "yes", "true", "👍"})
FAIL_WORDS = frozenset({"fail", "failed", "no", "false", "👎"})
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "x", "mystery"})


@dataclass(frozen=True, slots=True)
class QaMapping:
    path: str
    rows: str
    delimiter: str
    encoding: str
    date_formats: tuple[str, ...]
    timezone: ZoneInfo
    columns: dict[str, str]  # key → CSV column
    ratings: dict[str, tuple[str, str]]  # rows = "reviews": criterion key → (rating column, comment column or "")
    categories: dict[str, str]  # rows = "ratings": casefolded category cell → criterion key
    values: dict[str, int | None]  # casefolded cell → score (None: N/A)
    scorecard: str  # [review] scorecard: used when no column gives one ("" = the account's default)
    mystery: bool  # [review] mystery: every review of the file is a mystery shopper's


@dataclass(slots=True)
class RawReview:
    """One review as the file gives it, before it is checked against its scorecard."""

    review_id: str
    ticket_id: str
    reviewer: str
    created_at: datetime
    line: int  # the first line of the review in the file
    agent: str = ""
    conversation_id: str = ""
    scorecard: str = ""
    scorecard_version: int | None = None
    comment: str = ""
    root_cause: str = ""
    mystery: bool = False
    ratings: dict[str, tuple[str, str, int, str]] = field(default_factory=dict)  # key → (cell, comment, line, column)


def rating_cell(cell: str, values: dict[str, int | None]) -> int | None:
    """The score in a rating cell: `values` first, then N/A, pass/fail words, a whole number.
    None is N/A; RowError names what was found and the fix."""
    v = cell.strip()
    key = v.casefold()
    if key in values:
        return values[key]
    if key in NA_WORDS:
        return None
    if key in PASS_WORDS:
        return 1
    if key in FAIL_WORDS:
        return 0
    number = v[:-2] if v.endswith(".0") else v
    if number.lstrip("-").isdigit():
        return int(number)
    raise RowError("rating", f"{v!r} is not a rating: use 1–4, pass/fail, N/A, or map it in [values] "
                   f'(e.g. "{v}" = 3)')


def load_qa_mapping(path: str | Path) -> QaMapping:
    """Read and check a QA mapping file; every mistake is a FormatError naming the file."""
    where = str(path)

    def bad(reason: str, fix: str = "see docs/qa.md for the mapping format") -> FormatError:
        return FormatError(where, reason, fix=fix)

    if not Path(path).is_file():
        raise FormatError(where, "no such mapping file", fix="pass --mapping examples/qa/reviews.toml or write one (docs/qa.md)")
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except tomllib.TOMLDecodeError as e:
        raise bad(f"not valid TOML: {e}") from None
    except UnicodeDecodeError:
        raise bad("not UTF-8 text", fix="save the mapping file as UTF-8") from None
    _unknown(doc, TOP_KEYS, "the top level", bad)
    conf = _table(doc, "csv", bad)
    _unknown(conf, CSV_KEYS, "[csv]", bad)
    rows = str(conf.get("rows", "ratings"))
    if rows not in ROW_KINDS:
        raise bad(f'[csv] rows = {rows!r} is not "ratings" (a row per criterion rating) or "reviews" (a row per review)')
    delimiter = str(conf.get("delimiter", ","))
    delimiter = "\t" if delimiter.lower() in {"tab", "\\t"} else delimiter
    if len(delimiter) != 1:
        raise bad(f"[csv] delimiter = {delimiter!r} must be one character")
    encoding = str(conf.get("encoding", "utf-8"))
    fmts = conf.get("date_format", "iso")
    fmts = [fmts] if isinstance(fmts, str) else fmts
    if not isinstance(fmts, list) or not fmts or not all(isinstance(f, str) for f in fmts):
        raise bad('[csv] date_format must be "iso", a strptime format, or a list of them')
    try:
        tz = ZoneInfo(str(conf.get("timezone", "UTC")))
    except (ValueError, KeyError, OSError):
        raise bad(f"[csv] timezone = {conf.get('timezone')!r} is not an IANA timezone", fix='e.g. "Europe/Vilnius"') from None
    columns = _table(doc, "columns", bad)
    _unknown(columns, COLUMN_KEYS, "[columns]", bad)
    for key, col in columns.items():
        if not isinstance(col, str) or not col.strip():
            raise bad(f"[columns] {key} must name a CSV column (a non-empty string)")
    missing = [k for k in REQUIRED if k not in columns]
    if missing:
        raise bad(f"[columns] lacks {', '.join(missing)}: each review needs " + ", ".join(REQUIRED),
                  fix=f'e.g. {missing[0]} = "<the CSV column holding it>"')
    ratings: dict[str, tuple[str, str]] = {}
    categories: dict[str, str] = {}
    if rows == "ratings":
        for k in ("criterion", "rating"):
            if k not in columns:
                raise bad(f'[columns] lacks {k}: rows = "ratings" reads one criterion rating per row',
                          fix=f'e.g. {k} = "{"Rating category" if k == "criterion" else "Rating"}"')
        for cell, key in _table(doc, "categories", bad).items():
            if not isinstance(key, str) or not key.strip():
                raise bad(f"[categories] {cell!r} must name a criterion key of the scorecard, e.g. \"empathy\"")
            categories[cell.strip().casefold()] = key.strip()
        if "ratings" in doc:
            raise bad('[ratings] belongs to rows = "reviews"; with rows = "ratings" name the categories in [categories]')
    else:
        for key, spec in _table(doc, "ratings", bad).items():
            if isinstance(spec, str) and spec.strip():
                ratings[key] = (spec, "")
            elif isinstance(spec, dict) and isinstance(spec.get("column"), str) and spec["column"].strip():
                ratings[key] = (spec["column"], str(spec.get("comment", "")))
            else:
                raise bad(f'[ratings] {key} must name the CSV column of its rating, or be {{ column = "…", comment = "…" }}')
        if not ratings:
            raise bad('rows = "reviews" needs [ratings]: criterion key = "<its CSV column>", one per criterion')
        for k in ("criterion", "rating", "rating_comment"):
            if k in columns:
                raise bad(f'[columns] {k} belongs to rows = "ratings"; with rows = "reviews" use [ratings]')
    values: dict[str, int | None] = {}
    for cell, score in _table(doc, "values", bad).items():
        if isinstance(score, str) and score.strip().casefold() in NA_WORDS | {"na"}:
            values[cell.strip().casefold()] = None
        elif isinstance(score, int) and not isinstance(score, bool):
            values[cell.strip().casefold()] = score
        else:
            raise bad(f'[values] {cell!r} = {score!r} must be a score (e.g. 3, or 1/0 for pass/fail) or "na"')
    review = _table(doc, "review", bad)
    _unknown(review, REVIEW_KEYS, "[review]", bad)
    mystery = review.get("mystery", False)
    if not isinstance(mystery, bool):
        raise bad(f"[review] mystery = {mystery!r} must be true or false")
    return QaMapping(where, rows, delimiter, encoding, tuple(fmts), tz, dict(columns), ratings, categories, values,
                     str(review.get("scorecard", "")), mystery)


def _table(doc: dict, key: str, bad) -> dict:
    t = doc.get(key, {})
    if not isinstance(t, dict):
        raise bad(f"{key} must be a table: [{key}]")
    return t


def _unknown(table: dict, allowed: tuple[str, ...], where: str, bad) -> None:
    extra = [k for k in table if k not in allowed]
    if extra:
        close = difflib.get_close_matches(extra[0], allowed, 1)
        raise bad(f"unknown key {extra[0]!r} in {where}",
                  fix=f"known keys: {', '.join(allowed)}" + (f" (did you mean {close[0]!r}?)" if close else ""))


def read_reviews(path: str | Path, mapping_path: str | Path) -> tuple[QaMapping, Iterator[RawReview | Reject]]:
    """Check the mapping and the header now; the reviews and rejects when iterated."""
    m = load_qa_mapping(mapping_path)
    p = Path(path)
    if not p.is_file():
        raise FormatError(str(p), "no such file", fix="give the path of the CSV export")
    try:
        with p.open(encoding=m.encoding, newline="") as fh:
            header = next(csv.reader(fh, delimiter=m.delimiter), None)
    except UnicodeDecodeError:
        raise FormatError(str(p), f"not {m.encoding} text", fix="set encoding in [csv] of the mapping") from None
    except LookupError:
        raise FormatError(m.path, f"[csv] encoding = {m.encoding!r} is not an encoding Python knows") from None
    if not header:
        raise FormatError(str(p), "the file is empty", fix="export the reviews with a header row")
    header = [h.strip().lstrip("\ufeff") for h in header]
    wanted = list(m.columns.values()) + [c for pair in m.ratings.values() for c in pair if c]
    missing = [c for c in dict.fromkeys(wanted) if c not in header]
    if missing:
        close = difflib.get_close_matches(missing[0], header, 1)
        raise FormatError(str(p), f"no column {missing[0]!r} in the header", line=1,
                          fix=f"the file has {', '.join(header)}" + (f"; did you mean {close[0]!r}?" if close else "")
                          + f" — fix [columns] in {m.path}")
    return m, _rows(p, m, header)


def _rows(p: Path, m: QaMapping, header: list[str]) -> Iterator[RawReview | Reject]:
    pos = {name: i for i, name in enumerate(header)}
    col = m.columns
    gathered: dict[str, RawReview] = {}
    with p.open(encoding=m.encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=m.delimiter)
        next(reader, None)
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue

            def cell(key: str, _cells=cells) -> str:
                c = col.get(key)
                i = pos.get(c) if c else None
                return _cells[i].strip() if i is not None and i < len(_cells) else ""

            try:
                head = _head(cell, m, line)
            except RowError as e:
                yield Reject(str(p), line, e.field, e.reason, raw=m.delimiter.join(cells))
                continue
            if m.rows == "reviews":
                for key, (rc, cc) in m.ratings.items():
                    i, j = pos[rc], pos.get(cc) if cc else None
                    head.ratings[key] = (cells[i] if i < len(cells) else "",
                                         cells[j].strip() if j is not None and j < len(cells) else "", line, rc)
                yield head
                continue
            review = gathered.setdefault(head.review_id, head)
            category = cell("criterion")
            key = m.categories.get(category.casefold(), category)
            if key in review.ratings:
                yield Reject(str(p), line, col["criterion"], f"review {head.review_id!r} rates {category!r} twice "
                             f"(first on line {review.ratings[key][2]}); this row is left out")
                continue
            review.ratings[key] = (cell("rating"), cell("rating_comment"), line, col["rating"])
    yield from gathered.values()


def _head(cell, m: QaMapping, line: int) -> RawReview:
    """The review's own fields from one row; RowError names the column of the first bad one."""
    for key in REQUIRED:
        if not cell(key):
            raise RowError(m.columns[key], f"empty: every review needs its {key.replace('_', ' ')}")
    created = _time(cell("created_at"), m)
    if created is None:
        raise RowError(m.columns["created_at"], f"{cell('created_at')!r} is not a time in "
                       f"{' or '.join(m.date_formats)}; fix the cell or [csv] date_format")
    version = None
    if cell("scorecard_version"):
        if not cell("scorecard_version").isdigit():
            raise RowError(m.columns["scorecard_version"], f"{cell('scorecard_version')!r} is not a version number")
        version = int(cell("scorecard_version"))
    mystery = m.mystery or (cell("mystery").casefold() in TRUE_WORDS)
    return RawReview(
        review_id=cell("review_id"), ticket_id=cell("ticket_id"), reviewer=cell("reviewer"), created_at=created,
        line=line, agent=cell("agent"), conversation_id=cell("conversation_id"),
        scorecard=cell("scorecard") or m.scorecard, scorecard_version=version, comment=cell("comment"),
        root_cause=cell("root_cause"), mystery=mystery,
    )


def _time(text: str, m: QaMapping) -> datetime | None:
    from datetime import UTC

    for fmt in m.date_formats:
        try:
            t = datetime.fromisoformat(text.replace("Z", "+00:00")) if fmt == "iso" else datetime.strptime(text, fmt)
        except ValueError:
            continue
        return (t if t.tzinfo else t.replace(tzinfo=m.timezone)).astimezone(UTC)
    return None
