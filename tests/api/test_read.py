"""Read routes: metrics equal to `cxpulse report --format json` (called both ways),
tickets with KPIs and scores, paging, filters, the at-risk list, alerts, model cards,
surveys (list, create, change)."""

from __future__ import annotations

import base64
import json

import pytest
from typer.testing import CliRunner

from cxpulse.cli import app as cli
from cxpulse.service.imports import import_path
from cxpulse.service.predict import score, train
from tests.api.conftest import assert_error
from tests.factories import random_help_desk, write_jsonl
from tests.test_predict import coin_flip_help_desk, waiting_help_desk

REPORTS = [
    {},
    {"metric": "csat,nps,ces", "by": "agent"},
    {"metric": "kpi", "by": "channel,month"},
    {"metric": "csat", "by": "account"},
    {"metric": "csat,nps", "since": "2026-03-05", "until": "2026-03-20", "compare_previous": "true"},
    {"metric": "csat-by-kpi", "by": "group"},
    {"metric": "response-rate"},
]


def _db(store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def _cli_report(store, params: dict) -> list:
    args = ["report", "--format", "json", "--db", _db(store)]
    for name, value in params.items():
        flag = "--" + name.replace("_", "-")
        args += [flag] if value == "true" else [flag, value]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def desk(api, tmp_path):
    records, _facts = random_help_desk(seed=3, tickets=150)
    import_path(api.store, "jsonl", write_jsonl(tmp_path / "acme.jsonl", records), account="acme")
    records, _facts = random_help_desk(seed=4, tickets=60)
    import_path(api.store, "jsonl", write_jsonl(tmp_path / "globex.jsonl", records), account="globex")
    return api


@pytest.mark.parametrize("params", REPORTS, ids=[json.dumps(p) for p in REPORTS])
def test_metrics_json_is_the_reports_json(desk, params):
    admin = desk.get("/api/v1/metrics", headers=desk.admin, params=params)
    assert admin.status_code == 200 and admin.headers["content-type"] == "application/json"
    assert admin.json() == _cli_report(desk.store, params)
    mine = desk.get("/api/v1/metrics", params=params).json()
    assert mine == _cli_report(desk.store, {**params, "account": "acme"})
    if admin.json():  # response-rate: no invitations were sent, no rows either way
        assert mine and mine != admin.json()


def test_bad_report_parameters_are_422_with_what_to_use(desk):
    err = assert_error(desk.get("/api/v1/metrics?metric=happiness"), 422, "invalid_query")
    assert "csat" in err["message"]
    assert_error(desk.get("/api/v1/metrics?by=planet"), 422, "invalid_query")
    assert_error(desk.get("/api/v1/metrics?since=2026-04-01&until=2026-03-01"), 422, "invalid_query")
    err = assert_error(desk.get("/api/v1/metrics?since=yesterday"), 422, "invalid_request")
    assert err["details"][0]["loc"] == ["query", "since"]


def test_tickets_page_through_every_ticket_once_newest_first(desk):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 40, **({"cursor": cursor} if cursor else {})}
        body = desk.get("/api/v1/accounts/acme/tickets", params=params).json()
        assert body["count"] == len(body["data"]) <= 40
        seen += [t["ticket_id"] for t in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 4 and len(seen) == len(set(seen)) == 150
    assert seen[0] == "T149" and seen[-1] == "T0"


def test_ticket_filters_and_kpis(desk):
    solved = desk.get("/api/v1/accounts/acme/tickets?status=solved&limit=500").json()
    assert solved["count"] == 150 and all(t["status"] == "solved" and not t["open"] for t in solved["data"])
    assert desk.get("/api/v1/accounts/acme/tickets?open=true").json()["count"] == 0
    a1 = desk.get("/api/v1/accounts/acme/tickets?agent=a1&limit=500").json()["data"]
    assert a1 and {t["agent"] for t in a1} == {"a1"}
    t = desk.get("/api/v1/accounts/acme/tickets/T0").json()
    assert t["kpis"]["first_reply_minutes"] > 0 and t["kpis"]["solved"] and t["score"] is None
    assert_error(desk.get("/api/v1/accounts/acme/tickets/T999"), 404, "ticket_not_found")
    assert_error(desk.get("/api/v1/accounts/acme/tickets?cursor=bm9wZQ"), 400, "invalid_cursor")
    assert_error(desk.get("/api/v1/accounts/acme/tickets?limit=501"), 422, "invalid_request")


def test_at_risk_alerts_and_model_cards(api, tmp_path):
    records = waiting_help_desk(seed=3, rated=150, open_tickets=4, account="acme")
    import_path(api.store, "jsonl", write_jsonl(tmp_path / "acme.jsonl", records), account="acme")
    assert api.get("/api/v1/accounts/acme/models").json() == {"data": [], "count": 0}
    train(api.store, "acme")
    score(api.store, account="acme", open_only=True)
    risk = api.get("/api/v1/accounts/acme/at-risk?limit=3").json()
    assert risk["count"] == 3 and risk["next_cursor"]
    rest = api.get(f"/api/v1/accounts/acme/at-risk?limit=3&cursor={risk['next_cursor']}").json()
    tickets = risk["data"] + rest["data"]
    assert sorted(t["ticket_id"] for t in tickets) == ["T150", "T151", "T152", "T153"] and rest["next_cursor"] is None
    assert [t["score"] for t in tickets] == sorted(t["score"] for t in tickets)
    assert all(t["open"] and len(t["reasons"]) == 3 and t["model_version"] == 1 for t in tickets)
    assert api.get("/api/v1/accounts/acme/at-risk?below=0").json()["count"] == 0
    assert api.get("/api/v1/accounts/acme/at-risk?status=open").json()["count"] == 4  # all of them are `open`
    assert api.get("/api/v1/accounts/acme/at-risk?status=hold").json()["count"] == 0
    one = tickets[0]["agent"]
    mine = api.get(f"/api/v1/accounts/acme/at-risk?agent={one}").json()["data"]
    assert mine and {t["agent"] for t in mine} == {one} and len(mine) == sum(t["agent"] == one for t in tickets)
    err = assert_error(api.get("/api/v1/accounts/acme/at-risk?status=solved"), 422, "invalid_query")
    assert err["details"]["field"] == "status"

    alerts = api.get("/api/v1/accounts/acme/alerts?limit=2").json()
    more = api.get(f"/api/v1/accounts/acme/alerts?limit=2&cursor={alerts['next_cursor']}").json()
    logged = alerts["data"] + more["data"]
    assert sorted(a["ticket_id"] for a in logged) == ["T150", "T151", "T152", "T153"]
    assert all(a["score"] < a["threshold"] == 40 for a in logged)
    assert api.get("/api/v1/accounts/globex/alerts", headers=api.globex).json()["count"] == 0

    train(api.store, "acme")
    models = api.get("/api/v1/accounts/acme/models").json()
    assert [m["version"] for m in models["data"]] == [2, 1]
    card = models["data"][0]["card"]
    assert card["auc"] > 0.7 and card["n_tickets"] == 150 and "calibration" in card


def test_surveys_list_create_and_change(api):
    assert api.get("/api/v1/accounts/acme/surveys").json() == {"data": [], "count": 0}
    made = api.post("/api/v1/accounts/acme/surveys", {"name": "after-solve", "kind": "csat", "reasons": ["slow"]})
    assert made.status_code == 201, made.text
    assert (made.json()["scale"], made.json()["reasons"], made.json()["active"]) == ("1-5", ["slow"], True)
    changed = api.client.patch("/api/v1/accounts/acme/surveys/after-solve", headers=api.acme,
                               json={"reminder_days": 3, "active": False})
    assert changed.status_code == 200 and (changed.json()["reminder_days"], changed.json()["active"]) == (3, False)
    off = api.client.patch("/api/v1/accounts/acme/surveys/after-solve", headers=api.acme, json={"reminder_days": None})
    assert off.json()["reminder_days"] is None
    assert [s["name"] for s in api.get("/api/v1/accounts/acme/surveys").json()["data"]] == ["after-solve"]
    assert api.get("/api/v1/accounts/acme/surveys/after-solve").json()["kind"] == "csat"
    err = assert_error(api.post("/api/v1/accounts/acme/surveys", {"name": "x", "kind": "csat", "scale": "0-10"}),
                       422, "invalid_survey")
    assert "scale" in err["message"]
    assert_error(api.post("/api/v1/accounts/acme/surveys", {"name": "after-solve", "kind": "nps"}), 422,
                 "invalid_survey")
    assert_error(api.post("/api/v1/accounts/acme/surveys", {"name": "y", "kind": "csat", "colour": "red"}), 422,
                 "invalid_request")
    assert_error(api.client.patch("/api/v1/accounts/acme/surveys/nope", headers=api.acme, json={}), 404, "not_found")
    assert api.get("/api/v1/accounts/globex/surveys", headers=api.globex).json()["count"] == 0


def test_a_ticket_carries_its_agents_name_when_the_users_were_sent(desk):
    ingest = desk.post("/api/v1/accounts/acme/users?wait=true",
                       json={"items": [{"id": "a1", "role": "agent", "name": "Rūta Žemaitė"}]})
    assert ingest.status_code == 200, ingest.text
    a1 = desk.get("/api/v1/accounts/acme/tickets?agent=a1&limit=500").json()["data"]
    assert a1 and {t["agent_name"] for t in a1} == {"Rūta Žemaitė"}
    a2 = desk.get("/api/v1/accounts/acme/tickets?agent=a2&limit=500").json()["data"]
    assert a2 and {t["agent_name"] for t in a2} == {""}  # no user sent for a2
    assert desk.get("/api/v1/accounts/acme/tickets", params={"limit": 500}).json()["count"] == 150  # no row doubled


def test_a_survey_answer_shows_in_the_metrics_at_once(api):
    """The API keeps reports for a minute; an answer recorded by this server (its survey
    page) clears them."""
    from datetime import timedelta
    from urllib.parse import urlsplit

    from fastapi.testclient import TestClient

    from cxpulse.service.surveys import create_survey, send_due
    from cxpulse.surveys.definitions import Survey
    from cxpulse.web import create_app
    from tests.survey_helpers import T0, RecordingMailer, customer, seed, ticket

    seed(api.store, [customer("c1"), ticket("t1", "c1", solved_at=T0 + timedelta(hours=1))])
    create_survey(api.store, "acme", Survey(name="csat", kind="csat"), now=T0)
    mailer = RecordingMailer()
    assert send_due(api.store, mailer, now=T0 + timedelta(hours=3)).sent == 1
    params = {"metric": "csat"}
    with TestClient(create_app(api.store, clock=lambda: T0 + timedelta(hours=4))) as client:
        assert client.get("/api/v1/metrics", params=params, headers=api.acme).json() == []  # kept now
        (email,) = mailer.to("c1@example.com")
        url = _links(email)[-1]  # one link per score, lowest first: the last is 5, "very satisfied"
        assert client.get(urlsplit(url).path).status_code == 200  # the customer clicks it
        (row,) = client.get("/api/v1/metrics", params=params, headers=api.acme).json()
    assert (row["n"], row["value"]) == (1, 100.0)


def _links(email) -> list[str]:
    import re

    return re.findall(r"https?://\S+/s/\S+", email.text)


def test_at_risk_of_a_model_no_better_than_chance_is_empty_and_says_why(api, tmp_path):
    records = coin_flip_help_desk(seed=7, rated=400, open_tickets=5, account="acme")
    import_path(api.store, "jsonl", write_jsonl(tmp_path / "acme.jsonl", records), account="acme")
    train(api.store, "acme")
    score(api.store, account="acme", open_only=True)
    risk = api.get("/api/v1/accounts/acme/at-risk").json()
    assert (risk["data"], risk["count"], risk["next_cursor"]) == ([], 0, None)
    assert "no better than chance on this account's data" in risk["no_score"]
    (card,) = api.get("/api/v1/accounts/acme/models").json()["data"]
    assert card["card"]["better_than_chance"] is False and card["card"]["auc_low"] < 0.5 < card["card"]["auc_high"]


def test_at_risk_sorts_equal_scores_by_the_earliest_promise_and_pages_by_it(api, tmp_path):
    """Issue 12 §3: tickets of one score, the overdue one first, then the one due soonest,
    the ones with no promise last — and the cursor carries the due time, so paging one
    ticket at a time gives the same order, each ticket once."""
    from datetime import datetime

    from sqlalchemy import update

    from cxpulse.storage import tables as T

    records = waiting_help_desk(seed=3, rated=150, open_tickets=4, account="acme")
    import_path(api.store, "jsonl", write_jsonl(tmp_path / "acme.jsonl", records), account="acme")
    train(api.store, "acme")
    score(api.store, account="acme", open_only=True)
    due = {"T150": "2026-01-05 12:00:00", "T151": None, "T152": "2026-01-02 08:00:00", "T153": None}
    with api.store.engine.begin() as conn:  # one score for all four, and their promises
        conn.execute(update(T.predictions).values(score=30))
        for tid, at in due.items():
            conn.execute(update(T.tickets).where(T.tickets.c.source_id == tid)
                         .values(due_at=None if at is None else datetime.fromisoformat(at)))
    whole = api.get("/api/v1/accounts/acme/at-risk").json()["data"]
    assert [t["ticket_id"] for t in whole] == ["T152", "T150", "T151", "T153"]
    assert [t["due_at"] for t in whole[:2]] == ["2026-01-02T08:00:00Z", "2026-01-05T12:00:00Z"]
    seen, cursor = [], None
    while True:
        page = api.get("/api/v1/accounts/acme/at-risk", params={"limit": 1, **({"cursor": cursor} if cursor else {})})
        body = page.json()
        seen += [t["ticket_id"] for t in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ["T152", "T150", "T151", "T153"]
    # a cursor of the older two-part shape is refused, not misread
    old = base64.urlsafe_b64encode(b'[30,"T150"]').decode().rstrip("=")
    assert_error(api.get(f"/api/v1/accounts/acme/at-risk?cursor={old}"), 400, "invalid_cursor")
    bad_time = base64.urlsafe_b64encode(b'[30,"yesterday","T150"]').decode().rstrip("=")
    assert_error(api.get(f"/api/v1/accounts/acme/at-risk?cursor={bad_time}"), 400, "invalid_cursor")
