"""Tenant isolation: a key of account A never reads or changes anything of account B.

Every route of the API (the test below fails when a route is added to the OpenAPI
without being added here) is called with globex's key on acme's data: the answer is 404
`account_not_found` — the same as for an account that does not exist — and carries none
of acme's data; a write changes nothing in acme.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cxpulse.service.connections import connect
from cxpulse.service.qa import ReviewInput, apply_scorecard, create_review, sample
from cxpulse.service.surveys import create_survey
from cxpulse.storage import tables as T
from cxpulse.surveys.definitions import Survey
from tests.api.conftest import assert_error

TICKET = {"id": "T1", "created_at": "2026-03-02T09:00:00Z", "subject": "Secret acme subject", "status": "open",
          "assignee_id": "a1", "requester_id": "c1"}
EVENT = {"id": "E1", "ticket_id": "T1", "at": "2026-03-02T09:00:00Z", "kind": "comment", "author_id": "c1",
         "author_role": "customer", "body": "Secret acme body"}
RATING = {"id": "R1", "ticket_id": "T1", "given_at": "2026-03-03T09:00:00Z", "score": 2}
RESPONSE = {"id": "N1", "ticket_id": "T1", "given_at": "2026-03-03T09:00:00Z", "kind": "nps", "score": 3}
USER = {"id": "a1", "role": "agent", "name": "Secret Agent"}
ZENDESK = {"type": "zen:event-type:ticket.status_changed", "id": "zd-1", "time": "2026-03-03T10:00:00Z",
           "subject": "zen:ticket:T1", "detail": {"id": "T1", "status": "SOLVED", "created_at": "2026-03-02T09:00:00Z"},
           "event": {"previous": "OPEN", "current": "SOLVED"}}

PARAMS = {"ticket_id": "T1", "name": "csat", "webhook_id": "1", "review_id": "rv1", "dispute_id": "1"}
SCORECARD = {"name": "Chat", "criteria": [{"key": "tone", "labels": {"en": "Tone"}, "scale": "pass_fail"}]}
REVIEW = {"id": "rv2", "ticket_id": "T1", "reviewer": "rita", "scorecard": "Chat", "scores": {"tone": False}}
# (method, path as in the OpenAPI, body); {account} is filled in by each test
ROUTES = [
    ("GET", "/api/v1/metrics?account={account}", None),
    ("GET", "/api/v1/accounts/{account}", None),
    ("GET", "/api/v1/accounts/{account}/tickets", None),
    ("GET", "/api/v1/accounts/{account}/tickets/{ticket_id}", None),
    ("GET", "/api/v1/accounts/{account}/at-risk", None),
    ("GET", "/api/v1/accounts/{account}/alerts", None),
    ("GET", "/api/v1/accounts/{account}/models", None),
    ("GET", "/api/v1/accounts/{account}/surveys", None),
    ("GET", "/api/v1/accounts/{account}/surveys/{name}", None),
    ("POST", "/api/v1/accounts/{account}/surveys", {"name": "nps", "kind": "nps"}),
    ("PATCH", "/api/v1/accounts/{account}/surveys/{name}", {"active": False}),
    ("POST", "/api/v1/accounts/{account}/tickets", {"items": [TICKET]}),
    ("POST", "/api/v1/accounts/{account}/events", {"items": [EVENT]}),
    ("POST", "/api/v1/accounts/{account}/ratings", {"items": [RATING]}),
    ("POST", "/api/v1/accounts/{account}/responses", {"items": [RESPONSE]}),
    ("POST", "/api/v1/accounts/{account}/users", {"items": [USER]}),
    ("POST", "/api/v1/accounts/{account}/zendesk", ZENDESK),
    ("GET", "/api/v1/accounts/{account}/webhooks", None),
    ("POST", "/api/v1/accounts/{account}/webhooks", {"url": "https://hooks.example.com/cxpulse"}),
    ("DELETE", "/api/v1/accounts/{account}/webhooks/{webhook_id}", None),
    ("GET", "/api/v1/accounts/{account}/webhooks/deliveries", None),
    ("GET", "/api/v1/accounts/{account}/sla-policies", None),
    ("PUT", "/api/v1/accounts/{account}/sla-policies",
     {"policies": [{"title": "All", "targets": {"first_reply": {"minutes": 60}}}]}),
    ("GET", "/api/v1/accounts/{account}/connection", None),
    ("GET", "/api/v1/accounts/{account}/employee-comments", None),
    ("GET", "/api/v1/accounts/{account}/scorecards", None),
    ("GET", "/api/v1/accounts/{account}/scorecards/{name}", None),
    ("POST", "/api/v1/accounts/{account}/scorecards", SCORECARD),
    ("POST", "/api/v1/accounts/{account}/reviews", REVIEW),
    ("GET", "/api/v1/accounts/{account}/reviews", None),
    ("GET", "/api/v1/accounts/{account}/reviews/{review_id}", None),
    ("GET", "/api/v1/accounts/{account}/queue", None),
    ("POST", "/api/v1/accounts/{account}/reviews/{review_id}/disputes", {"agent_id": "a1", "comment": "unfair"}),
    ("POST", "/api/v1/accounts/{account}/disputes/{dispute_id}/resolve", {"comment": "fair"}),
]
# routes not under one account: each shows a key only its own account (tested below)
UNSCOPED = [("GET", "/api/v1/accounts", None), ("GET", "/api/v1/connections", None)]
SECRETS = ("Secret acme subject", "Secret acme body", "Secret Agent", "T1", "csat", "rita")


def url(path: str, account: str) -> str:
    return path.format(account=account, **PARAMS)


def _acme_data(api) -> dict[str, int]:
    for kind, item in (("users", USER), ("tickets", TICKET), ("events", EVENT), ("ratings", RATING),
                       ("responses", RESPONSE)):
        assert api.post(f"/api/v1/accounts/acme/{kind}?wait=true", {"items": [item]}).json()["inserted"] == 1
    create_survey(api.store, "acme", Survey(name="csat", kind="csat"))
    apply_scorecard(api.store, "acme", SCORECARD)
    create_review(api.store, "acme", ReviewInput(ticket_id="T1", reviewer="rita", id="rv1", scorecard="Chat",
                                                 scores={"tone": True}, agent_id="a1"))
    sample(api.store, "acme", n=1, strategy="random", reviewers=["rita"])
    return _counts(api)


def _counts(api) -> dict[str, int]:
    acme = api.store.account("acme").id
    tables = (T.users, T.tickets, T.ticket_events, T.responses, T.surveys, T.webhooks, T.qa_scorecards, T.qa_reviews,
              T.qa_queue, T.qa_disputes)
    with api.store.engine.connect() as c:
        return {t.name: c.execute(select(func.count()).select_from(t).where(t.c.account_id == acme)).scalar_one()
                for t in tables}


def test_every_route_of_the_openapi_is_checked_here(api):
    schema = api.client.get("/openapi.json").json()
    served = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops if p.startswith("/api/")}
    checked = {(m, p.split("?")[0]) for m, p, _ in ROUTES + UNSCOPED}
    assert served - checked == set(), "add the new route to ROUTES"
    assert checked - served == set()


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_another_accounts_key_gets_404_and_no_data(api, method, path, body):
    before = _acme_data(api)
    resp = api.client.request(method, url(path, "acme"), json=body, headers=api.globex)
    err = assert_error(resp, 404, "account_not_found")
    assert not any(s in resp.text for s in SECRETS[:3])
    # the same answer as for an account that does not exist: nothing tells them apart
    missing = api.client.request(method, url(path, "no-such-account"), json=body, headers=api.globex)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == err["code"]
    assert _counts(api) == before


def test_items_naming_another_account_are_refused_not_written_there(api):
    resp = api.post("/api/v1/accounts/acme/tickets", {"items": [{**TICKET, "account": "globex"}, TICKET]})
    body = resp.json()
    assert (body["inserted"], body["rejected"]) == (1, 1) and body["errors"][0]["field"] == "account"
    globex = api.store.account("globex").id
    with api.store.engine.connect() as c:
        q = select(func.count()).select_from(T.tickets).where(T.tickets.c.account_id == globex)
        assert c.execute(q).scalar() == 0


def test_metrics_and_accounts_of_an_account_key_cover_its_own_account_only(api):
    _acme_data(api)
    listed = api.get("/api/v1/accounts", headers=api.globex).json()["data"]
    assert [(a["name"], a["tickets"]) for a in listed] == [("globex", 0)]
    rows = api.get("/api/v1/metrics?metric=csat,nps&by=account", headers=api.globex).json()
    assert rows == []
    acme_rows = api.get("/api/v1/metrics?metric=csat&by=account").json()
    assert [r["group"]["account"] for r in acme_rows] == ["acme"]
    everyone = api.get("/api/v1/metrics?metric=csat&by=account", headers=api.admin).json()
    assert [r["group"]["account"] for r in everyone] == ["acme"]
    connect(api.store, "acme", "zendesk", "https://acme.zendesk.com", "acme-secret-token-1234", email="a@acme.com")
    assert api.get("/api/v1/connections", headers=api.globex).json() == {"data": [], "count": 0}
    own = api.get("/api/v1/connections")
    assert [c["account"] for c in own.json()["data"]] == ["acme"] and "acme-secret" not in own.text


def test_same_ticket_id_in_two_accounts_stays_apart(api):
    _acme_data(api)
    other = {**TICKET, "subject": "globex's own"}
    assert api.post("/api/v1/accounts/globex/tickets", {"items": [other]}, headers=api.globex).json()["inserted"] == 1
    mine = api.get("/api/v1/accounts/acme/tickets/T1").json()
    theirs = api.get("/api/v1/accounts/globex/tickets/T1", headers=api.globex).json()
    assert (mine["subject"], theirs["subject"]) == ("Secret acme subject", "globex's own")
    listed = api.get("/api/v1/accounts/globex/tickets", headers=api.globex).json()["data"]
    assert [t["ticket_id"] for t in listed] == ["T1"]
