"""The quality-review routes as a review form or an integration uses them: a scorecard
written and read back by version, a review created and replaced by its id, an agent's
own reviews paged, the queue, a dispute opened and resolved, IQS through /metrics."""

from __future__ import annotations

from cxpulse.service.qa import sample
from tests.api.conftest import assert_error
from tests.api.test_isolation import TICKET

CARD = {"name": "Chat", "criteria": [
    {"key": "solution", "labels": {"en": "Solution", "ru": "Решение"}, "weight": 2},
    {"key": "tone", "labels": {"en": "Tone"}, "scale": "pass_fail", "critical": True},
]}


def _ticket(api, tid: str, agent: str) -> None:
    body = {"items": [{**TICKET, "id": tid, "assignee_id": agent, "status": "solved"}]}
    assert api.post("/api/v1/accounts/acme/tickets?wait=true", body).json()["inserted"] == 1


def test_a_scorecard_is_versioned_through_the_api_and_a_bad_one_names_its_fields(api):
    first = api.post("/api/v1/accounts/acme/scorecards", CARD).json()
    assert (first["version"], first["new_version"]) == (1, True)
    assert api.post("/api/v1/accounts/acme/scorecards", CARD).json()["new_version"] is False
    changed = {**CARD, "criteria": [{**CARD["criteria"][0], "weight": 3}, CARD["criteria"][1]]}
    assert api.post("/api/v1/accounts/acme/scorecards", changed).json()["version"] == 2
    assert api.get("/api/v1/accounts/acme/scorecards/Chat?version=1").json()["criteria"][0]["weight"] == 2
    assert api.get("/api/v1/accounts/acme/scorecards/Chat").json()["version"] == 2
    listed = api.get("/api/v1/accounts/acme/scorecards?all_versions=true").json()
    assert [c["version"] for c in listed["data"]] == [1, 2]
    bad = api.post("/api/v1/accounts/acme/scorecards", {"name": "x", "criteria": [
        {"key": "Tone", "labels": {"en": ""}, "weight": 0}]})
    err = assert_error(bad, 422, "invalid_scorecard")
    for field in ("criteria[0].key", "criteria[0].labels.en", "criteria[0].weight"):
        assert field in err["message"]
    assert_error(api.get("/api/v1/accounts/acme/scorecards/Nope"), 404, "not_found")


def test_a_review_is_created_replaced_by_its_id_and_an_agent_reads_their_own(api):
    api.post("/api/v1/accounts/acme/scorecards", CARD)
    _ticket(api, "T1", "a1")
    _ticket(api, "T2", "a2")
    body = {"id": "rv-1", "ticket_id": "T1", "reviewer": "rita", "scorecard": "Chat",
            "scores": {"solution": {"score": 3, "comment": "close"}, "tone": True}}
    made = api.post("/api/v1/accounts/acme/reviews", body).json()
    # (2·2/3 + 1·1) / 3 × 100 = 77.78; the agent is the ticket's assignee
    assert round(made["score"], 2) == 77.78 and made["agent_id"] == "a1" and made["written"] == "inserted"
    assert made["scores"][0] == {"criterion": "solution", "score": 3, "comment": "close"}
    assert api.post("/api/v1/accounts/acme/reviews", body).json()["written"] == "unchanged"
    failed = api.post("/api/v1/accounts/acme/reviews", {**body, "scores": {"solution": 4, "tone": False}}).json()
    assert failed["written"] == "updated" and failed["score"] == 0.0  # the critical tone failed
    for i in range(3):
        api.post("/api/v1/accounts/acme/reviews", {**body, "id": f"rv-2{i}", "ticket_id": "T2"})
    page = api.get("/api/v1/accounts/acme/reviews?agent=a2&limit=2").json()
    assert page["count"] == 2 and page["next_cursor"]
    rest = api.get(f"/api/v1/accounts/acme/reviews?agent=a2&limit=2&cursor={page['next_cursor']}").json()
    assert [r["review_id"] for r in page["data"] + rest["data"]] == ["rv-22", "rv-21", "rv-20"]
    assert api.get("/api/v1/accounts/acme/reviews/rv-1").json()["score"] == 0.0
    bad = api.post("/api/v1/accounts/acme/reviews", {**body, "scores": {"solution": 9, "tone": True}})
    assert "solution" in assert_error(bad, 422, "invalid_query")["message"]


def test_the_queue_a_dispute_and_iqs_through_metrics(api):
    api.post("/api/v1/accounts/acme/scorecards", CARD)
    _ticket(api, "T1", "a1")
    _ticket(api, "T2", "a1")
    sample(api.store, "acme", n=2, strategy="random", reviewers=["rita"])
    queue = api.get("/api/v1/accounts/acme/queue?reviewer=rita&pending=true").json()
    assert {q["ticket_id"] for q in queue["data"]} == {"T1", "T2"}
    api.post("/api/v1/accounts/acme/reviews", {"id": "r1", "ticket_id": "T1", "reviewer": "rita", "scorecard": "Chat",
                                               "scores": {"solution": 4, "tone": True}})
    assert [q["ticket_id"] for q in api.get("/api/v1/accounts/acme/queue?pending=true").json()["data"]] == ["T2"]
    opened = api.post("/api/v1/accounts/acme/reviews/r1/disputes", {"agent_id": "a1", "comment": "fine by me?"})
    assert opened.status_code == 201 and opened.json()["status"] == "open"
    assert api.get("/api/v1/accounts/acme/reviews/r1").json()["disputes"][0]["comment"] == "fine by me?"
    resolved = api.post(f"/api/v1/accounts/acme/disputes/{opened.json()['id']}/resolve", {"resolver": "rita"}).json()
    assert resolved["status"] == "resolved" and resolved["review_id"] == "r1"
    rows = api.get("/api/v1/metrics?metric=iqs&by=agent").json()
    assert [(r["metric"], r["group"], r["value"], r["n"]) for r in rows if r["metric"] == "iqs"] == [
        ("iqs", {"agent": "a1"}, 100.0, 1)]
    assert_error(api.get("/api/v1/metrics?metric=iqs&mystery=sometimes"), 422, "invalid_request")
