"""Due dates: `due_at` from JSON Lines and the API to overdue_rate, overdue_minutes and
csat_by_due, checked against a hand computation on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import json
import statistics
from datetime import UTC, datetime, timedelta

import pytest

from cxpulse.domain import EventKind, Ticket, TicketEvent
from cxpulse.metrics.facts import ticket_facts
from cxpulse.service.derive import rebuild
from cxpulse.service.imports import import_path
from cxpulse.service.ingest import ingest_batch
from cxpulse.service.report import ReportQuery, report

NOW = datetime(2026, 4, 1, tzinfo=UTC)
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


# id, channel, due after creation (h), solved after creation (h) or None, CSAT score or None
CASES = [
    ("1", "email", 24, 3, 5),  # on time
    ("2", "email", 24, 48, 2),  # 24 h late
    ("3", "email", 24, None, 1),  # open, past due at NOW: late by NOW − due
    ("4", "chat", 48, 47, 4),  # on time
    ("5", "chat", 2, 12, 4),  # 10 h late
    ("6", "chat", 24 * 60, None, None),  # open, promise still ahead at NOW: pending
    ("7", "chat", None, 5, 3),  # no promise: outside every due figure
]


def _lines() -> list[dict]:
    out: list[dict] = []
    for tid, channel, due_h, solved_h, score in CASES:
        t = {"type": "ticket", "id": tid, "created_at": _iso(T0), "channel": channel,
             "status": "solved" if solved_h is not None else "open"}
        if due_h is not None:
            t["due_at"] = _iso(T0 + timedelta(hours=due_h))
        out.append(t)
        if solved_h is not None:
            out.append({"type": "event", "id": f"{tid}s", "ticket_id": tid, "at": _iso(T0 + timedelta(hours=solved_h)),
                        "kind": "status", "from": "open", "to": "solved"})
        if score is not None:
            out.append({"type": "rating", "id": f"r{tid}", "ticket_id": tid, "score": score,
                        "given_at": _iso(T0 + timedelta(hours=(solved_h or 1) + 1))})
    return out


def _hand() -> dict:
    """The figures computed by hand from CASES."""
    late, on_time, pending = {}, {}, {}
    for tid, channel, due_h, solved_h, _ in CASES:
        if due_h is None:
            continue
        due = T0 + timedelta(hours=due_h)
        end = T0 + timedelta(hours=solved_h) if solved_h is not None else NOW
        if end > due:
            late[tid] = (end - due).total_seconds() / 60
        elif solved_h is not None:
            on_time[tid] = True
        else:
            pending[tid] = True
    return {"late": late, "on_time": on_time, "pending": pending}


@pytest.fixture
def desk(store, tmp_path):
    path = tmp_path / "due.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in _lines()))
    summary = import_path(store, "jsonl", path, account="acme")
    assert summary.rejected == 0 and summary.fields_rejected == 0
    return store


def _rows(store, metrics=("kpi", "csat-by-kpi"), by=()):
    return report(store, ReportQuery(metrics=metrics, by=by, account="acme", now=NOW))


def test_overdue_rate_and_minutes_equal_a_hand_computation(desk):
    hand = _hand()
    rows = _rows(desk)
    rate = next(r for r in rows if r["metric"] == "overdue_rate")
    assert (rate["count"], rate["n"], rate["pending"]) == (3, 5, 1)  # tickets 2, 3, 5 late of 1–5; 6 pending
    assert rate["value"] == pytest.approx(100 * 3 / 5)
    assert rate["low"] < rate["value"] < rate["high"]
    minutes = next(r for r in rows if r["metric"] == "overdue_minutes")
    late = sorted(hand["late"].values())
    assert minutes["n"] == 3
    assert minutes["value"] == pytest.approx(statistics.median(late))  # 24 h
    assert minutes["mean"] == pytest.approx(statistics.fmean(late))
    assert minutes["p90"] == pytest.approx(late[1] + 0.8 * (late[2] - late[1]))


def test_csat_by_due_splits_on_time_from_late(desk):
    rows = {r["bucket"]: r for r in _rows(desk, metrics=("csat-by-kpi",)) if r["metric"] == "csat_by_due"}
    assert rows["on time"]["n"] == 2 and rows["on time"]["value"] == pytest.approx(100.0)  # scores 5, 4
    assert rows["late"]["n"] == 3 and rows["late"]["value"] == pytest.approx(100 / 3)  # scores 2, 1, 4
    assert list(rows) == ["on time", "late"]


def test_overdue_by_channel(desk):
    rows = {r["group"]["channel"]: r for r in _rows(desk, by=("channel",)) if r["metric"] == "overdue_rate"}
    assert (rows["email"]["count"], rows["email"]["n"]) == (2, 3)
    assert (rows["chat"]["count"], rows["chat"]["n"], rows["chat"]["pending"]) == (1, 2, 1)


def test_an_open_ticket_turns_late_when_its_promise_passes(desk):
    before = next(r for r in report(desk, ReportQuery(metrics=("kpi",), account="acme", now=T0 + timedelta(hours=1)))
                  if r["metric"] == "overdue_rate")
    assert before["pending"] == 2  # tickets 3 and 6 are open, both promises ahead
    assert before["count"] == 2  # 2 and 5 were solved late


def test_accounts_without_due_dates_have_no_due_rows(store, tmp_path):
    lines = [x for x in _lines() if x["type"] != "ticket"] + [
        {k: v for k, v in x.items() if k != "due_at"} for x in _lines() if x["type"] == "ticket"
    ]
    path = tmp_path / "plain.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    import_path(store, "jsonl", path, account="acme")
    metrics = {r["metric"] for r in _rows(store)}
    assert "first_reply_minutes" in metrics
    assert not metrics & {"overdue_rate", "overdue_minutes", "csat_by_due"}


def test_rebuild_recomputes_the_due_figures(desk):
    before = _rows(desk)
    from cxpulse.storage import tables as T

    with desk.engine.begin() as c:
        c.execute(T.ticket_kpis.delete())
    assert not [r for r in _rows(desk) if r["metric"].startswith("overdue")]
    rebuild(desk)
    assert _rows(desk) == before


def test_a_due_event_moves_the_promise_from_its_time_on(store, tmp_path):
    """The latest promise before a moment counts at that moment: the fold, the KPIs and the report."""
    lines = [
        {"type": "ticket", "id": "9", "created_at": _iso(T0), "status": "solved", "due_at": _iso(T0 + timedelta(hours=48))},
        {"type": "event", "id": "9d", "ticket_id": "9", "at": _iso(T0 + timedelta(hours=10)), "kind": "due",
         "from": _iso(T0 + timedelta(hours=24)), "to": _iso(T0 + timedelta(hours=48))},
        {"type": "event", "id": "9s", "ticket_id": "9", "at": _iso(T0 + timedelta(hours=30)), "kind": "status",
         "from": "open", "to": "solved"},
    ]
    path = tmp_path / "moved.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    import_path(store, "jsonl", path, account="acme")
    rate = next(r for r in _rows(store) if r["metric"] == "overdue_rate")
    assert (rate["count"], rate["n"]) == (0, 1)  # solved at 30 h, within the moved promise of 48 h

    ticket = Ticket("9", T0, status="solved", due_at=T0 + timedelta(hours=48))
    move = TicketEvent("9d", "9", T0 + timedelta(hours=10), EventKind.DUE, value_from=_iso(T0 + timedelta(hours=24)),
                       value_to=_iso(T0 + timedelta(hours=48)))
    assert ticket_facts(ticket, [move], as_of=T0 + timedelta(hours=5)).due_at == T0 + timedelta(hours=24)
    assert ticket_facts(ticket, [move], as_of=T0 + timedelta(hours=11)).due_at == T0 + timedelta(hours=48)
    assert ticket_facts(ticket, [], as_of=T0 + timedelta(hours=5)).due_at == T0 + timedelta(hours=48)


def test_api_ingest_carries_due_at_and_keeps_an_item_with_a_bad_optional_field(store):
    store.ensure_account("acme")
    items = [
        {"id": "a1", "created_at": _iso(T0), "status": "solved", "solved_at": _iso(T0 + timedelta(hours=30)),
         "due_at": _iso(T0 + timedelta(hours=24))},
        {"id": "a2", "created_at": _iso(T0), "status": "open", "due_at": "next tuesday"},
        {"id": "a3", "created_at": "yesterday"},
    ]
    result = ingest_batch(store, "acme", "tickets", items, wait=True)
    assert (result.inserted, result.rejected, result.fields_rejected) == (2, 1, 1)
    kept = [e for e in result.errors if e.kept]
    assert [(e.index, e.field) for e in kept] == [(1, "due_at")]
    assert [(e.index, e.field) for e in result.errors if not e.kept] == [(2, "created_at")]
    rate = next(r for r in _rows(store) if r["metric"] == "overdue_rate")
    assert (rate["count"], rate["n"]) == (1, 1)  # a1 solved 6 h late; a2 has no promise


def test_jsonl_rejects_a_bad_field_but_keeps_the_ticket(store, tmp_path):
    lines = [
        {"type": "ticket", "id": "1", "created_at": _iso(T0), "updated_at": "soon", "subject": "Refund"},
        {"type": "ticket", "id": "2", "created_at": _iso(T0), "metrics": {"reopens": "x", "replies": 2}},
        {"type": "ticket", "id": "3", "created_at": "not a time", "subject": "lost"},
        {"type": "event", "id": "e1", "ticket_id": "1", "at": _iso(T0 + timedelta(hours=1)), "kind": "comment",
         "author_role": "robot", "body": "hello"},
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    summary = import_path(store, "jsonl", path, account="acme")
    assert summary.rejected == 1 and summary.fields_rejected == 3
    kept = sorted((r.line, r.field) for r in summary.first_rejects if r.kept)
    assert kept == [(1, "updated_at"), (2, "metrics.reopens"), (4, "author_role")]
    whole = [(r.line, r.field) for r in summary.first_rejects if not r.kept]
    assert whole == [(3, "created_at")]
    from sqlalchemy import select

    from cxpulse.storage import tables as T

    with store.engine.connect() as c:
        tickets = {r.source_id: r for r in c.execute(select(T.tickets))}
        events = c.execute(select(T.ticket_events.c.source_id, T.ticket_events.c.author_role)).all()
    assert set(tickets) == {"1", "2"}
    assert tickets["1"].subject == "Refund" and tickets["1"].updated_at is None
    assert json.loads(tickets["2"].metrics) == {"replies": 2.0}
    assert events == [("e1", "system")]
    again = import_path(store, "jsonl", path, account="acme")
    assert again.inserted == 0 and again.updated == 0


def test_a_ticket_closed_at_an_unknown_time_is_done_and_outside_the_due_figures(store, tmp_path):
    """A cancelled order: closed, its events never say when. The KPIs call it closed (not
    open for years), and with no solve time its promise was neither kept nor broken."""
    lines = [
        {"type": "ticket", "id": "c1", "created_at": _iso(T0), "status": "closed", "due_at": _iso(T0 + timedelta(days=9))},
        {"type": "event", "id": "c1-new", "ticket_id": "c1", "at": _iso(T0), "kind": "status", "from": "", "to": "new"},
        {"type": "rating", "id": "rc1", "ticket_id": "c1", "given_at": _iso(T0 + timedelta(days=30)), "score": 1},
        {"type": "ticket", "id": "c2", "created_at": _iso(T0), "status": "open", "due_at": _iso(T0 + timedelta(days=9))},
        {"type": "event", "id": "c2-new", "ticket_id": "c2", "at": _iso(T0), "kind": "status", "from": "", "to": "new"},
    ]
    path = tmp_path / "cancelled.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    import_path(store, "jsonl", path, account="acme")
    from sqlalchemy import select

    from cxpulse.storage import tables as T

    with store.engine.connect() as c:
        kpis = {r.ticket_id: r for r in c.execute(select(T.ticket_kpis))}
    assert (kpis["c1"].status, kpis["c1"].solved, kpis["c1"].solved_at, kpis["c1"].full_resolution_minutes) == (
        "closed", True, None, None)
    rows = _rows(store)
    rate = next(r for r in rows if r["metric"] == "overdue_rate")
    assert (rate["count"], rate["n"]) == (1, 1)  # only c2, open past its promise
    assert not [r for r in rows if r["metric"] == "csat_by_due"]


def test_the_dashboard_shows_the_overdue_rate_and_csat_by_the_promised_date(tmp_path):
    from cxpulse.service.keys import create_key
    from cxpulse.storage import Store
    from tests.dashboard_helpers import client_for, login

    store = Store.open(tmp_path / "dash.db")
    path = tmp_path / "due.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in _lines()))
    import_path(store, "jsonl", path, account="acme")
    import_path(store, "jsonl", path, account="plain")  # the same tickets …
    from cxpulse.storage import tables as T

    with store.engine.begin() as c:  # … without their promises
        c.execute(T.tickets.update().where(T.tickets.c.account_id == store.account("plain").id).values(due_at=None))
    rebuild(store, "plain")
    seen = {}
    for account in ("acme", "plain"):
        key, _ = create_key(store, account=account, name="test")
        client = client_for(store)
        assert login(client, key).status_code == 303
        seen[account] = (client.get("/?days=365").text, client.get("/drivers?days=365").text)
    overview, drivers = seen["acme"]
    # 4 of 6 late at any clock after 30 April 2026: 2 and 5 solved late, 3 and 6 open past their promises
    assert re.search(r'data-metric="overdue_rate">(<a [^>]*>)?66.7%', overview)
    assert "CSAT by the promised date" in drivers and "on time" in drivers
    overview, drivers = seen["plain"]
    assert "overdue_rate" not in overview and "promised date" not in drivers
    store.engine.dispose()


def test_many_left_out_fields_never_hide_a_row_rejected_whole(store, tmp_path):
    lines = [{"type": "ticket", "id": str(i), "created_at": _iso(T0), "updated_at": "soon"} for i in range(30)]
    lines.append({"type": "ticket", "id": "lost", "created_at": "never"})
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    summary = import_path(store, "jsonl", path, account="acme")
    assert (summary.rejected, summary.fields_rejected) == (1, 30)
    assert [(r.line, r.field) for r in summary.first_rejects if not r.kept] == [(31, "created_at")]
