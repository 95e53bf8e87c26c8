"""Roles (issue 16, §4): what a reviewer key and a shopper key may do, tested the way
tenant isolation is (test_isolation.py): every route of the API, called with each role's
key on its own account. A route the role is not granted answers 403
`forbidden_for_role`, carries none of the account's data and changes nothing; one it is
granted never answers 403. Another account stays a 404 for every role. The dashboard
opens for neither.
"""

from __future__ import annotations

import pytest

from cxpulse.service.keys import create_key
from tests.api.conftest import assert_error, bearer
from tests.api.test_isolation import PARAMS, ROUTES, SECRETS, UNSCOPED, _acme_data, _counts, url

# (method, path) each role may call; everything else is refused
ALLOWED = {
    "reviewer": {
        ("GET", "/api/v1/accounts/{account}/tickets"),
        ("GET", "/api/v1/accounts/{account}/tickets/{ticket_id}"),
        ("GET", "/api/v1/accounts/{account}/scorecards"),
        ("GET", "/api/v1/accounts/{account}/scorecards/{name}"),
        ("POST", "/api/v1/accounts/{account}/reviews"),
        ("GET", "/api/v1/accounts/{account}/reviews"),
        ("GET", "/api/v1/accounts/{account}/reviews/{review_id}"),
        ("GET", "/api/v1/accounts/{account}/queue"),
        ("POST", "/api/v1/accounts/{account}/disputes/{dispute_id}/resolve"),
    },
    "shopper": {
        ("GET", "/api/v1/accounts/{account}/scorecards"),
        ("GET", "/api/v1/accounts/{account}/scorecards/{name}"),
        ("POST", "/api/v1/accounts/{account}/reviews"),
    },
}


def _key(api, role: str, account: str = "acme") -> dict[str, str]:
    return bearer(create_key(api.store, account=account, role=role, name=f"{role} one")[0])


def test_the_allowed_routes_are_routes_of_the_api():
    every = {(m, p.split("?")[0]) for m, p, _ in ROUTES + UNSCOPED}
    for role, allowed in ALLOWED.items():
        assert allowed <= every, role


@pytest.mark.parametrize("role", list(ALLOWED))
def test_each_role_reaches_exactly_its_routes_on_its_own_account(api, role):
    """One role, every route in turn (one app and one data set: the routes are many)."""
    before = _acme_data(api)
    headers = _key(api, role)
    wrong = []
    for method, path, body in ROUTES + UNSCOPED:
        resp = api.client.request(method, url(path, "acme"), json=body, headers=headers)
        if (method, path.split("?")[0]) in ALLOWED[role]:
            if resp.status_code == 403 or resp.status_code >= 500:
                wrong.append(f"{method} {path}: {resp.status_code} {resp.text[:200]}")
            before = _counts(api)  # what an allowed write changed is the base for the next refusal
            continue
        err = assert_error(resp, 403, "forbidden_for_role")
        assert err["details"]["role"] == role
        assert not any(s in resp.text for s in SECRETS), f"{method} {path} told {resp.text[:200]}"
        assert _counts(api) == before, f"{method} {path} changed something"
    assert wrong == []


@pytest.mark.parametrize("role", list(ALLOWED))
def test_a_role_key_of_another_account_gets_404_like_any_other(api, role):
    before = _acme_data(api)
    headers = _key(api, role, "globex")
    for method, path, body in ROUTES:
        resp = api.client.request(method, url(path, "acme"), json=body, headers=headers)
        assert resp.status_code == 404, f"{method} {path}: {resp.status_code}"
        assert_error(resp, 404, "account_not_found")
    assert _counts(api) == before


def test_a_shoppers_review_is_always_a_mystery_review_and_takes_its_ticket_out_of_csat(api):
    _acme_data(api)
    shopper = _key(api, "shopper")
    assert api.get("/api/v1/metrics?metric=csat").json()[0]["n"] == 1
    made = api.post("/api/v1/accounts/acme/reviews", {"ticket_id": "T1", "scorecard": "Chat", "scores": {"tone": True}},
                    headers=shopper)
    assert made.status_code == 200, made.text
    assert made.json()["mystery"] is True and made.json()["reviewer"] == "shopper one"
    assert api.get("/api/v1/metrics?metric=csat").json() == []  # answered at once: the kept report was dropped
    refused = api.post("/api/v1/accounts/acme/reviews", {"ticket_id": "T1", "scorecard": "Chat", "mystery": False,
                                                         "scores": {"tone": True}}, headers=shopper)
    assert_error(refused, 422, "invalid_query")
    mystery = api.get("/api/v1/metrics?metric=iqs&mystery=only").json()
    assert [(r["metric"], r["n"]) for r in mystery if r["metric"] == "iqs"] == [("iqs", 1)]


def test_a_reviewer_cannot_flag_a_mystery_review_but_resolves_disputes(api):
    _acme_data(api)
    reviewer = _key(api, "reviewer")
    mystery = api.post("/api/v1/accounts/acme/reviews", {"ticket_id": "T1", "scorecard": "Chat", "mystery": True,
                                                         "scores": {"tone": True}}, headers=reviewer)
    assert_error(mystery, 403, "forbidden_for_role")
    dispute = api.post("/api/v1/accounts/acme/reviews/rv1/disputes", {"agent_id": "a1", "comment": "I did apologise"})
    assert dispute.status_code == 201, dispute.text
    done = api.post(f"/api/v1/accounts/acme/disputes/{dispute.json()['id']}/resolve", {"comment": "Agreed"},
                    headers=reviewer)
    assert done.status_code == 200 and done.json()["status"] == "resolved" and done.json()["resolver"] == "reviewer one"


@pytest.mark.parametrize("role", list(ALLOWED))
def test_each_role_opens_only_its_own_pages_of_the_dashboard(api, role):
    """A reviewer lands on the Quality page, a shopper on the review form; the figures,
    settings and connections pages answer them 403 (the dashboard asks RIGHTS too)."""
    key = create_key(api.store, account="acme", role=role)[0]
    form = api.client.get("/login")
    token = form.cookies.get("cxpulse_login") or api.client.cookies.get("cxpulse_login")
    resp = api.client.post("/login", data={"key": key, "token": token, "next": "/"}, follow_redirects=False)
    assert resp.status_code in (302, 303) and "/quality" in resp.headers["location"]
    for page in ("/", "/agents", "/at-risk", "/webhooks", "/connections"):
        assert api.client.get(page, follow_redirects=False).status_code == 403, page


def test_params_cover_every_path_parameter():
    for _m, path, _b in ROUTES:
        url(path, "acme")  # a KeyError here: add the parameter to PARAMS
    assert {"review_id", "dispute_id"} <= set(PARAMS)
