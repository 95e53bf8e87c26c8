"""The App context (service/context.py): what a server keeps sits on one object made at
start-up and passed in — nothing is hung on the Store, two apps share nothing."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient

from cxpulse.config import Settings
from cxpulse.service.context import App, as_app
from cxpulse.service.ingest import ingest_batch, wait_for_refresh
from cxpulse.service.keys import create_key
from cxpulse.web import create_app


def test_an_app_keeps_its_state_on_its_context_and_nothing_on_the_store(store):
    store.ensure_account("acme")
    key, _ = create_key(store, account="acme")
    before = set(vars(store))
    app = create_app(store, settings=replace(Settings(), rate_limit="off"))
    ctx = app.state.context
    assert isinstance(ctx, App) and ctx.store is store and app.state.rate_limiter is None  # its settings
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {key}"}
        assert client.get("/api/v1/metrics", headers=headers).status_code == 200
        assert client.get("/api/v1/accounts/acme", headers=headers).status_code == 200
        batch = {"items": [{"id": "t1", "created_at": "2026-03-02T09:00:00Z"}]}
        r = client.post("/api/v1/accounts/acme/tickets", json=batch, headers=headers)
        assert r.status_code == 200, r.text
        assert wait_for_refresh(ctx, timeout=60)
    assert set(vars(store)) == before
    assert ctx.accounts.kept("acme") is not False and ctx._refresher is not None


def test_two_apps_over_one_store_share_nothing(store):
    one, two = App(store), App(store)
    assert one.reports is not two.reports and one.refresher is not two.refresher
    assert one.accounts is not two.accounts and one.write_lock is not two.write_lock
    assert as_app(one) is one and as_app(store).store is store


def test_a_bare_store_gets_a_light_app_for_a_one_off_batch(store):
    store.ensure_account("acme")
    result = ingest_batch(store, "acme", "tickets", [{"id": "t1", "created_at": "2026-03-02T09:00:00Z"}], wait=True)
    assert result.inserted == 1 and result.refreshed


def test_settings_given_to_the_app_are_the_ones_it_keeps(store, monkeypatch):
    monkeypatch.setenv("CXPULSE_BASE_URL", "https://a.example")
    ctx = App(store)
    monkeypatch.setenv("CXPULSE_BASE_URL", "https://b.example")
    assert ctx.settings.base_url == "https://a.example"  # read at start-up
    assert App(store, Settings(base_url="https://c.example")).settings.base_url == "https://c.example"
