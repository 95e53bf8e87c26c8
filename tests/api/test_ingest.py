"""Ingest through the API: JSON batches with per-item errors, idempotent by source id;
derived data refreshed (KPIs, rollups), open tickets rescored, low ratings handed to the
webhooks; the Zendesk webhook receiver on the bodies Zendesk documents."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cxpulse.service.ingest import wait_for_refresh
from cxpulse.service.predict import score, train
from cxpulse.storage import tables as T
from tests.api.conftest import assert_error
from tests.test_predict import waiting_help_desk

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "zendesk_webhooks"
T0 = "2026-03-02T09:00:00Z"


def ticket(tid: str, **kw) -> dict:
    return {"id": tid, "created_at": T0, "subject": "Ничего не работает", "status": "open", "channel": "email",
            "assignee_id": "a1", "requester_id": "c1", **kw}


def comment(eid: str, tid: str, at: str, role: str = "agent", **kw) -> dict:
    return {"id": eid, "ticket_id": tid, "at": at, "kind": "comment", "author_id": "a1" if role == "agent" else "c1",
            "author_role": role, "body": "Žiūrime", **kw}


BATCHES = {
    "users": [{"id": "a1", "role": "agent", "name": "Rūta"}, {"id": "c1", "role": "customer", "name": "Νίκος"}],
    "tickets": [ticket("T1"), ticket("T2", status="solved")],
    "events": [comment("E1", "T1", T0, role="customer"), comment("E2", "T1", "2026-03-02T10:30:00Z")],
    "ratings": [{"id": "R1", "ticket_id": "T2", "given_at": "2026-03-03T09:00:00Z", "score": "bad"}],
    "responses": [{"id": "N1", "ticket_id": "T2", "kind": "nps", "score": 10, "given_at": "2026-03-03T09:00:00Z"}],
}


@pytest.mark.parametrize("kind", list(BATCHES))
def test_the_same_batch_twice_is_all_unchanged_and_a_changed_item_is_updated(api, kind):
    first = api.post(f"/api/v1/accounts/acme/{kind}", {"items": BATCHES[kind]}).json()
    n = len(BATCHES[kind])
    assert (first["read"], first["inserted"], first["rejected"], first["errors"]) == (n, n, 0, [])
    again = api.post(f"/api/v1/accounts/acme/{kind}", {"items": BATCHES[kind]}).json()
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, n)
    changed = [{**BATCHES[kind][0], "id": BATCHES[kind][0]["id"]}]
    changed[0]["name" if kind == "users" else "subject" if kind == "tickets" else "body" if kind == "events"
               else "comment"] = "changed"
    assert api.post(f"/api/v1/accounts/acme/{kind}", {"items": changed}).json()["updated"] == 1


def test_bad_items_are_reported_by_index_and_field_and_never_drop_the_good_ones(api):
    items = [ticket("T1"), {"id": "T2"}, "not an object", ticket("T3", created_at="yesterday"), ticket("T4"),
             {"id": "", "created_at": T0}]
    body = api.post("/api/v1/accounts/acme/tickets", {"items": items}).json()
    assert (body["read"], body["inserted"], body["rejected"]) == (6, 2, 4)
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(1, "created_at"), (2, "(item)"), (3, "created_at"),
                                                                   (5, "id")]
    assert all(e["reason"] for e in body["errors"])
    ids = [t["ticket_id"] for t in api.get("/api/v1/accounts/acme/tickets").json()["data"]]
    assert sorted(ids) == ["T1", "T4"]


def test_with_wait_events_refresh_the_kpis_and_ratings_the_metrics_before_the_answer(api):
    for kind in ("users", "tickets", "events", "ratings", "responses"):
        body = api.post(f"/api/v1/accounts/acme/{kind}?wait=true", {"items": BATCHES[kind]}).json()
        assert body["refreshed"] and body["rescored"] == 0
    t1 = api.get("/api/v1/accounts/acme/tickets/T1").json()
    assert t1["kpis"]["first_reply_minutes"] == 90 and t1["kpis"]["agent_replies"] == 1 and t1["open"]
    rows = api.get("/api/v1/metrics?metric=csat,nps").json()
    assert {(r["metric"], r["n"], r["value"]) for r in rows} == {("csat", 1, 0.0), ("nps", 1, 100.0)}


def test_by_default_the_derived_data_follows_in_the_background(api):
    assert api.get("/api/v1/metrics?metric=csat").json() == []  # kept by the report cache
    for kind in ("users", "tickets", "events", "ratings"):
        body = api.post(f"/api/v1/accounts/acme/{kind}", {"items": BATCHES[kind]}).json()
        assert body["refreshed"] is (kind == "users") and body["rescored"] is None
    assert wait_for_refresh(api.store, timeout=30)
    assert api.get("/api/v1/accounts/acme/tickets/T1").json()["kpis"]["first_reply_minutes"] == 90
    assert [(r["metric"], r["n"]) for r in api.get("/api/v1/metrics?metric=csat").json()] == [("csat", 1)]


def test_a_batch_over_1000_items_is_refused_whole(api):
    items = [ticket(f"T{i}") for i in range(1001)]
    err = assert_error(api.post("/api/v1/accounts/acme/tickets", {"items": items}), 413, "batch_too_large")
    assert err["details"] == {"max_items": 1000, "items": 1001}
    assert api.get("/api/v1/accounts/acme/tickets").json()["count"] == 0
    assert api.post("/api/v1/accounts/acme/tickets", {"items": items[:1000]}).json()["inserted"] == 1000


def test_a_body_that_is_not_a_batch_is_a_422_in_the_error_shape(api):
    err = assert_error(api.post("/api/v1/accounts/acme/events", {"events": []}), 422, "invalid_request")
    assert err["details"][0]["loc"][-1] == "items"
    resp = api.client.post("/api/v1/accounts/acme/events", content=b"{not json", headers=api.acme)
    assert_error(resp, 415, "unsupported_media_type")  # no Content-Type: not JSON (issue 13 §8)
    resp = api.client.post("/api/v1/accounts/acme/events", content=b"{not json",
                           headers={**api.acme, "Content-Type": "application/json"})
    assert_error(resp, 422, "invalid_request")


def test_concurrent_identical_batches_store_each_item_once(api):
    items = [ticket(f"T{i}") for i in range(200)]
    results: list[int] = []

    def send() -> None:
        resp = api.post("/api/v1/accounts/acme/tickets", {"items": items})
        results.append(resp.status_code)
        assert resp.status_code == 200, resp.text

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 4
    assert api.get("/api/v1/accounts/acme/tickets?limit=500").json()["count"] == 200


def test_small_batches_from_four_clients_count_and_store_each_event_once(api):
    # batches below COPY_MIN_ROWS (one statement each on PostgreSQL), overlapping: each
    # client sends the same 60 events, a third of them in every other client's batches too
    api.post("/api/v1/accounts/acme/tickets", {"items": [ticket(f"T{i}") for i in range(20)]})
    events = [comment(f"E{i}", f"T{i % 20}", f"2026-03-02T{10 + i // 60}:{i % 60:02d}:00Z") for i in range(240)]
    batches = [[events[c * 40 + i * 20 + j] for j in range(20)] for c in range(4) for i in range(3)]
    results: list[dict] = []

    def send(client: int) -> None:
        for b in batches[client::4]:
            resp = api.post("/api/v1/accounts/acme/events", {"items": b})
            assert resp.status_code == 200, resp.text
            results.append(resp.json())

    threads = [threading.Thread(target=send, args=(c,)) for c in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = {e["id"] for b in batches for e in b}
    assert len(results) == 12 and sum(r["rejected"] + r["updated"] for r in results) == 0
    assert sum(r["inserted"] for r in results) == len(sent)
    assert sum(r["unchanged"] for r in results) == 240 - len(sent) == 60
    with api.store.engine.connect() as conn:
        ids = conn.execute(select(func.count(), func.min(T.ticket_events.c.id), func.max(T.ticket_events.c.id))).one()
    assert ids[0] == len(sent) and ids[2] - ids[1] + 1 == len(sent)  # no id taken by an unchanged event
    again = api.post("/api/v1/accounts/acme/events", {"items": batches[0]}).json()
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 20)
    # every ticket the events touched has its KPIs (its stale mark was written with the events)
    assert wait_for_refresh(api.store)
    listed = api.get("/api/v1/accounts/acme/tickets?limit=100").json()
    assert listed["count"] == 20 and all(t["kpis"] is not None for t in listed["data"])


def test_new_events_on_an_open_ticket_rescore_it(api):
    created = datetime.now(UTC) - timedelta(hours=30)
    batches: dict[str, list] = {"tickets": [], "events": [], "ratings": []}
    for rec in waiting_help_desk(seed=5, rated=120, account="acme"):
        kind = {"account": None, "ticket": "tickets", "event": "events", "rating": "ratings"}[rec.pop("type")]
        if kind:
            batches[kind].append(rec)
    for kind, items in batches.items():
        assert api.post(f"/api/v1/accounts/acme/{kind}", {"items": items}).json()["rejected"] == 0
    api.post("/api/v1/accounts/acme/tickets", {"items": [ticket("N1", created_at=created.isoformat())]})
    api.post("/api/v1/accounts/acme/events", {"items": [comment("N1-1", "N1", created.isoformat(), role="customer")]})
    train(api.store, "acme")
    score(api.store, account="acme", open_only=True)
    before = api.get("/api/v1/accounts/acme/tickets/N1").json()
    assert before["score"] is not None and before["model_version"] == 1 and len(before["reasons"]) == 3
    replied = (created + timedelta(minutes=5)).isoformat()
    status = {"id": "N1-3", "ticket_id": "N1", "at": replied, "kind": "status", "from": "open", "to": "pending"}
    items = [comment("N1-2", "N1", replied), status]
    body = api.post("/api/v1/accounts/acme/events?wait=true", {"items": items}).json()
    assert body["rescored"] == 1
    after = api.get("/api/v1/accounts/acme/tickets/N1").json()
    assert after["scored_at"] > before["scored_at"] and after["score"] > before["score"]


def test_a_new_low_rating_is_queued_for_the_accounts_webhooks(api):
    hook = api.post("/api/v1/accounts/acme/webhooks", {"url": "https://hooks.example.com/cx", "events": ["low_rating"]})
    assert hook.status_code == 201, hook.text
    now = datetime.now(UTC).isoformat()
    api.post("/api/v1/accounts/acme/tickets", {"items": [ticket("T9", status="solved")]})
    ratings = [{"id": "R9", "ticket_id": "T9", "given_at": now, "score": 1},
               {"id": "R10", "ticket_id": "T9", "given_at": now, "score": 5}]
    api.post("/api/v1/accounts/acme/ratings?wait=true", {"items": ratings})
    deliveries = api.get("/api/v1/accounts/acme/webhooks/deliveries").json()["data"]
    assert [(d["event"], d["event_key"]) for d in deliveries] == [("low_rating", "low_rating-R9")]


# ---- Zendesk ----------------------------------------------------------------------------------


def _zendesk(api, name: str):
    return api.post("/api/v1/accounts/acme/zendesk?wait=true", json.loads((FIXTURES / f"{name}.json").read_text()))


def test_zendesk_event_webhooks_build_the_ticket_and_its_events(api):
    shapes = [_zendesk(api, n).json() for n in ("ticket_created", "agent_assignment_changed", "comment_added",
                                                 "status_changed")]
    assert [s["shape"] for s in shapes] == ["event:created", "event:agent_assignment_changed", "event:comment_added",
                                            "event:status_changed"]
    assert all(s["mapped"] and s["ticket_id"] == "35436" and s["rejected"] == 0 for s in shapes)
    t = api.get("/api/v1/accounts/acme/tickets/35436").json()
    assert (t["subject"], t["status"], t["priority"], t["channel"], t["agent"], t["category"]) == (
        "Cannot login to mobile app", "solved", "high", "web_form", "235324", "question")
    assert t["kpis"]["first_reply_minutes"] == pytest.approx(85.5, abs=0.01)  # 09:00:00.12 → 10:25:30.12
    assert t["kpis"]["solved"] and t["solved_at"].startswith("2026-03-02T16:45:20")
    # sent again (Zendesk retries): nothing changes
    again = _zendesk(api, "comment_added").json()
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 2)


def test_an_unmapped_zendesk_event_updates_only_the_tickets_fields(api):
    _zendesk(api, "ticket_created")
    body = _zendesk(api, "tags_changed").json()
    assert body["mapped"] is False and (body["read"], body["updated"]) == (1, 1)
    assert api.get("/api/v1/accounts/acme/tickets/35436").json()["priority"] == "normal"


def test_a_zendesk_trigger_body_with_placeholders(api):
    body = _zendesk(api, "trigger").json()
    assert (body["shape"], body["ticket_id"], body["inserted"]) == ("trigger", "35437", 3)
    t = api.get("/api/v1/accounts/acme/tickets/35437").json()
    assert (t["subject"], t["status"], t["group"], t["channel"], t["category"]) == (
        "Sąskaita neteisinga", "open", "Billing", "mail", "question")
    assert t["kpis"]["agent_replies"] == 1 and t["created_at"] == "2026-03-03T08:00:00Z"


def test_a_trigger_body_moves_the_due_date_and_the_old_promise_holds_until_then(api):
    body = json.loads((FIXTURES / "trigger.json").read_text())
    body["ticket"]["due_at"] = "2026-03-04T17:00Z"  # {{ticket.due_date_with_timestamp}}
    post = lambda b: api.post("/api/v1/accounts/acme/zendesk?wait=true", b).json()  # noqa: E731
    assert post(body)["rejected"] == 0
    assert api.get("/api/v1/accounts/acme/tickets/35437").json()["due_at"] == "2026-03-04T17:00:00Z"
    body["ticket"].update(due_at="2026-03-06T17:00Z", updated_at="2026-03-04T10:00Z")
    assert post(body)["inserted"] == 3  # a status, the latest comment and the move, as a due event
    moved = api.get("/api/v1/accounts/acme/tickets/35437").json()
    assert moved["due_at"] == "2026-03-06T17:00:00Z"
    from sqlalchemy import select

    from cxpulse.storage import tables as T

    e = T.ticket_events
    with api.store.engine.connect() as c:
        dues = c.execute(select(e.c.at, e.c.value_from, e.c.value_to).where(e.c.kind == "due")).all()
    assert [(str(f)[:16], str(t)[:16]) for _at, f, t in dues] == [("2026-03-04T17:00", "2026-03-06T17:00")]
    body["ticket"].update(due_at="someday", updated_at="2026-03-04T11:00Z")
    bad = post(body)
    assert (bad["rejected"], bad["fields_rejected"]) == (0, 1) and bad["errors"][0]["kept"] is True
    assert api.get("/api/v1/accounts/acme/tickets/35437").json()["due_at"] == "2026-03-06T17:00:00Z"


@pytest.mark.parametrize(("body", "field"), [
    ({"hello": "world"}, "(body)"),
    ([1, 2], "(body)"),
    ({"type": "zen:event-type:user.active_changed", "detail": {"id": "1"}}, "type"),
    ({"type": "zen:event-type:ticket.status_changed", "time": "2026-03-02T10:00:00Z", "detail": {}}, "detail.id"),
    ({"type": "zen:event-type:ticket.comment_added", "time": "2026-03-02T10:00:00Z", "detail": {"id": "5"},
      "event": {"comment": {"body": "no id"}}}, "event.comment.id"),
    ({"ticket": {"id": "{{ticket.id}}x", "updated_at": "not a time"}}, "ticket.updated_at"),
    ({"ticket": {"title": "no id"}}, "ticket.id"),
])
def test_an_unreadable_zendesk_body_is_a_422_naming_the_field(api, body, field):
    err = assert_error(api.post("/api/v1/accounts/acme/zendesk", body), 422, "invalid_webhook")
    assert err["details"]["field"] == field


def test_two_trigger_updates_in_one_minute_stay_two_events_and_a_retry_is_none(api):
    """Zendesk's *_with_timestamp placeholders stop at the minute: a customer's answer and the
    agent's reply within it must not overwrite each other."""
    body = json.loads((FIXTURES / "trigger.json").read_text())
    post = lambda b: api.post("/api/v1/accounts/acme/zendesk?wait=true", b).json()  # noqa: E731
    assert post(body)["inserted"] == 3  # ticket, status, comment
    body["ticket"]["status"] = "Pending"
    body["ticket"]["latest_comment"] = {"body": "Ačiū, laukiu.", "is_public": "true", "author_id": "20978393",
                                        "author_role": "end-user"}
    assert post(body)["inserted"] == 2  # a second status and a second comment in the same minute
    assert post(body)["inserted"] == 0  # Zendesk retried: nothing new
    t = api.get("/api/v1/accounts/acme/tickets/35437").json()
    assert t["status"] == "pending" and t["kpis"]["customer_messages"] == 1 and t["kpis"]["agent_replies"] == 1
