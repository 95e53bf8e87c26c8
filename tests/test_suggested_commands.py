"""Every `cxpulse …` command the dashboard or the docs suggest runs as shown (issue 13 §10).

The Surveys page used to suggest `cxpulse surveys create --account … --name csat`, and
`--name` does not exist. Here the dashboard's pages are rendered in the states where they
suggest commands (no accounts, no surveys, no webhooks, no model, no scores), each
command in a `<code>` is taken from the HTML and run through the CLI against the same
database. The docs' commands are parsed by the CLI: none may be a usage error.
"""

from __future__ import annotations

import html
import re
import shlex
from pathlib import Path

import pytest
import typer.main
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cxpulse.cli import app as cli
from cxpulse.service.keys import create_key
from cxpulse.storage import Store
from cxpulse.web import create_app
from tests.dashboard_helpers import login
from tests.factories import random_help_desk, write_jsonl

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "Acme Support"  # a space: the page must quote it for the command to run as shown
PAGES = ["/", "/agents", "/groups", "/drivers", "/sla", "/low-ratings", "/at-risk", "/model", "/alerts", "/webhooks",
         "/surveys"]
# what the pages write for a value the reader fills in
PLACEHOLDERS = {"NAME": ACCOUNT, "URL": "https://hooks.example.com/cxpulse"}
NOT_RUN = {"demo"}  # builds 20,000 tickets and trains three models: parsed, not run
runner = CliRunner()


try:  # typer 0.29 carries its own copy of click
    from typer._click.exceptions import UsageError
except ImportError:  # pragma: no cover - an older typer on the real click
    from click import UsageError


def usage_error(args: list[str]) -> str | None:
    """The CLI's usage error for `cxpulse args` (unknown option, missing argument, bad
    choice), or None — found by parsing alone, without running anything."""
    cmd = typer.main.get_command(cli)
    try:
        ctx = cmd.make_context("cxpulse", list(args))
        while hasattr(cmd, "resolve_command"):  # a group: on to its subcommand
            rest = [*ctx._protected_args, *ctx.args]
            name, cmd, rest = cmd.resolve_command(ctx, rest)
            ctx = cmd.make_context(name, rest, parent=ctx)
    except UsageError as e:
        return e.format_message()
    return None


def commands_in(page: str) -> list[str]:
    return [html.unescape(c) for c in re.findall(r"<code>(cxpulse [^<]*)</code>", page)]


def shown_commands(db: Path, desk: Path) -> list[str]:
    """Every command in a <code> of every dashboard page, for an account with rated tickets
    (and nothing else), for an admin while there are no accounts, and on the login form."""
    store = Store.open(db)
    admin, _ = create_key(store, admin=True)
    found: list[str] = []
    with TestClient(create_app(store)) as client:
        found += commands_in(client.get("/login").text)
        assert login(client, admin).status_code == 303
        found += commands_in(client.get("/").text)
    result = runner.invoke(cli, ["import", "jsonl", str(desk), "--account", ACCOUNT, "--db", str(db)])
    assert result.exit_code == 0, result.output
    key, _ = create_key(store, account=ACCOUNT)
    with TestClient(create_app(store)) as client:
        assert login(client, key).status_code == 303
        for path in PAGES:
            page = client.get(path)
            assert page.status_code == 200, path
            found += commands_in(page.text)
    store.engine.dispose()
    return list(dict.fromkeys(found))


def test_every_command_the_dashboard_suggests_runs(tmp_path):
    db, desk = tmp_path / "cli.db", write_jsonl(tmp_path / "desk.jsonl", random_help_desk(tickets=300)[0])
    shown = shown_commands(db, desk)
    # each empty state names its way out: the pages must keep showing these
    for expected in ("cxpulse surveys create", "cxpulse webhooks add", "cxpulse train", "cxpulse keys create",
                     "cxpulse import", "cxpulse demo", "cxpulse score --open", "cxpulse sla apply"):
        assert any(c.startswith(expected) for c in shown), f"no page shows {expected!r}: {sorted(shown)}"
    # what the others need first: data, then a model (`score --open` scores with it)
    # the SLA page's POLICIES: the example policy file of docs/sla.md, so it must apply as written
    example = re.search(r"```toml\n(.*?)```", (ROOT / "docs" / "sla.md").read_text(encoding="utf-8"), re.S).group(1)
    policies = tmp_path / "policies.toml"
    policies.write_text(example, encoding="utf-8")
    for command in sorted(shown, key=lambda c: not c.startswith(("cxpulse import", "cxpulse train"))):
        words = [{**PLACEHOLDERS, "FILE": str(desk), "POLICIES": str(policies)}.get(w, w)
                 for w in shlex.split(command)][1:]
        assert usage_error(words) is None, f"`{command}`: {usage_error(words)}"
        if words[0] in NOT_RUN:
            continue
        result = runner.invoke(cli, [*words, "--db", str(db)])
        assert result.exit_code == 0, f"`{command}` exits {result.exit_code}: {result.output}"


def docs_commands() -> list[tuple[str, str]]:
    """(file, command) for each `cxpulse …` line of a shell block in the docs and README."""
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"```(?:sh|bash|shell|console)?\n(.*?)```", text, flags=re.S):
            for line in block.splitlines():
                line = re.sub(r"^\$ ", "", line.strip())
                line = re.sub(r"^(?:[A-Z_]+=\S+ )+", "", line)  # VAR=value before the command
                if line.startswith("cxpulse "):
                    found.append((path.name, line.split(" #")[0].split(" | ")[0].split(" && ")[0].strip()))
    return found


@pytest.mark.parametrize(("doc", "command"), docs_commands())
def test_every_command_in_the_docs_parses(doc, command):
    words = shlex.split(re.sub(r" \[[^\]]*\]", "", command))[1:]  # a synopsis: `[--account NAME]` is optional
    assert usage_error(words) is None, f"{doc}: `{command}`: {usage_error(words)}"
