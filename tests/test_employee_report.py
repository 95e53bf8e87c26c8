"""The employee survey's figures (issue 17 §1): eNPS with the NPS interval, each process
question's mean with its t-interval, trends by round — and no cell of fewer than 5 answers,
nor one that subtraction would reveal, in the report, the CLI export or the API."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cxpulse.cli import app
from cxpulse.domain import InvalidQuery
from cxpulse.metrics.nps import nps
from cxpulse.metrics.stats import moments_from_counts, t_estimate
from cxpulse.service.keys import create_key
from cxpulse.service.report import ReportQuery, report
from cxpulse.surveys.employee import FEWER, HIDDEN_TOO, hidden_cells
from tests.employee_helpers import BILLING, SENT, TECH, answer, send, survey, team

runner = CliRunner()
BILLING_ENPS = [10, 9, 9, 8, 6, 3, 10]  # 4 promoters, 2 detractors of 7
TECH_ENPS = [0, 2, 9]


def _answered(store, *, tech: bool = True, now=SENT) -> None:
    _, links = send(store, now)
    for agent, score in zip(BILLING, BILLING_ENPS):
        answer(store, links[f"{agent}@acme.example"], score, rating=2 + score % 4, now=now + timedelta(hours=1))
    if tech:
        for agent, score in zip(TECH, TECH_ENPS):
            answer(store, links[f"{agent}@acme.example"], score, rating=1, comment="tools crash",
                   now=now + timedelta(hours=2))


def _by(rows, metric):
    return [r for r in rows if r["metric"] == metric]


def test_enps_and_process_means_with_their_intervals(store):
    team(store)
    survey(store)
    _answered(store)
    rows = report(store, ReportQuery(metrics=("enps", "employee")))
    (row,) = _by(rows, "enps")
    scores = BILLING_ENPS + TECH_ENPS
    expected = nps({s: scores.count(s) for s in set(scores)})
    assert (row["value"], row["n"], row["low"], row["high"]) == (expected.value, 10, expected.low, expected.high)
    assert round(row["value"], 6) == round(100 * (5 - 4) / 10, 6)  # 5 promoters, 4 detractors of 10
    tools = next(r for r in _by(rows, "employee") if r["question"] == "tools")
    ratings = [2 + s % 4 for s in BILLING_ENPS] + [1, 1, 1]
    mean, var, n = moments_from_counts({v: ratings.count(v) for v in set(ratings)})
    want = t_estimate(mean, var, n, bounds=(1, 5))
    assert (tools["value"], tools["n"], tools["low"], tools["high"], tools["label"]) == (
        want.value, 10, want.low, want.high, "The tools and systems I work with")
    assert {r["question"] for r in _by(rows, "employee")} == {"tools", "knowledge_base", "workload", "training",
                                                             "handoffs"}


def test_a_group_under_5_answers_is_hidden_and_so_is_the_one_that_would_reveal_it(store):
    team(store)
    survey(store)
    _answered(store)
    rows = report(store, ReportQuery(metrics=("enps", "employee"), by=("group",)))
    enps = {r["group"]["group"]: r for r in _by(rows, "enps")}
    assert enps["Tech"]["note"] == FEWER and enps["Tech"]["value"] is None and enps["Tech"]["n"] is None
    # Billing has 7 answers, but the total (10) minus Billing would give Tech's 3: hidden too.
    assert enps["Billing"]["note"] == HIDDEN_TOO and enps["Billing"]["value"] is None
    assert all(r["value"] is None and r["n"] is None for r in _by(rows, "employee"))


def test_a_group_of_5_or_more_shows_when_nothing_smaller_can_be_worked_out(store):
    team(store)
    survey(store)
    _answered(store, tech=False)
    rows = report(store, ReportQuery(metrics=("enps",), by=("group",)))
    assert [(r["group"]["group"], r["n"]) for r in rows] == [("Billing", 7)]
    assert rows[0]["value"] == pytest.approx(100 * (4 - 2) / 7)


def test_trends_by_quarter_and_month_place_each_answer_at_its_round(store):
    team(store)
    survey(store, every="monthly")
    _answered(store, tech=False)
    _answered(store, tech=False, now=SENT + timedelta(days=30))  # December's round
    by_month = report(store, ReportQuery(metrics=("enps",), by=("month",)))
    assert [(r["group"]["month"], r["n"]) for r in by_month] == [("2026-11", 7), ("2026-12", 7)]
    by_quarter = report(store, ReportQuery(metrics=("enps",), by=("quarter",)))
    assert [(r["group"]["quarter"], r["n"]) for r in by_quarter] == [("2026-Q4", 14)]


def test_keys_that_would_name_an_agent_are_refused(store):
    team(store)
    with pytest.raises(InvalidQuery, match="--by agent does not group employee answers"):
        report(store, ReportQuery(metrics=("enps",), by=("agent",)))
    with pytest.raises(InvalidQuery, match="--by quarter groups employee answers only"):
        report(store, ReportQuery(metrics=("csat", "enps"), by=("quarter",)))


def test_the_cli_export_and_the_api_show_the_same_hidden_cells(store, tmp_path):
    team(store)
    survey(store)
    _answered(store)
    db = str(store.engine.url.database) if store.engine.dialect.name == "sqlite" else str(store.engine.url)
    out = runner.invoke(app, ["report", "--metric", "enps", "--by", "group", "--db", db, "-f", "csv"])
    assert out.exit_code == 0, out.output
    assert "Tech" in out.stdout and "fewer than 5 answers" in json.dumps(
        json.loads(runner.invoke(app, ["report", "--metric", "enps", "--by", "group", "--db", db, "-f", "json"]).stdout))
    for line in out.stdout.splitlines()[1:]:
        assert "0.0" not in line.split(",")[1:2]  # no figure in a hidden row
    key, _ = create_key(store, account="acme")
    from cxpulse.web import create_app

    with TestClient(create_app(store)) as client:
        resp = client.get("/api/v1/metrics", params={"metric": "enps,employee", "by": "group"},
                          headers={"Authorization": f"Bearer {key}"})
        assert resp.status_code == 200, resp.text
        rows = resp.json()
        assert rows and all(r["value"] is None and r["n"] is None for r in rows)
        total = client.get("/api/v1/metrics", params={"metric": "enps"}, headers={"Authorization": f"Bearer {key}"})
        assert total.json()[0]["n"] == 10


def test_hidden_cells_protects_two_way_breakdowns():
    sizes = {("Billing", "2026-Q4"): 7, ("Billing", "2027-Q1"): 6, ("Tech", "2026-Q4"): 6, ("Tech", "2027-Q1"): 2}
    hidden = hidden_cells(sizes)
    assert hidden[("Tech", "2027-Q1")] == FEWER
    # the other cells of Tech's row and of Q1's column would give it away: one each is hidden too
    assert ("Tech", "2026-Q4") in hidden and ("Billing", "2027-Q1") in hidden
    for cell in sizes:  # no line is left with a hidden total of 1..4 answers
        for pos in (0, 1):
            line = [c for c in sizes if c[1 - pos] == cell[1 - pos]]
            gap = sum(sizes[c] for c in line if c in hidden)
            assert gap == 0 or gap >= 5


def test_a_figure_over_several_rounds_adds_up_only_the_rounds_that_showed_its_cell(store):
    """November: Billing 7, Tech 3 (both hidden); December: Billing 7. Billing over both months
    counts December alone, so no window's figure minus another's gives November's Tech."""
    from datetime import date

    from cxpulse.service.employee_report import LEFT_OUT

    team(store)
    survey(store, every="monthly")
    _answered(store)
    _answered(store, tech=False, now=SENT + timedelta(days=30))
    both = report(store, ReportQuery(metrics=("enps",), by=("group",)))
    december = report(store, ReportQuery(metrics=("enps",), by=("group",), since=date(2026, 12, 1)))
    billing = next(r for r in both if r["group"]["group"] == "Billing")
    assert (billing["n"], billing["note"]) == (7, LEFT_OUT)
    assert billing["value"] == next(r for r in december if r["group"]["group"] == "Billing")["value"]
    assert next(r for r in both if r["group"]["group"] == "Tech")["n"] is None


def test_the_demo_has_a_round_of_employee_answers_in_every_account(tmp_path):
    from datetime import date

    from cxpulse.service.demo import run_demo
    from cxpulse.service.employee_report import employee_comments
    from cxpulse.storage import Store

    store = Store.open(tmp_path / "demo.db")
    run_demo(store, seed=3, tickets=600, end=date(2026, 10, 31), predict=False)
    rows = report(store, ReportQuery(metrics=("enps", "employee"), by=("account",)))
    enps = {r["group"]["account"]: r for r in rows if r["metric"] == "enps"}
    assert set(enps) == {a.name for a in store.accounts()}
    shown = [r for r in enps.values() if r["n"] is not None]
    assert shown and all(-100 <= r["value"] <= 100 and r["low"] <= r["value"] <= r["high"] for r in shown)
    workload = [r for r in rows if r["metric"] == "employee" and r["question"] == "workload" and r["n"]]
    assert workload and all(1 <= r["value"] <= 5 for r in workload)
    assert any(c["themes"] or c["comments"] for c in employee_comments(store))
    before = report(store, ReportQuery(metrics=("enps",)))
    run_demo(store, seed=3, tickets=600, end=date(2026, 10, 31), predict=False)
    assert report(store, ReportQuery(metrics=("enps",))) == before  # a rerun adds no round


def test_tenure_bands_come_from_each_agents_first_ticket_and_group_the_answers(store):
    from sqlalchemy import select

    from cxpulse.storage import tables as T

    team(store)
    survey(store)
    _answered(store)
    with store.engine.connect() as conn:
        bands = dict(conn.execute(select(T.employee_invitations.c.agent_id, T.employee_invitations.c.tenure)).all())
    assert bands["b0"] == "<1y" and bands["a1"] == ""  # a1 has no tickets: no band
    rows = report(store, ReportQuery(metrics=("enps",), by=("tenure",)))
    assert [(r["group"]["tenure"], r["n"]) for r in rows] == [("<1y", 10)]
