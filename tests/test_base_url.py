"""Survey links point at the server's real address (issue 18, item 9): `cxpulse serve`
builds them on its host and port unless told `--base-url` / CXPULSE_BASE_URL, records it
in the database, and `surveys link` / `surveys send-due` build on it — with a warning
saying how to set it when nothing is known."""

from __future__ import annotations

import email
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import httpx2 as httpx
import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from cxpulse.cli import app
from cxpulse.service.surveys import create_survey
from cxpulse.storage import Store
from cxpulse.surveys.definitions import Survey
from tests.live import free_port
from tests.survey_helpers import ACCOUNT, customer, seed, ticket

SRC = Path(__file__).resolve().parents[1] / "src"
runner = CliRunner()


def _cli(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env={"CXPULSE_BASE_URL": "", **(env or {})})


@pytest.fixture
def desk(tmp_path) -> str:
    """A SQLite database with a ticket solved an hour ago by a customer with an email, and a
    CSAT survey (the links must not have expired when the live server checks them)."""
    db = str(tmp_path / "links.db")
    store = Store.open(db)
    now = datetime.now(UTC)
    seed(store, [customer("c1", locale="en"), ticket("t1", "c1", solved_at=now - timedelta(hours=2))])
    create_survey(store, ACCOUNT, Survey(name="csat", kind="csat"), now=now - timedelta(days=1))
    store.engine.dispose()
    return db


@contextmanager
def _serve(db: str, *args: str):
    """`cxpulse serve` as a user starts it, in its own process, until the block ends; yields its stderr file."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "CXPULSE_BASE_URL"}
    env["PYTHONPATH"] = str(SRC)
    log = Path(db).with_suffix(".serve.log")
    with log.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from cxpulse.cli import main; sys.argv[0] = 'cxpulse'; main()",
             "serve", "--port", str(port), "--sync-every", "0", "--db", db, *args],
            env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"cxpulse serve did not start: {log.read_text()}")
            time.sleep(0.1)
        yield port, log
    finally:
        proc.terminate()
        proc.wait(timeout=20)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


def test_links_point_at_the_port_the_server_runs_on_and_work_there(desk):
    with _serve(desk) as (port, log):
        base = f"http://127.0.0.1:{port}"
        assert f"survey links point at {base}" in log.read_text()
        # a signature link, made by the CLI after the server started, on the server's address
        result = _cli("surveys", "link", "-a", ACCOUNT, "--survey", "csat", "--db", desk)
        assert result.exit_code == 0, result.output
        link = result.stdout.strip()
        assert link.startswith(f"{base}/l/"), link
        assert "warning" not in result.stderr
        page = httpx.get(link, timeout=10)
        assert page.status_code == 200 and 'name="score" value="5"' in page.text
        # the emails send-due mails (a real SMTP server) carry links to the same server, which record a click
        inbox = Inbox()
        smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
        smtp.start()
        try:
            result = _cli("surveys", "send-due", "--db", desk, "-f", "json",
                          env={"CXPULSE_SMTP_HOST": "127.0.0.1", "CXPULSE_SMTP_PORT": str(smtp.port)})
        finally:
            smtp.stop()
        assert result.exit_code == 0, result.output
        assert '"sent": 1' in result.stdout and "warning" not in result.stderr
        (raw,) = inbox.messages
        text = email.message_from_bytes(raw, policy=policy.default).get_body(preferencelist=("plain",)).get_content()
        links = re.findall(r"https?://[^\s]+/s/[A-Za-z0-9_.\-]+", text)
        assert len(links) == 5 and all(u.startswith(f"{base}/s/") for u in links), text
        assert "127.0.0.1:8000" not in text
        clicked = httpx.get(links[-1], timeout=10)
        assert clicked.status_code == 200 and 'lang="en"' in clicked.text


def test_base_url_option_wins_and_is_what_the_cli_then_uses(desk):
    with _serve(desk, "--base-url", "https://survey.acme.example/") as (_port, log):
        assert "survey links point at" not in log.read_text()  # told, so nothing to warn about
        link = _cli("surveys", "link", "-a", ACCOUNT, "--survey", "csat", "--db", desk).stdout.strip()
    assert link.startswith("https://survey.acme.example/l/")
    # the environment beats what the server recorded
    env_link = _cli("surveys", "link", "-a", ACCOUNT, "--survey", "csat", "--db", desk,
                    env={"CXPULSE_BASE_URL": "https://elsewhere.example"}).stdout.strip()
    assert env_link.startswith("https://elsewhere.example/l/")


def test_with_no_base_url_known_the_link_commands_say_how_to_set_one(desk):
    result = _cli("surveys", "link", "-a", ACCOUNT, "--survey", "csat", "--db", desk)
    assert result.exit_code == 0
    assert result.stdout.strip().startswith("http://127.0.0.1:8000/l/")  # stdout stays the link alone
    warning = " ".join(result.stderr.split())
    assert "no base URL is set" in warning and "CXPULSE_BASE_URL=https://" in warning
    assert "cxpulse serve --base-url" in warning
    told = _cli("surveys", "link", "-a", ACCOUNT, "--survey", "csat", "--db", desk,
                env={"CXPULSE_BASE_URL": "https://survey.acme.example"})
    assert told.stdout.startswith("https://survey.acme.example/l/") and told.stderr == ""


@pytest.mark.parametrize("bad", ["survey.acme.example", "ftp://x.example", "https://", "http://x.example:port"])
def test_a_malformed_base_url_is_refused_naming_where_it_came_from(desk, bad):
    served = _cli("serve", "--base-url", bad, "--db", desk)
    assert served.exit_code != 0
    assert "--base-url" in served.output and "https://survey.example.com" in " ".join(served.output.split())
    made = _cli("surveys", "link", "-a", ACCOUNT, "--survey", "csat", "--db", desk, env={"CXPULSE_BASE_URL": bad})
    assert made.exit_code != 0 and "CXPULSE_BASE_URL" in made.output
