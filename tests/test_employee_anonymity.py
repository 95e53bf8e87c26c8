"""Trying to find out what one agent answered — and failing (issue 17 §1: anonymity is tested).

The attacker knows who was invited, who answered (the used invitations), the groups, and can
run every export: `cxpulse report`, `cxpulse surveys comments`, GET /api/v1/metrics,
GET /api/v1/accounts/{account}/employee-comments, the dashboard's Team page, and read the
database rows. Tech has 3 agents; t0 wrote a comment only they would write."""

from __future__ import annotations

import json
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from cxpulse.cli import app
from cxpulse.service.employee_report import employee_comments
from cxpulse.service.keys import create_key
from cxpulse.storage import tables as T
from cxpulse.web import create_app
from tests.employee_helpers import BILLING, SENT, TECH, answer, send, survey, team

runner = CliRunner()
SECRET = "my manager shouts at the night shift"
BILLING_COMMENTS = ["the knowledge base is outdated", "the knowledge base search is slow", "more training",
                    "the knowledge base lacks refunds", "tools freeze", "fine", ""]


def _setup(store):
    team(store)
    survey(store, every="monthly")
    _, links = send(store)
    for i, (agent, comment) in enumerate(zip(BILLING, BILLING_COMMENTS)):
        answer(store, links[f"{agent}@acme.example"], [2, 3, 10, 5, 9, 8, 10][i], comment=comment,
               now=SENT + timedelta(hours=1, minutes=i))
    answer(store, links["t0@acme.example"], 0, comment=SECRET, now=SENT + timedelta(hours=5))
    answer(store, links["t1@acme.example"], 10, now=SENT + timedelta(hours=6))


def _db(store) -> str:
    return str(store.engine.url.database) if store.engine.dialect.name == "sqlite" else str(store.engine.url)


def test_no_export_tells_what_the_tech_agents_answered(store):
    _setup(store)
    db = _db(store)
    exports = []
    for by in ("", "group", "group,month", "month"):
        for metric in ("enps", "employee", "enps,employee"):
            args = ["report", "--metric", metric, "--db", db, "-f", "json"] + (["--by", by] if by else [])
            out = runner.invoke(app, args)
            assert out.exit_code == 0, out.output
            exports.append(json.loads(out.stdout))
    for rows in exports:
        for r in rows:
            if r["group"].get("group") == "Tech":
                assert r["value"] is None and r["n"] is None
            # every figure shown counts at least 5 answers
            assert r["n"] is None or r["n"] >= 5
    # the whole team's total minus every other shown group never isolates Tech: Billing is hidden too
    total = next(r for r in exports[0])
    by_group = {r["group"]["group"]: r for r in exports[3]}
    assert total["n"] == 9 and all(r["n"] is None for r in by_group.values())
    comments = runner.invoke(app, ["surveys", "comments", "--by", "group", "--db", db, "-f", "json"])
    assert comments.exit_code == 0, comments.output
    assert SECRET not in comments.stdout and "fewer than 5 answers" in comments.stdout
    assert "Tech" in comments.stdout


def test_the_whole_team_sees_themes_and_comments_sorted_not_in_answer_order(store):
    _setup(store)
    (cell,) = employee_comments(store, account="acme")
    assert cell["n"] == 9
    assert cell["comments"] == sorted(c for c in BILLING_COMMENTS + [SECRET] if c)  # 9 answers: shown, alphabetically
    assert any("knowledge" in t["term"] for t in cell["themes"])


def test_the_api_gives_no_agent_breakdown_and_hides_small_groups(store):
    _setup(store)
    key, _ = create_key(store, account="acme")
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(store)) as client:
        agent = client.get("/api/v1/metrics", params={"metric": "enps", "by": "agent"}, headers=headers)
        assert agent.status_code == 422 and "does not group employee answers" in agent.text
        rows = client.get("/api/v1/metrics", params={"metric": "enps,employee", "by": "group"}, headers=headers).json()
        assert rows and all(r["value"] is None for r in rows)
        responses = client.get("/api/v1/metrics", params={"metric": "nps,csat"}, headers=headers).json()
        assert not [r for r in responses if r["metric"] == "nps" and r["n"]]  # the agents' answers are no customer NPS


def test_the_database_rows_cannot_be_joined_back_to_the_invitations(store):
    _setup(store)
    with store.engine.connect() as conn:
        invitations = [r._asdict() for r in conn.execute(select(T.employee_invitations))]
        answers = [r._asdict() for r in conn.execute(select(T.employee_answers))]
    used = [i for i in invitations if i["status"] == "used"]
    assert len(used) == len(answers) == 9
    # by time: the invitations of a round share one sent_at and carry no time of use;
    # the answers carry no date but their round's first day — the same for everyone
    assert len({i["sent_at"] for i in invitations}) == 1
    assert {a["day"] for a in answers} == {date(2026, 11, 1)} and all("used_at" not in i for i in invitations)
    # by ids: the answers' keys are random, not a sequence in the order of answering
    assert all(len(a["id"]) == 32 for a in answers)
    # by content: nothing on an answer equals an agent id, an email or an invitation id
    values = {str(v) for a in answers for k, v in a.items() if k not in ("account_id", "survey_id", "enps")}
    for i in invitations:
        assert {i["agent_id"], i["email"], str(i["id"])}.isdisjoint(values)
    # the only link is the group (and tenure band), which the report rules protect
    assert {a["group_name"] for a in answers} == {"Billing", "Tech"}
    assert set(TECH) >= {i["agent_id"] for i in used if i["group_name"] == "Tech"}


def test_the_comments_api_shows_small_groups_neither_comments_nor_themes(store):
    _setup(store)
    key, _ = create_key(store, account="acme")
    headers = {"Authorization": f"Bearer {key}"}
    path = "/api/v1/accounts/acme/employee-comments"
    with TestClient(create_app(store)) as client:
        for by in ("group", "group,month", "month,group", "group,tenure", "group,quarter"):
            r = client.get(path, params={"by": by}, headers=headers)
            assert r.status_code == 200, (by, r.text)
            assert SECRET not in r.text, by
            for cell in r.json()["data"]:
                if cell["group"].get("group") == "Tech":
                    assert cell == {"group": cell["group"], "n": None, "note": cell["note"], "themes": [],
                                    "comments": []} and "fewer than 5 answers" in cell["note"]
                assert cell["n"] is None or cell["n"] >= 5
        # the whole team (9 answers; every agent in one tenure band) shows every comment, in alphabetical
        # order: none points at its writer
        whole = client.get(path, headers=headers).json()
        assert whole["count"] == 1 and whole["data"][0]["n"] == 9
        assert [c["comments"] for c in client.get(path, params={"by": "tenure"}, headers=headers).json()["data"]] \
            == [whole["data"][0]["comments"]]
        assert whole["data"][0]["comments"] == sorted(c for c in BILLING_COMMENTS + [SECRET] if c)
        (cell,) = employee_comments(store, account="acme")  # what `cxpulse surveys comments` prints
        assert whole["data"][0]["themes"] == cell["themes"] and any("knowledge" in t["term"] for t in cell["themes"])
        for by in ("agent", "channel", "day"):
            refused = client.get(path, params={"by": by}, headers=headers)
            assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_query", by


def test_the_dashboard_shows_the_whole_team_only_and_names_no_agent(store):
    import re

    from tests.dashboard_helpers import client_for, login

    _setup(store)
    key, _ = create_key(store, account="acme")
    client = client_for(store)
    login(client, key)
    html = re.sub(r'value="[^"]*"', "", client.get("/team").text)  # the form tokens are random text
    assert "Tech" not in html and "Billing" not in html  # no group breakdown at all
    for agent in BILLING + TECH:
        assert f"{agent}@acme.example" not in html and not re.search(rf"\b{agent}\b", html)
    listed = re.findall(r'<li lang="">([^<]*)</li>', html)
    assert listed == sorted(c for c in BILLING_COMMENTS + [SECRET] if c)  # all 9 answers' comments, alphabetical
