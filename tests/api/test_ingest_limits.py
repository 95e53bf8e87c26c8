"""The API's doors hold the limits every store holds (issue 13 §2, §4): a time outside 1990 …
five years ahead or text no store can write (a lone surrogate, a NUL, too long) is that
item's error — by index and reason — and the good items of the batch are stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.api.conftest import assert_error

T0 = "2026-03-02T09:00:00Z"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "zendesk_webhooks"

GOOD = {
    "tickets": lambda i: {"id": f"T{i}", "created_at": T0, "status": "open"},
    "events": lambda i: {"id": f"E{i}", "ticket_id": "T1", "at": T0, "kind": "comment", "author_role": "customer"},
    "ratings": lambda i: {"id": f"R{i}", "ticket_id": "T1", "given_at": T0, "score": "good"},
    "responses": lambda i: {"id": f"N{i}", "kind": "nps", "score": 9, "given_at": T0},
    "users": lambda i: {"id": f"U{i}", "role": "agent"},
}
TEXT = {"tickets": "subject", "events": "body", "ratings": "comment", "responses": "comment", "users": "name"}
TIME = {"tickets": "created_at", "events": "at", "ratings": "given_at", "responses": "given_at"}


def post_raw(api, url: str, body):
    """The body as a client sends "\\ud800": JSON escapes, which the server reads as a lone surrogate."""
    return api.client.post(url, content=json.dumps(body), headers={**api.acme, "content-type": "application/json"})


def stored(api, kind: str) -> int:
    from sqlalchemy import func, select

    from cxpulse.storage import tables as T

    table = {"tickets": T.tickets, "events": T.ticket_events, "ratings": T.responses, "responses": T.responses,
             "users": T.users}[kind]
    with api.store.engine.connect() as c:
        return c.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.mark.parametrize("kind", list(GOOD))
def test_a_lone_surrogate_is_that_items_error_and_the_good_items_are_stored(api, kind):
    items = [GOOD[kind](1), {**GOOD[kind](2), TEXT[kind]: "\ud800"}, {**GOOD[kind](3), "id": "x\udfff"}, GOOD[kind](4)]
    resp = post_raw(api, f"/api/v1/accounts/acme/{kind}?wait=true", {"items": items})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    errors = [(e["index"], e["field"], e["kept"]) for e in body["errors"]]
    assert errors == [(1, TEXT[kind], True), (2, "id", False)]  # an optional text is left out; a bad id rejects
    assert "lone surrogate" in body["errors"][0]["reason"]
    assert (body["inserted"], body["rejected"], body["fields_rejected"]) == (3, 1, 1)
    assert stored(api, kind) == 3
    again = post_raw(api, f"/api/v1/accounts/acme/{kind}", {"items": items}).json()  # a retry answers the same
    assert (again["unchanged"], again["rejected"]) == (3, 1)


@pytest.mark.parametrize("kind", list(TIME))
def test_a_time_in_year_9999_is_that_items_error_and_the_batch_refreshes(api, kind):
    from cxpulse.domain import Account, BusinessHours

    # a timezone east of UTC: 9999-12-31T23:59:59Z has no local day there
    api.store.update_account(Account("acme", timezone="Europe/Vilnius", business_hours=BusinessHours()))
    if kind != "tickets":
        api.post("/api/v1/accounts/acme/tickets?wait=true", {"items": [GOOD["tickets"](1)]})
    items = [GOOD[kind](1), {**GOOD[kind](2), TIME[kind]: "9999-12-31T23:59:59Z"}, GOOD[kind](3)]
    if kind == "tickets":
        items[1][TIME[kind]] = "9999-12-31T23:30:00Z"
    resp = api.post(f"/api/v1/accounts/acme/{kind}?wait=true", {"items": items})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [(e["index"], e["field"], e["kept"]) for e in body["errors"]] == [(1, TIME[kind], False)]
    assert "more than five years ahead" in body["errors"][0]["reason"]
    assert body["inserted"] == 2 and body["refreshed"] is True
    assert api.get("/api/v1/accounts/acme/tickets/T1").status_code == 200


def test_a_ticket_created_in_9999_leaves_later_refreshes_working(api):
    body = api.post("/api/v1/accounts/acme/tickets?wait=true",
                    {"items": [{"id": "far", "created_at": "9999-12-31T23:30:00Z"}]}).json()
    assert body["rejected"] == 1
    ok = api.post("/api/v1/accounts/acme/tickets?wait=true", {"items": [GOOD["tickets"](1)]}).json()
    assert ok["refreshed"] is True and ok["inserted"] == 1


def _zendesk_body() -> dict:
    return json.loads((FIXTURES / "ticket_created.json").read_text())


def test_the_zendesk_webhook_leaves_out_a_lone_surrogate_and_refuses_an_absurd_time(api):
    body = _zendesk_body()
    body["detail"]["subject"] = "\ud800 login"
    resp = post_raw(api, "/api/v1/accounts/acme/zendesk?wait=true", body)
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert [(e["field"], e["kept"]) for e in out["errors"]] == [("subject", True)]
    assert api.get("/api/v1/accounts/acme/tickets/35436").json()["subject"] == ""
    far = _zendesk_body()
    far["detail"]["created_at"] = "9999-12-31T23:30:00Z"
    far["detail"]["id"] = "35437"
    err = assert_error(api.post("/api/v1/accounts/acme/zendesk", far), 422, "invalid_webhook")
    assert err["details"]["field"] == "detail.created_at" and "five years" in err["details"]["reason"]


@pytest.mark.parametrize("ticket_id", ["\ud800", "a\u0000b", "9" * 201])
def test_a_zendesk_ticket_id_no_store_can_hold_is_a_422_not_a_500(api, ticket_id):
    body = _zendesk_body()
    body["detail"]["id"] = ticket_id
    resp = post_raw(api, "/api/v1/accounts/acme/zendesk", body)
    err = assert_error(resp, 422, "invalid_webhook")
    assert err["details"]["field"] == "id"
