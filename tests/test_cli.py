"""The `cxpulse` command as a user runs it: help, output shapes, errors, docs coverage."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse.cli import app
from cxpulse.storage import Store

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "small.jsonl"
runner = CliRunner()


def commands() -> list[str]:
    import typer.main

    return sorted(typer.main.get_command(app).commands)


def test_every_command_has_help_with_an_example():
    for name in commands():
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example:" in result.output, f"`cxpulse {name} --help` shows no example"


def test_every_command_is_documented_in_docs_cli():
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for name in commands():
        assert f"## `cxpulse {name}" in doc, f"docs/cli.md has no section for `cxpulse {name}`"


def test_every_report_json_key_is_documented(db_arg):
    runner.invoke(app, ["import", "jsonl", str(FIXTURE), "--db", db_arg, "-a", "acme"])
    out = runner.invoke(app, ["report", "--db", db_arg, "--metric", "csat,nps,kpi,csat-by-kpi", "--by", "agent",
                              "--compare-previous", "-f", "json"])
    assert out.exit_code == 0, out.output
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    keys = {k for row in json.loads(out.stdout) for k in row}
    assert {"metric", "group", "value", "n", "low", "high"} <= keys
    for key in keys:
        assert f"`{key}`" in doc, f"report JSON key {key!r} is not documented in docs/cli.md"


def test_import_then_report_as_json(db_arg):
    first = runner.invoke(app, ["import", "jsonl", str(FIXTURE), "--db", db_arg, "-a", "acme", "-f", "json"])
    again = runner.invoke(app, ["import", "jsonl", str(FIXTURE), "--db", db_arg, "-a", "acme", "-f", "json"])
    assert json.loads(first.stdout)["inserted"] == 9
    assert json.loads(again.stdout)["unchanged"] == 9
    rows = json.loads(runner.invoke(app, ["report", "--db", db_arg, "--metric", "csat", "-f", "json"]).stdout)
    assert rows[0]["metric"] == "csat" and rows[0]["n"] == 1 and rows[0]["value"] == 100.0


def test_accounts_json_lists_counts(db_arg):
    runner.invoke(app, ["import", "jsonl", str(FIXTURE), "--db", db_arg, "-a", "acme"])
    (acc,) = json.loads(runner.invoke(app, ["accounts", "--db", db_arg, "-f", "json"]).stdout)
    assert (acc["name"], acc["tickets"], acc["responses"]) == ("acme", 1, 2)


def test_report_csv_has_a_header_and_a_row_per_figure(db_arg):
    runner.invoke(app, ["import", "jsonl", str(FIXTURE), "--db", db_arg, "-a", "acme"])
    lines = runner.invoke(app, ["report", "--db", db_arg, "--metric", "csat,nps", "-f", "csv"]).stdout.splitlines()
    assert lines[0].startswith("metric,value,n,low,high")
    assert len(lines) == 3


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["report", "--by", "team"], 2, "unknown --by key 'team'"),
        (["report", "--metric", "happiness"], 2, "unknown metric 'happiness'"),
        (["report", "--since", "March"], 2, "not a date"),
        (["report", "--account", "nobody"], 4, "no account named 'nobody'"),
        (["import", "jsonl", "missing.jsonl"], 3, "no such file"),
        (["import", "xml", str(FIXTURE)], 3, "unknown format 'xml'"),
        (["accounts", "--db", "/no/such/folder/x.db"], 5, "check that its folder exists"),
        (["accounts", "--db", "postgresql://nobody@127.0.0.1:1/x"], 5, "is the server running"),
    ],
)
def test_bad_requests_fail_with_a_message_and_exit_code(db_arg, args, code, message):
    result = runner.invoke(app, [*args, "--db", db_arg] if "--db" not in args else args)
    assert result.exit_code == code
    assert message in re.sub(r"\s+", " ", result.output)


def test_demo_stores_three_accounts_and_prints_an_overview(db_arg):
    result = runner.invoke(app, ["demo", "--db", db_arg, "--tickets", "900", "--seed", "3", "--end", "2026-10-31"])
    assert result.exit_code == 0, result.output
    assert "3 accounts, 900 tickets" in result.output and "up to 2026-10-31" in result.output
    assert "models (AUC" in result.output and "open tickets scored" in result.output
    assert re.search(r"quality reviews: [1-9][\d,]* on the default scorecard", result.output)
    # the last word is the dashboard's login key
    from cxpulse.service.keys import verify_key

    assert verify_key(Store.open(db_arg), result.output.split()[-1]).admin
    for name in ("nordlicht", "aegean-travel", "polar-soft"):
        assert name in result.output
    accounts = json.loads(runner.invoke(app, ["accounts", "--db", db_arg, "-f", "json"]).stdout)
    assert sum(a["tickets"] for a in accounts) == 900
