"""Keys: every API route needs one, in `Authorization: Bearer <key>`; unknown, garbled
and revoked keys get 401 in the error shape; an admin key reads every account."""

from __future__ import annotations

import pytest

from cxpulse.api.deps import KeyCache
from cxpulse.service.keys import revoke_key
from tests.api.conftest import assert_error
from tests.api.test_isolation import ROUTES, UNSCOPED, url

ALL = ROUTES + UNSCOPED


@pytest.mark.parametrize(("method", "path", "body"), ALL, ids=[f"{m} {p}" for m, p, _ in ALL])
def test_every_route_refuses_a_request_without_a_key(api, method, path, body):
    resp = api.client.request(method, url(path, "acme"), json=body)
    err = assert_error(resp, 401, "unauthorized")
    assert "Bearer" in err["message"] and resp.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("header", [
    "Bearer cxp_not-a-real-key", "Bearer ", "Basic dXNlcjpwYXNz", "cxp_no_scheme", "Bearer " + "x" * 500,
])
def test_unknown_or_malformed_keys_get_401(api, header):
    assert_error(api.client.get("/api/v1/accounts", headers={"Authorization": header}), 401, "unauthorized")


def test_a_revoked_key_stops_working(api):
    api.client.app.state.key_cache = KeyCache(ttl=0)  # the default keeps a key for 5 s
    assert api.get("/api/v1/accounts").status_code == 200
    revoke_key(api.store, api.acme_key[:12])
    assert_error(api.get("/api/v1/accounts"), 401, "unauthorized")


def test_an_account_key_sees_its_account_and_an_admin_key_sees_all(api):
    mine = api.get("/api/v1/accounts").json()
    assert [a["name"] for a in mine["data"]] == ["acme"] and mine["count"] == 1
    everyone = api.get("/api/v1/accounts", headers=api.admin).json()
    assert [a["name"] for a in everyone["data"]] == ["acme", "globex"]
    assert api.get("/api/v1/accounts/globex", headers=api.admin).json()["name"] == "globex"


def test_the_scheme_is_case_insensitive_and_the_key_is_checked_once_per_few_seconds(api, monkeypatch):
    calls = []
    from cxpulse.api import deps

    real = deps.verify_key
    monkeypatch.setattr(deps, "verify_key", lambda store, key: calls.append(key) or real(store, key))
    headers = {"Authorization": "bearer " + api.acme_key}
    for _ in range(5):
        assert api.client.get("/api/v1/accounts", headers=headers).status_code == 200
    assert len(calls) == 1


def test_unknown_api_paths_and_methods_answer_in_the_error_shape(api):
    assert_error(api.get("/api/v1/nothing-here"), 404, "not_found")
    err = assert_error(api.client.delete("/api/v1/accounts/acme/at-risk", headers=api.acme), 405, "method_not_allowed")
    assert err["details"]["allowed"] == ["GET"]


def test_openapi_and_offline_docs(api):
    schema = api.client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    assert "/api/v1/accounts/{account}/tickets" in schema["paths"]
    page = api.client.get("/docs")
    assert page.status_code == 200 and "/docs/assets/swagger-ui-bundle.js" in page.text and "http" not in page.text
    js = api.client.get("/docs/assets/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    assert api.client.get("/docs/init.js").text.count("/openapi.json") == 1
    assert api.client.get("/docs/assets/../../app.py").status_code == 404
