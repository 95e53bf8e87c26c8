"""Printing rows as a Rich table, JSON or CSV — the same rows, three shapes.

The two consoles here are the CLI's only ones, and both print text as it is: Rich markup
(`[bold]`, `[link=…]`) and emoji codes (`:smile:`) are off, so an agent named `[/bold]` or
`[link=https://evil.example]Open ticket[/link]` prints as those characters instead of crashing
the command or becoming a clickable link. Colour comes only from `style=`
arguments (`warn`, `error_line`), never from text, and terminal control characters in data
(ESC starts a terminal escape sequence, e.g. an OSC 8 hyperlink) are shown as `\x1b`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence

import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

# C0 controls but tab and newline, DEL and C1 controls: shown, never sent to the terminal raw
_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)] if c not in (0x09, 0x0A)}


def plain(value: object) -> Text:
    """`value` as text the terminal shows literally: no markup, no emoji codes, no control codes."""
    return Text(str(value).translate(_CONTROLS))


class LiteralConsole(Console):
    """A console that prints every string it is given as `plain` text, whatever the caller forgot."""

    def __init__(self, **kwargs) -> None:
        super().__init__(highlight=False, markup=False, emoji=False, **kwargs)

    def print(self, *objects, **kwargs) -> None:  # type: ignore[override]
        super().print(*(plain(o) if isinstance(o, str) else o for o in objects), **kwargs)


# piped output is not wrapped to 80 columns: a file or a pager has room
out = LiteralConsole(width=None if sys.stdout.isatty() else 200)
err = LiteralConsole(stderr=True)


def warn(message: object) -> None:
    """A warning on stderr, in yellow; the message's own brackets print as they are."""
    err.print(plain(message), style="yellow", soft_wrap=True)


def error_line(message: object) -> None:
    """`error: message` on stderr, the label in bold red and the message literal."""
    err.print(Text.assemble(("error:", "bold red"), " ", plain(message)), soft_wrap=True)


def print_json(data) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n")


def print_csv(rows: Sequence[dict], columns: Sequence[str]) -> None:
    sys.stdout.write("".join(csv_lines(columns, ([_cell(row.get(k)) for k in columns] for row in rows))))


def print_csv_cells(columns: Sequence[str], cells: Iterable[Sequence[str]]) -> None:
    """CSV of rows given as their cells, already text, in `columns` order: the same bytes
    as `print_csv`, without a dict per row."""
    sys.stdout.write("".join(csv_lines(columns, cells)))


def print_csv_text(columns: Sequence[str], lines: Iterable[str]) -> None:
    """CSV of rows given as their lines, each written already (quoted as `csv_lines` quotes,
    with its line feed), under the header of `columns` — `cxpulse score --open` writes
    100,000 rows, and a tuple of cells per row joined again was half of writing them."""
    sys.stdout.write(",".join(map(csv_field, columns)) + "\n" + "".join(lines))


def csv_lines(columns: Sequence[str], cells: Iterable[Sequence[str]]) -> Iterator[str]:
    """CSV lines of these rows of text cells, quoted as `csv.writer(lineterminator="\\n")`
    quotes them (a cell holding a comma, a quote or a line feed) — and a cell holding a
    carriage return too, which Python 3.11's writer leaves bare and its reader then splits:
    what is written reads back as it was. Built in one pass: the csv module's
    per-character checks were most of writing 100,000 rows."""
    field = csv_field
    yield ",".join(map(field, columns)) + "\n"
    for row in cells:
        line = ",".join(row)
        # the common row needs no quoting at all: its commas are only the separators, and
        # it holds no quote and no line break — four scans of the line, not one call per cell
        if line.count(",") == len(row) - 1 and '"' not in line and "\n" not in line and "\r" not in line:
            if line or len(row) != 1:
                yield line + "\n"
            else:
                yield '""\n'  # a lone empty cell is quoted, or the line would read as no row
            continue
        yield ",".join(map(field, row)) + "\n"


def csv_field(text: str) -> str:
    """One cell as `csv_lines` writes it: quoted when it holds a quote, a comma or a line break."""
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def print_table(rows: Sequence[dict], columns: Sequence[str], *, title: str | None = None) -> None:
    table = Table(title=plain(title) if title is not None else None, show_lines=False)
    for c in columns:
        table.add_column(plain(c), justify="right" if rows and isinstance(rows[0].get(c), (int, float)) else "left")
    for row in rows:
        table.add_row(*[plain(_cell(row.get(c))) for c in columns])
    out.print(table)


def print_rows(
    rows: Sequence[dict] | Callable[[], Sequence[dict]],
    columns: Sequence[str],
    fmt: str,
    *,
    title: str | None = None,
    json: object = None,
    csv_columns: Sequence[str] | None = None,
    csv_cells: Iterable[Sequence[str]] | None = None,
    csv_text: Iterable[str] | None = None,
    empty: str | None = None,
) -> None:
    """`rows` as `--format` asks: a JSON array, CSV of `columns`, or a table of them — the one
    place a command's output format is chosen, so every command writes each format alike.

    What some commands need beside that:
    - `json`: the JSON document when it is not the rows themselves (a report's nested groups,
      an import's summary); `rows` may then be a function, so the flat rows of the CSV and
      the table are built only for them;
    - `csv_columns`: the CSV's columns when a file carries more than a terminal shows;
    - `csv_cells`: the CSV rows as text already (`print_csv_cells`), for outputs of 100,000 rows;
      `csv_text`: or as their lines, written already (`print_csv_text`);
    - `empty`: said on stderr under an empty table: where the data would come from.
    """
    if fmt == "json":
        print_json((rows() if callable(rows) else rows) if json is None else json)
    elif fmt == "csv":
        if csv_text is not None:
            print_csv_text(csv_columns or columns, csv_text)
        elif csv_cells is not None:
            print_csv_cells(csv_columns or columns, csv_cells)
        else:
            print_csv(rows() if callable(rows) else rows, csv_columns or columns)
    else:
        rows = rows() if callable(rows) else rows
        print_table(rows, columns, title=title)
        if empty and not rows:
            err.print(empty)


def print_record(record: dict, fmt: str, *, title: str | None = None, json: object = None,
                 label: str = "field") -> None:
    """One record (an account's settings, a survey, a run's summary) as `--format` asks: a JSON
    object, CSV of one row under its field names, or a table of its fields down the page
    (`label` | value) — a terminal is narrower than a record is long."""
    if fmt == "json":
        print_json(record if json is None else json)
    elif fmt == "csv":
        print_csv([record], list(record))
    else:
        print_table([{label: k, "value": v} for k, v in record.items()], [label, "value"], title=title)


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.1f}"
    if isinstance(v, dict):
        return " ".join(f"{k}={x}" for k, x in v.items())
    return str(v)


cell = _cell  # one value as the CSV and the table write it
