"""Printing rows as a Rich table, JSON or CSV — the same rows, three shapes."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Sequence

import orjson
from rich.console import Console
from rich.table import Table

# piped output is not wrapped to 80 columns: a file or a pager has room
out = Console(highlight=False, width=None if sys.stdout.isatty() else 200)


def print_json(data) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n")


def print_csv(rows: Sequence[dict], columns: Sequence[str]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: _cell(row.get(k)) for k in columns})
    sys.stdout.write(buf.getvalue())


def print_table(rows: Sequence[dict], columns: Sequence[str], *, title: str | None = None) -> None:
    table = Table(title=title, show_lines=False)
    for c in columns:
        table.add_column(c, justify="right" if rows and isinstance(rows[0].get(c), (int, float)) else "left")
    for row in rows:
        table.add_row(*[_cell(row.get(c)) for c in columns])
    out.print(table)


def print_rows(rows: Sequence[dict], columns: Sequence[str], fmt: str, *, title: str | None = None) -> None:
    """`rows` as `--format` asks: a JSON array, CSV of `columns`, or a table of them."""
    if fmt == "json":
        print_json(rows)
    elif fmt == "csv":
        print_csv(rows, columns)
    else:
        print_table(rows, columns, title=title)


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.1f}"
    if isinstance(v, dict):
        return " ".join(f"{k}={x}" for k, x in v.items())
    return str(v)
