"""Each help desk connection's state on the dashboard's Connections page and from
GET /api/v1/connections: kind, URL, the token masked (…last4, never the token), last
sync, cursor position, last error, the next scheduled sync — for the accounts the viewer
may see. Against the fake Zendesk (tests/fakes, 127.0.0.1 only), synced by the server's
own schedule; the page also in a real browser (Playwright driving Debian's chromium)."""

from __future__ import annotations

import copy
import os
import time

import pytest
from fastapi.testclient import TestClient

from cxpulse.service.connections import connect
from cxpulse.service.keys import create_key
from cxpulse.service.sync_schedule import SyncScheduler
from cxpulse.storage import Store
from cxpulse.web import create_app
from tests.dashboard_helpers import login
from tests.fakes.waits import no_real_waits
from tests.fakes.zendesk_api import FakeZendesk, make_world
from tests.live import CHROMIUM, CHROMIUM_ARGS, CONTRAST_JS, browser_or_skip, serving

BAD = "revoked-token-SECRET-4242"


@pytest.fixture(autouse=True)
def no_sleeping(monkeypatch):
    return no_real_waits(monkeypatch)


@pytest.fixture
def fake():
    f = FakeZendesk(copy.deepcopy(make_world(5, tickets=12)), page_size=10, token="zd-api-token-SECRET-77c1")
    with f.running():
        yield f


@pytest.fixture
def desk(tmp_path, fake):
    """(app, store, keys): acme connected with the right token, beta with a revoked one,
    globex not connected; the server's schedule has run one round."""
    store = Store.open(tmp_path / "connections.db")
    connect(store, "acme", "zendesk", fake.url, fake.token, email=fake.email)
    connect(store, "beta", "zendesk", fake.url, BAD, email=fake.email)
    store.ensure_account("globex")
    keys = {name: create_key(store, account=name)[0] for name in ("acme", "beta", "globex")}
    keys["admin"] = create_key(store, admin=True)[0]
    app = create_app(store)
    app.state.rate_limiter = None
    ctx = app.state.context
    ctx.sync_schedule = SyncScheduler(ctx, every=3600)
    ctx.sync_schedule.start()
    deadline = time.monotonic() + 30
    while ctx.sync_schedule.rounds < 1:
        assert time.monotonic() < deadline, "the first round did not finish"
        time.sleep(0.05)
    yield app, store, keys
    ctx.sync_schedule.stop()
    store.engine.dispose()


def _secrets(fake: FakeZendesk) -> tuple[str, ...]:
    return fake.token, BAD, "SECRET"


def test_the_api_answers_each_connections_state_with_the_token_masked(desk, fake):
    app, _store, keys = desk
    client = TestClient(app)
    admin = client.get("/api/v1/connections", headers={"Authorization": f"Bearer {keys['admin']}"})
    assert admin.status_code == 200
    assert not any(s in admin.text for s in _secrets(fake))
    by = {c["account"]: c for c in admin.json()["data"]}
    assert set(by) == {"acme", "beta"} and admin.json()["count"] == 2
    acme, beta = by["acme"], by["beta"]
    assert (acme["kind"], acme["url"], acme["email"], acme["token"]) == ("zendesk", fake.url, fake.email, "…77c1")
    assert acme["last_sync_at"] and acme["last_error"] == "" and '"tickets"' in acme["cursor"]
    assert acme["next_sync_at"] > acme["last_sync_at"] and acme["sync_every_minutes"] == 60
    assert beta["last_sync_at"] is None and "refused the credentials" in beta["last_error"] and beta["token"] == "…4242"
    own = client.get("/api/v1/connections", headers={"Authorization": f"Bearer {keys['acme']}"}).json()
    assert [c["account"] for c in own["data"]] == ["acme"]
    one = client.get("/api/v1/accounts/acme/connection", headers={"Authorization": f"Bearer {keys['acme']}"})
    assert one.status_code == 200 and one.json()["token"] == "…77c1"
    other = client.get("/api/v1/accounts/beta/connection", headers={"Authorization": f"Bearer {keys['acme']}"})
    assert other.status_code == 404 and other.json()["error"]["code"] == "account_not_found"
    none = client.get("/api/v1/accounts/globex/connection", headers={"Authorization": f"Bearer {keys['globex']}"})
    assert none.status_code == 404 and none.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/connections").status_code == 401


def test_the_page_shows_the_viewers_connections_and_never_a_token(desk, fake):
    app, _store, keys = desk
    with TestClient(app) as client:
        assert login(client, keys["acme"], "/connections").status_code == 303
        html = client.get("/connections").text
    assert 'data-account="acme"' in html and 'data-account="beta"' not in html
    assert "…77c1" in html and not any(s in html for s in _secrets(fake))
    assert "events since" in html and ">never<" not in html
    with TestClient(app) as client:
        login(client, keys["globex"], "/connections")
        empty = client.get("/connections").text
    assert "No connections for this account" in empty and "cxpulse connect zendesk globex" in empty


def test_a_support_lead_reads_the_connections_in_a_real_browser(desk, fake, tmp_path):
    sync_playwright = browser_or_skip()
    app, _store, keys = desk
    with serving(app) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(5000)
            page.goto(f"{base}/login")
            page.get_by_label("API key").fill(keys["admin"])
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base}/")
            page.locator("nav.pages").get_by_role("link", name="Connections", exact=True).click()
            page.wait_for_url(f"{base}/connections")
            assert page.locator("nav.pages [aria-current=page]").inner_text() == "Connections"

            def cell(account: str, field: str) -> str:
                return page.locator(f'tr[data-account="{account}"] [data-field="{field}"]').inner_text().strip()

            assert cell("acme", "kind") == "Zendesk" and cell("acme", "url") == fake.url
            assert cell("acme", "token") == "…77c1" and cell("beta", "token") == "…4242"
            assert cell("acme", "last_sync_at").endswith("UTC") and cell("beta", "last_sync_at") == "never"
            assert "tickets" in cell("acme", "cursor") and "events since" in cell("acme", "cursor")
            assert cell("beta", "cursor") == "the start"
            assert cell("acme", "last_error") == "none" and "refused the credentials" in cell("beta", "last_error")
            assert "UTC" in cell("acme", "next_sync_at") and "every 60 min" in cell("acme", "next_sync_at")
            text = page.locator("body").inner_text()
            html = page.content()
            assert not any(s in text or s in html for s in _secrets(fake))
            assert page.evaluate(CONTRAST_JS) == []
            page.screenshot(path=str(tmp_path / "dashboard-connections.png"), full_page=True)
            keep = os.environ.get("CXPULSE_KEEP_SCREENSHOTS")
            if keep:
                os.makedirs(keep, exist_ok=True)
                page.screenshot(path=os.path.join(keep, "dashboard-connections.png"), full_page=True)
        finally:
            browser.close()


def test_the_cursor_position_reads_as_times_and_the_doctests_hold():
    import doctest

    from cxpulse.web.dashboard import connections

    assert doctest.testmod(connections).failed == 0
    assert connections.cursor_position("not json") == [("cursor", "not json")]
    assert connections.cursor_position('{"page": 3}') == [("page", "3")]
