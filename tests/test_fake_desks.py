"""The fake help desk APIs (tests/fakes) behave as the documented APIs do.

Plain httpx against 127.0.0.1: pages and cursors end with end_of_stream, every ticket comes
through once, credentials are checked exactly, each injected fault happens once and
clears, a changed ticket comes back on the next cursor, and requests are counted.
"""

from __future__ import annotations

import json
import time
from collections import Counter

import httpx2 as httpx
import pytest

from tests.fakes.zendesk_api import AUTH_ERROR, FakeZendesk, make_world, write_export

TICKETS = "/api/v2/incremental/tickets/cursor.json"
EVENTS = "/api/v2/incremental/ticket_events.json"


@pytest.fixture(scope="module")
def world():
    return make_world(11, tickets=45)


@pytest.fixture
def fake(world):
    import copy

    f = FakeZendesk(copy.deepcopy(world), page_size=10, events_page_size=50)
    with f.running():
        yield f


@pytest.fixture
def client(fake):
    with httpx.Client(base_url=fake.url, auth=fake.auth, timeout=5) as c:
        yield c


def export_all(client, params):
    """Follow the cursor to end_of_stream: (tickets, metric_sets, pages, last after_cursor)."""
    tickets, metrics, pages = [], [], 0
    r = client.get(TICKETS, params=params)
    while True:
        assert r.status_code == 200, r.text
        body = r.json()
        pages += 1
        assert set(body) >= {"tickets", "after_url", "after_cursor", "before_url", "before_cursor", "end_of_stream"}
        tickets += body["tickets"]
        metrics += body.get("metric_sets", [])
        if body["end_of_stream"]:
            return tickets, metrics, pages, body["after_cursor"]
        r = client.get(body["after_url"])


def test_cursor_export_gives_every_ticket_once_with_its_metric_set(fake, client):
    tickets, metrics, pages, _ = export_all(client, {"start_time": 0, "include": "metric_sets"})
    ids = [t["id"] for t in tickets]
    assert sorted(ids) == sorted(fake.world.tickets) and len(set(ids)) == 45
    assert pages == 5  # 45 tickets, 10 a page
    assert {m["ticket_id"] for m in metrics} == set(ids)
    assert sum(t["status"] == "deleted" for t in tickets) == 2
    assert fake.requests["tickets"] == 5


def test_start_time_is_inclusive_and_a_late_start_is_one_empty_page(fake, client):
    newest = max(t["generated_timestamp"] for t in fake.world.tickets.values())
    got, _, _, _ = export_all(client, {"start_time": newest})
    assert [t["generated_timestamp"] for t in got] == [newest] * len(got) and got
    got, _, pages, cursor = export_all(client, {"start_time": newest + 1})
    assert got == [] and pages == 1 and cursor


def test_a_changed_ticket_comes_back_on_the_next_cursor_and_a_deleted_one_too(fake, client):
    _, _, _, cursor = export_all(client, {"start_time": 0})
    assert export_all(client, {"cursor": cursor})[0] == []  # nothing new: nothing comes
    tid, gone = sorted(fake.world.tickets)[3], sorted(fake.world.tickets)[7]
    fake.change_ticket(tid, status="open", comment="Still broken, sorry.",
                       author_id=fake.world.tickets[tid]["requester_id"])
    fake.delete_ticket(gone)
    got, _, _, cursor2 = export_all(client, {"cursor": cursor})
    assert [(t["id"], t["status"]) for t in got] == [(tid, "open"), (gone, "deleted")]
    assert export_all(client, {"cursor": cursor2})[0] == []
    # the change is an audit in the event stream, with its comment and status change
    events = all_events(client, 0)
    last = [e for e in events if e["ticket_id"] == tid][-1]
    kinds = {c["event_type"]: c for c in last["child_events"]}
    assert kinds["Comment"]["body"] == "Still broken, sorry." and kinds["Change"]["status"] == "open"
    assert kinds["Change"]["previous_value"] == "solved"


def all_events(client, start, include="comment_events"):
    events = []
    url, params = EVENTS, {"start_time": start, "include": include}
    while True:
        body = client.get(url, params=params).json()
        assert set(body) >= {"ticket_events", "next_page", "count", "end_time", "end_of_stream"}
        assert body["count"] == len(body["ticket_events"])
        events += body["ticket_events"]
        if body["end_of_stream"]:
            return events
        url, params = body["next_page"], None


def test_ticket_events_page_by_time_to_the_end_with_comments_only_when_asked(fake, client):
    events = all_events(client, 0)
    audits = [a for lst in fake.world.audits.values() for a in lst]
    # time-based pages may repeat the boundary second (as Zendesk's do); ids dedupe them
    assert {e["id"] for e in events} == {a["id"] for a in audits}
    assert fake.requests["ticket_events"] > 1
    comments = [c for e in events for c in e["child_events"] if c["event_type"] == "Comment"]
    assert comments and {c["public"] for c in comments} == {True, False}
    authors = {c["author_id"] for c in comments}
    requesters = {t["requester_id"] for t in fake.world.tickets.values()}
    assert authors & requesters and authors - requesters  # requesters and agents both write
    assert all(e["event_type"] == "Audit" and "child_events" in e for e in events)
    bare = all_events(client, 0, include="")
    assert not [c for e in bare for c in e["child_events"] if c["event_type"] == "Comment"]


def test_ratings_and_users_page_by_cursor(fake, client):
    ratings, url, params = [], "/api/v2/satisfaction_ratings", {"start_time": 0, "page[size]": 7}
    while url:
        body = client.get(url, params=params).json()
        ratings += body["satisfaction_ratings"]
        assert body["meta"]["has_more"] == (body["links"]["next"] is not None)
        url, params = body["links"]["next"], None
    assert len(ratings) == len(fake.world.ratings) and len({r["id"] for r in ratings}) == len(ratings)
    assert {"offered", "good"} <= {r["score"] for r in ratings}
    bad = client.get("/api/v2/satisfaction_ratings", params={"score": "bad", "page[size]": 100}).json()
    assert {r["score"] for r in bad["satisfaction_ratings"]} <= {"bad"}
    users = client.get("/api/v2/users", params={"page[size]": 100}).json()["users"]
    assert {u["role"] for u in users} == {"agent", "end-user"} and all(u["name"] for u in users)


@pytest.mark.parametrize("auth", [None, ("agent@acme.example/token", "wrong"), ("agent@acme.example", "fake-zendesk-token-0001"),
                                  ("other@acme.example/token", "fake-zendesk-token-0001")])
def test_credentials_are_checked_exactly(fake, auth):
    r = httpx.get(fake.url + TICKETS, params={"start_time": 0}, auth=auth)
    assert r.status_code == 401 and r.json() == AUTH_ERROR
    assert fake.requests["tickets"] == 1


def test_every_answer_carries_the_rate_limit_headers(client):
    a = client.get("/api/v2/users")
    b = client.get("/api/v2/users")
    assert a.headers["X-Rate-Limit"] == "700"
    assert int(b.headers["X-Rate-Limit-Remaining"]) == int(a.headers["X-Rate-Limit-Remaining"]) - 1


def test_the_incremental_limit_gives_429_with_retry_after_when_asked(fake, client):
    fake.incremental_limit = 2
    for _ in range(2):
        assert client.get(TICKETS, params={"start_time": 0}).status_code == 200
    r = client.get(TICKETS, params={"start_time": 0})
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 60
    assert client.get("/api/v2/users").status_code == 200  # the account's own limit is apart


@pytest.mark.parametrize("endpoint, path", [("tickets", TICKETS), ("ticket_events", EVENTS),
                                            ("satisfaction_ratings", "/api/v2/satisfaction_ratings"),
                                            ("users", "/api/v2/users")])
def test_429_and_500_happen_once_then_clear(fake, client, endpoint, path):
    fake.fail_next(endpoint, "429", retry_after=7)
    fake.fail_next(endpoint, "500")
    params = {"start_time": 0}
    r = client.get(path, params=params)
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    assert client.get(path, params=params).status_code == 500
    assert client.get(path, params=params).status_code == 200
    assert fake.requests[endpoint] == 3


def test_a_hang_times_out_once_then_clears(fake, client):
    fake.fail_next("tickets", "hang", seconds=1.0)
    t0 = time.monotonic()
    with pytest.raises(httpx.TimeoutException):
        client.get(TICKETS, params={"start_time": 0}, timeout=0.2)
    assert time.monotonic() - t0 < 1.0
    assert client.get(TICKETS, params={"start_time": 0}).status_code == 200


def test_a_dropped_connection_happens_once_then_clears(fake, client):
    fake.fail_next("ticket_events", "drop")
    with pytest.raises(httpx.TransportError):
        client.get(EVENTS, params={"start_time": 0})
    assert client.get(EVENTS, params={"start_time": 0}).status_code == 200
    assert fake.requests["ticket_events"] == 2


def test_unknown_faults_and_missing_start_time_are_refused(fake, client):
    with pytest.raises(ValueError):
        fake.fail_next("tickets", "teapot")
    assert client.get(TICKETS).status_code == 400
    assert client.get("/api/v2/nothing").status_code == 404


def test_the_world_written_as_an_export_holds_what_the_fake_serves(fake, client, tmp_path):
    root = write_export(fake.world, tmp_path / "export", page_size=20)
    served, metrics, _, _ = export_all(client, {"start_time": 0, "include": "metric_sets"})
    written = [t for p in sorted(root.glob("tickets*.json")) for t in json.loads(p.read_text())["tickets"]]
    assert sorted(written, key=lambda t: t["id"]) == sorted(served, key=lambda t: t["id"])
    assert len(list((root / "audits").glob("*.json"))) == 45
    pages = Counter(p.name.split("-")[0].removesuffix(".json") for p in root.glob("*.json"))
    assert pages == {"users": -(-len(fake.world.users) // 20), "groups": 1, "tickets": 3, "ticket_metrics": 3,
                     "satisfaction_ratings": -(-len(fake.world.ratings) // 20)}


def test_the_export_imports(fake, tmp_path):
    """`cxpulse import zendesk DIR` reads the written world whole: every ticket, no rejects."""
    from typer.testing import CliRunner

    from cxpulse.cli import app

    root = write_export(fake.world, tmp_path / "export")
    r = CliRunner().invoke(app, ["import", "zendesk", str(root), "--account", "acme",
                                 "--db", str(tmp_path / "c.db"), "-f", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["rejected"] == 0 and out["by_kind"]["ticket"]["inserted"] == 45, out
    rated = sum(x["score"] in ("good", "bad") for x in fake.world.ratings)
    assert out["by_kind"]["response"]["inserted"] == rated
    import sqlite3

    with sqlite3.connect(tmp_path / "c.db") as db:
        statuses = dict(db.execute("select source_id, status from tickets"))
    assert statuses == {str(i): t["status"] for i, t in fake.world.tickets.items()}  # deleted ones deleted


# ---- Freshdesk ------------------------------------------------------------------------------


@pytest.fixture
def desk(world):
    import copy

    from tests.fakes.freshdesk_api import FakeFreshdesk, from_zendesk

    f = FakeFreshdesk(from_zendesk(copy.deepcopy(world)), per_page=10)
    with f.running():
        yield f


@pytest.fixture
def fclient(desk):
    with httpx.Client(base_url=desk.url, auth=desk.auth, timeout=5) as c:
        yield c


def follow_links(fclient, path, params):
    """Every page by the Link header: (items, pages)."""
    items, pages, r = [], 0, fclient.get(path, params=params)
    while True:
        assert r.status_code == 200, r.text
        items += r.json()
        pages += 1
        if "next" not in r.links:
            return items, pages
        r = fclient.get(r.links["next"]["url"])


SINCE = "2000-01-01T00:00:00Z"


def test_freshdesk_tickets_page_by_link_with_stats(desk, fclient):
    params = {"updated_since": SINCE, "include": "stats", "order_by": "updated_at", "order_type": "asc"}
    tickets, pages = follow_links(fclient, "/api/v2/tickets", params)
    assert len(tickets) == 43 and len({t["id"] for t in tickets}) == 43  # the two deleted are not listed
    assert pages == 5 and desk.requests["tickets"] == 5
    assert all("stats" in t and t["stats"]["resolved_at"] for t in tickets if t["status"] == 4)
    assert [t["updated_at"] for t in tickets] == sorted(t["updated_at"] for t in tickets)
    assert "stats" not in fclient.get("/api/v2/tickets", params={"updated_since": SINCE}).json()[0]
    # without updated_since only the past 30 days' tickets come (here: none)
    assert fclient.get("/api/v2/tickets").json() == []


def test_freshdesk_conversations_ratings_agents_groups(desk, fclient):
    tid = next(t for t, c in desk.world.conversations.items() if len(c) > 1)
    convs, _ = follow_links(fclient, f"/api/v2/tickets/{tid}/conversations", {})
    assert convs == desk.world.conversations[tid]
    every = [c for cs in desk.world.conversations.values() for c in cs]
    assert {c["incoming"] for c in every} == {True, False} and {c["private"] for c in every} == {True, False}
    ratings, _ = follow_links(fclient, "/api/v2/surveys/satisfaction_ratings", {"created_since": SINCE})
    assert ratings and {r["ratings"]["default_question"] for r in ratings} <= {103, -103}
    agents, _ = follow_links(fclient, "/api/v2/agents", {})
    assert agents and all(a["contact"]["name"] for a in agents)
    assert follow_links(fclient, "/api/v2/groups", {})[0]


def test_freshdesk_a_change_comes_with_updated_since(desk, fclient):
    tid = sorted(desk.world.tickets)[5]
    t = desk.change_ticket(tid, status=2, reply="It broke again.")
    got, _ = follow_links(fclient, "/api/v2/tickets", {"updated_since": t["updated_at"], "include": "stats"})
    assert [(x["id"], x["status"]) for x in got] == [(tid, 2)]
    convs = fclient.get(f"/api/v2/tickets/{tid}/conversations", params={"per_page": 100}).json()
    assert convs[-1]["body_text"] == "It broke again." and convs[-1]["incoming"]


@pytest.mark.parametrize("auth", [None, ("wrongKey", "X"), ("X", "fakeFreshdeskKey0001")])
def test_freshdesk_credentials_are_the_api_key_as_user(desk, auth):
    r = httpx.get(desk.url + "/api/v2/agents", auth=auth)
    assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"
    assert httpx.get(desk.url + "/api/v2/agents", auth=(desk.api_key, "anything")).status_code == 200


def test_freshdesk_rate_headers_and_faults(desk, fclient):
    a, b = fclient.get("/api/v2/groups"), fclient.get("/api/v2/groups")
    assert a.headers["X-RateLimit-Total"] == "700"
    assert int(b.headers["X-RateLimit-Remaining"]) == int(a.headers["X-RateLimit-Remaining"]) - 1
    desk.fail_next("tickets", "429", retry_after=5)
    desk.fail_next("tickets", "500")
    desk.fail_next("tickets", "drop")
    r = fclient.get("/api/v2/tickets", params={"updated_since": SINCE})
    assert r.status_code == 429 and r.headers["Retry-After"] == "5"
    assert fclient.get("/api/v2/tickets", params={"updated_since": SINCE}).status_code == 500
    with pytest.raises(httpx.TransportError):
        fclient.get("/api/v2/tickets", params={"updated_since": SINCE})
    desk.list_limit = 1  # the ticket list's own per-minute limit, apart from the account's
    assert fclient.get("/api/v2/tickets", params={"updated_since": SINCE}).status_code == 200
    r = fclient.get("/api/v2/tickets", params={"updated_since": SINCE})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert desk.requests["tickets"] == 5
