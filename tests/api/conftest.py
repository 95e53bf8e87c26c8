"""An app per store (SQLite and PostgreSQL) with three keys: one for account acme, one
for account globex, one admin. Rate limiting is off unless a test turns it on."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from cxpulse.service.ingest import wait_for_refresh
from cxpulse.service.keys import create_key
from cxpulse.storage import Store
from cxpulse.web import create_app


@dataclass
class Api:
    client: TestClient
    store: Store
    acme: dict[str, str]  # headers with acme's key
    globex: dict[str, str]
    admin: dict[str, str]
    acme_key: str

    def get(self, url: str, headers: dict[str, str] | None = None, **kw):
        return self.client.get(url, headers=self.acme if headers is None else headers, **kw)

    def post(self, url: str, json=None, headers: dict[str, str] | None = None, **kw):
        return self.client.post(url, json=json, headers=self.acme if headers is None else headers, **kw)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def api(store) -> Api:
    store.ensure_account("acme")
    store.ensure_account("globex")
    acme, _ = create_key(store, account="acme")
    globex, _ = create_key(store, account="globex")
    admin, _ = create_key(store, admin=True)
    app = create_app(store)
    app.state.rate_limiter = None
    with TestClient(app) as client:
        yield Api(client, store, bearer(acme), bearer(globex), bearer(admin), acme)
    assert wait_for_refresh(store, timeout=60)  # nothing of this test is refreshed during the next


def assert_error(resp, status: int, code: str) -> dict:
    """The one error shape: {"error": {"code", "message", "details"}}."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]
