"""The one place a command's `--format` is chosen (`render.print_rows`, `render.print_record`):
JSON, CSV and the table of the same rows, with what some commands need beside them."""

from __future__ import annotations

import json

import pytest

from cxpulse.cli.render import print_record, print_rows

ROWS = [{"name": "acme", "n": 3, "share": 0.25, "extra": "x"}, {"name": "Ωmega", "n": 12, "share": None, "extra": ""}]


def test_rows_read_alike_in_every_format(capsys):
    print_rows(ROWS, ["name", "n"], "json", title="t")
    assert json.loads(capsys.readouterr().out) == ROWS
    print_rows(ROWS, ["name", "n", "share"], "csv", title="t")
    assert capsys.readouterr().out == "name,n,share\nacme,3,0.2\nΩmega,12,\n"
    print_rows(ROWS, ["name", "n"], "table", title="the title")
    table = capsys.readouterr().out
    assert "the title" in table and "Ωmega" in table and "extra" not in table


def test_json_may_be_another_document_and_the_flat_rows_are_built_only_when_needed(capsys):
    built = []

    def flat():
        built.append(1)
        return ROWS

    print_rows(flat, ["name"], "json", json={"nested": [1, 2]})
    assert json.loads(capsys.readouterr().out) == {"nested": [1, 2]} and not built
    print_rows(flat, ["name"], "csv")
    assert capsys.readouterr().out == "name\nacme\nΩmega\n" and built == [1]
    print_rows(flat, ["name"], "table")
    assert "Ωmega" in capsys.readouterr().out and built == [1, 1]
    print_rows(flat, ["name"], "json")  # no other document: the rows themselves
    assert json.loads(capsys.readouterr().out) == ROWS


def test_a_file_may_carry_more_columns_than_the_terminal_and_come_as_cells(capsys):
    print_rows(ROWS, ["name"], "csv", csv_columns=["name", "extra"])
    assert capsys.readouterr().out == "name,extra\nacme,x\nΩmega,\n"
    print_rows(ROWS, ["name"], "table", csv_columns=["name", "extra"])
    assert " x " not in capsys.readouterr().out
    print_rows(ROWS, ["name"], "csv", csv_columns=["name", "n"], csv_cells=iter([("acme", "3"), ("b", "4")]))
    assert capsys.readouterr().out == "name,n\nacme,3\nb,4\n"


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_an_empty_table_says_where_the_data_would_come_from_on_stderr_only(capsys, fmt):
    print_rows([], ["name"], fmt, empty="nothing yet; run `cxpulse import`")
    said = capsys.readouterr()
    assert ("nothing yet" in said.err) == (fmt == "table")
    assert "nothing yet" not in said.out
    print_rows(ROWS, ["name"], fmt, empty="nothing yet")
    assert "nothing yet" not in capsys.readouterr().err


def test_one_record_is_an_object_a_one_row_csv_or_its_fields_down_the_page(capsys):
    record = {"name": "acme", "timezone": "Europe/Vilnius", "alert_below": 40}
    print_record(record, "json")
    assert json.loads(capsys.readouterr().out) == record
    print_record(record, "json", json={"whole": record})
    assert json.loads(capsys.readouterr().out) == {"whole": record}
    print_record(record, "csv")
    assert capsys.readouterr().out == "name,timezone,alert_below\nacme,Europe/Vilnius,40\n"
    print_record(record, "table", title="acme", label="setting")
    lines = capsys.readouterr().out.splitlines()
    assert any("setting" in line and "value" in line for line in lines)
    assert any("timezone" in line and "Europe/Vilnius" in line for line in lines)
