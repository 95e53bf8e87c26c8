"""GET/PUT /api/v1/accounts/{account}/sla-policies: the API reads and writes what `cxpulse sla` does,
checked the same way, one account's key never another's."""

from __future__ import annotations

from tests.api.conftest import assert_error

BODY = {
    "effective_from": "2026-01-01T00:00:00Z",
    "policies": [
        {"title": "Urgent", "filter": {"all": [{"field": "priority", "operator": "is", "value": "urgent"}], "any": []},
         "targets": {"first_reply": {"minutes": 30, "hours": "calendar"}}},
        {"title": "Rest", "all": [], "targets": {"resolution": {"minutes": 480, "hours": "business"}}},
    ],
}


def test_put_then_get_the_policies(api):
    resp = api.client.put("/api/v1/accounts/acme/sla-policies", json=BODY, headers=api.acme)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["changed"] is True and [p["title"] for p in body["policies"]] == ["Urgent", "Rest"]
    assert body["notes"]  # acme sets no business hours: said
    got = api.get("/api/v1/accounts/acme/sla-policies").json()
    assert got["policies"][1]["targets"] == {"resolution": {"minutes": 480.0, "hours": "business"}}
    assert got["effective_from"].startswith("2026-01-01")
    again = api.client.put("/api/v1/accounts/acme/sla-policies", json=BODY, headers=api.acme).json()
    assert again["changed"] is False


def test_a_bad_policy_is_a_422_naming_the_field_and_nothing_is_stored(api):
    bad = {"policies": [{"title": "X", "targets": {"first_reply": {"minutes": -1}}}]}
    resp = api.client.put("/api/v1/accounts/acme/sla-policies", json=bad, headers=api.acme)
    err = assert_error(resp, 422, "invalid_query")
    assert "targets.first_reply.minutes" in err["message"]
    assert api.get("/api/v1/accounts/acme/sla-policies").json()["versions"] == []


def test_another_accounts_key_cannot_read_or_write_them(api):
    assert_error(api.client.get("/api/v1/accounts/acme/sla-policies", headers=api.globex), 404, "account_not_found")
    resp = api.client.put("/api/v1/accounts/acme/sla-policies", json=BODY, headers=api.globex)
    assert resp.status_code == 404
    assert api.client.get("/api/v1/accounts/acme/sla-policies", headers=api.admin).status_code == 200


def test_the_at_risk_status_filter_takes_breaching(api):
    assert api.get("/api/v1/accounts/acme/at-risk?status=breaching").status_code == 200
    err = assert_error(api.get("/api/v1/accounts/acme/at-risk?status=solved"), 422, "invalid_query")
    assert "breaching" in err["message"]
