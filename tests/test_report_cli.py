"""`cxpulse report` on the command line: the table a person reads, and the JSON and CSV
that scripts read, which must not change (issue 18 §10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse.cli.app import app
from tests.report_desk import AGENT_NAMES, PINNED, write_desk

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
    code of main at 2ee8c9b); a change to either shape fails here. One change since, on
    purpose: a resolution rate over 100% has an interval (the ratio of two counts; issue 18 §5)
    where it had none."""
    pinned = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert report(desk_db, *args, "--format", fmt) == pinned[" ".join([*args, "--format", fmt])]


# ---- the table a person reads ------------------------------------------------------------------


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("│┃").split("│" if "│" in line else "┃")]


def header(table: str, title_part: str | None = None) -> list[str]:
    """The column names of the first table (or of the one whose title holds `title_part`)."""
    lines = table.splitlines()
    start = 0 if title_part is None else next(i for i, line in enumerate(lines) if title_part in line)
    i = next(i for i in range(start, len(lines)) if lines[i].startswith("┃"))
    return cells(lines[i])


def line_of(table: str, first_cell: str) -> list[str]:
    """The cells of the first table line whose first cell is `first_cell`."""
    for line in table.splitlines():
        if line.startswith("│") and cells(line)[0] == first_cell:
            return cells(line)
    raise AssertionError(f"no line {first_cell!r} in\n{table}")


def json_rows(db: str, *args: str) -> list[dict]:
    return json.loads(report(db, *args, "--format", "json"))


def test_durations_read_in_hours_and_minutes_never_as_raw_minutes(desk_db):
    from cxpulse.durations import duration

    table = report(desk_db)
    rows = {r["metric"]: r for r in json_rows(desk_db) if not r["group"]}
    first = line_of(table, "1st reply")
    assert first[1] == duration(rows["first_reply_minutes"]["value"])  # e.g. "26 h", not 1534.0
    assert first[1].endswith((" min", " h", " d"))
    assert "first_reply_minutes" not in table and f"{rows['first_reply_minutes']['value']:.1f}" not in table
    assert line_of(table, "resolution")[1] == duration(rows["full_resolution_minutes"]["value"])
    assert line_of(table, "CSAT")[1] == f"{rows['csat']['value']:.1f}%"


def test_the_period_shows_as_the_dates_the_report_covered(desk_db, tmp_path):
    from datetime import datetime

    records = [json.loads(line) for line in write_desk(tmp_path / "d.jsonl").read_text().splitlines()]
    days = sorted(datetime.fromisoformat(r[k]).date() for r in records for k in ("created_at", "at", "given_at")
                  if k in r)
    table = report(desk_db, "--metric", "csat,kpi")
    assert "…" not in table
    assert f"cxpulse report · all accounts · {days[0]} – {days[-1]}" in table
    # a bound given is the bound shown; the other is the data's
    assert "· 2026-03-01 – " in report(desk_db, "--since", "2026-03-01")
    assert f"· {days[0]} – 2026-02-15" in report(desk_db, "--metric", "csat", "--until", "2026-02-15")  # a narrow table: the title does not wrap


def test_only_the_columns_with_values_are_shown(desk_db):
    assert header(report(desk_db, "--metric", "csat,nps")) == ["metric", "value", "95% interval", "n"]
    cols = header(report(desk_db))
    assert {"p90", "mean"} <= set(cols)  # the KPIs have them
    for empty in ("quadrant", "attribute", "kind", "scale", "low", "high"):  # 13 mostly empty columns, once
        assert empty not in cols


def test_by_agent_is_one_line_per_agent_by_name(desk_db):
    table = report(desk_db, "--by", "agent")
    assert len(table.splitlines()) < 40  # it was a line per figure per agent
    satisfaction = header(table, "satisfaction")
    assert satisfaction[:4] == ["agent", "agent id", "CSAT", "CSAT n"]
    for agent, name in AGENT_NAMES.items():
        line = line_of(table, name)
        assert line[1] == agent
        csat = next(r for r in json_rows(desk_db, "--by", "agent")
                    if r["metric"] == "csat" and r["group"]["agent"] == agent)
        assert line[2].startswith(f"{csat['value']:.1f}% (") and line[3] == str(csat["n"])
        assert sum(cells(row)[0] == name for row in table.splitlines() if row.startswith("│")) == 2  # 2 tables
    assert "agent_name" not in table


def test_compare_previous_shows_both_periods_n_p_and_a_verdict(desk_db):
    table = report(desk_db, "--metric", "csat,nps,kpi", "--since", "2026-03-01", "--until", "2026-03-31",
                   "--compare-previous")
    cols = header(table)
    assert cols[:5] == ["metric", "2026-03-01 – 2026-03-31", "n", "2026-01-29 – 2026-02-28", "n"]
    assert cols[5:] == ["change", "p", "verdict"]
    (row,) = [r for r in json_rows(desk_db, "--metric", "csat", "--since", "2026-03-01", "--until", "2026-03-31",
                                  "--compare-previous")]
    csat = line_of(table, "CSAT")
    assert csat[2] == str(row["n"]) and csat[4] == str(row["previous"]["n"])
    assert csat[6] == f"{row['p_value']:.3f}" and csat[7] in ("better", "worse", "no significant change")
    assert line_of(table, "1st reply")[7] == "not tested"  # a median: shown, not judged
    assert "fewer than 30 answers" in table
    assert "significant False" not in table and "True" not in table


def test_compare_previous_says_better_worse_and_too_few(tmp_path):
    """February: unhappy CSAT, happy NPS; March the other way round; CES with a handful of
    answers each month, however different."""
    lines = []
    for i in range(120):
        month, day = (2, 1 + i % 28) if i < 60 else (3, 1 + i % 28)
        good = (i % 10 != 0) == (month == 3)  # 90% good in March, 10% in February
        at = f"2026-{month:02d}-{day:02d}T10:00:00Z"
        lines.append({"type": "rating", "id": f"r{i}", "score": 5 if good else 1, "given_at": at})
        lines.append({"type": "response", "id": f"n{i}", "kind": "nps", "score": 1 if good else 10, "given_at": at})
        if i % 12 == 0:
            lines.append({"type": "response", "id": f"c{i}", "kind": "ces", "score": 7 if month == 3 else 1,
                          "given_at": at})
    db = str(tmp_path / "c.db")
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    assert runner.invoke(app, ["import", "jsonl", str(path), "--account", "acme", "--db", db]).exit_code == 0
    table = report(db, "--metric", "csat,nps,ces", "--since", "2026-03-01", "--until", "2026-03-28",
                   "--compare-previous")
    assert line_of(table, "CSAT")[-1] == "better"
    assert line_of(table, "NPS")[-1] == "worse"
    ces = line_of(table, "CES (1-7)")
    assert ces[-1] == "too few to tell" and int(ces[2]) < 30


def test_a_period_without_data_says_so_instead_of_an_empty_table(desk_db):
    result = runner.invoke(app, ["report", "--since", "2030-01-01", "--db", desk_db])
    assert result.exit_code == 0
    assert result.stdout.strip() == "cxpulse report · all accounts · from 2030-01-01: no data"
    assert "no data in this period" in result.stderr


def test_a_narrowed_report_says_to_what_and_covers_its_own_days(desk_db):
    table = report(desk_db, "--metric", "csat", "--channel", "chat", "--until", "2026-02-10")
    assert table.splitlines()[0].startswith("cxpulse report · all accounts · channel chat · 2026-02-0")
    assert table.splitlines()[0].endswith(" – 2026-02-10")


def test_report_period_is_the_data_s_first_and_last_day_on_both_databases(store, tmp_path):
    """service.report.report_period, which the table's heading shows, on SQLite and PostgreSQL."""
    from datetime import date

    from cxpulse.service.imports import import_path
    from cxpulse.service.report import ReportQuery, report_period

    import_path(store, "jsonl", write_desk(tmp_path / "desk.jsonl"), account="acme")
    first, last = report_period(store, ReportQuery(metrics=("csat", "kpi")))
    assert first == date(2026, 2, 1) and date(2026, 3, 25) <= last <= date(2026, 3, 31)
    assert report_period(store, ReportQuery(metrics=("csat",), until=date(2026, 2, 10)))[1] == date(2026, 2, 10)
    # narrowed to one agent: that agent's days
    assert report_period(store, ReportQuery(metrics=("csat",), where=(("agent", "a1"),)))[0] >= first
    assert report_period(store, ReportQuery(metrics=("csat",), where=(("agent", "nobody"),))) == (None, None)
    # --compare-previous: the period compared, the last 30 days with answers
    since, until = report_period(store, ReportQuery(metrics=("csat",), compare_previous=True))
    assert (until - since).days == 29
