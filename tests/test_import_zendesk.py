"""The Zendesk export import: counts, idempotence, KPIs from audits, ratings, rejects, text."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from cxpulse.domain import FormatError
from cxpulse.readers.base import Record, Reject
from cxpulse.readers.zendesk import read_zendesk
from cxpulse.service.imports import import_path, input_size
from cxpulse.storage import tables as T

FIXTURE = Path(__file__).parent / "fixtures" / "zendesk"
EXPECTED = {"user": 7, "ticket": 4, "event": 46, "response": 2, "invitation": 3}


def _import(store, path: Path, tmp_path: Path):
    return import_path(store, "zendesk", path, account="acme", rejects_path=tmp_path / "rejects.jsonl")


def _copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "export"))


def _edit(path: Path, change) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")


def _one(store, query):
    with store.engine.connect() as c:
        return c.execute(query).one()


def test_the_export_imports_with_the_expected_counts(store, tmp_path):
    summary = _import(store, FIXTURE, tmp_path)
    assert summary.rejected == 0
    assert {k: v.inserted for k, v in summary.by_kind.items()} == EXPECTED
    assert store.count(T.users) == 7
    assert store.count(T.tickets) == 4
    assert store.count(T.ticket_events) == 46
    assert store.count(T.responses) == 2
    assert store.count(T.invitations) == 3
    assert store.count(T.ticket_kpis) == 4


def test_importing_the_export_twice_changes_nothing(store, tmp_path):
    _import(store, FIXTURE, tmp_path)
    second = _import(store, FIXTURE, tmp_path)
    assert (second.inserted, second.updated, second.rejected) == (0, 0, 0)
    assert second.unchanged == sum(EXPECTED.values())
    assert store.count(T.ticket_events) == 46 and store.count(T.responses) == 2


def test_ticket_kpis_come_from_the_audits(store, tmp_path):
    """Ticket 1001 by hand (UTC, created 03-02 07:00):
    first public agent reply 08:30 → 90 min; solved 13:00, reopened by the customer 03-03
    09:00 → 1 reopen; assignee Иван → Ona after the first assignment → 1 reassignment;
    last solve 03-03 10:00 → 1620 min; waiting in new/open 10+80+60+60 = 210 min.
    Ticket 1002 moved Billing → Technical support once: 1 group transfer."""
    _import(store, FIXTURE, tmp_path)
    k = T.ticket_kpis
    cols = (k.c.first_reply_minutes, k.c.reopens, k.c.reassignments, k.c.group_transfers,
            k.c.full_resolution_minutes, k.c.requester_wait_minutes, k.c.agent_replies, k.c.source)
    assert tuple(_one(store, select(*cols).where(k.c.ticket_id == "1001"))) == (90.0, 1, 1, 0, 1620.0, 210.0, 3, "events")
    row = _one(store, select(k.c.first_reply_minutes, k.c.group_transfers, k.c.reassignments, k.c.group_name)
               .where(k.c.ticket_id == "1002"))
    assert tuple(row) == (45.0, 1, 0, "Technical support")


def test_audit_events_carry_kinds_values_and_author_roles(store, tmp_path):
    _import(store, FIXTURE, tmp_path)
    e = T.ticket_events
    with store.engine.connect() as c:
        rows = c.execute(select(e.c.kind, e.c.value_from, e.c.value_to, e.c.author_role, e.c.public, e.c.at)
                         .where(e.c.ticket_id == "1001").order_by(e.c.at, e.c.source_id)).all()
    kinds = Counter(r.kind for r in rows)
    assert kinds == {"comment": 7, "status": 8, "assignee": 2, "group": 1, "priority": 1}
    assert [(r.value_from, r.value_to) for r in rows if r.kind == "assignee"] == [("", "360001001"), ("360001001", "360001002")]
    assert [(r.value_from, r.value_to) for r in rows if r.kind == "group"] == [("", "Billing")]
    assert [r.value_to for r in rows if r.kind == "status"][-1] == "closed"
    comments = [(r.author_role, r.public) for r in rows if r.kind == "comment"]
    assert comments[0] == ("customer", True) and ("agent", False) in comments


def test_a_comments_only_ticket_gets_its_events_and_its_metrics(store, tmp_path):
    _import(store, FIXTURE, tmp_path)
    e, t = T.ticket_events, T.tickets
    with store.engine.connect() as c:
        events = c.execute(select(e.c.kind, e.c.author_role, e.c.public).where(e.c.ticket_id == "1003")
                           .order_by(e.c.at)).all()
        ticket = c.execute(select(t.c.metrics, t.c.solved_at).where(t.c.source_id == "1003")).one()
    assert [tuple(r) for r in events] == [
        ("comment", "customer", True), ("comment", "agent", True), ("comment", "agent", False), ("comment", "customer", True),
    ]
    metrics = json.loads(ticket.metrics)
    assert metrics["reply_time_in_minutes"] == 45.0 and metrics["full_resolution_time_in_minutes"] == 80.0
    assert set(metrics) == {
        "reply_time_in_minutes", "reply_time_in_minutes_business", "full_resolution_time_in_minutes",
        "full_resolution_time_in_minutes_business", "requester_wait_time_in_minutes",
        "requester_wait_time_in_minutes_business", "reopens", "replies", "assignee_stations", "group_stations",
    }
    assert ticket.solved_at == datetime(2026, 3, 5, 7, 20)  # from ticket_metrics.solved_at, naive UTC
    k = T.ticket_kpis
    assert _one(store, select(k.c.first_reply_minutes).where(k.c.ticket_id == "1003"))[0] == 45.0
    # no status events: KPIs are Zendesk's own metrics, not a fold that cannot see the solve
    source, resolution = _one(store, select(k.c.source, k.c.full_resolution_minutes).where(k.c.ticket_id == "1003"))
    assert (source, resolution) == ("metrics", 80.0)


def test_good_and_bad_ratings_become_responses_and_offered_ones_invitations(store, tmp_path):
    _import(store, FIXTURE, tmp_path)
    r, i = T.responses, T.invitations
    with store.engine.connect() as c:
        responses = {row.source_id: row for row in c.execute(select(r))}
        invitations = set(c.execute(select(i.c.source_id)).scalars())
    assert {sid: (row.kind, row.scale, row.score) for sid, row in responses.items()} == {
        "880001": ("csat", "binary", 1), "880002": ("csat", "binary", 0),
    }
    bad = responses["880002"]
    assert (bad.ticket_id, bad.customer_id, bad.agent_id) == ("1002", "360002002", "360001003")
    assert bad.given_at == datetime(2026, 3, 7, 9, 12)  # the rating's updated_at
    assert bad.reason == "The issue took too long to resolve"
    # one legacy survey per ticket: the invitation is named after the ticket (1004's was unoffered)
    assert invitations == {"zd-offered-1001", "zd-offered-1002", "zd-offered-1003"}


def test_a_rating_found_only_in_its_ticket_is_read_from_the_ticket(store, tmp_path):
    export = _copy(tmp_path)
    (export / "satisfaction_ratings.json").unlink()
    summary = _import(store, export, tmp_path)
    assert summary.by_kind["response"].inserted == 2 and summary.by_kind["invitation"].inserted == 3
    r = T.responses
    row = _one(store, select(r.c.score, r.c.given_at, r.c.comment, r.c.agent_id).where(r.c.source_id == "880001"))
    # the embedded rating has no time of its own: the ticket's updated_at stands in
    assert tuple(row) == (1, datetime(2026, 3, 7, 10, 5), "Спасибо, всё решено!", "360001002")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,subject\n1001,hello\n", "not JSON"),
        ('{"ticket": {"id": 1001}}', 'no "tickets"'),
        ('[{"id": 1001}]', "expected a JSON object"),
        ('{"tickets": {"id": 1001}}', "is not a list"),
        ("", "empty"),
    ],
)
def test_a_broken_tickets_file_stops_before_anything_is_written(store, tmp_path, content, message):
    export = _copy(tmp_path)
    (export / "tickets.json").write_text(content, encoding="utf-8")
    with pytest.raises(FormatError, match=message) as err:
        _import(store, export, tmp_path)
    assert err.value.path.endswith("tickets.json")
    assert store.accounts() == []


def test_a_file_in_another_encoding_or_misnamed_stops_before_anything_is_written(store, tmp_path):
    export = _copy(tmp_path)
    users = export / "users.json"
    users.write_bytes(users.read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(FormatError, match="UTF-8"):
        _import(store, export, tmp_path)
    shutil.copy(FIXTURE / "users.json", users)
    shutil.copy(export / "audits" / "1001.json", export / "audits" / "all.json")
    with pytest.raises(FormatError, match="named after its ticket id"):
        _import(store, export, tmp_path)
    assert store.accounts() == []


def test_a_directory_without_export_files_is_refused(store, tmp_path):
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(FormatError, match="no Zendesk export files"):
        _import(store, tmp_path, tmp_path)
    assert store.accounts() == []


def test_a_bad_item_is_rejected_with_its_file_and_field_while_the_others_go_in(store, tmp_path):
    export = _copy(tmp_path)

    def bad_time(doc):
        doc["tickets"][1]["created_at"] = "yesterday"

    def bad_score(doc):
        doc["satisfaction_ratings"][0]["score"] = "great"

    _edit(export / "tickets-2.json", bad_time)
    _edit(export / "satisfaction_ratings.json", bad_score)
    summary = _import(store, export, tmp_path)
    assert summary.rejected == 2
    rejects = [json.loads(line) for line in Path(summary.rejects_path).read_text(encoding="utf-8").splitlines()]
    # rating files are read after the tickets (a ticket's own rating may be newer)
    assert [(Path(x["file"]).name, x["line"], x["field"], x["kept_row"]) for x in rejects] == [
        ("tickets-2.json", 2, "created_at", False),
        ("satisfaction_ratings.json", 1, "score", False),
    ]
    assert "yesterday" in rejects[0]["reason"] and "great" in rejects[1]["reason"]
    assert store.count(T.tickets) == 3
    assert store.count(T.users) == 7
    assert store.count(T.ticket_events) == 46
    # the rating file's 880001 was rejected; the copy embedded in ticket 1001 stands in
    assert store.count(T.responses) == 2


def test_json_that_breaks_off_rejects_the_rest_of_that_file_only(store, tmp_path):
    export = _copy(tmp_path)
    text = (export / "audits" / "1002.json").read_text(encoding="utf-8")
    cut = text.index('"created_at": "2026-03-04T11:00:00Z"')  # inside the 4th audit
    (export / "audits" / "1002.json").write_text(text[:cut], encoding="utf-8")
    summary = _import(store, export, tmp_path)
    assert summary.rejected == 1
    assert summary.first_rejects[0].field == "(file)" and summary.first_rejects[0].line == 4
    e = T.ticket_events
    with store.engine.connect() as c:
        per_ticket = Counter(c.execute(select(e.c.ticket_id)).scalars())
    assert per_ticket["1002"] == 9 and per_ticket["1001"] == 19 and per_ticket["1003"] == 4


def test_cyrillic_greek_lithuanian_comment_text_round_trips_exactly(store, tmp_path):
    _import(store, FIXTURE, tmp_path)
    sources = {}
    for name in ("audits/1001.json", "audits/1002.json"):
        for audit in json.loads((FIXTURE / name).read_text(encoding="utf-8"))["audits"]:
            sources.update({str(ev["id"]): ev["body"] for ev in audit["events"] if ev["type"] == "Comment"})
    for comment in json.loads((FIXTURE / "comments/1003.json").read_text(encoding="utf-8"))["comments"]:
        sources[str(comment["id"])] = comment["body"]
    e, u, r = T.ticket_events, T.users, T.responses
    with store.engine.connect() as c:
        stored = dict(c.execute(select(e.c.source_id, e.c.body).where(e.c.kind == "comment")).all())
        names = set(c.execute(select(u.c.name)).scalars())
        greek = c.execute(select(r.c.comment).where(r.c.source_id == "880002")).scalar_one()
    assert {sid: stored[sid] for sid in sources} == sources
    assert "Снова не проходит. Ошибка «Платёж отклонён», SMS не пришло." in stored.values()
    assert "Ačiū, pavyko prisijungti! Laiškas buvo šlamšte." in stored.values()
    assert {"Ona Jonaitė", "Σοφία Παπαδοπούλου", "Алексей Смирнов"} <= names
    assert greek == "Πολύ αργή απάντηση — δύο μέρες για μια απλή διόρθωση."


# ---- the reader alone (no store) ------------------------------------------------------


def test_events_left_out_are_counted_not_rejected():
    skipped: Counter = Counter()
    items = list(read_zendesk(FIXTURE, skipped=skipped))
    assert not [x for x in items if isinstance(x, Reject)]
    assert skipped == {
        "Notification": 4, "SatisfactionRating": 2, "Change:tags": 2, "Create:subject": 1, "Create:type": 1,
        "rating:unoffered": 2, "rating:in_rating_file": 3,
    }


def test_a_comments_file_beside_an_audits_file_is_left_to_the_audits(tmp_path):
    export = _copy(tmp_path)
    shutil.copy(export / "comments" / "1003.json", export / "comments" / "1001.json")
    skipped: Counter = Counter()
    events = [x for x in read_zendesk(export, skipped=skipped) if isinstance(x, Record) and x.kind == "event"]
    assert len(events) == 46 and skipped["comments:superseded_by_audits"] == 1


def test_progress_reaches_the_size_of_the_export():
    seen: list[int] = []
    list(read_zendesk(FIXTURE, progress=seen.append))
    assert seen == sorted(seen) and seen[-1] == input_size(FIXTURE)


def test_records_name_their_file_and_position():
    tickets = [x for x in read_zendesk(FIXTURE) if isinstance(x, Record) and x.kind == "ticket"]
    assert [(Path(x.path).name, x.line, x.obj.source_id) for x in tickets] == [
        ("tickets.json", 1, "1001"), ("tickets.json", 2, "1002"), ("tickets-2.json", 1, "1003"), ("tickets-2.json", 2, "1004"),
    ]
    assert tickets[0].obj.created_at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    assert (tickets[0].obj.channel, tickets[0].obj.group, tickets[0].obj.category) == ("email", "Billing", "incident")


def test_a_ticket_listed_again_by_the_incremental_export_keeps_its_metrics(store, tmp_path):
    """The incremental export lists a ticket again when it changed during the export: the later copy wins,
    and it must not lose the ticket's ticket_metrics numbers (1003 has comments only: they are its KPIs)."""
    export = _copy(tmp_path)
    doc = json.loads((export / "tickets-2.json").read_text(encoding="utf-8"))
    again = dict(doc["tickets"][0], updated_at="2026-03-06T08:00:00Z")
    (export / "tickets-3.json").write_text(json.dumps({"tickets": [again]}), encoding="utf-8")
    _import(store, export, tmp_path)
    t, k = T.tickets, T.ticket_kpis
    metrics, solved_at = _one(store, select(t.c.metrics, t.c.solved_at).where(t.c.source_id == "1003"))
    assert json.loads(metrics)["reply_time_in_minutes"] == 45.0 and solved_at == datetime(2026, 3, 5, 7, 20)
    assert tuple(_one(store, select(k.c.source, k.c.first_reply_minutes).where(k.c.ticket_id == "1003"))) == (
        "metrics", 45.0)
