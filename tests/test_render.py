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
