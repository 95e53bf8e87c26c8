"""Prediction on an imported Zendesk export, end to end through the CLI (issue 3's "done when").

The export is the demo account nordlicht (1,200 tickets over a year, 411 of them rated
good/bad, 48 still open) written as the Zendesk Support API returns it
(tests/zendesk_export.py), imported with `cxpulse import zendesk`, then `train`,
`evaluate`, `score` and `alerts` as a user runs them. Once with audits (the full
history) and once with comments + ticket_metrics only, on SQLite; the audits export
also on PostgreSQL.

The one setting a Zendesk export cannot carry, the account's `alert_below`, is set the
documented way (an `account` line imported as JSONL, docs/formats.md) to 70, so that
some open tickets of this fairly happy help desk raise alerts.
"""

from __future__ import annotations

import functools
import json
import random
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse.cli import app
from cxpulse.demo import generate
from cxpulse.domain import Response, ResponseKind, Ticket
from tests.pg import private_database
from tests.zendesk_export import write_zendesk_export

SEED, TICKETS, END = 7, 2400, date(2026, 10, 31)  # nordlicht gets half of the tickets
ALERT_BELOW = 70
EVALUATE_KEYS = {"auc", "brier", "base_rate", "n_train", "n_test", "early_auc"}
runner = CliRunner()


@functools.cache
def demo_records() -> tuple:
    """The demo records, generated once per module (only read: write_zendesk_export changes nothing)."""
    return tuple(generate(SEED, tickets=TICKETS, end=END))


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, f"cxpulse {' '.join(args)} → {result.exit_code}\n{result.output}"
    return result.stdout


@pytest.fixture(scope="module")
def pg_db():
    """A PostgreSQL database of its own (the shared test database holds other tests' accounts)."""
    with private_database("cxpulse_test_zendesk", as_given=True) as url:
        yield url  # a postgresql:// URL, as a user gives --db


@pytest.fixture(
    scope="module",
    params=["audits-sqlite", "comments-sqlite", pytest.param("audits-postgres", marks=pytest.mark.postgres)],
)
def imported(request, tmp_path_factory):
    """The export written, imported, the account's alert_below set, a model trained."""
    variant, backend = request.param.split("-")
    root = tmp_path_factory.mktemp(f"zendesk-{request.param}")
    export = root / "export"
    summary = write_zendesk_export(export, demo_records(), with_audits=variant == "audits")
    db = request.getfixturevalue("pg_db") if backend == "postgres" else str(root / "cxpulse.db")
    out = json.loads(cli("import", "zendesk", str(export), "--account", "acme", "--db", db, "-f", "json"))
    assert (out["rejected"], out["accounts"]) == (0, ["acme"]), out
    assert out["by_kind"]["response"]["inserted"] == summary.rated
    settings = root / "settings.jsonl"
    settings.write_text(json.dumps({"type": "account", "name": "acme", "alert_below": ALERT_BELOW}) + "\n")
    cli("import", "jsonl", str(settings), "--db", db)
    cards = json.loads(cli("train", "--account", "acme", "--db", db, "-f", "json"))
    return variant, export, db, summary, cards


def test_the_export_is_a_realistic_amount_of_zendesk_data(imported):
    _, _, db, s, _ = imported
    demo = [r.obj for r in demo_records() if r.account == "nordlicht"]
    tickets = [o for o in demo if isinstance(o, Ticket)]
    rated = {o.ticket_id for o in demo if isinstance(o, Response) and o.kind == ResponseKind.CSAT}
    assert (s.tickets, s.rated) == (len(tickets), len(rated))
    assert s.tickets >= 1000 and s.rated >= 300 and s.bad >= 30 and s.open >= 20  # 1200, 411, 47, 48 (seed 7)
    (acc,) = json.loads(cli("accounts", "--db", db, "-f", "json"))
    assert acc["name"] == "acme" and acc["tickets"] == s.tickets and acc["responses"] == s.rated


def test_train_fits_an_own_model_on_the_good_bad_ratings(imported):
    _, _, _, s, cards = imported
    (card,) = cards
    assert (card["account"], card["scope"], card["version"], card["n_tickets"]) == ("acme", "account", 1, s.rated)
    assert card["auc"] > 0.7
    assert card["brier"] < card["baseline_brier"]


def test_evaluate_reports_a_real_signal(imported):
    _, _, db, s, _ = imported
    ev = json.loads(cli("evaluate", "--account", "acme", "--db", db, "-f", "json"))
    assert EVALUATE_KEYS <= set(ev)
    assert (ev["n_train"], ev["n_test"]) == (s.rated - round(s.rated * 0.2), round(s.rated * 0.2))
    assert ev["auc"] > 0.7, ev
    assert abs(ev["base_rate"] - s.good / s.rated) < 0.05
    assert ev["brier"] < ev["baseline_brier"]
    assert set(ev["early_auc"]) == {"before_first_reply", "half_life"}
    assert all(v > 0.62 for v in ev["early_auc"].values()), ev["early_auc"]


def test_score_every_open_ticket_with_three_reasons_and_alert_the_low_ones(imported):
    _, _, db, s, _ = imported
    rows = json.loads(cli("score", "--account", "acme", "--open", "--db", db, "-f", "json"))
    assert len(rows) == s.open
    zendesk_ids = {str(i) for i in s.ticket_ids.values()}
    for r in rows:
        assert r["ticket_id"] in zendesk_ids and r["status"] in {"new", "open", "pending", "hold"}
        assert isinstance(r["score"], int) and 0 <= r["score"] <= 100
        assert len(r["reasons"]) == 3 and all(isinstance(x, str) and x for x in r["reasons"])
        assert r["model_version"] == 1
    assert len({r["score"] for r in rows}) > 5
    low = {r["ticket_id"] for r in rows if r["score"] < ALERT_BELOW}
    assert 0 < len(low) < len(rows)
    alerts = json.loads(cli("alerts", "--account", "acme", "--db", db, "-f", "json"))
    assert {a["ticket_id"] for a in alerts} == low
    assert {a["threshold"] for a in alerts} == {ALERT_BELOW}


def test_score_one_ticket_by_its_zendesk_id(imported):
    _, _, db, s, _ = imported
    assert s.ticket_ids and min(s.ticket_ids.values()) == 1  # Zendesk numbers tickets from 1, oldest first
    (row,) = json.loads(cli("score", "--ticket", "1", "--db", db, "-f", "json"))
    assert (row["ticket_id"], row["account"], row["model_version"]) == ("1", "acme", 1)
    assert 0 <= row["score"] <= 100 and len(row["reasons"]) == 3


def _customer_writes_again(export: Path, variant: str, zid: int, author: int) -> None:
    """The next export of this ticket: one more customer comment, as its audits or comments page has it."""
    path = export / variant / f"{zid}.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    comment = {"id": 24_199_999_001, "type": "Comment", "author_id": author, "body": "Any news? I am still waiting.",
               "plain_body": "Any news? I am still waiting.", "public": True, "attachments": [],
               "audit_id": 24_199_999_000}
    if variant == "audits":
        body["audits"].append({"id": 24_199_999_000, "ticket_id": zid, "created_at": "2026-11-02T08:00:00Z",
                               "author_id": author, "events": [comment]})
    else:
        body["comments"].append({**comment, "created_at": "2026-11-02T08:00:00Z"})
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")


def test_importing_a_later_export_rescores_the_open_ticket_it_changed(imported):
    variant, export, db, s, _ = imported
    tickets = json.loads((export / "tickets.json").read_text(encoding="utf-8"))["tickets"]
    for page in sorted(export.glob("tickets-*.json")):
        tickets += json.loads(page.read_text(encoding="utf-8"))["tickets"]
    ticket = next(t for t in tickets if t["status"] in {"open", "pending", "hold"})
    _customer_writes_again(export, variant, ticket["id"], ticket["requester_id"])
    out = json.loads(cli("import", "zendesk", str(export), "--account", "acme", "--db", db, "-f", "json"))
    assert (out["inserted"], out["updated"], out["rejected"]) == (1, 0, 0), out
    assert out["rescored"] == 1
    (row,) = json.loads(cli("score", "--ticket", str(ticket["id"]), "--account", "acme", "--db", db, "-f", "json"))
    assert row["model_version"] == 1 and len(row["reasons"]) == 3


def test_ratings_without_signal_give_an_auc_near_one_half(tmp_path):
    """The same export with the good/bad answers shuffled across the rated tickets: whatever
    the model then finds would be leakage (a rating's time or comment, say). 82 test tickets
    with about ten bad ones spread the AUC of noise by ±0.15 (14 shuffles: 0.33–0.66, mean
    0.51); leakage shows as the 0.8 the real ratings give."""
    records = list(generate(SEED, tickets=TICKETS, end=END))  # its own: the scores are changed in place
    csat = [r.obj for r in records
            if r.kind == "response" and r.account == "nordlicht" and r.obj.kind == ResponseKind.CSAT]
    scores = [c.score for c in csat]
    random.Random(0).shuffle(scores)
    for c, score in zip(csat, scores):
        c.score = score
    write_zendesk_export(tmp_path / "export", records)
    db = str(tmp_path / "cxpulse.db")
    cli("import", "zendesk", str(tmp_path / "export"), "--account", "acme", "--db", db)
    ev = json.loads(cli("evaluate", "--account", "acme", "--db", db, "-f", "json"))
    assert 0.25 < ev["auc"] < 0.75, ev
    assert ev["brier"] > ev["baseline_brier"] - 0.01, ev
