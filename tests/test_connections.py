"""Connections (issue 15 §1): stored once per account on both databases, checked before
they are stored, and the token never shown — not by `connect`, `connections` in any
format, nor an error — except as `…` and its last 4 characters."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cxpulse.cli import app
from cxpulse.domain import InvalidQuery, NotFound
from cxpulse.service.connections import connect, connection_for_sync, disconnect, list_connections, masked
from cxpulse.storage import Store
from cxpulse.storage import connections as stored

TOKEN = "tok-SECRET-1234"
KEY = "fd-SECRET-9876"
runner = CliRunner()


@pytest.fixture
def db(store: Store) -> str:
    """The store as a --db value, so the commands run on both databases too."""
    return store.engine.url.render_as_string(hide_password=False)


def _run(*args: str, env: dict | None = None):
    result = runner.invoke(app, list(args), env=env)
    return result, result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_masked_shows_only_the_last_four_characters():
    assert masked(TOKEN) == "…1234"
    assert masked("abcd") == "…"  # a token this short would be shown whole
    assert masked("") == "…"


def test_connect_lists_replaces_and_disconnects(store: Store):
    connect(store, "acme", "zendesk", "http://127.0.0.1:8080/", TOKEN, email="agent@acme.com")
    connect(store, "beta", "freshdesk", "https://beta.freshdesk.com", KEY)
    rows = list_connections(store)
    assert [(r["account"], r["kind"], r["url"], r["email"], r["token"]) for r in rows] == [
        ("acme", "zendesk", "http://127.0.0.1:8080", "agent@acme.com", "…1234"),
        ("beta", "freshdesk", "https://beta.freshdesk.com", "", "…9876"),
    ]
    assert rows[0]["cursor"] == "" and rows[0]["last_sync_at"] is None and rows[0]["last_error"] == ""
    assert "SECRET" not in json.dumps(rows, default=str)
    assert connection_for_sync(store, "acme").token == TOKEN  # stored as given, for the sync

    # the sync's place survives a new token; a new URL starts again from the start
    acme = store.account("acme").id
    with store.engine.begin() as conn:
        stored.save_progress(conn, acme, cursor='{"after_cursor": "abc"}')
    connect(store, "acme", "zendesk", "http://127.0.0.1:8080", "tok-SECRET-5678", email="agent@acme.com")
    row = connection_for_sync(store, "acme")
    assert (row.token, row.cursor) == ("tok-SECRET-5678", '{"after_cursor": "abc"}')
    connect(store, "acme", "zendesk", "http://127.0.0.1:9090", "tok-SECRET-5678", email="agent@acme.com")
    assert connection_for_sync(store, "acme").cursor == ""
    assert len(list_connections(store)) == 2  # replaced, not added

    assert disconnect(store, "beta")["token"] == "…9876"
    assert [r["account"] for r in list_connections(store)] == ["acme"]
    with pytest.raises(NotFound, match="no connection"):
        disconnect(store, "beta")
    with pytest.raises(NotFound, match="no account named 'nobody'"):
        disconnect(store, "nobody")


def test_connect_creates_the_account_as_an_import_does(store: Store):
    connect(store, "new", "freshdesk", "https://new.freshdesk.com", KEY)
    assert store.account("new").name == "new"


@pytest.mark.parametrize(
    ("kind", "url", "email", "token", "says"),
    [
        ("zammad", "https://x.example.com", "a@x.com", TOKEN, "unknown help desk 'zammad'"),
        ("zendesk", "ftp://acme.zendesk.com", "a@x.com", TOKEN, "not an http:// or https:// URL"),
        ("zendesk", "acme.zendesk.com", "a@x.com", TOKEN, "not an http:// or https:// URL"),
        ("zendesk", "https://", "a@x.com", TOKEN, "with a host"),
        ("zendesk", "https://a@x.com:tok-SECRET-1234@acme.zendesk.com", "a@x.com", TOKEN, "without it"),
        ("zendesk", "https://acme.zendesk.com", "", TOKEN, "give --email"),
        ("zendesk", "https://acme.zendesk.com", "agent", TOKEN, "not an email address"),
        ("freshdesk", "https://acme.freshdesk.com", "a@x.com", KEY, "leave out --email"),
        ("zendesk", "https://acme.zendesk.com", "a@x.com", "  ", "give --token or set CXPULSE_ZENDESK_TOKEN"),
        ("freshdesk", "https://acme.freshdesk.com", None, "", "give --token or set CXPULSE_FRESHDESK_TOKEN"),
    ],
)
def test_a_bad_connection_is_refused_with_the_fix(store: Store, kind, url, email, token, says):
    with pytest.raises(InvalidQuery, match=says) as caught:
        connect(store, "acme", kind, url, token, email=email)
    assert "SECRET" not in str(caught.value)
    assert list_connections(store) == []
    with pytest.raises(NotFound):  # nothing was created for a refused connection
        store.account("acme")


def test_the_commands_never_print_the_token(db: str):
    result, said = _run("connect", "zendesk", "acme", "--url", "http://127.0.0.1:8080", "--email", "agent@acme.com",
                        "--token", TOKEN, "--db", db)
    assert result.exit_code == 0, said
    assert "…1234" in said and "SECRET" not in said
    result, said = _run("connect", "freshdesk", "beta", "--url", "https://beta.freshdesk.com", "--token", KEY,
                        "--db", db)
    assert result.exit_code == 0, said
    assert "…9876" in said and "SECRET" not in said

    for fmt in ("table", "csv", "json"):
        result, said = _run("connections", "--format", fmt, "--db", db)
        assert result.exit_code == 0, said
        assert "…1234" in said and "…9876" in said and "SECRET" not in said, fmt
    rows = json.loads(_run("connections", "-f", "json", "--db", db)[0].stdout)
    assert {r["account"]: r["token"] for r in rows} == {"acme": "…1234", "beta": "…9876"}
    assert set(rows[0]) >= {"account", "kind", "url", "email", "token", "last_sync_at", "cursor", "last_error"}

    # an error about a connection that has a token says what to fix, and not the token
    result, said = _run("connect", "zendesk", "acme", "--url", "ftp://acme", "--email", "a@x.com", "--token", TOKEN,
                        "--db", db)
    assert result.exit_code == 2 and "http:// or https://" in said and "SECRET" not in said

    result, said = _run("disconnect", "beta", "--db", db)
    assert result.exit_code == 0 and "SECRET" not in said
    result, said = _run("disconnect", "beta", "--db", db)
    assert result.exit_code == 4 and "no connection" in said


def test_the_token_comes_from_the_environment(db: str, monkeypatch):
    monkeypatch.setenv("CXPULSE_ZENDESK_TOKEN", TOKEN)
    monkeypatch.setenv("CXPULSE_FRESHDESK_TOKEN", KEY)
    result, said = _run("connect", "zendesk", "acme", "--url", "https://acme.zendesk.com", "--email", "a@x.com",
                        "--db", db)
    assert result.exit_code == 0, said
    result, said = _run("connect", "freshdesk", "beta", "--url", "https://beta.freshdesk.com", "--db", db)
    assert result.exit_code == 0, said
    assert "SECRET" not in said
    store = Store.open(db)
    assert connection_for_sync(store, "acme").token == TOKEN
    assert connection_for_sync(store, "beta").token == KEY
    store.engine.dispose()


def test_a_missing_token_names_both_ways_to_give_it(db: str, monkeypatch):
    monkeypatch.delenv("CXPULSE_ZENDESK_TOKEN", raising=False)
    result, said = _run("connect", "zendesk", "acme", "--url", "https://acme.zendesk.com", "--email", "a@x.com",
                        "--db", db)
    assert result.exit_code == 2
    assert "--token" in said and "CXPULSE_ZENDESK_TOKEN" in said
