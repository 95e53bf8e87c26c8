"""The limits every door checks before a write (domain/limits.py; issue 13 §2, §3, §14):
a time outside 1990 … five years ahead, text a column cannot hold (too long, NUL, a lone
surrogate) reject only their row — or only their field, when the row can do without it —
the same on SQLite and on PostgreSQL; and a stored absurd time breaks no derivation."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from typer.testing import CliRunner

from cxpulse.cli import app
from cxpulse.domain import Account, BusinessHours, EventKind, Response, ResponseKind, Role, Scale, Ticket, TicketEvent
from cxpulse.domain.limits import TEXT_LIMITS
from cxpulse.readers.base import Record
from cxpulse.service.imports import import_path
from cxpulse.service.load import load
from cxpulse.storage import Store
from cxpulse.storage import rows as R
from cxpulse.storage import tables as T
from tests.conftest import _truncate

FAR = "9999-12-31T23:30:00Z"
GOOD = "2026-03-02T09:00:00Z"
ACCOUNT = ('{"type":"account","name":"acme","timezone":"Europe/Vilnius",'
           '"business_hours":{"start":"09:00","end":"17:00","weekdays":[0,1,2,3,4]}}')


def jsonl(tmp_path: Path, *lines: str | dict, name: str = "in.jsonl") -> Path:
    p = tmp_path / name
    p.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return p


def rejects(summary) -> list[tuple[int, str, bool]]:
    if not summary.rejects_path:
        return []
    rows = [json.loads(x) for x in Path(summary.rejects_path).read_text(encoding="utf-8").splitlines()]
    return [(r["line"], r["field"], r["kept_row"]) for r in rows]


def reasons(summary) -> list[str]:
    return [json.loads(x)["reason"] for x in Path(summary.rejects_path).read_text(encoding="utf-8").splitlines()]


def tickets(store: Store) -> list[tuple]:
    t = T.tickets
    with store.engine.connect() as c:
        return [tuple(r) for r in c.execute(
            select(t.c.source_id, t.c.subject, t.c.status, t.c.group_name, t.c.solved_at).order_by(t.c.source_id))]


def kpi_ids(store: Store) -> list[str]:
    with store.engine.connect() as c:
        return sorted(c.execute(select(T.ticket_kpis.c.ticket_id)).scalars())


def ticket(tid, created=GOOD, **kw) -> dict:
    return {"type": "ticket", "id": tid, "created_at": created, "status": "open", "account": "acme", **kw}


def event(eid, tid, at, role="customer") -> dict:
    return {"type": "event", "id": eid, "ticket_id": tid, "at": at, "kind": "comment", "author_role": role,
            "account": "acme"}


# ---- §2: one absurd time ------------------------------------------------------------------


def test_a_jsonl_event_in_year_9999_for_an_account_with_business_hours_is_rejected_and_the_kpis_stored(store, tmp_path):
    data = jsonl(tmp_path, ACCOUNT, ticket("t1"), event("e1", "t1", GOOD), event("e2", "t1", "9999-12-31T23:59:59Z",
                 "agent"), event("e3", "t1", "2026-03-02T10:00:00Z", "agent"), ticket("t2", created=FAR), ticket("t3"))
    summary = import_path(store, "jsonl", data, rejects_path=tmp_path / "r.jsonl")
    assert rejects(summary) == [(4, "at", False), (6, "created_at", False)]
    assert "more than five years ahead" in reasons(summary)[0]
    assert [t[0] for t in tickets(store)] == ["t1", "t3"]
    assert kpi_ids(store) == ["t1", "t3"]  # the fold ran: business hours and all


def test_an_absurd_optional_time_is_left_out_and_its_ticket_goes_in(store, tmp_path):
    data = jsonl(tmp_path, ticket("t1", status="solved", solved_at="1970-01-01T00:00:00Z"),
                 ticket("t2", due_at="2999-01-01T00:00:00+05:00"))
    summary = import_path(store, "jsonl", data, rejects_path=tmp_path / "r.jsonl")
    assert rejects(summary) == [(1, "solved_at", True), (2, "due_at", True)]
    assert "is before 1990-01-01" in reasons(summary)[0]
    assert [(t[0], t[4]) for t in tickets(store)] == [("t1", None), ("t2", None)]


def test_a_time_whose_utc_is_past_year_9999_is_a_reject_not_a_traceback(store, tmp_path):
    data = jsonl(tmp_path, ticket("t1", created="9999-12-31T23:30:00-05:00"), ticket("t2"))
    summary = import_path(store, "jsonl", data, rejects_path=tmp_path / "r.jsonl")
    assert rejects(summary) == [(1, "created_at", False)]
    assert [t[0] for t in tickets(store)] == ["t2"]


CSV_MAPPING = """\
[csv]
date_format = "%Y-%m-%d %H:%M"
timezone = "Europe/Vilnius"

[columns]
ticket_id = "id"
created_at = "created"
first_reply_minutes = "reply"
solved_at = "solved"
subject = "subject"
group = "group"
agent = "agent"
"""


def csv_files(tmp_path: Path, *rows: str) -> tuple[Path, Path]:
    data = tmp_path / "t.csv"
    data.write_text("id,created,reply,solved,subject,group,agent\n" + "".join(r + "\n" for r in rows),
                    encoding="utf-8")
    mapping = tmp_path / "m.toml"
    mapping.write_text(CSV_MAPPING, encoding="utf-8")
    return data, mapping


def test_csv_times_outside_the_window_reject_the_row_or_the_cell_naming_the_column(store, tmp_path):
    data, mapping = csv_files(
        tmp_path,
        "1,9999-12-31 23:30,,,a,Billing,ona",  # line 2: created far ahead → the row
        "2,2026-03-02 09:00,,1900-01-01 00:00,b,Billing,ona",  # line 3: solved long ago → that cell
        "3,2026-03-02 09:00,999999999999,,c,Billing,ona",  # line 4: a reply after ~2 million years → that cell
        "4,2026-03-02 09:00,30,2026-03-02 10:00,d,Billing,ona",
    )
    summary = import_path(store, "csv", data, mapping=mapping, rejects_path=tmp_path / "r.jsonl")
    assert rejects(summary) == [(2, "created", False), (3, "solved", True), (4, "reply", True)]
    assert [t[0] for t in tickets(store)] == ["2", "3", "4"]
    assert kpi_ids(store) == ["2", "3", "4"]


def zendesk_dir(tmp_path: Path, items: list[dict], groups: list[dict] = ()) -> Path:
    d = tmp_path / "zd"
    d.mkdir()
    (d / "tickets.json").write_text(json.dumps({"tickets": items}), encoding="utf-8")
    (d / "groups.json").write_text(json.dumps({"groups": list(groups)}), encoding="utf-8")
    return d


def zd_ticket(tid: int, **kw) -> dict:
    return {"id": tid, "created_at": GOOD, "updated_at": GOOD, "subject": "s", "status": "open", **kw}


def test_zendesk_files_reject_an_absurd_creation_and_leave_out_bad_fields(store, tmp_path):
    d = zendesk_dir(tmp_path, [
        zd_ticket(1, created_at=FAR), zd_ticket(2, updated_at="0001-01-01T00:00:00Z"),
        zd_ticket(3, subject="a\u0000b", group_id=7), zd_ticket(4),
    ], groups=[{"id": 7, "name": "G" * 1000}])
    summary = import_path(store, "zendesk", d, rejects_path=tmp_path / "r.jsonl")
    assert rejects(summary) == [(1, "created_at", False), (2, "updated_at", True), (3, "subject", True),
                                (3, "group_id", True)]
    assert [(t[0], t[1], t[3]) for t in tickets(store)] == [("2", "s", ""), ("3", "", ""), ("4", "s", "")]


# ---- §2: a database written before the doors checked --------------------------------------


def test_rebuild_of_a_database_that_holds_absurd_times_exits_0_and_keeps_the_good_kpis(tmp_path):
    db = tmp_path / "old.db"
    store = Store.open(db)
    store.ensure_account(Account("acme", timezone="Europe/Vilnius", business_hours=BusinessHours()))
    far = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)
    ok = datetime(2026, 3, 2, 9, tzinfo=UTC)
    load(store, [  # load() itself checks nothing: as an old version stored them
        Record("ticket", Ticket("far", far, status="open")),
        Record("ticket", Ticket("t1", ok, status="solved", solved_at=far, due_at=far)),
        Record("event", TicketEvent("e1", "t1", ok, EventKind.COMMENT, author_role=Role.CUSTOMER)),
        Record("event", TicketEvent("e2", "t1", far, EventKind.COMMENT, author_role=Role.AGENT)),
        Record("event", TicketEvent("e3", "t1", ok, EventKind.DUE, value_to="9999-12-31T23:59:59-05:00")),
        Record("ticket", Ticket("t2", ok, status="open")),
        Record("event", TicketEvent("e4", "far", far, EventKind.COMMENT, author_role=Role.CUSTOMER)),
    ], account="acme")
    acc = store.account("acme")
    row = {**R.response_row(Response("r1", ok, ResponseKind.CSAT, Scale.FIVE, 2, ticket_id="t1"), acc.tz),
           "content_hash": "x", "account_id": acc.id}
    with store.engine.begin() as c:
        c.execute(insert(T.responses), [row, {**row, "source_id": "r2", "given_at": datetime(9999, 12, 31, 23, 59),
                                              "day": date(9999, 12, 31)}])
    store.engine.dispose()
    result = CliRunner().invoke(app, ["rebuild", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "rebuilt 1 account(s), 2 tickets" in result.output
    assert kpi_ids(Store.open(db)) == ["t1", "t2"]
    report = CliRunner().invoke(app, ["report", "--db", str(db), "--account", "acme", "--format", "json"])
    assert report.exit_code == 0, report.output


# ---- §3: the same bad lines on SQLite and PostgreSQL ---------------------------------------

BAD_LINES = (
    ticket("ok1", subject="fine"),
    ticket("nul", subject="a\u0000b"),  # NUL: PostgreSQL refuses it in text
    ticket("x" * 500),  # an id longer than its column
    ticket("grp", group="G" * 1000),  # a group name longer than its column
    ticket("ok2", subject="Ευχαριστώ"),
    {**event("e1", "ok1", GOOD), "author_id": "a" * 201},
    {**event("e2", "ok1", GOOD), "kind": "group", "to": "G" * 201},  # becomes ticket_kpis.group_name
    {**ticket("acc"), "account": "A" * 201},
    {"type": "account", "name": "a\u0000b"},
)
EXPECTED_REJECTS = [(2, "subject", True), (3, "id", False), (4, "group", True), (6, "author_id", True),
                    (7, "to", False), (8, "account", False), (9, "name", False)]
EXPECTED_TICKETS = [("grp", "", "open", "", None), ("nul", "", "open", "", None), ("ok1", "fine", "open", "", None),
                    ("ok2", "Ευχαριστώ", "open", "", None)]


def _bad_input(store: Store, tmp_path: Path) -> tuple[list, list, list, list]:
    data = jsonl(tmp_path, *BAD_LINES)
    summary = import_path(store, "jsonl", data, account="acme", rejects_path=tmp_path / "r.jsonl")
    csv_data, mapping = csv_files(tmp_path, "c1,2026-03-02 09:00,,,a\x00b,Billing,ona",
                                  f"{'c' * 300},2026-03-02 09:00,,,x,Billing,ona",
                                  f"c3,2026-03-02 09:00,30,,x,{'G' * 1000},{'a' * 300}",
                                  "c4,2026-03-02 09:00,30,,x,Billing,ona")
    csv_summary = import_path(store, "csv", csv_data, account="acme", mapping=mapping,
                              rejects_path=tmp_path / "rc.jsonl")
    with store.engine.connect() as c:
        events = sorted(tuple(r) for r in c.execute(select(T.ticket_events.c.source_id, T.ticket_events.c.author_id)))
    return tickets(store), events, rejects(summary), rejects(csv_summary)


def test_bad_lines_are_rejected_alone_before_the_write(store, tmp_path):
    stored, events, jsonl_rejects, csv_rejects = _bad_input(store, tmp_path)
    assert jsonl_rejects == EXPECTED_REJECTS
    assert [t for t in stored if not t[0].startswith("c")] == EXPECTED_TICKETS
    assert csv_rejects == [(2, "subject", True), (3, "id", False), (4, "group", True), (4, "agent", True)]
    assert [t[0] for t in stored if t[0].startswith("c")] == ["c1", "c3", "c4"]
    assert ("c3:first-reply", "") in events and ("e1", "") in events


@pytest.mark.postgres
def test_sqlite_and_postgresql_store_the_same_rows_and_reject_the_same(tmp_path, pg_store_session):
    lite = Store.open(tmp_path / "lite.db")
    (tmp_path / "lite").mkdir()
    (tmp_path / "pg").mkdir()
    _truncate(pg_store_session)
    on_sqlite = _bad_input(lite, tmp_path / "lite")
    on_pg = _bad_input(pg_store_session, tmp_path / "pg")
    assert on_sqlite == on_pg
    assert on_pg[2] == EXPECTED_REJECTS
    assert kpi_ids(lite) == kpi_ids(pg_store_session)


def test_the_declared_text_limits_are_the_columns_lengths():
    tables = {"account": T.accounts, "user": T.users, "ticket": T.tickets, "event": T.ticket_events,
              "response": T.responses, "invitation": T.invitations}
    column = {"group": "group_name"}
    for kind, limits in TEXT_LIMITS.items():
        for attr, n in limits.items():
            assert tables[kind].c[column.get(attr, attr)].type.length == n, (kind, attr)
    for kind, table in tables.items():  # and every limited text column of a record is declared
        declared = {column.get(a, a) for a in TEXT_LIMITS[kind]}
        limited = {c.name for c in table.columns if getattr(c.type, "length", None) and c.name not in
                   ("content_hash", "role", "author_role", "kind", "scale", "timezone", "csat_scale")}  # enums
        assert limited <= declared, (kind, limited - declared)


# ---- §14: wrong types in JSON Lines ---------------------------------------------------------


def test_jsonl_wrong_types_are_rejected_or_read_and_said_in_the_summary(store, tmp_path):
    data = jsonl(tmp_path,
                 {"type": "ticket", "id": 17, "created_at": GOOD},  # 1: a number id: read as "17", noted
                 {"type": "ticket", "id": "t2", "created_at": 123},  # 2: a number time: rejected, never 1970
                 {"type": "ticket", "id": "t3", "created_at": GOOD, "status": "escalated"},  # 3: status left out
                 {"type": "ticket", "id": "t4", "created_at": GOOD, "subject": "first"},
                 {"type": "ticket", "id": "t4", "created_at": GOOD, "subject": "second"},  # 5: the later wins, noted
                 {"type": "ticket", "id": 1.5, "created_at": GOOD},  # 6: not an id
                 {"type": "ticket", "id": "t7", "created_at": GOOD, "status": " Solved "})
    summary = import_path(store, "jsonl", data, rejects_path=tmp_path / "r.jsonl")
    assert rejects(summary) == [(2, "created_at", False), (3, "status", True), (6, "id", False)]
    assert "ISO 8601" in reasons(summary)[0]
    assert [(t[0], t[1], t[2]) for t in tickets(store)] == [
        ("17", "", "new"), ("t3", "", "new"), ("t4", "second", "new"), ("t7", "", "solved")]
    assert summary.notes == {"id given as a number (read as text)": 1,
                             "id given twice in the file (the later line wins)": 1}
    dup = next(n for n in summary.first_notes if n.line == 5)
    assert "line 4" in dup.detail
    result = CliRunner().invoke(app, ["import", "jsonl", str(data), "--db", str(tmp_path / "cli.db")])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # as wrapped to the terminal's width
    assert ":5: id given twice in the file (the later line wins) (the ticket of line 4 has the same id" in said
    assert ":1: id given as a number (read as text) (id: 17)" in said
