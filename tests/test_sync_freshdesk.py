"""`cxpulse sync` against the fake Freshdesk API v2 (tests/fakes, 127.0.0.1 only).

A hand-made account holds one ticket of each documented shape (open with a reply, a
customer answer and a private note; resolved with no conversations; reopened; closed
outbound email; pending chat; deleted) and is checked value by value after a sync; a
bigger world (the Zendesk fake's, restated) checks that a second sync changes nothing, a
change, a deletion and a new rating arrive on the next one, a killed sync resumed equals
an unkilled one, faults are survived, and a bad API key stops the sync with a clear
error that holds no key.
"""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import select

from cxpulse.domain import SyncError
from cxpulse.readers.base import Record, Reject
from cxpulse.readers.csv_mapping import STATUS_WORDS
from cxpulse.readers.freshdesk_api import RATING_LABELS, RATING_SCORES, STATUS_LABELS, read_ratings, status_of
from cxpulse.service import http_fetch
from cxpulse.service import sync_freshdesk as fd
from cxpulse.service.connections import connect, list_connections
from cxpulse.service.sync import sync
from cxpulse.service.webhooks import add_webhook, deliveries
from cxpulse.storage import Store
from cxpulse.storage import tables as T
from tests.fakes.freshdesk_api import FakeFreshdesk, FreshdeskWorld, from_zendesk
from tests.fakes.zendesk_api import make_world

EXAMPLE_MAPPING = Path(__file__).parents[1] / "examples" / "freshdesk-tickets.toml"
AGENT, AGENT2, CUSTOMER, CUSTOMER2 = 9001, 9002, 5001, 5002
SUPPORT, BILLING = 301, 302


@pytest.fixture(autouse=True)
def no_sleeping(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(http_fetch, "sleep", waits.append)
    return waits


# ---- a hand-made account: one ticket per documented shape ------------------------------------


def _stats(**kw) -> dict:
    return {"agent_responded_at": None, "requester_responded_at": None, "first_responded_at": None,
            "status_updated_at": None, "reopened_at": None, "resolved_at": None, "closed_at": None,
            "pending_since": None} | kw


def _ticket(tid: int, *, status: int, priority: int, source: int, created: str, updated: str, stats: dict,
            requester: int = CUSTOMER, responder: int | None = AGENT, group: int | None = SUPPORT,
            type_: str | None = "Question", subject: str = "", text: str = "", **kw) -> dict:
    return {"id": tid, "subject": subject or f"Ticket {tid}", "description": f"<div>{text}</div>",
            "description_text": text or f"Help with {tid}", "status": status, "priority": priority, "source": source,
            "type": type_, "requester_id": requester, "responder_id": responder, "group_id": group,
            "company_id": None, "product_id": None, "email_config_id": None, "tags": [], "cc_emails": [],
            "fwd_emails": [], "reply_cc_emails": [], "to_emails": None, "fr_escalated": False,
            "is_escalated": False, "spam": False, "custom_fields": {}, "due_by": "2026-03-05T09:00:00Z",
            "fr_due_by": None, "created_at": created, "updated_at": updated, "stats": stats, **kw}


def _conv(cid: int, tid: int, user: int, at: str, text: str, *, incoming: bool, private: bool = False) -> dict:
    return {"id": cid, "body": f"<div>{text}</div>", "body_text": text, "incoming": incoming, "private": private,
            "user_id": user, "support_email": None, "source": 2 if private else 0, "category": 2, "ticket_id": tid,
            "to_emails": [], "from_email": None, "cc_emails": [], "bcc_emails": None, "attachments": [],
            "created_at": at, "updated_at": at}


def _rating(rid: int, tid: int, value: int, at: str, feedback: str = "") -> dict:
    return {"id": rid, "survey_id": 1, "user_id": CUSTOMER, "agent_id": AGENT, "feedback": feedback,
            "group_id": SUPPORT, "ticket_id": tid, "created_at": at, "updated_at": at,
            "ratings": {"default_question": value}}


def _agent(aid: int, name: str, email: str) -> dict:
    return {"id": aid, "available": True, "occasional": False, "signature": None, "ticket_scope": 1,
            "type": "support_agent", "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z",
            "contact": {"active": True, "email": email, "job_title": None, "language": "lt", "mobile": None,
                        "name": name, "phone": None, "time_zone": "Vilnius", "created_at": "2025-01-01T00:00:00Z",
                        "updated_at": "2025-01-01T00:00:00Z"}}


def shapes_world() -> FreshdeskWorld:
    tickets = [
        # open, email, high: an agent reply, the customer's answer, a private note
        _ticket(101, status=2, priority=3, source=1, created="2026-03-02T09:00:00Z", updated="2026-03-02T12:00:00Z",
                stats=_stats(first_responded_at="2026-03-02T09:30:00Z", agent_responded_at="2026-03-02T09:30:00Z"),
                subject="Nepavyksta prisijungti", text="Sveiki, negaliu prisijungti.", tags=["VIP", "login"]),
        # resolved, portal, no conversations at all: the first reply only in the stats
        _ticket(102, status=4, priority=2, source=2, created="2026-03-02T10:00:00Z", updated="2026-03-02T15:00:00Z",
                stats=_stats(first_responded_at="2026-03-02T11:00:00Z", resolved_at="2026-03-02T15:00:00Z"),
                group=BILLING, type_="Incident"),
        # resolved, then reopened by the customer: open again
        _ticket(103, status=2, priority=1, source=3, created="2026-03-03T08:00:00Z", updated="2026-03-04T09:00:00Z",
                stats=_stats(resolved_at="2026-03-03T12:00:00Z", reopened_at="2026-03-04T09:00:00Z")),
        # closed outbound email: the agent wrote the description
        _ticket(104, status=5, priority=4, source=10, created="2026-03-03T09:00:00Z", updated="2026-03-05T09:00:00Z",
                stats=_stats(resolved_at="2026-03-04T09:00:00Z", closed_at="2026-03-05T09:00:00Z"),
                requester=CUSTOMER2, responder=AGENT2, type_=None),
        # pending chat, urgent
        _ticket(105, status=3, priority=4, source=7, created="2026-03-04T09:00:00Z", updated="2026-03-04T10:00:00Z",
                stats=_stats(pending_since="2026-03-04T10:00:00Z", status_updated_at="2026-03-04T10:00:00Z"),
                responder=None, group=None),
        # deleted (listed only under filter=deleted)
        _ticket(106, status=2, priority=1, source=9, created="2026-03-04T11:00:00Z", updated="2026-03-04T12:00:00Z",
                stats=_stats(), deleted=True),
        # reopened, then resolved again: the stats keep only the last solve
        _ticket(107, status=4, priority=2, source=1, created="2026-03-04T08:00:00Z", updated="2026-03-05T09:00:00Z",
                stats=_stats(reopened_at="2026-03-04T16:00:00Z", resolved_at="2026-03-05T09:00:00Z")),
        # spam (listed only under filter=spam)
        _ticket(108, status=2, priority=1, source=1, created="2026-03-04T13:00:00Z", updated="2026-03-04T13:05:00Z",
                stats=_stats(), spam=True),
    ]
    conversations = {
        101: [_conv(7001, 101, AGENT, "2026-03-02T09:30:00Z", "Pabandykite atkurti slaptažodį.", incoming=False),
              _conv(7002, 101, CUSTOMER, "2026-03-02T11:00:00Z", "Nepadėjo.", incoming=True),
              _conv(7003, 101, AGENT, "2026-03-02T12:00:00Z", "Perduodu antram lygiui.", incoming=False,
                    private=True)],
        103: [_conv(7004, 103, AGENT, "2026-03-03T11:00:00Z", "Sutvarkyta.", incoming=False),
              _conv(7005, 103, CUSTOMER, "2026-03-04T09:00:00Z", "Vėl neveikia.", incoming=True)],
        104: [_conv(7006, 104, CUSTOMER2, "2026-03-04T08:00:00Z", "Ačiū!", incoming=True)],
    }
    ratings = [_rating(801, 101, 103, "2026-03-02T13:00:00Z", "Greitai!"),
               _rating(802, 102, -103, "2026-03-02T16:00:00Z", "Niekas nepadėjo"),
               _rating(803, 104, 100, "2026-03-05T10:00:00Z")]
    return FreshdeskWorld(
        agents=[_agent(AGENT, "Ona Jonaitė", "ona@acme.lt"), _agent(AGENT2, "Jonas Petraitis", "jonas@acme.lt")],
        contacts={CUSTOMER: {"id": CUSTOMER, "name": "Rūta Petraitienė", "email": "ruta@example.lt"},
                  CUSTOMER2: {"id": CUSTOMER2, "name": "Алексей Смирнов", "email": "alexey@example.ru"}},
        groups=[{"id": SUPPORT, "name": "Techninė pagalba", "description": None},
                {"id": BILLING, "name": "Sąskaitos", "description": None}],
        tickets={t["id"]: t for t in tickets}, conversations=conversations, ratings=ratings)


def _rows(store: Store, query) -> list:
    with store.engine.connect() as c:
        return list(c.execute(query))


def _connect(store: Store, fake: FakeFreshdesk, key: str | None = None) -> None:
    connect(store, "acme", "freshdesk", fake.url, key or fake.api_key)


def test_every_documented_shape_is_stored_as_the_csv_mapping_would(store: Store):
    fake = FakeFreshdesk(shapes_world())
    with fake.running():
        _connect(store, fake)
        got = sync(store, "acme")
    assert not got.rejected and not got.fields_rejected
    t = T.tickets
    tickets = {r.source_id: r for r in _rows(store, select(t))}
    assert {k: (r.status, r.channel, r.priority, r.group_name, r.category, r.requester_id, r.assignee_id)
            for k, r in tickets.items()} == {
        "101": ("open", "Email", "High", "Techninė pagalba", "Question", "5001", "9001"),
        "102": ("solved", "Portal", "Medium", "Sąskaitos", "Incident", "5001", "9001"),
        "103": ("open", "Phone", "Low", "Techninė pagalba", "Question", "5001", "9001"),
        "104": ("closed", "Outbound Email", "Urgent", "Techninė pagalba", "", "5002", "9002"),
        "105": ("pending", "Chat", "Urgent", "", "Question", "5001", ""),
        "106": ("deleted", "Feedback Widget", "Low", "Techninė pagalba", "Question", "5001", "9001"),
        "107": ("solved", "Email", "Medium", "Techninė pagalba", "Question", "5001", "9001"),
        "108": ("deleted", "Email", "Low", "Techninė pagalba", "Question", "5001", "9001"),  # spam
    }  # fmt: skip
    assert (tickets["101"].subject, tickets["101"].description) == ("Nepavyksta prisijungti",
                                                                     "Sveiki, negaliu prisijungti.")
    assert str(tickets["102"].solved_at)[:19] == "2026-03-02 15:00:00" and tickets["101"].solved_at is None
    assert str(tickets["101"].due_at)[:19] == "2026-03-05 09:00:00"
    assert (tickets["101"].tags, tickets["102"].tags) == ("vip login", "")  # SLA policies match on them

    u = T.users
    assert {(r.source_id, r.role, r.name, r.email) for r in _rows(store, select(u))} == {
        ("9001", "agent", "Ona Jonaitė", "ona@acme.lt"), ("9002", "agent", "Jonas Petraitis", "jonas@acme.lt"),
        ("5001", "customer", "Rūta Petraitienė", "ruta@example.lt"),
        ("5002", "customer", "Алексей Смирнов", "alexey@example.ru"),
    }

    e = T.ticket_events
    events = {r.source_id: (r.kind, r.author_id, r.author_role, r.public, r.body, r.value_from, r.value_to)
              for r in _rows(store, select(e).where(e.c.ticket_id.in_(["101", "102", "103", "104", "105", "107"])))}
    assert events == {
        "101:assigned": ("assignee", "", "system", True, "", "", "9001"),
        "101:created": ("comment", "5001", "customer", True, "Sveiki, negaliu prisijungti.", "", ""),
        "101:first-reply": ("comment", "9001", "agent", True, "Pabandykite atkurti slaptažodį.", "", ""),
        "7002": ("comment", "5001", "customer", True, "Nepadėjo.", "", ""),
        "7003": ("comment", "9001", "agent", False, "Perduodu antram lygiui.", "", ""),  # the private note
        "102:assigned": ("assignee", "", "system", True, "", "", "9001"),
        "102:created": ("comment", "5001", "customer", True, "Help with 102", "", ""),
        "102:first-reply": ("comment", "9001", "agent", True, "", "", ""),  # from stats.first_responded_at
        "102:solved": ("status", "", "system", True, "", "open", "solved"),
        "103:assigned": ("assignee", "", "system", True, "", "", "9001"),
        "103:created": ("comment", "5001", "customer", True, "Help with 103", "", ""),
        "103:first-reply": ("comment", "9001", "agent", True, "Sutvarkyta.", "", ""),
        "7005": ("comment", "5001", "customer", True, "Vėl neveikia.", "", ""),
        "103:solved": ("status", "", "system", True, "", "open", "solved"),
        "103:status": ("status", "", "system", True, "", "solved", "open"),  # the reopen
        "104:assigned": ("assignee", "", "system", True, "", "", "9002"),
        "104:created": ("comment", "9002", "agent", True, "Help with 104", "", ""),  # outbound: the agent's
        "7006": ("comment", "5002", "customer", True, "Ačiū!", "", ""),
        "104:solved": ("status", "", "system", True, "", "open", "solved"),
        "104:closed": ("status", "", "system", True, "", "solved", "closed"),
        "105:created": ("comment", "5001", "customer", True, "Help with 105", "", ""),
        "105:pending": ("status", "", "system", True, "", "open", "pending"),
        "105:status-now": ("status", "", "system", True, "", "", "pending"),
        "107:assigned": ("assignee", "", "system", True, "", "", "9001"),
        "107:created": ("comment", "5001", "customer", True, "Help with 107", "", ""),
        "107:solved-before-reopen": ("status", "", "system", True, "", "open", "solved"),
        "107:status": ("status", "", "system", True, "", "solved", "open"),
        "107:solved": ("status", "", "system", True, "", "open", "solved"),
    }  # fmt: skip

    k = T.ticket_kpis
    kpis = {r.ticket_id: (r.first_reply_minutes, r.reopens, r.status) for r in _rows(store, select(k))}
    assert kpis["101"] == (30.0, 0, "open") and kpis["102"][:2] == (60.0, 0)
    assert (kpis["103"][1:], kpis["107"][1:]) == ((1, "open"), (1, "solved"))  # a reopen each
    assert kpis["105"][2] == "pending"
    assert kpis["104"][0] is None  # the outbound description answers nothing; no agent reply followed

    r = T.responses
    assert {(x.source_id, x.kind, x.scale, x.score, x.customer_id, x.agent_id, x.comment)
            for x in _rows(store, select(r))} == {
        ("101:rating:csat", "csat", "1-5", 5, "5001", "9001", "Greitai!"),
        ("102:rating:csat", "csat", "1-5", 1, "5001", "9001", "Niekas nepadėjo"),
        ("104:rating:csat", "csat", "1-5", 3, "5001", "9001", ""),
    }
    (c,) = list_connections(store)
    assert c["last_sync_at"] and not c["last_error"]
    assert json.loads(c["cursor"]) == {"tickets_since": "2026-03-05T09:00:00Z", "deleted_since": "2026-03-04T12:00:00Z",
                                       "spam_since": "2026-03-04T13:05:00Z", "ratings_since": "2026-03-05T10:00:00Z"}
    assert fake.requests["conversations"] == 6  # one per listed ticket, none for the deleted and the spam


def test_a_ticket_that_left_pending_ends_open(store: Store):
    fake = FakeFreshdesk(shapes_world())
    with fake.running():
        _connect(store, fake)
        sync(store, "acme")
        fake.change_ticket(105, status=2, reply="Here is the screenshot.")
        again = sync(store, "acme")
    assert again.by_kind["ticket"].updated == 1
    k = T.ticket_kpis
    assert _rows(store, select(k.c.status).where(k.c.ticket_id == "105")) == [("open",)]


@pytest.mark.parametrize("value", sorted(RATING_LABELS))
def test_each_rating_value_has_its_score_on_1_to_5(value):
    (rec,) = list(read_ratings([_rating(1, 42, value, "2026-03-02T13:00:00Z")]))
    assert isinstance(rec, Record)
    expected = {103: 5, 102: 4, 101: 4, 100: 3, -101: 2, -102: 2, -103: 1}[value]
    got = (rec.obj.source_id, rec.obj.scale, rec.obj.score, rec.obj.ticket_id)
    assert got == ("42:rating:csat", "1-5", expected, "42")


def test_an_unknown_rating_value_is_rejected_naming_the_field():
    (rej,) = list(read_ratings([_rating(1, 42, 5, "2026-03-02T13:00:00Z")]))
    assert isinstance(rej, Reject) and rej.field == "ratings.default_question" and "103 Extremely Happy" in rej.reason


def test_the_codes_read_as_the_freshdesk_csv_mapping_reads_its_words():
    mapping = tomllib.loads(EXAMPLE_MAPPING.read_text(encoding="utf-8"))
    assert mapping["rating"]["values"] == RATING_SCORES  # every label, the same score
    assert set(RATING_SCORES) == set(RATING_LABELS.values())
    words = {k.casefold(): v for k, v in mapping.get("statuses", {}).items()} | STATUS_WORDS
    for code, label in STATUS_LABELS.items():
        assert status_of(code) == words.get(label.casefold(), label.casefold())
    assert status_of(6) == "open"  # an account's own status: still being worked on


# ---- a bigger world -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world():
    return from_zendesk(make_world(7, tickets=30))


@pytest.fixture
def fake(world):
    f = FakeFreshdesk(copy.deepcopy(world))
    with f.running():
        yield f


def _all(store: Store) -> dict[str, list]:
    drop = {"id", "account_id", "imported_at", "updated_at_db"}
    out = {}
    for table in (T.tickets, T.users, T.ticket_events, T.responses, T.ticket_kpis):
        cols = [c for c in table.c if c.name not in drop]
        out[table.name] = sorted(tuple(map(str, r)) for r in _rows(store, select(*cols)))
    return out


def test_a_second_sync_changes_nothing_and_changes_come_next(store: Store, fake):
    _connect(store, fake)
    first = sync(store, "acme")
    assert first.by_kind["ticket"].inserted == 30 and first.by_kind["response"].inserted == len(fake.world.ratings)
    listed = sum(not t.get("deleted") for t in fake.world.tickets.values())
    assert dict(fake.requests) == {"agents": 1, "groups": 1, "tickets": 3, "conversations": listed,
                                   "satisfaction_ratings": 1}  # the cost the module docstring gives
    before = _all(store)
    again = sync(store, "acme")
    assert again.inserted == again.updated == 0 and _all(store) == before
    listed = sorted(t for t, v in fake.world.tickets.items() if not v.get("deleted"))
    tid = next(t for t in listed if fake.world.tickets[t]["status"] in (2, 3))
    gone = next(t for t in listed if t != tid)
    spammed = next(t for t in listed if t not in (tid, gone))
    rated = next(t for t in listed if t not in (tid, gone, spammed)
                 and all(r["ticket_id"] != t for r in fake.world.ratings))
    agent = fake.world.agents[0]["id"]
    fake.change_ticket(tid, reply="Fixed, thanks for waiting.", user_id=agent)
    fake.change_ticket(tid, status=4)
    fake.delete_ticket(gone)
    fake.delete_ticket(spammed, spam=True)
    fake.rate(rated, -102, "Slow")
    add_webhook(store, "acme", "http://127.0.0.1:9/hook", allow_private=True)
    third = sync(store, "acme")
    assert third.by_kind["ticket"].updated == 3 and third.by_kind["response"].inserted == 1
    status = dict(_rows(store, select(T.tickets.c.source_id, T.tickets.c.status)))
    assert (status[str(tid)], status[str(gone)], status[str(spammed)]) == ("solved", "deleted", "deleted")
    e = T.ticket_events
    assert {r.body for r in _rows(store, select(e).where(e.c.ticket_id == str(tid)))} >= {"Fixed, thanks for waiting."}
    assert _rows(store, select(e.c.value_to).where(e.c.source_id == f"{tid}:solved")) == [("solved",)]
    r = T.responses
    assert _rows(store, select(r.c.score, r.c.comment).where(r.c.ticket_id == str(rated))) == [(2, "Slow")]
    (alert,) = deliveries(store, "acme")  # the new low rating, told; the old ones are history
    assert (alert["event"], alert["payload"]["response_id"], alert["payload"]["score"]) == (
        "low_rating", f"{rated}:rating:csat", 2)


@pytest.mark.parametrize("kill_at", ["load", "cursor"])
def test_a_sync_killed_between_pages_and_run_again_equals_an_unkilled_one(store: Store, fake, world, tmp_path,
                                                                         monkeypatch, kill_at):
    monkeypatch.setattr(fd, "PER_PAGE", 7)
    whole = Store.open(tmp_path / "whole.db")
    try:
        _connect(whole, fake)
        sync(whole, "acme")
        expected = _all(whole)
    finally:
        whole.engine.dispose()

    class Killed(Exception):
        pass

    calls = {"n": 0}
    target = fd if kill_at == "load" else fd.stored
    real = target.load if kill_at == "load" else target.save_progress

    def dying(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 4:  # the third ticket page: its rows (or only its cursor) never committed
            raise Killed
        return real(*a, **kw)

    _connect(store, fake)
    monkeypatch.setattr(target, "load" if kill_at == "load" else "save_progress", dying)
    with pytest.raises(Killed):
        sync(store, "acme")
    monkeypatch.undo()
    monkeypatch.setattr(http_fetch, "sleep", lambda s: None)
    (c,) = list_connections(store)
    assert "tickets_since" in c["cursor"]  # two pages were stored and their place kept
    partial = store.count(T.tickets)
    assert 0 < partial < 30
    sync(store, "acme")
    assert _all(store) == expected


def test_the_page_cap_asks_again_from_the_newest_update(store: Store, fake, monkeypatch):
    monkeypatch.setattr(fd, "PER_PAGE", 4)
    monkeypatch.setattr(fd, "PAGE_CAP", 2)
    fake.max_page = 2  # the fake serves no page past it, as Freshdesk serves none past 300
    _connect(store, fake)
    got = sync(store, "acme")
    assert not got.rejected and store.count(T.tickets) == 30
    assert fake.requests["tickets"] >= 30 / 4


def test_a_429_a_500_and_a_timeout_are_survived(store: Store, fake, no_sleeping, monkeypatch):
    monkeypatch.setattr(fd, "TIMEOUT", 0.3)
    _connect(store, fake)
    fake.fail_next("tickets", "429", retry_after=7)
    fake.fail_next("tickets", "500")
    fake.fail_next("conversations", "hang", seconds=1.0)
    fake.fail_next("agents", "drop")
    got = sync(store, "acme")
    assert got.by_kind["ticket"].inserted == 30
    assert 7.0 in no_sleeping and len(no_sleeping) == 4


def test_an_endpoint_failing_past_its_retries_names_it_and_keeps_the_cursor(store: Store, fake):
    _connect(store, fake)
    for _ in range(http_fetch.RETRIES + 1):
        fake.fail_next("satisfaction_ratings", "500")
    with pytest.raises(SyncError, match="surveys/satisfaction_ratings answered 500 5 times"):
        sync(store, "acme")
    (c,) = list_connections(store)
    assert "satisfaction_ratings" in c["last_error"] and "tickets_since" in c["cursor"]
    assert store.count(T.tickets) == 30  # the ticket pages before it were stored
    assert sync(store, "acme").by_kind["response"].inserted == len(fake.world.ratings)


def test_a_bad_api_key_gives_a_clear_error_without_the_key(store: Store, fake):
    bad = "wrongFreshdeskKey-SECRET-9876"
    _connect(store, fake, key=bad)
    with pytest.raises(SyncError, match="Freshdesk refused the credentials at /api/v2/agents") as e:
        sync(store, "acme")
    assert "API key" in str(e.value) and "SECRET" not in str(e.value) and "9876" not in str(e.value)
    (c,) = list_connections(store)
    assert "SECRET" not in c["last_error"] and "SECRET" not in str(c)


def test_the_sync_command_prints_the_import_summary_for_a_freshdesk_connection(db_arg, fake):
    from typer.testing import CliRunner

    from cxpulse.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["connect", "freshdesk", "acme", "--url", fake.url, "--token", fake.api_key,
                             "--db", db_arg])
    assert ok.exit_code == 0, ok.output
    got = runner.invoke(app, ["sync", "--account", "acme", "--format", "json", "--db", db_arg])
    assert got.exit_code == 0, got.output
    assert '"inserted"' in got.output and '"ticket"' in got.output and fake.api_key not in got.output
    table = runner.invoke(app, ["sync", "--account", "acme", "--db", db_arg])
    assert table.exit_code == 0 and "unchanged" in table.output and fake.api_key not in table.output
    runner.invoke(app, ["connect", "freshdesk", "acme", "--url", fake.url, "--token", "bad-key-SECRET-4321",
                        "--db", db_arg])
    bad = runner.invoke(app, ["sync", "--db", db_arg])
    said = bad.output + (bad.stderr if bad.stderr_bytes is not None else "")
    assert bad.exit_code != 0 and "refused the credentials" in said and "SECRET" not in said


def test_no_requests_remaining_holds_the_next_request_a_minute(monkeypatch):
    """Freshdesk says `X-RateLimit-Remaining: 0` and no reset time: the next request waits
    out the minute's window instead of drawing a 429."""
    now = [100.0]
    waits: list[float] = []
    monkeypatch.setattr(http_fetch, "sleep", lambda s: (waits.append(s), now.__setitem__(0, now[0] + s)))
    monkeypatch.setattr(http_fetch, "clock", lambda: now[0])
    answers = iter([
        httpx.Response(200, json=[{"id": 1}], headers={"X-RateLimit-Remaining": "0",
                                                       "Link": '<http://desk.test/api/v2/agents?page=2>; rel="next"'}),
        httpx.Response(200, json=[{"id": 2}], headers={"X-RateLimit-Remaining": "199"}),
    ])
    client = httpx.Client(transport=httpx.MockTransport(lambda request: next(answers)), base_url="http://desk.test")
    assert [item["id"] for item in fd._items(client, "/api/v2/agents", {})] == [1, 2]
    assert waits == [pytest.approx(60.0)]


def test_the_sync_reports_its_pages_and_tickets_for_a_progress_bar(store: Store):
    fake = FakeFreshdesk(shapes_world())
    seen: list[tuple[int, int, str]] = []
    with fake.running():
        _connect(store, fake)
        sync(store, "acme", progress=lambda p: seen.append((p.pages, p.tickets, p.stage)))
    assert [pages for pages, _, _ in seen] == list(range(1, len(seen) + 1))
    assert {stage for _, _, stage in seen} >= {"tickets", "deleted", "spam", "ratings"}
    assert seen[-1][1] == 8  # every ticket of the world, the deleted and the spam one counted where read
