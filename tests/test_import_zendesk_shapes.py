"""Every documented shape of a Zendesk ticket and its rating imports (issue 11 §1, docs/zendesk.md).

One small export per shape in tests/fixtures/zendesk_shapes/<shape>/, built from the Zendesk
Support API reference (Tickets, Satisfaction Ratings, CSAT survey responses, Ticket Metric
Events, the via types); each test imports it through `import_path` into a real store and
checks what it stored. A bad field or sub-record is left out alone: never its ticket.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from cxpulse.readers.base import Record, Reject
from cxpulse.readers.zendesk import read_zendesk
from cxpulse.service.imports import import_path
from cxpulse.service.report import ReportQuery, report
from cxpulse.storage import tables as T

SHAPES = Path(__file__).parent / "fixtures" / "zendesk_shapes"


def _import(store, shape: str | Path, tmp_path: Path):
    path = shape if isinstance(shape, Path) else SHAPES / shape
    return import_path(store, "zendesk", path, account="acme", rejects_path=tmp_path / "rejects.jsonl")


def _rows(store, table, *cols, where=None, order=None):
    q = select(*cols) if cols else select(table)
    if where is not None:
        q = q.where(where)
    if order is not None:
        q = q.order_by(*order)
    with store.engine.connect() as c:
        return [tuple(r) for r in c.execute(q)]


def _skipped(shape: str) -> Counter:
    skipped: Counter = Counter()
    list(read_zendesk(SHAPES / shape, skipped=skipped))
    return skipped


def _invitations(store):
    i = T.invitations
    return _rows(store, i, i.c.source_id, i.c.ticket_id, i.c.sent_at, order=(i.c.source_id,))


def _responses(store):
    r = T.responses
    return _rows(store, r, r.c.source_id, r.c.ticket_id, r.c.scale, r.c.score, r.c.given_at, r.c.comment, r.c.reason,
                 order=(r.c.source_id,))


# ---- the legacy satisfaction_rating embedded in a ticket ----------------------------------


@pytest.mark.parametrize("shape", ["rating_null", "rating_unoffered"])
def test_no_rating_and_an_unoffered_one_store_the_ticket_and_nothing_else(store, tmp_path, shape):
    summary = _import(store, shape, tmp_path)
    assert (summary.rejected, summary.fields_rejected) == (0, 0)
    assert store.count(T.tickets) == 1
    assert (store.count(T.invitations), store.count(T.responses)) == (0, 0)


@pytest.mark.parametrize(
    ("shape", "ticket"), [("rating_offered_without_id", "1103"), ("rating_offered_with_id", "1104")]
)
def test_an_offered_rating_is_an_invitation_without_a_response(store, tmp_path, shape, ticket):
    summary = _import(store, shape, tmp_path)
    assert (summary.rejected, summary.fields_rejected) == (0, 0)
    # no time of its own: the ticket's updated_at stands in; named after the ticket, with or without an id
    assert _invitations(store) == [(f"zd-offered-{ticket}", ticket, datetime(2026, 3, 3, 10, 0))]
    assert store.count(T.responses) == 0


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ("rating_good_without_comment", ("881105", "1105", "binary", 1, datetime(2026, 3, 3, 10), "", "")),
        ("rating_good_with_comment",
         ("881106", "1106", "binary", 1, datetime(2026, 3, 3, 10), "Quick and kind, thank you!", "")),
        ("rating_bad_with_reason",
         ("881107", "1107", "binary", 0, datetime(2026, 3, 3, 10), "Two days for a one-line fix.",
          "The issue took too long to resolve")),
    ],
)
def test_a_good_or_bad_rating_is_a_response_with_its_comment_and_reason(store, tmp_path, shape, expected):
    summary = _import(store, shape, tmp_path)
    assert (summary.rejected, summary.fields_rejected) == (0, 0)
    assert _responses(store) == [expected]
    assert [sid for sid, _t, _at in _invitations(store)] == [f"zd-offered-{expected[1]}"]


def test_a_rating_changed_from_bad_to_good_keeps_the_latest_of_the_rating_files(store, tmp_path):
    """The good version (updated 03-04) sits in the first page, the older bad one in a page saved later."""
    summary = _import(store, "rating_changed_in_rating_files", tmp_path)
    assert summary.rejected == 0
    assert _responses(store) == [
        ("881201", "1201", "binary", 1, datetime(2026, 3, 4, 9, 30), "Works now, thanks!", ""),
    ]
    assert _invitations(store) == [("zd-offered-1201", "1201", datetime(2026, 3, 3, 10, 0))]  # offered: created_at
    assert _skipped("rating_changed_in_rating_files")["rating:superseded"] == 1


def test_a_rating_changed_after_the_rating_file_was_saved_is_read_from_the_ticket(store, tmp_path):
    """The rating file says bad (03-03 12:00); the ticket, updated 03-05, says good: the rating changed since."""
    _import(store, "rating_changed_after_the_rating_file", tmp_path)
    assert _responses(store) == [
        ("881201", "1201", "binary", 1, datetime(2026, 3, 5, 8, 0), "Works now, thanks!", ""),
    ]
    assert _invitations(store) == [("zd-offered-1201", "1201", datetime(2026, 3, 3, 10, 0))]


# ---- CSAT survey responses (the newer CSAT) -----------------------------------------------


def test_a_numeric_survey_response_with_extra_questions_is_one_response(store, tmp_path):
    summary = _import(store, "survey_numeric_with_extra_questions", tmp_path)
    assert (summary.rejected, summary.fields_rejected) == (0, 0)
    assert _responses(store) == [
        ("zd-survey-01HQSR1301", "1301", "1-5", 4, datetime(2026, 3, 3, 18, 20), "Fast and friendly, thanks.",
         "Speed of the reply, Knowledge of the agent"),
    ]
    # the ticket's legacy {"score": "offered"} is not a second invitation
    assert _invitations(store) == [("zd-survey-01HQSR1301", "1301", datetime(2026, 3, 3, 10, 5))]
    skipped = _skipped("survey_numeric_with_extra_questions")
    assert (skipped["rating:in_survey_responses"], skipped["survey:extra_rating_question"]) == (1, 1)


@pytest.mark.parametrize(
    ("shape", "scale", "score", "reason"),
    [("survey_emoji", "1-5", 2, "The issue is not resolved"), ("survey_two_point", "binary", 1, "")],
)
def test_emoji_and_two_point_survey_responses_keep_their_scale(store, tmp_path, shape, scale, score, reason):
    _import(store, shape, tmp_path)
    ((_sid, _t, got_scale, got_score, _at, _c, got_reason),) = _responses(store)
    assert (got_scale, got_score, got_reason) == (scale, score, reason)
    assert store.count(T.invitations) == 1


def test_a_survey_response_without_a_rating_is_an_invitation_only(store, tmp_path):
    _import(store, "survey_offered_not_answered", tmp_path)
    assert _invitations(store) == [("zd-survey-01HQSR1304", "1304", datetime(2026, 3, 3, 10, 5))]
    assert store.count(T.responses) == 0


# ---- tickets with nullable and optional fields ------------------------------------------


def test_a_ticket_without_group_assignee_type_priority_via_or_update_time_goes_in(store, tmp_path):
    summary = _import(store, "ticket_without_group_or_assignee", tmp_path)
    assert (summary.rejected, summary.fields_rejected) == (0, 0)
    t = T.tickets
    assert _rows(store, t, t.c.group_name, t.c.assignee_id, t.c.category, t.c.priority, t.c.channel, t.c.status,
                 t.c.updated_at) == [("", "", "", "", "", "new", None)]


def test_a_deleted_users_ticket_and_comments_go_in(store, tmp_path):
    """The requester 361999999 is not in users.json (deleted): their comment counts as the customer's."""
    summary = _import(store, "ticket_by_a_deleted_user", tmp_path)
    assert summary.rejected == 0
    e, k = T.ticket_events, T.ticket_kpis
    assert _rows(store, e, e.c.author_id, e.c.author_role, where=e.c.kind == "comment", order=(e.c.at,)) == [
        ("361999999", "customer"), ("360001001", "agent"),
    ]
    assert _rows(store, k, k.c.first_reply_minutes, k.c.customer_messages) == [(60.0, 1)]


def test_every_via_channel_goes_in_as_its_via_type():
    doc = json.loads((SHAPES / "via_channels" / "tickets.json").read_text(encoding="utf-8"))
    sent = {str(t["id"]): t["via"]["channel"] for t in doc["tickets"]}
    got = {x.obj.source_id: x.obj.channel for x in read_zendesk(SHAPES / "via_channels") if isinstance(x, Record)}
    assert {tid: got[tid] for tid in sent if isinstance(sent[tid], str)} == {
        tid: ch for tid, ch in sent.items() if isinstance(ch, str)
    }
    # via ids (numbers), per the via types reference: 0 web_form, 4 mail, 5 web_service; an unlisted id stays a number
    assert [got[tid] for tid in ("1550", "1551", "1552", "1553")] == ["web", "email", "api", "56"]


@pytest.mark.parametrize(
    ("shape", "statuses"),
    [
        ("ticket_closed", {"1601": "closed"}),
        ("ticket_follow_up", {"1602": "open"}),
        ("ticket_merged", {"1603": "closed", "1604": "open"}),
        ("ticket_deleted", {"1605": "deleted"}),
    ],
)
def test_closed_follow_up_merged_and_deleted_tickets_keep_their_status(store, tmp_path, shape, statuses):
    summary = _import(store, shape, tmp_path)
    assert (summary.rejected, summary.fields_rejected) == (0, 0)
    t, k = T.tickets, T.ticket_kpis
    assert dict(_rows(store, t, t.c.source_id, t.c.status)) == statuses
    assert dict(_rows(store, k, k.c.ticket_id, k.c.status)) == statuses  # the fold copes with every status


def test_a_deleted_tickets_survey_still_counts_and_the_report_copes_with_its_status(store, tmp_path):
    _import(store, "ticket_deleted", tmp_path)
    rows = report(store, ReportQuery(metrics=("response-rate",)))
    assert [(r["metric"], r["n"]) for r in rows] == [("response_rate", 1)]


# ---- due dates --------------------------------------------------------------------------


def test_a_tickets_own_due_at_is_its_due_time(store, tmp_path):
    _import(store, "due_at_task", tmp_path)
    t, k = T.tickets, T.ticket_kpis
    assert _rows(store, t, t.c.due_at) == [(datetime(2026, 3, 10, 12),)]
    assert _rows(store, k, k.c.due_at) == [(datetime(2026, 3, 10, 12),)]


def test_sla_resolution_targets_become_due_events(store, tmp_path):
    """By hand (UTC, 03-02):
    1801 requester wait 8 h from 08:00 → 16:00; pending 10:00–12:00 withdraws it; from 12:00
         the 6 h left → 18:00 (the deleted breach at 18:00 and the reply-time target are left out);
    1802 a business-hours target: no deadline until the breach at 15:30;
    1803 its own due_at wins over the SLA; 1804 only an agent work time target: 09:00 + 2 h = 11:00."""
    summary = _import(store, "sla_metric_events", tmp_path)
    assert (summary.rejected, summary.fields_rejected) == (0, 0)
    e, t, k = T.ticket_events, T.tickets, T.ticket_kpis
    due = _rows(store, e, e.c.ticket_id, e.c.at, e.c.value_from, e.c.value_to, where=e.c.kind == "due",
                order=(e.c.ticket_id, e.c.at))
    at = lambda h, m=0: datetime(2026, 3, 2, h, m)  # noqa: E731
    assert due == [
        ("1801", at(8), "", "2026-03-02T16:00:00Z"),
        ("1801", at(10), "2026-03-02T16:00:00Z", ""),
        ("1801", at(12), "", "2026-03-02T18:00:00Z"),
        ("1802", at(15, 30), "", "2026-03-02T15:30:00Z"),
        ("1804", at(9), "", "2026-03-02T11:00:00Z"),
    ]
    expected = {"1801": at(18), "1802": at(15, 30), "1803": datetime(2026, 3, 10, 12), "1804": at(11)}
    assert dict(_rows(store, t, t.c.source_id, t.c.due_at)) == expected
    assert dict(_rows(store, k, k.c.ticket_id, k.c.due_at)) == expected  # the fold agrees at the tickets' end
    skipped = _skipped("sla_metric_events")
    left_out = ("sla:deleted_breach", "sla:business_hours_target", "sla:ticket_due_at_wins")
    assert [skipped[k] for k in left_out] == [1, 1, 1]


# ---- a bad field rejects only itself ------------------------------------------------------


def test_a_bad_field_rejects_only_that_field_and_a_bad_id_or_creation_time_the_ticket(store, tmp_path):
    summary = _import(store, "bad_fields", tmp_path)
    rejects = [json.loads(x) for x in Path(summary.rejects_path).read_text(encoding="utf-8").splitlines()]
    assert [(Path(r["file"]).name, r["line"], r["field"], r["kept_row"]) for r in rejects] == [
        ("tickets.json", 1, "updated_at", True),
        ("tickets.json", 2, "via", True),
        ("tickets.json", 3, "group_id", True),
        ("tickets.json", 4, "satisfaction_rating.score", True),
        ("tickets.json", 5, "satisfaction_rating", True),
        ("tickets.json", 6, "via.channel", True),
        ("tickets.json", 6, "due_at", True),
        ("tickets.json", 7, "created_at", False),
        ("tickets.json", 8, "id", False),
    ]
    assert (summary.fields_rejected, summary.rejected) == (7, 2)
    assert "last tuesday" in rejects[0]["reason"] and "great" in rejects[3]["reason"]
    t = T.tickets
    stored = dict(_rows(store, t, t.c.source_id, t.c.updated_at))
    assert sorted(stored) == ["1901", "1902", "1903", "1904", "1905", "1906"]
    assert stored["1901"] is None and stored["1902"] == datetime(2026, 3, 3, 10)
    assert _rows(store, t, t.c.channel, t.c.group_name, where=t.c.source_id.in_(["1902", "1903"]),
                 order=(t.c.source_id,)) == [("", "360000101"), ("web", "")]  # no groups.json: the group is its id


def test_a_bad_audit_event_is_left_out_alone(tmp_path):
    import shutil

    export = Path(shutil.copytree(SHAPES / "ticket_by_a_deleted_user", tmp_path / "export"))
    doc = json.loads((export / "audits" / "1402.json").read_text(encoding="utf-8"))
    doc["audits"][1]["events"][0]["public"] = "maybe"  # a bad field of a comment: the comment stays
    doc["audits"][1]["events"][1]["value"] = {"status": "open"}  # a bad event: only it goes
    (export / "audits" / "1402.json").write_text(json.dumps(doc), encoding="utf-8")
    items = list(read_zendesk(export))
    rejects = [x for x in items if isinstance(x, Reject)]
    assert [(x.line, x.field, x.kept) for x in rejects] == [(2, "events[0].public", True), (2, "events[1].value", True)]
    events = [x.obj for x in items if isinstance(x, Record) and x.kind == "event"]
    assert [(e.kind, e.public) for e in events] == [("comment", True), ("status", True), ("comment", True)]


# ---- two thirds of the surveys unanswered: nothing lost -----------------------------------


def _export_with_unanswered_surveys(root: Path, n: int = 30) -> Path:
    """n tickets with a 3-event audit each; two thirds {"score": "offered"} without an id (Zendesk's shape of a
    survey sent and not answered), the rest good/bad with an id."""
    root.mkdir()
    (root / "audits").mkdir()
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    tickets = []
    for i in range(n):
        tid = 2000 + i
        created = start + timedelta(hours=i)
        iso = lambda at: at.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
        if i % 3 == 2:
            rating = {"id": 882000 + i, "score": "good" if i % 2 else "bad", "comment": None}
        else:
            rating = {"score": "offered"}
        tickets.append({
            "id": tid, "via": {"channel": "email", "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": iso(created), "updated_at": iso(created + timedelta(hours=5)), "type": "question",
            "subject": f"Order {tid}", "description": "Where is my order?", "priority": "normal", "status": "solved",
            "requester_id": 361000001, "assignee_id": 360001001, "group_id": None, "due_at": None,
            "satisfaction_rating": rating,
        })
        audits = [
            {"id": tid * 10, "ticket_id": tid, "created_at": iso(created), "author_id": 361000001, "events": [
                {"id": tid * 10 + 1, "type": "Comment", "author_id": 361000001, "body": "Where is my order?",
                 "public": True},
                {"id": tid * 10 + 2, "type": "Create", "field_name": "status", "value": "new"}]},
            {"id": tid * 10 + 3, "ticket_id": tid, "created_at": iso(created + timedelta(hours=2)),
             "author_id": 360001001, "events": [
                 {"id": tid * 10 + 4, "type": "Change", "field_name": "status", "value": "solved",
                  "previous_value": "new"}]},
        ]
        (root / "audits" / f"{tid}.json").write_text(json.dumps({"audits": audits}), encoding="utf-8")
    (root / "tickets.json").write_text(json.dumps({"tickets": tickets}), encoding="utf-8")
    (root / "users.json").write_text((SHAPES / "ticket_by_a_deleted_user" / "users.json").read_text(encoding="utf-8"),
                                     encoding="utf-8")
    return root


def test_two_thirds_unanswered_surveys_keep_every_ticket_and_event_and_count_in_the_response_rate(store, tmp_path):
    export = _export_with_unanswered_surveys(tmp_path / "export")
    summary = _import(store, export, tmp_path)
    assert (summary.rejected, summary.fields_rejected) == (0, 0)
    assert store.count(T.tickets) == 30 and store.count(T.ticket_events) == 90
    assert store.count(T.invitations) == 30 and store.count(T.responses) == 10
    rows = report(store, ReportQuery(metrics=("response-rate",)))
    ((rate,),) = [[r for r in rows if r["metric"] == "response_rate"]]
    assert (rate["n"], rate["responses"], rate["value"]) == (30, 10, pytest.approx(100 * 10 / 30, abs=0.1))

    again = _import(store, export, tmp_path)  # importing it again changes nothing
    assert (again.inserted, again.updated, again.rejected) == (0, 0, 0)
    assert store.count(T.invitations) == 30


# ---- every shape: importing it twice changes nothing ------------------------------------------


@pytest.mark.parametrize("shape", sorted(p.name for p in SHAPES.iterdir() if p.is_dir()))
def test_importing_a_shape_twice_changes_nothing(store, tmp_path, shape):
    first = _import(store, shape, tmp_path)
    assert first.inserted > 0
    second = _import(store, shape, tmp_path)
    assert (second.inserted, second.updated) == (0, 0)
    assert second.unchanged == first.inserted


def test_a_survey_offered_after_the_rating_file_said_unoffered_is_an_invitation(store, tmp_path):
    import shutil

    export = Path(shutil.copytree(SHAPES / "rating_changed_after_the_rating_file", tmp_path / "export"))
    for name, key, change in (("satisfaction_ratings.json", "satisfaction_ratings", {"score": "unoffered"}),
                              ("tickets.json", "tickets", {"satisfaction_rating": {"score": "offered"}})):
        doc = json.loads((export / name).read_text(encoding="utf-8"))
        doc[key][0].update(change)
        (export / name).write_text(json.dumps(doc), encoding="utf-8")
    _import(store, export, tmp_path)
    # offered after the rating file was saved: sent at the ticket's update, not at the unoffered record's time
    assert _invitations(store) == [("zd-offered-1201", "1201", datetime(2026, 3, 5, 8, 0))]
    assert store.count(T.responses) == 0


def test_a_ticket_listed_again_keeps_its_sla_deadline(tmp_path):
    import shutil

    export = Path(shutil.copytree(SHAPES / "sla_metric_events", tmp_path / "export"))
    doc = json.loads((export / "tickets.json").read_text(encoding="utf-8"))
    (export / "tickets-2.json").write_text(json.dumps({"tickets": doc["tickets"][:1]}), encoding="utf-8")
    copies = [x.obj for x in read_zendesk(export) if isinstance(x, Record) and x.kind == "ticket"]
    assert [(t.source_id, t.due_at) for t in copies if t.source_id == "1801"] == [
        ("1801", datetime(2026, 3, 2, 18, tzinfo=UTC)), ("1801", datetime(2026, 3, 2, 18, tzinfo=UTC)),
    ]
