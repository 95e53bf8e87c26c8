"""`cxpulse report` on the command line: the table a person reads, and the JSON and CSV
that scripts read, which must not change (issue 18 §10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse.cli.app import app
from tests.report_desk import PINNED, write_desk

GOLDEN = Path(__file__).parent / "golden" / "report_output.json"
runner = CliRunner()


@pytest.fixture(scope="module")
def desk_db(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("report_cli")
    db = str(tmp / "desk.db")
    result = runner.invoke(app, ["import", "jsonl", str(write_desk(tmp / "desk.jsonl")), "--account", "acme",
                                 "--db", db])
    assert result.exit_code == 0, result.output
    return db


def report(db: str, *args: str) -> str:
    result = runner.invoke(app, ["report", *args, "--db", db])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("args", PINNED, ids=lambda a: " ".join(a) or "default")
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_json_and_csv_are_byte_for_byte_what_they_were(desk_db, args, fmt):
    """The JSON is the contract and the CSV feeds spreadsheets: tests/golden/report_output.json
    holds what `cxpulse report` printed before the table was made readable (made by the
    code of main at 2ee8c9b); a change to either shape fails here."""
    pinned = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert report(desk_db, *args, "--format", fmt) == pinned[" ".join([*args, "--format", fmt])]
