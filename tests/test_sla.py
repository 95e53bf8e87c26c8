"""SLA policies end to end: a TOML file applied from the CLI, each ticket's targets derived
(and again by `cxpulse rebuild`), the report's sla rows and csat_by_sla, errors that name
the line, field and fix, and the storage on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse.cli import app
from cxpulse.domain import FormatError
from cxpulse.service.imports import import_path
from cxpulse.service.report import ReportQuery, report
from cxpulse.service.sla import apply_policies, parse_policies, policies_document, put_policies
from cxpulse.storage import Store
from cxpulse.storage.sla import ticket_targets
from tests.factories import make_ticket, write_jsonl

runner = CliRunner()
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

POLICIES = """\
effective_from = 2026-01-01T00:00:00Z

[[policy]]
title = "Urgent chats"
all = [{ field = "priority", operator = "is", value = "urgent" }]

[policy.targets]
first_reply = 15
resolution = { minutes = 120 }

[[policy]]
title = "Everything else"

[policy.targets]
first_reply = { minutes = 120, hours = "calendar" }
next_reply = 60
resolution = { minutes = 1440 }
requester_wait = 600
"""


def ev(eid: str, tid: str, at: str, kind: str, **kw) -> dict:
    return {"type": "event", "id": eid, "ticket_id": tid, "at": at, "kind": kind, **kw}


def records() -> list[dict]:
    out: list[dict] = [
        make_ticket(id="T1", created_at="2026-03-02T09:00:00Z", priority="urgent", channel="chat", status="solved"),
        ev("1a", "T1", "2026-03-02T09:00:00Z", "comment", author_role="customer", author_id="c1", body="help"),
        ev("1b", "T1", "2026-03-02T09:10:00Z", "comment", author_role="agent", author_id="a1", body="on it"),
        ev("1c", "T1", "2026-03-02T10:00:00Z", "status", **{"from": "open", "to": "solved"}),
        {"type": "rating", "id": "r1", "ticket_id": "T1", "score": 5, "given_at": "2026-03-02T11:00:00Z"},
        make_ticket(id="T2", created_at="2026-03-02T09:00:00Z", priority="normal", status="solved", assignee_id="a2"),
        ev("2a", "T2", "2026-03-02T09:00:00Z", "comment", author_role="customer", author_id="c2", body="help"),
        ev("2b", "T2", "2026-03-02T13:00:00Z", "comment", author_role="agent", author_id="a2", body="late"),
        ev("2c", "T2", "2026-03-02T13:30:00Z", "comment", author_role="customer", author_id="c2", body="and?"),
        ev("2d", "T2", "2026-03-02T14:00:00Z", "comment", author_role="agent", author_id="a2", body="done"),
        ev("2e", "T2", "2026-03-02T14:00:01Z", "status", **{"from": "open", "to": "solved"}),
        {"type": "rating", "id": "r2", "ticket_id": "T2", "score": 2, "given_at": "2026-03-02T15:00:00Z"},
        make_ticket(id="T3", created_at="2026-03-10T11:30:00Z", priority="normal", status="open", assignee_id="a1"),
        ev("3a", "T3", "2026-03-10T11:30:00Z", "comment", author_role="customer", author_id="c3", body="hello?"),
    ]
    return out


@pytest.fixture
def world(tmp_path) -> tuple[Store, str]:
    db = str(tmp_path / "sla.db")
    store = Store.open(db)
    import_path(store, "jsonl", write_jsonl(tmp_path / "data.jsonl", records()), account="acme")
    return store, db


def by_key(rows):
    return {(r["metric"], r.get("bucket")): r for r in rows}


def test_apply_stores_the_policies_and_derives_every_tickets_targets(world, tmp_path):
    store, db = world
    path = tmp_path / "policies.toml"
    path.write_text(POLICIES, encoding="utf-8")
    out = runner.invoke(app, ["sla", "apply", str(path), "--account", "acme", "--db", db])
    assert out.exit_code == 0, out.output
    said = " ".join(out.output.split())
    assert "2 SLA policies" in said and "3 tickets" in said
    with store.engine.connect() as conn:
        t1 = {(r["kind"], r["seq"]): r for r in ticket_targets(conn, store.account("acme").id, "T1")}
        t2 = {(r["kind"], r["seq"]): r for r in ticket_targets(conn, store.account("acme").id, "T2")}
    assert t1["first_reply", 0]["policy"] == "Urgent chats" and t1["first_reply", 0]["status"] == "met"
    assert t1["resolution", 0]["status"] == "met"
    assert ("next_reply", 1) not in t1  # the urgent policy sets no next-reply target
    assert t2["first_reply", 0]["status"] == "breached"
    assert t2["first_reply", 0]["breached_at"] == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    assert t2["next_reply", 1]["status"] == "met"  # 13:30 → 14:00
    again = runner.invoke(app, ["sla", "apply", str(path), "--account", "acme", "--db", db])
    assert again.exit_code == 0 and "nothing changed" in again.output
    shown = runner.invoke(app, ["sla", "show", "--account", "acme", "--db", db, "-f", "json"])
    doc = json.loads(shown.stdout)
    assert [p["title"] for p in doc["policies"]] == ["Urgent chats", "Everything else"]
    assert doc["policies"][0]["filter"]["all"] == [{"field": "priority", "operator": "is", "value": "urgent"}]
    table = runner.invoke(app, ["sla", "show", "--account", "acme", "--db", db])
    assert "priority is urgent" in table.output and "every ticket" in table.output


def test_report_sla_rows_and_csat_by_sla(world):
    store, _db = world
    apply_policies(store, "acme", POLICIES, now=NOW)
    rows = by_key(report(store, ReportQuery(metrics=("sla",), now=NOW)))
    fr = rows["sla_first_reply", None]
    # T1 met; T2 breached; T3 (created 11:30, no reply by 12:00, target 2 h) still running
    assert (fr["met"], fr["count"], fr["running"], fr["n"]) == (1, 1, 1, 2)
    assert fr["value"] == 50.0 and 0 < fr["low"] < 50 < fr["high"] < 100
    assert rows["sla_next_reply", None]["met"] == 1
    assert rows["csat_by_sla", "met"]["value"] == 100.0 and rows["csat_by_sla", "met"]["n"] == 1
    assert rows["csat_by_sla", "breached"]["value"] == 0.0
    # two hours later T3's first reply is past its deadline: breached by the clock
    later = by_key(report(store, ReportQuery(metrics=("sla",), now=datetime(2026, 3, 10, 14, 0, tzinfo=UTC))))
    assert later["sla_first_reply", None]["count"] == 2 and later["sla_first_reply", None]["running"] == 0
    by_agent = report(store, ReportQuery(metrics=("sla",), by=("agent",), now=NOW))
    a2 = next(r for r in by_agent if r["metric"] == "sla_first_reply" and r["group"] == {"agent": "a2"})
    assert (a2["met"], a2["count"]) == (0, 1)
    by_month = report(store, ReportQuery(metrics=("sla",), by=("month",), now=NOW))
    assert {r["group"]["month"] for r in by_month} == {"2026-03"}


def test_report_through_the_cli_and_rebuild_recomputes(world, tmp_path):
    store, db = world
    apply_policies(store, "acme", POLICIES, now=NOW)
    aid = store.account("acme").id
    with store.engine.connect() as conn:
        before = ticket_targets(conn, aid, "T2")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM ticket_sla")
    out = runner.invoke(app, ["rebuild", "--db", db])
    assert out.exit_code == 0, out.output
    with store.engine.connect() as conn:
        assert ticket_targets(conn, aid, "T2") == before
    rep = runner.invoke(app, ["report", "--metric", "sla", "--by", "channel", "--db", db, "-f", "json"])
    assert rep.exit_code == 0, rep.output
    metrics = {r["metric"] for r in json.loads(rep.stdout)}
    assert {"sla_first_reply", "sla_resolution", "csat_by_sla"} <= metrics


def test_a_new_policy_set_applies_from_its_time_on(world):
    store, _db = world
    apply_policies(store, "acme", POLICIES, now=NOW)
    stricter = POLICIES.replace("2026-01-01T00:00:00Z", "2026-03-05T00:00:00Z").replace(
        'first_reply = { minutes = 120, hours = "calendar" }', "first_reply = 10")
    apply_policies(store, "acme", stricter, now=NOW)
    aid = store.account("acme").id
    with store.engine.connect() as conn:
        t3 = {(r["kind"], r["seq"]): r for r in ticket_targets(conn, aid, "T3")}
        t2 = {(r["kind"], r["seq"]): r for r in ticket_targets(conn, aid, "T2")}
    assert t3["first_reply", 0]["target_minutes"] == 10.0  # created after the change
    assert t2["first_reply", 0]["target_minutes"] == 120.0  # measured under the set of its time
    assert len(policies_document(store, "acme")["versions"]) == 2


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[[policy]]\ntitle = "A"\n[policy.targets]\nfirst_reply = -5\n', 4, "targets.first_reply.minutes"),
        ('[[policy]]\ntitle = "A"\nall = [{ field = "colour", value = "red" }]\n[policy.targets]\nresolution = 60\n',
         3, "one of priority, channel, group, category, tags"),
        ('[[policy]]\ntitle = "A"\n[policy.targets]\nfirst_reply = { minutes = 5, hours = "office" }\n', 4,
         "neither calendar nor business"),
        ('[[policy]]\ntitle = "A"\n[policy.targets]\nfirst_respond = 5\n', 4, "not a target kind"),
        ('[[policy]]\ntitle = "A"\n', 1, "no targets"),
        ('effective_from = "yesterday"\n', 1, "not a time with a timezone"),
        ('[[policy]]\ntitle = "A"\n[policy.targets]\nfirst_reply = 5\n\n[[policy]]\ntitle = "a"\n'
         '[policy.targets]\nfirst_reply = 9\n', 7, "also policy 1's"),
        ('[[policy]\ntitle = "A"\n', 1, "not valid TOML"),
    ],
)
def test_a_bad_file_is_refused_naming_the_line_field_and_fix(text, line, words):
    with pytest.raises(FormatError) as e:
        parse_policies(text, path="p.toml")
    assert e.value.line == line
    assert words in str(e.value) and " — " in str(e.value)


def test_every_problem_is_named_at_once_and_nothing_is_stored(world, tmp_path):
    store, db = world
    path = tmp_path / "bad.toml"
    path.write_text('[[policy]]\ntitle = "A"\n[policy.targets]\nfirst_reply = 0\nresolution = "soon"\n', encoding="utf-8")
    out = runner.invoke(app, ["sla", "apply", str(path), "--account", "acme", "--db", db])
    assert out.exit_code != 0
    assert "bad.toml:4" in out.output and "bad.toml:5" in out.output
    assert policies_document(store, "acme")["versions"] == []


def test_put_policies_takes_the_api_shape_back(world):
    store, _db = world
    apply_policies(store, "acme", POLICIES, now=NOW)
    doc = policies_document(store, "acme")
    body = {"effective_from": "2026-03-09T00:00:00Z", "policies": doc["policies"]}
    assert not put_policies(store, "acme", body, now=NOW).changed  # what it read back already holds
    doc["policies"][0]["targets"]["first_reply"]["minutes"] = 20
    result = put_policies(store, "acme", body, now=NOW)
    assert result.changed and result.policies == 2
    assert len(policies_document(store, "acme")["versions"]) == 2


def test_ticket_targets_are_stored_alike_on_sqlite_and_postgres(store):
    from cxpulse.service.derive import rebuild

    store.ensure_account("acme")
    path = Path(__file__).parent / "fixtures" / "small.jsonl"
    import_path(store, "jsonl", path, account="acme")
    apply_policies(store, "acme", POLICIES.replace("priority", "channel").replace('"urgent"', '"email"'), now=NOW)
    aid = store.account("acme").id
    with store.engine.connect() as conn:
        rows = ticket_targets(conn, aid, "1001")
    assert rows and {r["policy"] for r in rows} == {"Urgent chats"}
    rebuild(store, "acme")
    with store.engine.connect() as conn:
        assert ticket_targets(conn, aid, "1001") == rows


def _scored(store, ids, score=30):
    from cxpulse.storage.predictions import record_predictions

    aid = store.account("acme").id
    rows = [{"ticket_id": t, "as_of": NOW, "scored_at": NOW, "score": score, "probability": score / 100,
             "reasons": ["first reply after 4 h"], "model_version": 1} for t in ids]
    with store.engine.begin() as conn:
        record_predictions(conn, aid, rows, threshold=40)


def test_at_risk_shows_the_nearest_deadline_and_filters_breaches_within_the_hour(world):
    from cxpulse.service.tickets import BREACHING, at_risk, breaching_counts
    from cxpulse.web.dashboard.predictions import sla_said

    store, _db = world
    apply_policies(store, "acme", POLICIES, now=NOW)
    _scored(store, ["T3"])
    acc = store.account("acme")
    rows, _ = at_risk(store, acc, now=NOW)
    (t3,) = rows
    # created 11:30, first reply due 13:30 (2 h), requester wait 21:30, resolution the next day
    assert (t3["sla_target"], t3["sla_deadline"]) == ("first_reply", datetime(2026, 3, 10, 13, 30, tzinfo=UTC))
    assert t3["sla_breaches"] == 0
    assert sla_said(t3["sla_deadline"], t3["sla_target"], NOW) == "first reply breaches in 1.5 h"
    assert at_risk(store, acc, status=BREACHING, now=NOW)[0] == []  # 90 minutes away
    soon = datetime(2026, 3, 10, 12, 45, tzinfo=UTC)
    assert [r["ticket_id"] for r in at_risk(store, acc, status=BREACHING, now=soon)[0]] == ["T3"]
    assert breaching_counts(store, acc, below=40, now=soon) == (1, 1)
    assert breaching_counts(store, acc, below=40, now=NOW) == (0, 0)
    past = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # breached by the clock: no longer "within the hour"
    assert at_risk(store, acc, status=BREACHING, now=past)[0] == []
    assert sla_said(t3["sla_deadline"], t3["sla_target"], past) == "first reply breached 30 min ago"


# ---- tags: what a policy's tag conditions test --------------------------------------------------


def test_zendesk_tags_are_stored_with_the_ticket(store, tmp_path):
    from sqlalchemy import select

    from cxpulse.storage import tables as T

    fixture = Path(__file__).parent / "fixtures" / "zendesk"
    import_path(store, "zendesk", fixture, account="acme", rejects_path=tmp_path / "rejects.jsonl")
    with store.engine.connect() as conn:
        rows = dict(conn.execute(select(T.tickets.c.source_id, T.tickets.c.tags)).all())
    assert rows == {"1001": "3ds billing", "1002": "pdf upload", "1003": "login", "1004": "seats"}
    vip = POLICIES.replace('all = [{ field = "priority", operator = "is", value = "urgent" }]',
                           'all = [{ field = "tags", operator = "includes", value = "login seats" }]')
    apply_policies(store, "acme", vip, now=NOW)
    aid = store.account("acme").id
    with store.engine.connect() as conn:
        policies = {t: {r["policy"] for r in ticket_targets(conn, aid, t)} for t in rows}
    assert policies == {"1001": {"Everything else"}, "1002": {"Everything else"}, "1003": {"Urgent chats"},
                        "1004": {"Urgent chats"}}


def test_jsonl_tags_are_read_lower_case_once_each_and_a_bad_value_keeps_the_ticket(tmp_path):
    store = Store.open(tmp_path / "t.db")
    recs = [make_ticket(id="A", tags=["VIP", "gold", "vip"]), make_ticket(id="B", tags="renewal, Q3"),
            make_ticket(id="C", tags=42)]
    summary = import_path(store, "jsonl", write_jsonl(tmp_path / "t.jsonl", recs), account="acme")
    assert summary.fields_rejected == 1 and summary.rejected == 0
    from cxpulse.storage.tickets import stored_ticket

    with store.engine.connect() as conn:
        aid = store.account("acme").id
        got = {t: stored_ticket(conn, aid, t).tags for t in "ABC"}
    assert got == {"A": ("vip", "gold"), "B": ("renewal", "q3"), "C": ()}
    again = import_path(store, "jsonl", write_jsonl(tmp_path / "t.jsonl", recs), account="acme")
    assert again.inserted == again.updated == 0


def test_a_ticket_without_tags_hashes_as_before_tags_were_stored():
    from cxpulse.storage.rows import content_hash

    row = {"source_id": "1", "subject": "Help"}
    assert content_hash({**row, "tags": ""}) == content_hash(row)
    assert content_hash({**row, "tags": "vip"}) != content_hash(row)


def test_without_effective_from_the_first_policies_cover_history_and_a_change_holds_from_now(world):
    store, _db = world
    plain = POLICIES.replace("effective_from = 2026-01-01T00:00:00Z\n", "")
    first = apply_policies(store, "acme", plain, now=NOW)
    assert first.changed and first.effective_from.year == 1990
    aid = store.account("acme").id
    with store.engine.connect() as conn:
        assert ticket_targets(conn, aid, "T1")  # created before the file was applied: measured
    again = apply_policies(store, "acme", plain, now=NOW + timedelta(days=1))
    assert not again.changed and len(policies_document(store, "acme")["versions"]) == 1
    changed = apply_policies(store, "acme", plain.replace("first_reply = 15", "first_reply = 5"),
                             now=NOW + timedelta(days=2))
    assert changed.changed and changed.effective_from == NOW + timedelta(days=2)
    with store.engine.connect() as conn:  # T1 keeps the targets of its time
        assert {r["target_minutes"] for r in ticket_targets(conn, aid, "T1") if r["kind"] == "first_reply"} == {15.0}
