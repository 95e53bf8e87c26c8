"""`cxpulse qa …` and `cxpulse report --metric iqs …` as a user types them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cxpulse.cli.app import app
from tests.factories import make_ticket, write_jsonl

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "qa"


def cx(*args: str, db: str):
    return runner.invoke(app, [*args, "--db", db])


def _desk(db: str, tmp_path: Path) -> None:
    recs = [make_ticket(id=f"T{i}", assignee_id="a1" if i <= 3 else "a2", created_at=f"2026-03-0{i}T09:00:00Z")
            for i in range(1, 7)]
    recs += [{"type": "rating", "id": f"r{i}", "ticket_id": f"T{i}", "score": 5 if i % 2 else 2,
              "given_at": f"2026-03-0{i}T12:00:00Z"} for i in range(1, 7)]
    assert cx("import", "jsonl", str(write_jsonl(tmp_path / "d.jsonl", recs)), "-a", "acme", db=db).exit_code == 0


def test_a_scorecard_applies_once_shows_in_each_language_and_a_bad_one_names_its_fields(db_arg, tmp_path):
    _desk(db_arg, tmp_path)
    first = cx("qa", "scorecard", "apply", str(EXAMPLES / "scorecard.toml"), "-a", "acme", "-f", "json", db=db_arg)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["version"] == 1 and "new version: Chat v1" in first.stderr
    again = cx("qa", "scorecard", "apply", str(EXAMPLES / "scorecard.toml"), "-a", "acme", db=db_arg)
    assert "unchanged: Chat v1" in again.stderr
    shown = cx("qa", "scorecard", "show", "-a", "acme", "--language", "lt", "-f", "csv", db=db_arg)
    assert "Sprendimas" in shown.stdout and "Tikslumas" in shown.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "criteria": [{"key": "tone", "labels": {}, "weight": -1}]}), encoding="utf-8")
    out = cx("qa", "scorecard", "apply", str(bad), "-a", "acme", db=db_arg)
    assert out.exit_code == 2 and "bad.json" in out.stderr
    assert "criteria[0].labels" in out.stderr and "criteria[0].weight" in out.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "x"\n[[criteria]\n', encoding="utf-8")
    out = cx("qa", "scorecard", "apply", str(broken), "-a", "acme", db=db_arg)
    assert out.exit_code == 3 and "broken.toml" in out.stderr and "not valid TOML" in out.stderr


def test_import_then_reviews_then_report_iqs_as_json(db_arg, tmp_path):
    _desk(db_arg, tmp_path)
    out = cx("qa", "import", str(EXAMPLES / "reviews.csv"), "-m", str(EXAMPLES / "reviews.toml"), "-a", "acme",
             db=db_arg)
    assert out.exit_code == 0, out.output
    assert "reviews.csv:10: Rating:" in out.stderr.replace("\n", " ")
    again = cx("qa", "import", str(EXAMPLES / "reviews.csv"), "-m", str(EXAMPLES / "reviews.toml"), "-a",
               "acme", "-f", "json", db=db_arg)
    summary = json.loads(again.stdout)
    assert (summary["inserted"], summary["unchanged"], summary["rejected"]) == (0, 3, 4)
    assert {r["line"] for r in summary["rejects"]} == {10, 11, 12, 13}
    reviews = json.loads(cx("qa", "reviews", "-a", "acme", "--agent", "a1", "-f", "json", db=db_arg).stdout)
    assert sorted(r["review_id"] for r in reviews) == ["rv-1001", "rv-1003"]
    rows = json.loads(cx("report", "--metric", "iqs", "--by", "agent", "-a", "acme", "-f", "json", db=db_arg).stdout)
    iqs = {r["group"]["agent"]: r for r in rows if r["metric"] == "iqs"}
    assert iqs["a2"]["value"] == 0.0 and iqs["a1"]["n"] == 2
    assert {r["criterion"] for r in rows if r["metric"] == "iqs_criterion"} >= {"competence", "integrity"}
    only = json.loads(cx("report", "--metric", "iqs", "--mystery", "only", "-a", "acme", "-f", "json", db=db_arg).stdout)
    assert only == []
    bad = cx("report", "--metric", "iqs", "--mystery", "maybe", db=db_arg)
    assert bad.exit_code == 2 and "--mystery 'maybe'" in bad.stderr


def test_sample_queues_tickets_and_never_the_same_one_twice_for_a_reviewer(db_arg, tmp_path):
    _desk(db_arg, tmp_path)
    first = json.loads(cx("qa", "sample", "-a", "acme", "--n", "4", "--reviewer", "rita", "--seed", "1", "-f", "json",
                          db=db_arg).stdout)
    assert len(first) == 4 and [p["agent_id"] for p in first].count("a1") == 2
    second = cx("qa", "sample", "-a", "acme", "--n", "4", "--reviewer", "rita", "-f", "json", db=db_arg)
    assert len(json.loads(second.stdout)) == 2 and "picked 2 of 4" in second.stderr
    queue = json.loads(cx("qa", "queue", "-a", "acme", "--reviewer", "rita", "-f", "json", db=db_arg).stdout)
    assert len(queue) == 6 and len({q["ticket_id"] for q in queue}) == 6
    bad = cx("qa", "sample", "-a", "acme", "--strategy", "newest", db=db_arg)
    assert bad.exit_code == 2 and "unknown strategy 'newest'" in bad.stderr


def test_keys_create_makes_a_reviewer_key_and_lists_its_role(db_arg, tmp_path):
    _desk(db_arg, tmp_path)
    out = cx("keys", "create", "-a", "acme", "--role", "reviewer", db=db_arg)
    assert out.exit_code == 0 and "reviewer key for account acme" in out.stderr
    keys = json.loads(cx("keys", "list", "-f", "json", db=db_arg).stdout)
    assert [k["role"] for k in keys] == ["reviewer"]
    bad = cx("keys", "create", "-a", "acme", "--role", "boss", db=db_arg)
    assert bad.exit_code == 2 and "unknown role 'boss'" in bad.stderr
