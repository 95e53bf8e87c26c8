"""The demo help desk: reproducible, multilingual, well-ordered, and carrying the signal."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from datetime import datetime
from enum import Enum
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from cxpulse.demo import generate
from cxpulse.domain import (
    DONE_STATES,
    EventKind,
    ResponseKind,
    Role,
    Scale,
    is_satisfied,
)
from cxpulse.service.demo import DemoSummary, run_demo
from cxpulse.service.predict import score
from cxpulse.service.report import ReportQuery, report
from cxpulse.storage import tables as T

SMALL = 1500


def digest(records) -> str:
    h = hashlib.sha256()
    for r in records:
        h.update(repr(r).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def records():
    return list(generate(7, tickets=SMALL))


@pytest.fixture(scope="module")
def by_ticket(records):
    tickets, events, csat = {}, defaultdict(list), {}
    for r in records:
        if r.kind == "ticket":
            tickets[r.obj.source_id] = r.obj
        elif r.kind == "event":
            events[r.obj.ticket_id].append(r.obj)
        elif r.kind == "response" and r.obj.kind is ResponseKind.CSAT:
            csat[r.obj.ticket_id] = is_satisfied(r.obj.scale, r.obj.score)
    return tickets, events, csat


def test_the_same_seed_gives_the_same_records_and_another_seed_others(records):
    assert digest(generate(7, tickets=SMALL)) == digest(records)
    assert digest(generate(8, tickets=SMALL)) != digest(records)


# What the seed-7 demo holds, field by field: refactoring the simulation must not move it.
_PINNED_FIELDS = {
    "account": ("name", "timezone", "csat_scale"),
    "user": ("source_id", "role", "name", "email", "locale"),
    "ticket": (
        "source_id", "created_at", "subject", "description", "status", "channel", "priority", "group",
        "category", "requester_id", "assignee_id", "updated_at", "solved_at",
    ),
    "event": (
        "source_id", "ticket_id", "at", "kind", "author_id", "author_role", "public", "body", "value_from", "value_to",
    ),
    "invitation": ("source_id", "sent_at", "kind", "ticket_id", "customer_id"),
    "response": (
        "source_id", "given_at", "kind", "scale", "score", "ticket_id", "customer_id", "agent_id", "channel",
        "attribute", "importance", "comment", "reason",
    ),
}


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _summary(records) -> dict:
    """Counts and sums a reader can check on a failure, and a hash of the pinned fields."""
    events = [r.obj for r in records if r.kind == "event"]
    tickets = [r.obj for r in records if r.kind == "ticket"]
    responses = [r.obj for r in records if r.kind == "response"]
    h = hashlib.sha256()
    for r in records:
        row = [r.kind, r.account, *(_plain(getattr(r.obj, f)) for f in _PINNED_FIELDS[r.kind])]
        h.update(json.dumps(row, ensure_ascii=False).encode())
    return {
        "records": dict(sorted(Counter(r.kind for r in records).items())),
        "events": dict(sorted(Counter(f"{e.kind.value}/{e.author_role.value}" for e in events).items())),
        "statuses": dict(sorted(Counter(t.status for t in tickets).items())),
        "event_seconds": sum(int(e.at.timestamp()) for e in events),
        "solved_seconds": sum(int((t.solved_at - t.created_at).total_seconds()) for t in tickets if t.solved_at),
        "text_chars": sum(len(e.body) for e in events),
        "responses": dict(sorted(Counter(r.kind.value for r in responses).items())),
        "score_sum": sum(r.score for r in responses),
        "first_ticket": [tickets[0].source_id, tickets[0].subject, tickets[0].created_at.isoformat()],
        "sha256": h.hexdigest(),
    }


def test_the_seed_7_demo_is_pinned(records):
    """The same seed gives the same help desk from one version to the next, not only within
    one run: a change to the simulation that moves a random draw shows here. The figures
    come from CPython's Mersenne Twister and the IANA zones of the three accounts; if a
    change is meant to alter the demo, update them in the same commit and say why."""
    assert _summary(records) == {
        "records": {"account": 3, "event": 18271, "invitation": 2319, "response": 1329, "ticket": 1500, "user": 593},
        "events": {
            "assignee/agent": 1250, "assignee/system": 450, "comment/agent": 3071, "comment/customer": 4586,
            "group/agent": 77, "group/system": 1500, "priority/system": 1794, "status/agent": 2822,
            "status/customer": 118, "status/system": 2603,
        },
        "statuses": {"closed": 436, "hold": 33, "new": 5, "open": 4, "pending": 5, "solved": 1017},
        "event_seconds": 32491598386593,
        "solved_seconds": 986712744,
        "text_chars": 607387,
        "responses": {"ces": 136, "csat": 533, "csi": 534, "nps": 126},
        "score_sum": 5544,
        "first_ticket": ["NL-100001", "Atsiuntėte ne tą prekę", "2025-11-01T12:22:43+00:00"],
        "sha256": "a88be3f4a656d81f394c8582d93e6726167edb8fc8e2d586be1755932c365b18",
    }


def test_accounts_come_first_and_every_record_names_its_account(records):
    assert [r.kind for r in records[:3]] == ["account"] * 3
    names = {r.obj.name for r in records[:3]}
    assert names == {"nordlicht", "aegean-travel", "polar-soft"}
    assert all(r.account in names for r in records)
    assert sum(r.kind == "ticket" for r in records) == SMALL
    scales = {r.obj.name: r.obj.csat_scale for r in records[:3]}
    assert scales["aegean-travel"] is Scale.BINARY and scales["nordlicht"] is Scale.FIVE


def test_source_ids_are_unique_per_kind(records):
    seen = Counter((r.kind, r.account, r.obj.source_id) for r in records if r.kind != "account")
    assert max(seen.values()) == 1
    csi = [r.obj for r in records if r.kind == "response" and r.obj.kind is ResponseKind.CSI]
    assert csi and {c.attribute for c in csi} == {"speed", "competence", "politeness", "convenience", "empathy", "efficiency"}


def test_texts_come_in_english_russian_greek_and_lithuanian(records):
    texts = " ".join(
        getattr(r.obj, f)
        for r in records
        for f in ("subject", "description", "body", "comment")
        if isinstance(getattr(r.obj, f, None), str)
    )
    assert re.search(r"[А-Яа-яЁё]{4}", texts)  # Russian
    assert re.search(r"[ά-ώΑ-Ω]{4}", texts) and re.search(r"[άέήίόύώ]", texts)  # Greek, accented
    for letter in "ąčęėįšųūž":  # Lithuanian
        assert letter in texts
    assert re.search(r"\b(the|your|order|please)\b", texts)  # English


def test_events_start_at_creation_and_run_in_time_order(by_ticket):
    tickets, events, _ = by_ticket
    assert set(events) == set(tickets)
    for sid, ticket in tickets.items():
        evs = events[sid]
        assert evs[0].at == ticket.created_at
        assert evs[0].kind is EventKind.COMMENT and evs[0].author_role is Role.CUSTOMER
        assert evs[0].body == ticket.description
        assert all(a.at < b.at for a, b in pairwise(evs)), sid
        assert ticket.updated_at == evs[-1].at


def test_some_tickets_are_still_open_at_the_end(by_ticket):
    tickets, _, _ = by_ticket
    still_open = sum(t.status not in DONE_STATES for t in tickets.values())
    assert 0.01 * SMALL <= still_open <= 0.08 * SMALL
    assert all(t.solved_at is not None for t in tickets.values() if t.status in DONE_STATES)


def _csat(flags: list[bool]) -> float:
    return 100.0 * sum(flags) / len(flags)


def test_slow_first_replies_and_reopens_lower_satisfaction(by_ticket):
    tickets, events, csat = by_ticket
    assert len(csat) >= 300
    first_reply, reopened = {}, {}
    for sid in csat:
        evs = events[sid]
        reply = next(e.at for e in evs if e.kind is EventKind.COMMENT and e.author_role is Role.AGENT and e.public)
        first_reply[sid] = (reply - tickets[sid].created_at).total_seconds()
        reopened[sid] = any(e.kind is EventKind.STATUS and e.value_from == "solved" and e.value_to == "open" for e in evs)
    cut = sorted(first_reply.values())[len(first_reply) // 2]
    fast = [csat[s] for s in csat if first_reply[s] <= cut]
    slow = [csat[s] for s in csat if first_reply[s] > cut]
    assert _csat(slow) < _csat(fast) - 5
    again = [csat[s] for s in csat if reopened[s]]
    once = [csat[s] for s in csat if not reopened[s]]
    assert len(again) >= 15
    assert _csat(again) < _csat(once) - 5
    assert 65 <= _csat(list(csat.values())) <= 92


def test_run_demo_stores_the_accounts_and_builds_the_kpis(store):
    """On SQLite and PostgreSQL: stored, derived, and reported by account."""
    seen: list[int] = []
    summary = run_demo(store, tickets=SMALL, progress=seen.append)
    assert isinstance(summary, DemoSummary)
    assert (summary.accounts, summary.tickets) == (3, SMALL)
    assert summary.events > 5 * SMALL and summary.responses > 0 and summary.seconds > 0
    assert [a.name for a in store.accounts()] == ["aegean-travel", "nordlicht", "polar-soft"]
    assert store.count(T.tickets) == SMALL
    assert store.count(T.ticket_events) == summary.events
    assert store.count(T.responses) == summary.responses + summary.reviews  # reviews are responses of their own kind
    assert summary.reviews == round(SMALL * 0.5 * 0.06) + round(SMALL * 0.3 * 0.06) + round(SMALL * 0.2 * 0.06)
    with store.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(T.ticket_kpis)).scalar_one() == SMALL
    assert seen and seen == sorted(seen)
    rows = report(store, ReportQuery(metrics=("csat", "kpi"), by=("account",)))
    csat = {r["group"]["account"]: r for r in rows if r["metric"] == "csat"}
    assert set(csat) == {"aegean-travel", "nordlicht", "polar-soft"}
    assert all(60 <= r["value"] <= 95 and r["low"] < r["value"] < r["high"] for r in csat.values())
    assert sum(r["n"] for r in rows if r["metric"] == "resolution_rate") == SMALL
    # QA: the default scorecard, a week of reviews by two reviewers (agreement has data), mystery shops, a queue
    assert summary.qa_reviews > 0
    qa_rows = report(store, ReportQuery(metrics=("iqs", "qa-agreement", "qa-vs-csat"), by=("account",)))
    for metric in ("iqs", "qa_agreement", "qa_vs_csat"):
        have = {r["group"]["account"] for r in qa_rows if r["metric"] == metric}
        assert have == {"aegean-travel", "nordlicht", "polar-soft"}, metric
    iqs = [r for r in qa_rows if r["metric"] == "iqs"]
    assert all(40 <= r["value"] <= 100 and r["n"] >= 5 for r in iqs), iqs
    assert any(r["value"] is not None for r in qa_rows if r["metric"] == "qa_agreement")
    mystery = report(store, ReportQuery(metrics=("iqs",), by=("account",), mystery="only"))
    assert sum(r["n"] for r in mystery if r["metric"] == "iqs") >= 3
    from cxpulse.service.qa import review_queue

    assert all(review_queue(store, a) for a in ("aegean-travel", "nordlicht", "polar-soft"))
    # a model per account, and every ticket still open scored with the model's version
    assert set(summary.models) == {"aegean-travel", "nordlicht", "polar-soft"}
    open_now = score(store, open_only=True)
    assert summary.open_scored == len(open_now) > 0
    assert all(len(r["reasons"]) == 3 and r["model_version"] == 1 for r in open_now)
    # a login key for the dashboard: admin, shown once, replaced (not added to) by a rerun
    from cxpulse.service.keys import list_keys, verify_key

    assert verify_key(store, summary.login_key).admin
    again = run_demo(store, tickets=SMALL, predict=False)
    assert verify_key(store, summary.login_key) is None and verify_key(store, again.login_key).admin
    assert sum(1 for k in list_keys(store) if k.revoked_at is None) == 1
    # the same seed again: the same QA reviews and queue, none added
    assert store.count(T.qa_reviews) == summary.qa_reviews and again.qa_reviews == summary.qa_reviews
    assert store.count(T.qa_queue) == 3 * 12
