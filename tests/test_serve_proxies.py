"""`cxpulse serve` believes X-Forwarded-For only from the proxies it is told to (issue 13 §16).

Signature-link votes are limited per client address (5 an hour). uvicorn alone believes the
header from 127.0.0.1, so anyone reaching the server from the host, or through a same-host
proxy that passes the header on, could vote from as many addresses as they cared to type.
These tests run the app the way `serve` wraps it in uvicorn.
"""

from __future__ import annotations

import pytest
import uvicorn
from starlette.testclient import TestClient
from typer.testing import CliRunner

from cxpulse.cli import app as cli
from cxpulse.cli.serve import uvicorn_proxy_options
from cxpulse.service.surveys import create_survey, link_url
from cxpulse.surveys.definitions import Survey
from cxpulse.web import create_app
from tests.survey_helpers import ACCOUNT, T0, customer, responses, seed, ticket, token_of


def _served(store, trusted: str, monkeypatch) -> TestClient:
    """The app behind uvicorn's middleware as `serve --trusted-proxies trusted` sets it up,
    reached from a peer on the same host."""
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    config = uvicorn.Config(create_app(store, clock=lambda: T0), **uvicorn_proxy_options(trusted))
    config.load()
    return TestClient(config.loaded_app, client=("127.0.0.1", 40000))


def _votes(store, client: TestClient) -> list[int]:
    seed(store, [customer("c1"), ticket("t1", "c1", solved_at=T0)])
    create_survey(store, ACCOUNT, Survey(name="csat", kind="csat"), now=T0)
    token = token_of(link_url(store, ACCOUNT, "csat"))
    return [client.post(f"/l/{token}", data={"score": "5", "ticket": f"x{i}"},
                        headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(7)]


def test_by_default_a_forwarded_address_from_a_local_peer_is_not_believed(store, monkeypatch):
    with _served(store, "", monkeypatch) as client:
        assert _votes(store, client) == [200] * 5 + [429] * 2  # one address: the peer's
    assert len(responses(store)) == 5


def test_a_named_proxy_is_believed(store, monkeypatch):
    with _served(store, "127.0.0.1, 10.0.0.0/8", monkeypatch) as client:
        assert _votes(store, client) == [200] * 7  # seven clients behind the proxy


@pytest.mark.parametrize("bad", ["localhost", "10.0.0.0/33", "127.0.0.1;rm"])
def test_a_malformed_proxy_is_refused_before_the_server_starts(bad, tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--trusted-proxies", bad, "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2, result.output
    assert f"{bad!r} is not an IP address or network" in result.output
