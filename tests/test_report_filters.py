"""A report narrowed to one agent, group, channel or category (the dashboard's filters,
`cxpulse report --agent …`) equals that agent's row of the report grouped by agent:
every metric family, on SQLite and PostgreSQL, from the rollups and from raw rows."""

from __future__ import annotations

from datetime import date

import pytest

from cxpulse.domain import InvalidQuery
from cxpulse.service.imports import import_path
from cxpulse.service.report import ReportQuery, report
from tests.factories import random_help_desk, write_jsonl

FAMILIES = ("csat", "nps", "ces", "csi", "kpi", "response-rate", "csat-by-kpi", "sla")


@pytest.fixture
def desk(store, tmp_path):
    records, facts = random_help_desk(seed=11, tickets=300)
    import_path(store, "jsonl", write_jsonl(tmp_path / "desk.jsonl", records), account="acme")
    return store, facts


def _comparable(rows, drop: str | None = None):
    """Rows keyed by metric and what tells them apart, without the grouping key `drop`."""
    out = {}
    for r in rows:
        group = {k: v for k, v in r["group"].items() if k != drop}
        key = (r["metric"], tuple(group.items()), r.get("scale"), r.get("attribute"), r.get("bucket"),
               r.get("kind"))
        out[key] = {k: r.get(k) for k in ("value", "n", "low", "high", "p90", "mean")}
    return out


@pytest.mark.parametrize("key", ["agent", "group", "channel", "category"])
def test_a_filter_equals_its_row_of_the_grouped_report(desk, key):
    store, facts = desk
    values = sorted({str(f[key]) for f in facts if f.get(key) is not None})
    assert len(values) >= 2, "the desk must have several values to tell a filter from none"
    grouped = report(store, ReportQuery(metrics=FAMILIES, by=(key,)))
    for value in values:
        expected = _comparable([r for r in grouped if r["group"][key] == value], drop=key)
        got = _comparable(report(store, ReportQuery(metrics=FAMILIES, where=((key, value),))))
        assert got.keys() == expected.keys(), value
        for k in expected:
            assert got[k] == pytest.approx(expected[k], nan_ok=True), (value, k)


def test_a_filter_in_a_window_reads_raw_rows_and_still_agrees(desk):
    """Mid-month days: no month rollup answers; by week too: the day rollup or raw rows."""
    store, facts = desk
    agent = sorted({f["agent"] for f in facts})[0]
    since, until = date(2026, 1, 10), date(2026, 12, 20)
    grouped = report(store, ReportQuery(metrics=("csat", "kpi"), by=("agent", "week"), since=since, until=until))
    expected = _comparable([r for r in grouped if r["group"]["agent"] == agent], drop="agent")
    got = _comparable(report(store, ReportQuery(metrics=("csat", "kpi"), by=("week",), since=since, until=until,
                                                where=(("agent", agent),))))
    assert expected and got.keys() == expected.keys()
    for k in expected:
        assert got[k] == pytest.approx(expected[k], nan_ok=True)


def test_filters_combine(desk):
    store, facts = desk
    f0 = facts[0]
    both = report(store, ReportQuery(metrics=("csat",), by=("agent", "channel")))
    row = next((r for r in both if r["group"] == {"agent": f0["agent"], "channel": f0["channel"]}), None)
    got = report(store, ReportQuery(metrics=("csat",), where=(("agent", f0["agent"]), ("channel", f0["channel"]))))
    if row is None:
        assert got == []
    else:
        assert [(r["value"], r["n"]) for r in got] == [(row["value"], row["n"])]


def test_an_unknown_value_gives_no_rows_and_a_bad_key_a_clear_error(desk):
    store, _facts = desk
    assert report(store, ReportQuery(metrics=("csat", "nps"), where=(("agent", "nobody"),))) == []
    with pytest.raises(InvalidQuery, match="cannot filter by 'tier'"):
        report(store, ReportQuery(where=(("tier", "gold"),)))
    with pytest.raises(InvalidQuery, match="reviews cannot be narrowed"):
        report(store, ReportQuery(metrics=("reviews",), where=(("agent", "a1"),)))
