"""Any flat CSV export, read through its TOML mapping (csv_mapping.py, docs/csv.md).

`rows = "tickets"`: each row is one ticket. It becomes a `Ticket`, the events its times
imply — `{id}:created` (the customer's message), `{id}:assigned`, `{id}:first-reply`,
`{id}:solved` — one `Response` per rated rating column, and one `Invitation` per rated or
offered cell of a column that lists `offered` cells. KPIs are then computed from those
events by the same fold as for every other source; the help desk's own figures mapped in
`[metrics]` go into `Ticket.metrics` and win over the folded ones in the KPIs only.

`rows = "responses"`: each row is one survey answer sheet; every answered rating column
(NPS, CES, CSAT, CSI…) becomes one `Response`.

Everything that can be checked before the first row is checked before anything is
yielded: the mapping, the encoding of the first 64 KB, the header. A bad optional cell
becomes a `Reject(kept=True)` naming its physical line and CSV column, and its row goes in
without it; only a missing or bad id or creation time rejects the whole row. Implausible
orders of times (solved before the first reply…) go in as they are, with a `Note`.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import math
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from cxpulse.domain import (
    OPEN_STATES,
    EventKind,
    FormatError,
    Invitation,
    Response,
    Role,
    Scale,
    Ticket,
    TicketEvent,
)
from cxpulse.domain.types import FIGURES_OF_RECORD
from cxpulse.readers import fields
from cxpulse.readers.base import Note, Progress, Record, Reject, RowError, Stream
from cxpulse.readers.csv_mapping import (
    _EXAMPLE_TIME,
    _HMS,
    _UNDECODABLE,
    COUNT_METRICS,
    FIELD_LIMIT,
    FIRST_REPLY_KEYS,
    HEAD_BYTES,
    PROGRESS_EVERY,
    STATUS_WORDS,
    Mapping,
    load_mapping,
)

__all__ = ["read_csv"]

_COUNT = re.compile(r"\d+(?:\.0*)?")  # 2, or 2.0 from a spreadsheet


# ── the file ────────────────────────────────────────────────────────────────────────


def read_csv(path: str | Path, mapping_path: str | Path | Mapping, *, progress: Progress | None = None) -> Stream:
    """Check the mapping, the encoding and the header now; stream the rows when iterated."""
    path = Path(path)
    mapping = mapping_path if isinstance(mapping_path, Mapping) else load_mapping(mapping_path)
    if csv.field_size_limit() < FIELD_LIMIT:
        csv.field_size_limit(FIELD_LIMIT)
    header, line = _check_head(path, mapping)
    positions = _positions(header, line, path, mapping)
    return _stream(path, mapping, positions, len(header), progress)


def _open(path: Path, m: Mapping) -> tuple[io.BufferedReader, io.TextIOWrapper]:
    raw = path.open("rb")
    # Undecodable bytes become lone surrogates: that row is rejected, the file goes on.
    return raw, io.TextIOWrapper(raw, encoding=m.codec, errors="surrogateescape", newline="")


def _reader(fh: io.TextIOWrapper, m: Mapping):
    return csv.reader(fh, delimiter=m.delimiter, quotechar=m.quotechar)


def _check_head(path: Path, m: Mapping) -> tuple[list[str], int]:
    """The encoding reads the first 64 KB and there is a header row: (header, its line)."""
    if not path.is_file():
        raise FormatError(str(path), "no such file", fix="give the path of a .csv file")
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
        whole = len(head) < HEAD_BYTES
    named = "UTF-8" if m.codec == "utf-8-sig" else m.encoding
    if m.codec != "utf-8-sig" and _looks_utf8(head, whole):
        raise FormatError(
            str(path),
            f"the mapping says {m.encoding} but the file reads as UTF-8",
            fix=f'remove encoding from [csv] of {m.path} (UTF-8 is the default), or set encoding = "utf-8"',
        )
    try:
        codecs.getincrementaldecoder(m.codec)("strict").decode(head, final=whole)
    except UnicodeDecodeError as e:
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            fix = f'it starts with a UTF-16 mark: set encoding = "utf-16" in [csv] of {m.path}'
        else:
            fix = (
                f"set encoding = \"...\" in [csv] of {m.path} to the file's encoding, e.g. \"cp1257\" (Baltic), "
                '"cp1251" (Cyrillic), "cp1253" (Greek), "cp1252" (Western)'
            )
        raise FormatError(str(path), f"not {named} (byte {e.start} cannot be read as {named})", fix=fix) from None
    raw, fh = _open(path, m)
    with raw, fh:
        reader = _reader(fh, m)
        try:
            for header in reader:
                if any(c.strip() for c in header):
                    return header, reader.line_num
        except csv.Error as e:
            raise FormatError(str(path), f"the header is not readable as CSV: {e}", line=reader.line_num) from None
    raise FormatError(str(path), "empty file: no header row", fix="the first line names the columns")


def _looks_utf8(head: bytes, whole: bool) -> bool:
    """Non-ASCII bytes that are all valid UTF-8: a UTF-8 file under another encoding's name.

    Text in cp1257, cp1251, cp1253… almost never happens to be valid UTF-8, so reading
    such a file as the mapping says would store mojibake. UTF-16/32 files (NUL bytes)
    are not ASCII-compatible and are left alone.
    """
    if head.isascii() or b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=whole)
    except UnicodeDecodeError:
        return False
    return True


def _norm(name: str) -> str:
    return name.replace("\ufeff", "").strip().casefold()


def _positions(header: list[str], line: int, path: Path, m: Mapping) -> dict[str, int]:
    """Column name → position; a column missing from the header stops the import."""
    exact: dict[str, int] = {}
    loose: dict[str, int] = {}
    for i, h in enumerate(header):
        exact.setdefault(h, i)
        loose.setdefault(_norm(h), i)
    positions: dict[str, int] = {}
    missing: list[str] = []
    for name in m.mapped_columns():
        i = exact.get(name, loose.get(_norm(name)))
        if i is None:
            missing.append(name)
        else:
            positions[name] = i
    if missing:
        found = ", ".join(repr(h) for h in header[:40]) + (f" … and {len(header) - 40} more" if len(header) > 40 else "")
        hints = []
        for name in missing:
            close = difflib.get_close_matches(name, header, 1, 0.6)
            if close:
                hints.append(f"{name!r} → {close[0]!r}?")
        raise FormatError(
            str(path),
            f"the header has no column {', '.join(repr(n) for n in missing)} (named in {m.path}); "
            f"the columns found are {found}",
            line=line,
            fix=f"correct the column names in {m.path}"
            + (f" (did you mean {'; '.join(hints)})" if hints else "")
            + f", or check the delimiter ({m.delimiter!r}) in [csv]",
        )
    return positions


def _stream(path: Path, m: Mapping, positions: dict[str, int], width: int, progress: Progress | None) -> Iterator[Record | Reject]:
    name = str(path)
    if m.rows == "reviews":
        from cxpulse.readers.review_csv import ReviewRow

        parse: _Row = ReviewRow(m, positions)
    else:
        parse = _TicketRow(m, positions) if m.rows == "tickets" else _ResponseRow(m, positions)
    raw, fh = _open(path, m)
    with raw, fh:
        reader = _reader(fh, m)
        in_header = True
        rows = 0
        while True:
            line = reader.line_num + 1  # the physical line the row starts on
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                yield Reject(name, line, "(row)", f"not readable as CSV: {e}")
                continue
            rows += 1
            if progress and rows % PROGRESS_EVERY == 0:
                progress(raw.tell())
            if not any(c.strip() for c in row):
                continue
            if in_header:
                in_header = False
                continue
            yield from _parse_row(parse, name, line, row, width, m)
        if progress:
            progress(raw.tell())


def _parse_row(
    parse: _Row, name: str, line: int, row: list[str], width: int, m: Mapping
) -> list[Record | Reject | Note]:
    text = m.delimiter.join(row)
    if _UNDECODABLE.search(text):
        col = next(i for i, c in enumerate(row) if _UNDECODABLE.search(c))
        field = parse.header_name(col)
        return [Reject(name, line, field, f"bytes that are not {m.encoding} text; set encoding in [csv] of {m.path}", _printable(text))]
    if len(row) != width:
        return [
            Reject(
                name, line, "(row)",
                f"{len(row)} fields where the header has {width}: a stray {m.delimiter!r} or an unclosed quote?",
                text,
            )
        ]  # fmt: skip
    try:
        objs = parse(row)
        out: list[Record | Reject | Note] = []
        for i, (kind, obj) in enumerate(objs):
            try:
                parse.bad += fields.screen(kind, obj, parse.names[kind])  # the limits of every store
            except RowError as e:
                if i == 0 and m.rows == "tickets":
                    raise  # the ticket itself cannot be stored: the row is rejected
                parse.bad.append(e)  # a rating or an event of the row is left out; the rest go in
                continue
            out.append(Record(kind, obj, None, name, line))
    except (RowError, OverflowError) as e:
        if isinstance(e, OverflowError):  # a time plus a duration past the year 9999
            e = RowError("(row)", f"a time out of range: {e}")
        return [Reject(name, line, e.field, e.reason, text)]
    if not out:  # every answer of a response row was left out: nothing of it goes in
        e = parse.bad[0]
        return [Reject(name, line, e.field, e.reason, text)]
    if parse.bad:
        seen: set[tuple[str, str]] = set()
        for e in parse.bad:
            if (e.field, e.reason) not in seen:  # one cell feeds several records: said once
                seen.add((e.field, e.reason))
                out.append(Reject(name, line, e.field, e.reason, text, kept=True))
    if parse.notes:
        out += [Note(name, line, what, detail) for what, detail in parse.notes]
    return out


def _printable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


# ── one row ─────────────────────────────────────────────────────────────────────────


class _Row:
    """Reading the mapped cells of one row.

    A call parses one row into (kind, object) pairs. A bad optional cell does not stop
    it: the cell is left out and its RowError kept in `bad`; implausible but stored
    orders of times are kept in `notes`. Only a missing or bad id or creation time
    raises, rejecting the row.
    """

    def __init__(self, m: Mapping, positions: dict[str, int]) -> None:
        self.m = m
        self.pos = positions
        self.by_position = {i: n for n, i in positions.items()}
        self.ratings = [(r, positions[r.column]) for r in m.ratings]
        self.joined = {key: tuple(positions[c] for c in cols) for key, cols in m.joined.items()}
        # Cells meaning "empty", per position: [csv] nulls for every mapped column, plus [nulls].
        self.nulls = []
        for name, i in positions.items():
            nulls = m.nulls | m.column_nulls.get(name, frozenset())
            if nulls:  # a longer cell cannot be one of them, even with spaces around: skip its casefold
                self.nulls.append((i, nulls, max(map(len, nulls))))
        self.bad: list[RowError] = []
        self.notes: list[tuple[str, str]] = []
        self.names = self._names()

    def _names(self) -> dict[str, dict[str, str]]:
        """Per record kind, a domain attribute → the CSV column it came from (for rejects)."""
        m = self.m

        def col(*keys: str) -> str:
            for key in keys:
                cols = m.joined.get(key) or ((m.columns[key],) if key in m.columns else ())
                if cols:
                    return ", ".join(cols)
            return keys[0]

        reply = col(*FIRST_REPLY_KEYS, "created_at")
        comments = ", ".join(dict.fromkeys(c for r in m.ratings for c in r.comment)) or "comment"
        given = col("rated_at", "given_at", "solved_at", "created_at")
        return {
            "ticket": {
                "source_id": col("ticket_id"), "subject": col("subject"), "description": col("text"),
                "status": col("status"), "channel": col("channel"), "priority": col("priority"),
                "group": col("group"), "category": col("category"), "requester_id": col("customer"),
                "assignee_id": col("agent"), "created_at": col("created_at"), "updated_at": col("updated_at"),
                "solved_at": col("solved_at"), "due_at": col("due_at"),
            },
            "event": {
                "source_id": col("ticket_id"), "ticket_id": col("ticket_id"), "author_id": col("agent", "customer"),
                "body": col("text"), "value_from": col("status"), "value_to": col("agent", "status"), "at": reply,
            },
            "response": {
                "source_id": col("response_id", "ticket_id"), "ticket_id": col("ticket_id"),
                "customer_id": col("customer"), "agent_id": col("agent"), "channel": col("channel"),
                "comment": comments, "given_at": given,
            },
            "invitation": {
                "source_id": col("response_id", "ticket_id"), "ticket_id": col("ticket_id"),
                "customer_id": col("customer"), "sent_at": given,
            },
        }

    def __call__(self, row: list[str]) -> list[tuple[str, object]]:
        self.bad = []
        self.notes = []
        for i, nulls, longest in self.nulls:
            v = row[i]
            if v and (len(v) <= longest or v[0].isspace() or v[-1].isspace()) and v.strip().casefold() in nulls:
                row[i] = ""
        return self.parse(row)

    def parse(self, row: list[str]) -> list[tuple[str, object]]:
        raise NotImplementedError

    def header_name(self, i: int) -> str:
        return self.by_position.get(i, f"(column {i + 1})")

    def cell(self, row: list[str], key: str) -> str:
        """The raw cell of a [columns] key; "" when the key is not mapped."""
        col = self.m.columns.get(key)
        return "" if col is None else row[self.pos[col]]

    def text(self, row: list[str], key: str) -> str:
        """A text key's cell, or its columns' non-empty cells joined with a blank line."""
        where = self.joined.get(key)
        if where is None:
            return ""
        if len(where) == 1:
            return row[where[0]]
        return _join(row, where)

    def label(self, row: list[str], key: str) -> str:
        return self.cell(row, key).strip()

    def time(self, row: list[str], key: str) -> datetime | None:
        """An optional time: a bad cell is left out (kept in `bad`)."""
        col = self.m.columns.get(key)
        if col is None:
            return None
        raw = row[self.pos[col]]
        try:
            return parse_time(raw, col, self.m.date_formats, self.m.timezone)
        except RowError as e:
            hint = (f"if {raw.strip()!r} means empty, list it in the mapping's nulls: "
                    f"[nulls] {_toml_key(col)} = [{_toml_str(raw.strip())}]")
            self.bad.append(RowError(col, f"{e.reason}; {hint}"))
            return None

    def required_time(self, row: list[str], key: str) -> datetime:
        col = self.m.columns[key]
        at = parse_time(row[self.pos[col]], col, self.m.date_formats, self.m.timezone, required=True)
        assert at is not None
        return at

    def note(self, what: str, row: list[str], key: str, than: str) -> None:
        cols = self.m.columns
        self.notes.append(
            (what, f"{cols[key]} {self.label(row, key)!r}, {cols[than]} {self.label(row, than)!r}")
        )

    def answers(
        self, row: list[str], base: str, given_at: datetime, *,
        ticket_id: str, customer: str, agent: str, channel: str = "",
    ) -> Iterator[tuple[str, object]]:
        """A Response per rated column; an Invitation per rated or `offered` cell of a
        column that lists `offered` cells (then the export says who was asked)."""
        for spec, i in self.ratings:
            cell = row[i]
            try:
                score = spec.score(cell)
            except RowError as e:
                self.bad.append(e)
                continue
            if spec.offered and (score is not None or cell.strip().casefold() in spec.offered):
                yield "invitation", Invitation(
                    source_id=f"{base}{spec.suffix}",
                    sent_at=given_at,
                    kind=spec.kind,
                    ticket_id=ticket_id,
                    customer_id=customer,
                )
            if score is None:
                continue
            importance = None
            imp = row[self.pos[spec.importance]].strip() if spec.importance else ""
            if imp:
                try:
                    importance = fields.score(imp, Scale.FIVE, spec.importance)
                except RowError as e:
                    self.bad.append(e)
            comment = ""
            if len(spec.comment) == 1:
                comment = row[self.pos[spec.comment[0]]]
            elif spec.comment:
                comment = _join(row, [self.pos[c] for c in spec.comment])
            yield "response", Response(
                source_id=f"{base}{spec.suffix}",
                given_at=given_at,
                kind=spec.kind,
                scale=spec.scale,
                score=score,
                ticket_id=ticket_id,
                customer_id=customer,
                agent_id=agent,
                channel=channel,
                attribute=spec.attribute,
                importance=importance,
                comment=comment,
            )


def _join(row: list[str], where) -> str:
    return "\n\n".join(v for v in (row[i].strip() for i in where) if v)


class _TicketRow(_Row):
    """One row per ticket → the ticket, its synthesized events, its ratings."""

    def parse(self, row: list[str]) -> list[tuple[str, object]]:
        cols = self.m.columns
        tid = self.label(row, "ticket_id")
        if not tid:
            raise RowError(cols["ticket_id"], "empty: every row needs the ticket's id in the help desk")
        created = self.required_time(row, "created_at")
        solved = self.time(row, "solved_at")
        if solved is not None and solved < created:
            raw, col = self.label(row, "solved_at"), cols["solved_at"]
            created_cell = f"{cols['created_at']} {self.label(row, 'created_at')!r}"
            fix = f"[nulls] {_toml_key(col)} = [{_toml_str(raw)}]"
            self.bad.append(
                RowError(
                    col,
                    f"{raw!r} is before the ticket was created ({created_cell}); "
                    f"if it means \"not solved\", list it in the mapping's nulls: {fix}",
                )
            )
            solved = None
        updated = self.time(row, "updated_at")
        first = self.first_reply(row, created)
        due = self.time(row, "due_at")
        if first is not None:
            reply_key = next(k for k in FIRST_REPLY_KEYS if k in cols)
            if first < created:
                self.note("first reply before creation", row, reply_key, "created_at")
            elif solved is not None and solved < first:
                self.note("solved before its first reply", row, "solved_at", reply_key)
        if due is not None and due < created:
            self.note("due before creation", row, "due_at", "created_at")
        agent = self.label(row, "agent")
        customer = self.label(row, "customer")
        text = self.text(row, "text")
        status = self.status(row, solved)
        ticket = Ticket(
            source_id=tid,
            created_at=created,
            subject=self.cell(row, "subject").strip(),
            description=text,
            status=status,
            channel=self.label(row, "channel"),
            priority=self.label(row, "priority"),
            group=self.label(row, "group"),
            category=self.label(row, "category"),
            requester_id=customer,
            assignee_id=agent,
            updated_at=updated,
            solved_at=solved,
            due_at=due,
            metrics=self.metrics(row) if self.m.metrics else {},
        )
        out: list[tuple[str, object]] = [("ticket", ticket)]

        def ev(suffix: str, at: datetime, kind: EventKind, **kw) -> tuple[str, TicketEvent]:
            return "event", TicketEvent(f"{tid}:{suffix}", tid, at, kind, **kw)

        if agent:
            out.append(ev("assigned", created, EventKind.ASSIGNEE, value_to=agent))
        out.append(ev("created", created, EventKind.COMMENT, author_id=customer, author_role=Role.CUSTOMER, body=text))
        if first is not None:
            out.append(ev("first-reply", first, EventKind.COMMENT, author_id=agent, author_role=Role.AGENT))
        if solved is not None:
            out.append(ev("solved", solved, EventKind.STATUS, value_from="open", value_to="solved"))
            if status in OPEN_STATES and "status" in cols:
                # Solved once, open now: reopened. At the same instant "…:solved" sorts before "…:status".
                at = updated if updated is not None and updated > solved else solved
                out.append(ev("status", at, EventKind.STATUS, value_from="solved", value_to=status))
        if self.ratings:
            rated = self.time(row, "rated_at")
            if rated is not None and rated < created:
                self.note("rated before creation", row, "rated_at", "created_at")
            # no rating time: the solve (a survey follows it), else the last change (rating
            # a ticket changes it), else its creation — the latest the export vouches for
            given = rated or solved or (updated if updated is not None and updated > created else None) or created
            out.extend(self.answers(row, f"{tid}:rating:", given, ticket_id=tid, customer=customer, agent=agent))
        return out

    def first_reply(self, row: list[str], created: datetime) -> datetime | None:
        cols = self.m.columns
        if "first_reply_at" in cols:
            return self.time(row, "first_reply_at")
        for key, unit in (("first_reply_minutes", "minutes"), ("first_reply_hours", "hours")):
            if key in cols:
                try:
                    took = parse_duration(self.cell(row, key), cols[key], unit)
                except RowError as e:
                    self.bad.append(e)
                    return None
                return None if took is None else created + took
        return None

    def metrics(self, row: list[str]) -> dict[str, float]:
        """The help desk's own figures of this ticket ([metrics]); a bad cell is left out."""
        out: dict[str, float] = {}
        for key, col in self.m.metrics.items():
            v = row[self.pos[col]]
            if not v.strip():
                continue
            try:
                if key in COUNT_METRICS:
                    out[key] = float(parse_count(v, col))
                    continue
                try:
                    n = float(v)  # the usual cell: plain minutes
                except ValueError:
                    n = math.nan
                if 0.0 <= n < math.inf:
                    out[key] = n
                else:  # "1,5", "H:MM:SS", or not a duration at all
                    took = parse_duration(v, col, "minutes")
                    assert took is not None
                    out[key] = took.total_seconds() / 60.0
            except RowError as e:
                self.bad.append(e)
        if out:
            out[FIGURES_OF_RECORD] = 1.0  # its events are this row's summary: these figures win in KPIs
        return out

    def status(self, row: list[str], solved: datetime | None) -> str:
        raw = self.label(row, "status")
        if raw:
            key = raw.casefold()
            return self.m.statuses.get(key) or STATUS_WORDS.get(key) or key
        return "solved" if solved is not None else "open"


class _ResponseRow(_Row):
    """One row per survey answer sheet → one response per answered rating column."""

    def parse(self, row: list[str]) -> list[tuple[str, object]]:
        cols = self.m.columns
        rid = self.label(row, "response_id")
        tid = self.label(row, "ticket_id")
        if not rid and not tid:
            col = cols.get("response_id") or cols["ticket_id"]
            raise RowError(col, "empty: every response needs its id (or its ticket's id) so a re-import changes nothing")
        given = self.required_time(row, "given_at")
        base = f"{rid}:" if rid else f"{tid}:rating:"
        out = list(
            self.answers(
                row, base, given, ticket_id=tid, customer=self.label(row, "customer"),
                agent=self.label(row, "agent"), channel=self.label(row, "channel"),
            )
        )  # fmt: skip
        if not out:
            if self.bad:  # nothing of the row can go in: its first bad cell rejects it
                raise self.bad[0]
            names = ", ".join(repr(r.column) for r in self.m.ratings)
            raise RowError(self.m.ratings[0].column, f"no answer in {names}: the row holds no rating")
        return out


def _toml_str(v: str) -> str:
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_key(v: str) -> str:
    return v if v.replace("_", "").replace("-", "").isalnum() and v.isascii() else _toml_str(v)


# ── cells ───────────────────────────────────────────────────────────────────────────


def parse_time(value: str, column: str, formats: tuple[str, ...], tz: ZoneInfo, *, required: bool = False) -> datetime | None:
    """A cell → aware UTC. A time with an offset keeps it; one without is in `tz`.

    (fields.timestamp reads an offset-less time as UTC; a CSV's local times are not.)
    """
    v = value.strip()
    if not v:
        if required:
            raise RowError(column, "missing time")
        return None
    for fmt in formats:
        try:
            at = datetime.fromisoformat(v) if fmt == "iso" else datetime.strptime(v, fmt)
        except ValueError:
            continue
        if at.tzinfo is None:
            at = at.replace(tzinfo=tz)
        return fields.in_window(at, column)  # 1990 to five years ahead (domain/limits.py)
    raise RowError(column, f"not a time: {v!r} (expected {_describe(formats)})")


def _describe(formats: tuple[str, ...]) -> str:
    parts = []
    for f in formats:
        if f == "iso":
            parts.append("ISO 8601, e.g. 2026-03-02T09:30:00+02:00")
        else:
            parts.append(f"format {f!r}, e.g. {_EXAMPLE_TIME.strftime(f)}")
    return " or ".join(parts)


def parse_duration(value: str, column: str, unit: str) -> timedelta | None:
    """`90`, `1.5`, `1,5` in `unit`, or H:MM[:SS] whatever the unit; empty → None."""
    v = value.strip()
    if not v:
        return None
    hms = _HMS.fullmatch(v)
    if hms:
        h, mi, s = hms.groups()
        if int(h) * 60 >= _LONGEST_MINUTES:
            raise RowError(column, f"not a duration: {v!r} is more than 50 years")
        return timedelta(hours=int(h), minutes=int(mi), seconds=float((s or "0").replace(",", ".")))
    try:
        n = float(v.replace(",", ".") if "." not in v and v.count(",") == 1 else v)
    except ValueError:
        n = math.nan
    if not math.isfinite(n) or n < 0:
        raise RowError(column, f"not a duration: {v!r} (expected {unit} as a number, e.g. 90 or 1.5, or H:MM:SS)")
    took = timedelta(minutes=n) if unit == "minutes" and n < _LONGEST_MINUTES else None
    if unit == "hours" and n < _LONGEST_MINUTES / 60:
        took = timedelta(hours=n)
    if took is None:
        raise RowError(column, f"not a duration: {v!r} {unit} is more than 50 years")
    return took


_LONGEST_MINUTES = 50 * 366 * 24 * 60  # a longer "duration" is a typo; it would overflow a time


def parse_count(value: str, column: str) -> int:
    """A whole, non-negative count: `2`, or `2.0` from a spreadsheet."""
    v = value.strip()
    if _COUNT.fullmatch(v):
        return int(v.split(".")[0])
    raise RowError(column, f"not a count: {v!r} (expected a whole number, e.g. 0 or 2)")
