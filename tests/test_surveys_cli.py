"""`cxpulse surveys …` as a user runs it: define, list, show, update, send-due, link."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from cxpulse.cli import app
from tests.factories import make_ticket, write_jsonl
from tests.live import free_port

FIXTURE = Path(__file__).parent / "fixtures" / "small.jsonl"
runner = CliRunner()
COMMANDS = ("create", "list", "show", "update", "send-due", "link", "comments")


def _run(*args: str):
    return runner.invoke(app, ["surveys", *args])


@pytest.fixture
def acme(db_arg):
    assert runner.invoke(app, ["import", "jsonl", str(FIXTURE), "--db", db_arg, "-a", "acme"]).exit_code == 0
    return db_arg


def test_every_surveys_command_has_help_with_an_example():
    assert "Example:" in _run("--help").output
    for name in COMMANDS:
        result = _run(name, "--help")
        assert result.exit_code == 0, name
        assert "Example:" in result.output, f"`cxpulse surveys {name} --help` shows no example"


def test_define_list_show_and_update_a_survey(acme):
    made = _run("create", "csat", "--account", "acme", "--kind", "csat", "--reasons", "slow,other",
                "--reminder-days", "3", "--language", "lt", "--db", acme, "-f", "json")
    assert made.exit_code == 0, made.output
    (line,) = json.loads(made.stdout)
    assert (line["kind"], line["scale"], line["reasons"], line["reminder_days"], line["language"]) == (
        "csat", "1-5", "slow,other", 3, "lt")
    _run("create", "effort", "-a", "acme", "--kind", "ces", "--scale", "1-10", "--no-comment", "--db", acme)
    listed = json.loads(_run("list", "--db", acme, "-f", "json").stdout)
    assert [(s["name"], s["scale"], s["comment"]) for s in listed] == [("csat", "1-5", True), ("effort", "1-10", False)]
    updated = _run("update", "csat", "-a", "acme", "--throttle-days", "60", "--reminder-days", "0", "--inactive",
                   "--db", acme, "-f", "json")
    assert updated.exit_code == 0, updated.output
    shown = json.loads(_run("show", "csat", "-a", "acme", "--db", acme, "-f", "json").stdout)
    assert (shown["throttle_days"], shown["reminder_days"], shown["active"], shown["reasons"]) == (60, None, False,
                                                                                                  "slow,other")
    table = _run("list", "--db", acme)
    assert table.exit_code == 0 and "effort" in table.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("create", "x", "-a", "nobody", "--kind", "csat"), 4, "no account named 'nobody'"),
        (("create", "x", "-a", "acme", "--kind", "stars"), 2, "kind"),
        (("create", "x", "-a", "acme", "--kind", "csat", "--scale", "1-7"), 2, "scale"),
        (("create", "x", "-a", "acme", "--kind", "csi"), 2, "attributes"),
        (("show", "nothing", "-a", "acme"), 4, "no survey named 'nothing'"),
        (("send-due", "--now", "yesterday"), 2, "--now"),
    ],
)
def test_bad_requests_fail_with_a_message_and_exit_code(acme, args, code, message):
    result = _run(*args, "--db", acme)
    assert result.exit_code == code, result.output
    assert message in result.output


def test_a_duplicate_name_is_refused(acme):
    assert _run("create", "csat", "-a", "acme", "--kind", "csat", "--db", acme).exit_code == 0
    again = _run("create", "csat", "-a", "acme", "--kind", "nps", "--db", acme)
    assert again.exit_code == 2 and "already has a survey named 'csat'" in again.output


class _Inbox:
    def __init__(self) -> None:
        self.rcpts: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.rcpts += envelope.rcpt_tos
        return "250 OK"


def test_send_due_reads_smtp_from_the_environment_and_prints_the_summary(acme, tmp_path, monkeypatch):
    assert _run("create", "csat", "-a", "acme", "--kind", "csat", "--db", acme).exit_code == 0
    solved = datetime.now(UTC) + timedelta(minutes=1)  # solved after the survey was defined
    records = [{"type": "user", "id": "c9", "role": "customer", "email": "c9@example.com", "locale": "ru"},
               make_ticket(id="2001", requester_id="c9", created_at=(solved - timedelta(hours=2)).isoformat(),
                           solved_at=solved.isoformat())]
    runner.invoke(app, ["import", "jsonl", str(write_jsonl(tmp_path / "new.jsonl", records)), "--db", acme,
                        "-a", "acme"])
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        monkeypatch.setenv("CXPULSE_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("CXPULSE_SMTP_PORT", str(controller.port))
        monkeypatch.setenv("CXPULSE_SMTP_FROM", "survey@acme.example")
        later = (solved + timedelta(hours=2)).isoformat()
        result = _run("send-due", "--now", later, "--db", acme, "-f", "json")
        again = _run("send-due", "--now", later, "--db", acme, "-f", "json")
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["scheduled"], summary["sent"], summary["failed"]) == (1, 1, 0)
    assert json.loads(again.stdout)["sent"] == 0
    assert inbox.rcpts == ["c9@example.com"]
    rate = json.loads(runner.invoke(app, ["report", "--metric", "response-rate", "--db", acme, "-f", "json"]).stdout)
    assert [(r["kind"], r["n"]) for r in rate] == [("csat", 1)]


def test_send_due_since_reaches_back_to_tickets_solved_before_the_survey(acme):
    assert _run("create", "csat", "-a", "acme", "--kind", "csat", "--db", acme).exit_code == 0
    plain = json.loads(_run("send-due", "--now", "2026-03-03T00:00:00Z", "--db", acme, "-f", "json").stdout)
    assert plain["scheduled"] == 0  # ticket 1001 was solved long before the survey was defined
    result = _run("send-due", "--since", "2026-03-01", "--now", "2026-03-03T00:00:00Z", "--db", acme, "-f", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["scheduled"], summary["skipped_no_email"]) == (1, 1)  # c1 has no email address


def test_link_prints_a_signed_url_under_the_base_url(acme, monkeypatch):
    monkeypatch.setenv("CXPULSE_BASE_URL", "https://survey.acme.example/")
    _run("create", "csat", "-a", "acme", "--kind", "csat", "--db", acme)
    result = _run("link", "-a", "acme", "--survey", "csat", "--agent", "a1", "--db", acme)
    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    assert url.startswith("https://survey.acme.example/l/") and "\n" not in url
    again = _run("link", "-a", "acme", "--survey", "csat", "--agent", "a1", "--db", acme).stdout.strip()
    assert again == url  # the secret is kept in the database: links stay the same
