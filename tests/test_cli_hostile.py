"""Tenant data printed by the CLI is shown as it is: never Rich markup, never a link (issue 13 §5).

Agents, groups, channels, categories, subjects, comments, ticket and account names come from
the help desk or the API, i.e. from whoever writes there. Each command that prints them runs
here on data where every one of them is hostile, and must exit 0 with the text shown literally.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse.cli import app
from tests.factories import make_ticket, write_jsonl

runner = CliRunner()

CLOSING = "[/bold] closing"
EMPTY_CLOSE = "[/]"
LINK = "[link=https://evil.example]Open ticket[/link]"
EMOJI = ":thumbs_up: great"
OSC8 = "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"


def hostile_desk(path: Path) -> Path:
    """Four low-rated tickets whose every printed field is one of the hostile strings."""
    records: list[dict] = [
        {"type": "user", "id": "a1", "role": "agent", "name": CLOSING},
        {"type": "user", "id": "a2", "role": "agent", "name": LINK},
        {"type": "user", "id": "a3", "role": "agent", "name": OSC8},
        {"type": "user", "id": "c1", "role": "customer", "name": EMPTY_CLOSE},
    ]
    for i, (agent, text) in enumerate([("a1", EMPTY_CLOSE), ("a2", LINK), ("a3", CLOSING), ("a1", EMOJI)]):
        tid = f"[{i}]"
        records.append(make_ticket(id=tid, subject=text, group=text, channel="email", category=CLOSING,
                                   assignee_id=agent, created_at=f"2026-03-0{i + 2}T09:00:00Z"))
        records.append({"type": "rating", "id": f"r{i}", "ticket_id": tid, "score": 1, "comment": text,
                        "given_at": f"2026-03-0{i + 2}T12:00:00Z"})
        records.append({"type": "response", "id": f"n{i}", "ticket_id": tid, "kind": "nps", "score": 2,
                        "given_at": f"2026-03-0{i + 2}T12:00:00Z"})
    return write_jsonl(path, records)


@pytest.fixture
def hostile_db(db_arg, tmp_path) -> str:
    result = runner.invoke(app, ["import", "jsonl", str(hostile_desk(tmp_path / "h.jsonl")), "--db", db_arg,
                                 "-a", "acme"])
    assert result.exit_code == 0, result.output
    return db_arg


def assert_literal(result, *expected: str) -> None:
    """Exit 0, each expected string printed as its own characters, no escape sequence reached the terminal."""
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}\n{result.exception!r}"
    text = "".join(result.output.split())  # a table may wrap a long cell over lines
    for s in expected:
        assert "".join(s.split()) in text, f"{s!r} not shown literally in:\n{result.output}"
    assert "\x1b" not in result.output, "a raw escape sequence reached the terminal"


@pytest.mark.parametrize("by", ["agent", "group", "category", "agent,group"])
def test_report_by_hostile_names_prints_them(hostile_db, by):
    result = runner.invoke(app, ["report", "--db", hostile_db, "--metric", "csat,nps", "--by", by])
    expected = {"agent": (CLOSING, LINK, "\\x1b]8;;https://evil.example"), "group": (EMPTY_CLOSE, LINK, EMOJI),
                "category": (CLOSING,)}
    assert_literal(result, *[s for k in by.split(",") for s in expected[k]])


def test_drilldown_prints_hostile_comments_and_subjects(hostile_db):
    result = runner.invoke(app, ["drilldown", "--db", hostile_db, "--limit", "10"])
    assert_literal(result, EMPTY_CLOSE, LINK, CLOSING, EMOJI)


def test_accounts_and_import_titles_print_a_hostile_account_name(db_arg, tmp_path):
    path = write_jsonl(tmp_path / "t.jsonl", [make_ticket()])
    imported = runner.invoke(app, ["import", "jsonl", str(path), "--db", db_arg, "-a", LINK])
    assert_literal(imported, LINK)
    assert_literal(runner.invoke(app, ["accounts", "--db", db_arg]), LINK)
    assert_literal(runner.invoke(app, ["settings", LINK, "--db", db_arg]), LINK)
    assert_literal(runner.invoke(app, ["keys", "create", "--account", LINK, "--db", db_arg]), LINK)
    assert_literal(runner.invoke(app, ["keys", "list", "--db", db_arg]), LINK)


def test_a_link_is_never_a_terminal_hyperlink(hostile_db):
    """On a real terminal Rich writes `[link=…]` as an OSC 8 escape; the text must stay text."""
    from cxpulse.cli import render

    saved = render.out
    render.out = render.LiteralConsole(force_terminal=True, width=200)
    try:
        result = runner.invoke(app, ["report", "--db", hostile_db, "--metric", "csat", "--by", "agent"])
    finally:
        render.out = saved
    assert result.exit_code == 0, result.output
    assert "\x1b]8;" not in result.output and "https://evil.example" in result.output


def test_error_messages_keep_their_brackets(db_arg, tmp_path):
    """A message naming a TOML table (`[csv]`) shows it, instead of Rich taking it for a style."""
    csv = tmp_path / "t.csv"
    csv.write_bytes("id,created,subject\n1,2026-03-02T09:00:00Z,caf\xe9\n".encode("cp1257"))
    mapping = tmp_path / "map.toml"
    mapping.write_text('[csv]\nencoding = "utf-8"\n[columns]\nticket_id = "id"\ncreated_at = "created"\nsubject = "subject"\n', encoding="utf-8")
    result = runner.invoke(app, ["import", "csv", str(csv), "--mapping", str(mapping), "--db", db_arg])
    assert "[csv] of" in result.output, result.output


def test_an_error_naming_hostile_data_exits_with_its_code_not_a_markup_error(db_arg):
    result = runner.invoke(app, ["report", "--db", db_arg, "--account", CLOSING])
    assert result.exit_code == 4, result.output
    assert f"no account named '{CLOSING}'" in result.output


@pytest.fixture(scope="module")
def trained_hostile_db(tmp_path_factory) -> str:
    """A rated help desk of a hostile account with hostile agents and ticket ids, a model trained."""
    import json

    from tests.factories import random_help_desk

    tmp = tmp_path_factory.mktemp("trained")
    db = str(tmp / "cli.db")
    records, _ = random_help_desk(tickets=300)
    records = json.loads(json.dumps(records).replace('"T', '"[/]T'))
    records += [{"type": "user", "id": a, "role": "agent", "name": name}
                for a, name in (("a1", CLOSING), ("a2", LINK), ("a3", OSC8))]
    path = write_jsonl(tmp / "desk.jsonl", records)
    assert runner.invoke(app, ["import", "jsonl", str(path), "--db", db, "-a", CLOSING]).exit_code == 0
    assert_literal(runner.invoke(app, ["train", "--db", db, "--account", CLOSING]), CLOSING)
    return db


@pytest.mark.parametrize(("args", "shown"), [
    (["score", "--account", CLOSING], (CLOSING,)),  # random ratings: "no better than chance", in words
    (["evaluate", "--account", CLOSING], (CLOSING,)),
    (["alerts", "--account", CLOSING], ()),
    (["report", "--by", "agent,channel", "--account", CLOSING], (CLOSING, LINK)),
    (["drilldown", "--account", CLOSING], (CLOSING, "[/]T")),
    (["accounts"], (CLOSING,)),
], ids=lambda v: v[0] if isinstance(v, list) else "")
def test_model_and_prediction_commands_print_hostile_names_literally(trained_hostile_db, args, shown):
    assert_literal(runner.invoke(app, [*args, "--db", trained_hostile_db]), *shown)


def test_survey_and_webhook_commands_print_hostile_names_literally(db_arg, tmp_path):
    path = write_jsonl(tmp_path / "t.jsonl", [make_ticket()])
    runner.invoke(app, ["import", "jsonl", str(path), "--db", db_arg, "-a", LINK])
    url = "https://hooks.example.com/[/bold]?x=[link=https://evil.example]"
    assert_literal(runner.invoke(app, ["surveys", "create", "csat", "--account", LINK, "--kind", "csat",
                                       "--db", db_arg]), LINK)
    assert_literal(runner.invoke(app, ["surveys", "list", "--db", db_arg]), LINK)
    assert_literal(runner.invoke(app, ["surveys", "show", "csat", "--account", LINK, "--db", db_arg]), LINK)
    assert_literal(runner.invoke(app, ["webhooks", "add", "--account", LINK, "--url", url, "--db", db_arg]), url)
    assert_literal(runner.invoke(app, ["webhooks", "list", "--db", db_arg]), LINK)
    assert_literal(runner.invoke(app, ["webhooks", "log", "--db", db_arg]))
