"""`cxpulse report` figures equal a brute-force computation, on SQLite and PostgreSQL."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date

import pytest

from cxpulse.domain import InvalidQuery
from cxpulse.service.imports import import_path
from cxpulse.service.report import ReportQuery, report
from tests.factories import CATEGORIES, random_help_desk, write_jsonl


@pytest.fixture
def desk(store, tmp_path):
    records, facts = random_help_desk(seed=5, tickets=300)
    import_path(store, "jsonl", write_jsonl(tmp_path / "desk.jsonl", records), account="acme")
    return store, facts


def _by(rows, metric):
    return {tuple(r["group"].values()): r for r in rows if r["metric"] == metric}


def test_csat_by_agent_equals_brute_force(desk):
    store, facts = desk
    rows = _by(report(store, ReportQuery(metrics=("csat",), by=("agent",))), "csat")
    for agent in ("a1", "a2", "a3"):
        scores = [f["csat"] for f in facts if f["agent"] == agent and "csat" in f]
        assert rows[(agent,)]["n"] == len(scores)
        assert rows[(agent,)]["value"] == pytest.approx(100 * sum(s >= 4 for s in scores) / len(scores))
        assert rows[(agent,)]["low"] < rows[(agent,)]["value"] < rows[(agent,)]["high"]


def test_nps_and_ces_by_channel_equal_brute_force(desk):
    store, facts = desk
    rows = report(store, ReportQuery(metrics=("nps", "ces"), by=("channel",)))
    nps, ces = _by(rows, "nps"), _by(rows, "ces")
    for ch in ("email", "chat", "phone"):
        answers = [f["nps"] for f in facts if f["channel"] == ch and "nps" in f]
        expected = 100 * (sum(a >= 9 for a in answers) - sum(a <= 6 for a in answers)) / len(answers)
        assert nps[(ch,)]["value"] == pytest.approx(expected)
        efforts = [f["ces"] for f in facts if f["channel"] == ch and "ces" in f]
        assert ces[(ch,)]["value"] == pytest.approx(statistics.fmean(efforts))
        assert ces[(ch,)]["n"] == len(efforts)


def test_first_reply_median_by_group_equals_brute_force(desk):
    store, facts = desk
    rows = _by(report(store, ReportQuery(metrics=("kpi",), by=("group",))), "first_reply_minutes")
    for group in {f["group"] for f in facts}:
        values = [f["first_reply"] for f in facts if f["group"] == group]
        assert rows[(group,)]["value"] == pytest.approx(statistics.median(values))
        assert rows[(group,)]["n"] == len(values)
        assert rows[(group,)]["p90"] >= rows[(group,)]["value"]


def test_rollups_and_raw_rows_give_the_same_answer(desk):
    """A month-aligned window is answered from rollups; a ragged one from days or raw rows."""
    store, _ = desk
    for by in [("agent",), ("channel",), ("category",), ("account", "month"), ("group",), ("agent", "week"),
               ("channel", "day"), ("category", "month"), ("week",)]:
        monthly = report(store, ReportQuery(metrics=("csat", "nps", "ces"), by=by,
                                            since=date(2026, 3, 1), until=date(2026, 3, 31)))
        ragged = report(store, ReportQuery(metrics=("csat", "nps", "ces"), by=by,
                                           since=date(2026, 2, 27), until=date(2026, 4, 2)))
        assert monthly == ragged, by


def test_responses_count_in_the_period_they_were_given(desk):
    store, facts = desk
    rows = _by(report(store, ReportQuery(metrics=("csat",), by=("day",))), "csat")
    per_day = defaultdict(int)
    for f in facts:
        if "csat" in f:
            per_day[f["given_day"]] += 1
    assert {k[0]: r["n"] for k, r in rows.items()} == dict(per_day)


def test_compare_previous_marks_a_real_change_significant(store, tmp_path):
    lines = []
    for i in range(200):  # February: mostly bad; March: mostly good
        month, score = (2, 2 if i % 10 else 5) if i < 100 else (3, 5 if i % 10 else 1)
        lines.append({"type": "rating", "id": f"r{i}", "score": score, "given_at": f"2026-{month:02d}-{1 + i % 28:02d}T10:00:00Z"})
    import_path(store, "jsonl", write_jsonl(tmp_path / "c.jsonl", lines), account="acme")
    rows = report(store, ReportQuery(metrics=("csat",), since=date(2026, 3, 1), until=date(2026, 3, 28),
                                     compare_previous=True))
    (row,) = rows
    assert row["value"] == pytest.approx(90.0) and row["previous"]["value"] == pytest.approx(10.0)
    assert row["delta"] == pytest.approx(80.0) and row["significant"] is True


def test_unknown_by_key_is_a_clear_error(desk):
    store, _ = desk
    with pytest.raises(InvalidQuery, match="unknown --by key 'team'"):
        report(store, ReportQuery(by=("team",)))


def test_resolution_rate_counts_tickets_created_and_solved(desk):
    store, facts = desk
    (row,) = [r for r in report(store, ReportQuery(metrics=("kpi",))) if r["metric"] == "resolution_rate"]
    assert row["n"] == len(facts)
    assert 90 <= row["value"] <= 100


def test_kpi_rows_use_only_the_documented_metric_names(desk):
    store, _ = desk
    names = {r["metric"] for r in report(store, ReportQuery(metrics=("kpi",), by=("channel",)))}
    assert names == {
        "first_reply_minutes", "full_resolution_minutes", "requester_wait_minutes", "agent_replies", "reopens",
        "reassignments", "group_transfers", "resolution_rate", "reopen_rate", "one_touch_rate",
    }


def test_business_hours_figures_ride_on_the_calendar_row(store, tmp_path):
    lines = [
        {"type": "account", "name": "acme", "timezone": "Europe/Vilnius",
         "business_hours": {"start": "09:00", "end": "17:00", "weekdays": [0, 1, 2, 3, 4]}},
        {"type": "ticket", "id": "1", "created_at": "2026-03-06T16:00:00+02:00"},  # Friday 16:00
        {"type": "event", "id": "e1", "ticket_id": "1", "at": "2026-03-09T10:00:00+02:00", "kind": "comment",
         "author_role": "agent", "body": "Labas"},  # Monday 10:00
    ]
    import_path(store, "jsonl", write_jsonl(tmp_path / "bh.jsonl", lines), account="acme")
    (row,) = [r for r in report(store, ReportQuery(metrics=("kpi",))) if r["metric"] == "first_reply_minutes"]
    assert row["value"] == pytest.approx(66 * 60)  # calendar: Friday 16:00 → Monday 10:00
    assert row["business_hours"]["value"] == pytest.approx(120)  # one hour Friday, one hour Monday


def test_a_ragged_window_counts_its_whole_months_from_rollups_as_the_raw_rows_do(store, tmp_path, monkeypatch):
    """A year ending today holds whole months and two ragged ends: the months are counted
    from a month rollup, the ends from days or raw rows, and every figure is the raw rows'."""
    from datetime import UTC, datetime

    from cxpulse.storage import queries

    records = []
    for n, start in enumerate((datetime(2026, 1, 20, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC),
                               datetime(2026, 4, 18, tzinfo=UTC))):
        part, _facts = random_help_desk(seed=n, tickets=150, start=start)
        for rec in part:
            for key in ("id", "ticket_id"):
                if key in rec:
                    rec[key] = f"{n}-{rec[key]}"
        records += part
    import_path(store, "jsonl", write_jsonl(tmp_path / "desk.jsonl", records), account="acme")
    window = queries.Window(None, date(2026, 1, 25), date(2026, 5, 3))
    with store.engine.connect() as conn:
        plan = queries.plan_grains(conn, (), window)
    assert [g.startswith("rollup_month") for g, _w in plan] == [True, False, False]
    assert plan[0][1].since == date(2026, 2, 1) and plan[0][1].until == date(2026, 4, 30)
    cases = [((), ()), (("month",), ()), (("agent",), ()), (("category", "month"), ()), (("channel",), ()),
             ((), (("agent", "a1"),)), (("month",), (("category", CATEGORIES[0]),))]
    queries_ = [ReportQuery(metrics=("csat", "nps", "ces"), by=by, where=where, since=window.since,
                            until=window.until) for by, where in cases]
    split = [report(store, q) for q in queries_]
    monkeypatch.setattr(queries, "GRAINS", {})  # every count from the raw rows
    raw = [report(store, q) for q in queries_]
    for case, a, b in zip(cases, split, raw):
        assert a == b, case
    assert sum(r["n"] for r in raw[0] if r["metric"] == "csat") > 200
