"""The CLI's own CSV writer (`render.csv_lines`: every `--format csv`, and `cxpulse score`'s
100,000 rows) writes what Python's csv module writes, and what it writes reads back."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from cxpulse.cli.render import csv_lines

CELLS = st.text(alphabet=st.sampled_from(list('a ,"\n\r;“”ž\tx')), max_size=8)


def _module(columns, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    w.writerows(rows)
    return buf.getvalue()


def test_hostile_cells_are_quoted_as_the_csv_module_quotes_them():
    rows = [["plain", 'say "hi"', "a, b", "line\nbreak", "", "“quoted”, ž"], [""], ["", ""]]
    assert "".join(csv_lines(["x", "y, z"], rows)) == _module(["x", "y, z"], rows)


def test_a_carriage_return_is_quoted_so_the_row_reads_back_whole():
    written = "".join(csv_lines(["a", "b"], [["one\rtwo", "x"]]))
    assert written == 'a,b\n"one\rtwo",x\n'  # Python 3.11's csv.writer leaves it bare
    assert list(csv.reader(io.StringIO(written, newline=""))) == [["a", "b"], ["one\rtwo", "x"]]


@given(st.lists(st.lists(CELLS, min_size=1, max_size=4), max_size=5))
def test_any_rows_of_text_read_back_as_written(rows):
    written = "".join(csv_lines(["a"], rows))
    if not any("\r" in cell for row in rows for cell in row):
        assert written == _module(["a"], rows)
    assert list(csv.reader(io.StringIO(written, newline="")))[1:] == rows


@given(st.lists(st.tuples(CELLS, CELLS, st.lists(CELLS, max_size=3), st.integers(0, 100),
                          st.floats(0, 1, allow_nan=False)), max_size=6))
def test_score_lines_are_the_lines_the_csv_writer_writes(scored):
    """`cxpulse score --format csv` writes each row in one f-string (`app._score_lines`): the
    same text as `csv_lines` over the row's cells, a row with hostile cells included."""
    from datetime import UTC, datetime

    from cxpulse.cli.app import _score_lines
    from cxpulse.cli.render import cell

    at = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    rows = [{"account": acc, "ticket_id": tid, "score": score, "status": "open", "reasons": reasons,
             "model_version": 3, "probability": p, "as_of": at} for acc, tid, reasons, score, p in scored]
    cells = [[r["account"], r["ticket_id"], str(r["score"]), "open", "; ".join(r["reasons"]), "3",
              cell(r["probability"]), at.isoformat(timespec="seconds")] for r in rows]
    assert "".join(_score_lines(rows)) == "".join(csv_lines(["h"], cells)).split("\n", 1)[1]
