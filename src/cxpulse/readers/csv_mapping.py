"""The TOML mapping that says how to read a flat CSV export (docs/csv.md).

Loading it checks everything that can be checked without the CSV: known keys, required
columns per `rows` mode, rating kinds and scales, value maps. `csv_reader` applies it.
"""

from __future__ import annotations

import codecs
import difflib
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cxpulse.domain import (
    DONE_STATES,
    OPEN_STATES,
    FormatError,
    ResponseKind,
    Scale,
)
from cxpulse.domain.types import HELP_DESK_COUNTS, HELP_DESK_METRICS
from cxpulse.readers import fields
from cxpulse.readers.base import RowError

__all__ = ["Mapping", "RatingColumn", "load_mapping", "mapping_from_text"]

HEAD_BYTES = 65536  # the encoding is checked on this much before anything is read
PROGRESS_EVERY = 1024  # rows
FIELD_LIMIT = 64 * 1024 * 1024  # a pasted log in a description can pass csv's 128 KB default

ROW_KINDS = ("tickets", "responses", "reviews")
TICKET_KEYS = (
    "ticket_id", "created_at", "first_reply_at", "first_reply_minutes", "first_reply_hours",
    "solved_at", "updated_at", "status", "channel", "priority", "agent", "group", "category",
    "subject", "text", "customer", "rating", "rating_comment", "rated_at", "due_at",
)  # fmt: skip
RESPONSE_KEYS = ("response_id", "ticket_id", "given_at", "customer", "agent", "channel", "rating", "rating_comment")
# rows = "reviews": one public review per row (docs/reviews.md); its source is [review] source
REVIEW_KEYS = ("review_id", "given_at", "stars", "title", "text", "language", "author", "product", "reply",
               "replied_at")
REQUIRED_KEYS = {"tickets": ("ticket_id", "created_at"), "responses": ("given_at",), "reviews": ("given_at", "stars")}
KEYS_OF = {"tickets": TICKET_KEYS, "responses": RESPONSE_KEYS, "reviews": REVIEW_KEYS}
REVIEW_TABLE_KEYS = ("source", "stars")
FIRST_REPLY_KEYS = ("first_reply_at", "first_reply_minutes", "first_reply_hours")
JOINED_KEYS = ("text", "rating_comment")  # may name a list of columns, joined with a blank line
TOP_KEYS = ("csv", "columns", "rating", "ratings", "statuses", "nulls", "metrics", "review")
CSV_KEYS = ("rows", "delimiter", "quotechar", "encoding", "date_format", "timezone", "nulls")
RATING_KEYS = ("kind", "scale", "values", "not_rated", "offered")
# [metrics]: the help desk's own end-of-life figures → Ticket.metrics (domain.types
# HELP_DESK_METRICS: the keys of the JSONL `metrics` field and of Zendesk's ticket_metrics,
# plus the first resolution a Zendesk CSV export carries).
COUNT_METRICS = HELP_DESK_COUNTS
METRIC_KEYS = HELP_DESK_METRICS
RATINGS_KEYS = ("column", *RATING_KEYS, "comment", "attribute", "importance")

# Status words of common help desks → cxpulse's states; `[statuses]` adds to and overrides these.
STATUS_WORDS = {
    "resolved": "solved",
    "waiting on customer": "pending",
    "waiting on third party": "hold",
    "on hold": "hold",
    "in progress": "open",
    "reopened": "open",
}
STATES = OPEN_STATES | DONE_STATES

_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes the encoding could not read (surrogateescape)
_WHOLE_FLOAT = re.compile(r"[+-]?\d+\.0*")  # "4.0" from a spreadsheet is the score 4
_HMS = re.compile(r"(\d+):([0-5]?\d)(?::([0-5]?\d(?:[.,]\d+)?))?")
_TOML_LINE = re.compile(r"line (\d+)")
_EXAMPLE_TIME = datetime(2026, 3, 2, 9, 30, 0)


# ── the mapping ─────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class RatingColumn:
    """One column holding a rating, and how to read it."""

    column: str
    kind: ResponseKind
    scale: Scale
    values: dict[str, int]  # casefolded label → score
    labels: tuple[str, ...]  # the labels as written in the mapping, for messages
    not_rated: frozenset[str]  # casefolded cells meaning "no rating" (Zendesk's "Unoffered")
    offered: frozenset[str] = frozenset()  # casefolded cells meaning "asked, not answered" (Zendesk's "Offered")
    comment: tuple[str, ...] = ()  # column(s) of the free-text comment, joined with a blank line
    attribute: str = ""  # CSI attribute
    importance: str = ""  # column of the CSI importance rating (1–5)

    @property
    def suffix(self) -> str:
        """The end of the response's source id: one response per ticket and kind (and attribute)."""
        return f"{self.kind.value}:{self.attribute}" if self.attribute else self.kind.value

    def score(self, value: str) -> int | None:
        """The score in a cell; None for an empty or a `not_rated` cell."""
        v = value.strip()
        if not v:
            return None
        key = v.casefold()
        if key in self.not_rated or key in self.offered:
            return None
        if key in self.values:
            return self.values[key]
        number = v.split(".")[0] if _WHOLE_FLOAT.fullmatch(v) else v
        try:
            return fields.score(number, self.scale, self.column)
        except RowError:
            lo, hi = self.scale.bounds
            if self.values:
                listed = ", ".join(repr(x) for x in self.labels)
                raise RowError(
                    self.column,
                    f"{v!r} is neither one of the mapped values ({listed}) nor a score on the "
                    f"{self.scale.value} scale ({lo}–{hi}); add it to `values` in the mapping",
                ) from None
            raise


@dataclass(frozen=True, slots=True)
class Mapping:
    """A parsed, validated mapping file."""

    path: str
    rows: str  # "tickets" | "responses"
    delimiter: str
    quotechar: str
    encoding: str  # as written in the mapping (for messages)
    codec: str  # what the file is opened with (utf-8 → utf-8-sig: a BOM is dropped)
    date_formats: tuple[str, ...]  # strptime formats or "iso", tried in order
    timezone: ZoneInfo  # for times without an offset
    columns: dict[str, str]  # key → CSV column (for `text` and `rating_comment`: the first of `joined`)
    ratings: tuple[RatingColumn, ...]
    statuses: dict[str, str]  # casefolded export status → cxpulse status
    joined: dict[str, tuple[str, ...]]  # text / rating_comment → its columns, joined with a blank line
    metrics: dict[str, str]  # Ticket.metrics key → CSV column ([metrics])
    nulls: frozenset[str]  # casefolded cells meaning "empty" in every mapped column ([csv] nulls)
    column_nulls: dict[str, frozenset[str]]  # CSV column → its own "empty" cells ([nulls])
    timezone_set: bool  # [csv] timezone was given (it then becomes a new account's timezone)
    source: str = "csv"  # rows = "reviews": where the reviews were written ([review] source)
    star_values: dict[str, int] = field(default_factory=dict)  # casefolded star label → 1–5 ([review] stars)

    def mapped_columns(self) -> list[str]:
        """Every CSV column the mapping names, in mapping order, once."""
        names = list(self.columns.values())
        for cols in self.joined.values():
            names += cols
        names += self.metrics.values()
        for r in self.ratings:
            names += [r.column, *r.comment, r.importance]
        return list(dict.fromkeys(n for n in names if n))


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file; every mistake is a FormatError naming the file."""
    where = str(path)
    if not Path(path).is_file():
        raise FormatError(where, "no such mapping file", fix="pass --mapping examples/<name>.toml or write one (docs/csv.md)")
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError(where, "not UTF-8 text", fix="save the mapping file as UTF-8") from None
    return mapping_from_text(text, where)


def mapping_from_text(text: str, where: str) -> Mapping:
    """A mapping from its TOML text (`where` names it in messages): a file's, or one built in
    (the Google Play reviews export, readers/review_csv.py)."""

    def bad(reason: str, fix: str = "", line: int | None = None) -> FormatError:
        return FormatError(where, reason, line=line, fix=fix or "see docs/csv.md for the mapping format")

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = _TOML_LINE.search(str(e))
        raise bad(f"not valid TOML: {e}", line=int(m.group(1)) if m else None) from None

    _unknown(doc, TOP_KEYS, "the top level", bad)
    conf = _table(doc, "csv", bad)
    _unknown(conf, CSV_KEYS, "[csv]", bad)
    rows = _string(conf, "rows", "[csv]", bad, default="tickets")
    if rows not in ROW_KINDS:
        raise bad(f'[csv] rows = {rows!r} is not "tickets", "responses" or "reviews"')

    delimiter = _string(conf, "delimiter", "[csv]", bad, default=",")
    delimiter = "\t" if delimiter.lower() in {"tab", "\\t"} else delimiter
    quotechar = _string(conf, "quotechar", "[csv]", bad, default='"')
    for key, v in (("delimiter", delimiter), ("quotechar", quotechar)):
        if len(v) != 1 or v in "\r\n":
            raise bad(f"[csv] {key} = {v!r} must be one character", fix='e.g. delimiter = ";" or delimiter = "\\t"')

    encoding = _string(conf, "encoding", "[csv]", bad, default="utf-8")
    try:
        codec_name = codecs.lookup(encoding).name
    except LookupError:
        raise bad(f"[csv] encoding = {encoding!r} is not an encoding Python knows", fix='e.g. "utf-8", "cp1257", "cp1251"') from None
    codec = "utf-8-sig" if codec_name == "utf-8" else encoding

    fmts = conf.get("date_format", "iso")
    fmts = [fmts] if isinstance(fmts, str) else fmts
    if not isinstance(fmts, list) or not fmts or not all(isinstance(f, str) and f.strip() for f in fmts):
        raise bad("[csv] date_format must be a strptime format, \"iso\", or a list of them")
    date_formats = tuple("iso" if f.strip().lower() == "iso" else f for f in fmts)
    for f in date_formats:
        if f != "iso" and "%" not in f:
            raise bad(f"[csv] date_format = {f!r} is not a strptime format", fix='e.g. "%Y-%m-%d %H:%M:%S" or "iso"')

    tz_name = _string(conf, "timezone", "[csv]", bad, default="UTC")
    try:
        tz = ZoneInfo(tz_name)
    except (ValueError, KeyError, OSError):
        raise bad(f"[csv] timezone = {tz_name!r} is not an IANA timezone", fix='e.g. "Europe/Vilnius" or "UTC"') from None

    columns, joined = _columns(doc, rows, bad)
    ratings = _ratings(doc, rows, columns, joined, bad)
    statuses = _statuses(doc, bad)
    metrics = _metrics(doc, rows, bad)
    nulls = frozenset(_null_list(conf.get("nulls", []), "[csv] nulls", bad))
    mapping = Mapping(
        where, rows, delimiter, quotechar, encoding, codec, date_formats, tz, columns, ratings, statuses,
        joined, metrics, nulls, {}, "timezone" in conf,
    )  # fmt: skip
    column_nulls = _column_nulls(doc, mapping.mapped_columns(), bad)
    if column_nulls:
        mapping = replace(mapping, column_nulls=column_nulls)
    if rows == "reviews" or "review" in doc:
        mapping = replace(mapping, **_review(doc, rows, bad))
    return mapping


def _review(doc: dict, rows: str, bad) -> dict:
    """[review]: the reviews' source (a name: google-play, trustpilot, my-shop…) and star labels."""
    table = _table(doc, "review", bad)
    if table and rows != "reviews":
        raise bad('[review] belongs to rows = "reviews"')
    _unknown(table, REVIEW_TABLE_KEYS, "[review]", bad)
    source = _string(table, "source", "[review]", bad, default="csv").strip().lower()
    if not source or len(source) > 64 or not all(c.isalnum() or c in "-_." for c in source):
        raise bad(f"[review] source = {source!r} must be a short name (letters, digits, - _ .)",
                  fix='e.g. source = "trustpilot" or source = "my-shop"')
    stars = table.get("stars", {})
    if not isinstance(stars, dict):
        raise bad('[review] stars must be a table of label = stars, e.g. { "FIVE" = 5 }')
    folded = {}
    for label, n in stars.items():
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 5:
            raise bad(f"[review] stars: {label!r} = {n!r} is not a number of stars from 1 to 5")
        folded[label.strip().casefold()] = n
    return {"source": source, "star_values": folded}


def _null_list(v, where: str, bad) -> list[str]:
    """A cell or a list of cells meaning "empty" (as pandas' na_values), casefolded and stripped."""
    v = [v] if isinstance(v, str) else v
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise bad(f'{where} must be a list of cells meaning "empty", e.g. ["-", "N/A"]')
    return [x.strip().casefold() for x in v if x.strip()]


def _column_nulls(doc: dict, mapped: list[str], bad) -> dict[str, frozenset[str]]:
    table = _table(doc, "nulls", bad)
    out: dict[str, frozenset[str]] = {}
    for column, v in table.items():
        if column not in mapped:
            close = difflib.get_close_matches(column, mapped, 1, 0.6)
            raise bad(
                f"[nulls] names the column {column!r}, which the mapping does not read",
                fix="use the CSV column's name as in [columns]" + (f" (did you mean {close[0]!r}?)" if close else ""),
            )
        out[column] = frozenset(_null_list(v, f"[nulls] {column!r}", bad))
    return out


def _metrics(doc: dict, rows: str, bad) -> dict[str, str]:
    table = _table(doc, "metrics", bad)
    if table and rows != "tickets":
        raise bad('[metrics] belongs to rows = "tickets": they are a ticket\'s figures')
    _unknown(table, METRIC_KEYS, "[metrics]", bad)
    for key, v in table.items():
        if not isinstance(v, str) or not v.strip():
            raise bad(f"[metrics] {key} must name a CSV column (a non-empty string)")
    return dict(table)


def _table(doc: dict, key: str, bad) -> dict:
    t = doc.get(key, {})
    if not isinstance(t, dict):
        raise bad(f"{key} must be a table: [{key}]")
    return t


def _unknown(table: dict, allowed: tuple[str, ...], where: str, bad) -> None:
    extra = [k for k in table if k not in allowed]
    if extra:
        hints = [f"{k!r} → {difflib.get_close_matches(k, allowed, 1)[0]!r}?" for k in extra if difflib.get_close_matches(k, allowed, 1)]
        raise bad(
            f"unknown key{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))} in {where}",
            fix=f"known keys: {', '.join(allowed)}" + (f" (did you mean {'; '.join(hints)})" if hints else ""),
        )


def _string(table: dict, key: str, where: str, bad, *, default: str = "") -> str:
    v = table.get(key, default)
    if not isinstance(v, str):
        raise bad(f"{where} {key} must be a string, not {type(v).__name__}")
    return v


def _columns(doc: dict, rows: str, bad) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    table = _table(doc, "columns", bad)
    allowed = KEYS_OF[rows]
    _unknown(table, allowed, f'[columns] of rows = "{rows}"', bad)
    columns: dict[str, str] = {}
    joined: dict[str, tuple[str, ...]] = {}
    for key, v in table.items():
        if key in JOINED_KEYS and isinstance(v, list):
            if not v or not all(isinstance(c, str) and c.strip() for c in v):
                raise bad(f"[columns] {key} must name a CSV column or a list of them, e.g. [\"Title\", \"Message\"]")
            joined[key] = tuple(v)
            columns[key] = v[0]
            continue
        if not isinstance(v, str) or not v.strip():
            raise bad(f"[columns] {key} must name a CSV column (a non-empty string)"
                      + (" or a list of them" if key in JOINED_KEYS else ""))
        columns[key] = v
        if key in JOINED_KEYS:
            joined[key] = (v,)
    missing = [k for k in REQUIRED_KEYS[rows] if k not in columns]
    if missing:
        raise bad(
            f"[columns] lacks {', '.join(missing)}: a {rows} file needs "
            + ", ".join(REQUIRED_KEYS[rows]),
            fix=f'e.g. {missing[0]} = "<the CSV column holding it>"',
        )
    if rows == "responses" and "response_id" not in columns and "ticket_id" not in columns:
        raise bad("[columns] needs response_id or ticket_id: each response needs a stable id so a re-import changes nothing")
    reply = [k for k in FIRST_REPLY_KEYS if k in columns]
    if len(reply) > 1:
        raise bad(f"[columns] maps {' and '.join(reply)}: give the first reply as a time or as a duration, not both")
    return columns, joined


def _ratings(
    doc: dict, rows: str, columns: dict[str, str], joined: dict[str, tuple[str, ...]], bad
) -> tuple[RatingColumn, ...]:
    specs: list[RatingColumn] = []
    if "rating" in doc or "rating" in columns:
        one = _table(doc, "rating", bad)
        _unknown(one, RATING_KEYS, "[rating]", bad)
        if "rating" not in columns:
            raise bad('[rating] describes the column [columns] rating, which is not mapped', fix='add rating = "<column>" to [columns]')
        specs.append(_rating(one, columns["rating"], "[rating]", bad, comment=joined.get("rating_comment", ())))
    elif "rating_comment" in columns:
        raise bad("[columns] rating_comment is mapped without [columns] rating")
    many = doc.get("ratings", [])
    if not isinstance(many, list) or not all(isinstance(t, dict) for t in many):
        raise bad("ratings must be an array of tables: [[ratings]]")
    if many and specs:
        raise bad("use either [rating] with [columns] rating, or [[ratings]] tables — not both")
    for i, t in enumerate(many, start=1):
        where = f"[[ratings]] #{i}"
        _unknown(t, RATINGS_KEYS, where, bad)
        column = _string(t, "column", where, bad)
        if not column.strip():
            raise bad(f"{where} needs column = \"<the CSV column holding the rating>\"")
        comment = t.get("comment", [])
        if isinstance(comment, str):
            comment = (comment,) if comment.strip() else ()
        elif not isinstance(comment, list) or not all(isinstance(c, str) and c.strip() for c in comment):
            raise bad(f"{where} comment must name a CSV column or a list of them")
        specs.append(
            _rating(
                t, column, where, bad,
                comment=tuple(comment),
                attribute=_string(t, "attribute", where, bad).strip(),
                importance=_string(t, "importance", where, bad),
            )
        )  # fmt: skip
    if rows == "reviews" and specs:
        raise bad('a reviews file gives its stars in [columns] stars, not in [rating] or [[ratings]]')
    if rows == "responses" and not specs:
        raise bad('a responses file needs its rating columns: [[ratings]] tables with column, kind and scale')
    seen: set[str] = set()
    for s in specs:
        if s.suffix in seen:
            raise bad(f"two rating columns give {s.suffix}: each ticket or response has one answer per kind (and CSI attribute)")
        seen.add(s.suffix)
    return tuple(specs)


def _rating(
    t: dict, column: str, where: str, bad, *, comment: tuple[str, ...] = (), attribute: str = "", importance: str = ""
) -> RatingColumn:
    try:
        kind = fields.choice(t.get("kind"), "kind", ResponseKind, default=ResponseKind.CSAT)
        scale = fields.response_scale(kind, t.get("scale"))
    except RowError as e:
        raise bad(f"{where} {e.field}: {e.reason}") from None
    if kind is ResponseKind.CSI and not attribute:
        raise bad(f"{where}: a CSI rating names its attribute", fix='attribute = "speed" (or competence, politeness…)')
    if kind is not ResponseKind.CSI and (attribute or importance):
        raise bad(f"{where}: attribute and importance belong to kind = \"csi\" only")
    values = t.get("values", {})
    if not isinstance(values, dict):
        raise bad(f'{where} values must be a table of label = score, e.g. {{ "Happy" = 5 }}')
    lo, hi = scale.bounds
    folded: dict[str, int] = {}
    for label, n in values.items():
        if not isinstance(n, int) or isinstance(n, bool) or not lo <= n <= hi:
            raise bad(f"{where} values: {label!r} = {n!r} is not a score on the {scale.value} scale ({lo}–{hi})")
        folded[label.strip().casefold()] = n
    skip = t.get("not_rated", [])
    if not isinstance(skip, list) or not all(isinstance(x, str) for x in skip):
        raise bad(f'{where} not_rated must be a list of strings, e.g. ["Unoffered"]')
    offered = t.get("offered", [])
    if not isinstance(offered, list) or not all(isinstance(x, str) for x in offered):
        raise bad(f'{where} offered must be a list of strings, e.g. ["Offered"]')
    both = {x.strip().casefold() for x in skip} & {x.strip().casefold() for x in offered}
    if both:
        raise bad(f"{where}: {', '.join(map(repr, sorted(both)))} is in both not_rated and offered",
                  fix="offered: a survey sent and not answered (an invitation); not_rated: none sent")
    return RatingColumn(
        column=column,
        kind=kind,
        scale=scale,
        values=folded,
        labels=tuple(values),
        not_rated=frozenset(x.strip().casefold() for x in skip),
        offered=frozenset(x.strip().casefold() for x in offered),
        comment=comment,
        attribute=attribute,
        importance=importance,
    )


def _statuses(doc: dict, bad) -> dict[str, str]:
    table = _table(doc, "statuses", bad)
    out: dict[str, str] = {}
    for raw, state in table.items():
        if not isinstance(state, str) or state.strip().lower() not in STATES:
            raise bad(f"[statuses] {raw!r} = {state!r} is not one of {', '.join(sorted(STATES))}")
        out[raw.strip().casefold()] = state.strip().lower()
    return out
