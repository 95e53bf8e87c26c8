"""Hostile data through every door, then every page and every report (issue 13, "Also").

The strings an attacker or a clumsy export would send — markup for the terminal and the
browser, a template, SQL, control characters, a right-to-left override, a NUL, a lone
surrogate, a 500-character id, a 1,000-character group, a time in the year 9999 — go in
through each door a user has: a JSON Lines file, a CSV export with its mapping, a Zendesk
export folder, the API's ingest routes and the Zendesk webhook. Then every dashboard page,
every read route of the API and every report command runs on what was stored.

What must hold: the bad parts are rejected one by one (a row, an item or a field, named),
the good rows are all stored, nothing answers 5xx or exits with a traceback, the pages show
the hostile text escaped, and the terminal shows it literally.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cxpulse.cli import app as cli
from cxpulse.service.imports import import_path
from cxpulse.service.ingest import wait_for_refresh
from cxpulse.service.keys import create_key
from cxpulse.storage import tables as T
from cxpulse.web import create_app
from tests.dashboard_helpers import login

ROOT = Path(__file__).resolve().parents[1]
SHAPES = ROOT / "tests" / "fixtures" / "zendesk_shapes"
runner = CliRunner()

# shown as text everywhere: stored as written
HOSTILE = {
    "markup": "[/bold] closing",
    "link": "[link=https://evil.example]Open ticket[/link]",
    "close": "[/]",
    "script": "<script>alert(1)</script>",
    "attr": '"><img src=x onerror=alert(1)>',
    "template": "{{ 7*7 }} {% if 1 %}x{% endif %}",
    "sql": "'; DROP TABLE tickets; --",
    "rtl": "invoice \u202egnp.exe",
    "ansi": "\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "emoji": ":thumbs_up: 🙂",
}
# refused where they stand: no store can hold them, or no time is that late
BAD_ID = {"nul": "a\u0000b", "surrogate": "\ud800", "long": "x" * 500}
FAR = "9999-12-31T23:30:00Z"
LONG_GROUP = "g" * 1000
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
MARKUP_OUT = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")  # never raw in a page


def _jsonl(path: Path, records: list[dict]) -> Path:
    # ensure_ascii: a lone surrogate is written as JSON writes it, \ud800, as an export would
    path.write_text("\n".join(json.dumps(r, ensure_ascii=True) for r in records) + "\n", encoding="utf-8")
    return path


def _desk(account: str, prefix: str) -> list[dict]:
    """Six good tickets, every text field of them hostile, each rated; then the bad lines."""
    names = list(HOSTILE.values())
    records: list[dict] = [{"type": "account", "name": account}]
    records += [{"type": "user", "id": f"a{i}", "role": "agent", "name": names[i]} for i in range(4)]
    records += [{"type": "user", "id": "c1", "role": "customer", "name": HOSTILE["script"]}]
    for i in range(6):
        tid = f"{prefix}{i}"
        text = names[i % len(names)]
        created = f"2026-03-0{i + 2}T09:00:00Z"
        records.append({"type": "ticket", "id": tid, "created_at": created, "subject": text, "status": "solved",
                        "channel": names[(i + 1) % len(names)], "group": names[(i + 2) % len(names)],
                        "category": names[(i + 3) % len(names)], "priority": "high",
                        "requester_id": "c1", "assignee_id": f"a{i % 4}", "description": names[(i + 4) % len(names)]})
        records.append({"type": "event", "id": f"{tid}-c", "ticket_id": tid, "at": created, "kind": "comment",
                        "author_id": "c1", "author_role": "customer", "body": names[(i + 5) % len(names)]})
        records.append({"type": "event", "id": f"{tid}-r", "ticket_id": tid, "at": f"2026-03-0{i + 2}T10:00:00Z",
                        "kind": "comment", "author_id": f"a{i % 4}", "author_role": "agent", "public": True,
                        "body": names[(i + 6) % len(names)]})
        records.append({"type": "event", "id": f"{tid}-s", "ticket_id": tid, "at": f"2026-03-0{i + 2}T11:00:00Z",
                        "kind": "status", "from": "open", "to": "solved"})
        records.append({"type": "rating", "id": f"{tid}-rating", "ticket_id": tid, "score": 1 + i % 5,
                        "given_at": f"2026-03-0{i + 2}T12:00:00Z", "comment": names[(i + 7) % len(names)]})
    # the bad lines: a ticket each whose id no store holds, one created in 9999, one with a
    # 1,000-character group (left out, the ticket kept), a NUL subject (left out, kept)
    for name, bad in BAD_ID.items():
        records.append({"type": "ticket", "id": bad, "created_at": "2026-03-02T09:00:00Z", "subject": name})
    records.append({"type": "ticket", "id": f"{prefix}far", "created_at": FAR, "subject": "far"})
    records.append({"type": "ticket", "id": f"{prefix}group", "created_at": "2026-03-03T09:00:00Z",
                    "subject": "long group", "group": LONG_GROUP})
    records.append({"type": "ticket", "id": f"{prefix}nul", "created_at": "2026-03-03T09:00:00Z",
                    "subject": "a\u0000b"})
    records.append({"type": "rating", "id": f"{prefix}late", "ticket_id": f"{prefix}0", "score": 5, "given_at": FAR})
    return records


def _csv(tmp: Path) -> tuple[Path, Path]:
    rows = [["Id", "Created at", "Solved at", "Status", "Group", "Assignee", "Subject", "Channel", "Score"]]
    for i, text in enumerate(HOSTILE.values()):
        rows.append([f"C{i}", f"2026-03-0{2 + i % 7} 09:00:00 +0000", f"2026-03-0{2 + i % 7} 15:00:00 +0000",
                     "solved", text, text, text, "email", str(1 + i % 5)])
    rows.append(["C-far", "9999-12-31 23:30:00 +0000", "", "open", "g", "a", "far", "email", ""])
    rows.append(["x" * 500, "2026-03-02 09:00:00 +0000", "", "open", "g", "a", "long id", "email", ""])
    rows.append(["C-group", "2026-03-02 09:00:00 +0000", "", "open", LONG_GROUP, "a", "long group", "email", ""])
    import csv

    path = tmp / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    mapping = tmp / "export.toml"
    mapping.write_text(
        '[csv]\nrows = "tickets"\ndate_format = "%Y-%m-%d %H:%M:%S %z"\n[columns]\nticket_id = "Id"\n'
        'created_at = "Created at"\nsolved_at = "Solved at"\nstatus = "Status"\ngroup = "Group"\n'
        'agent = "Assignee"\nsubject = "Subject"\nchannel = "Channel"\nrating = "Score"\n'
        '[rating]\nkind = "csat"\nscale = "1-5"\n',
        encoding="utf-8",
    )
    return path, mapping


def _zendesk(tmp: Path) -> Path:
    """A real export shape (one ticket rated with a comment) with every text hostile, and a
    second ticket created in 9999."""
    folder = tmp / "zendesk"
    shutil.copytree(SHAPES / "rating_good_with_comment", folder)
    doc = json.loads((folder / "tickets.json").read_text(encoding="utf-8"))
    good = doc["tickets"][0]
    good.update(subject=HOSTILE["script"], raw_subject=HOSTILE["script"], description=HOSTILE["markup"],
                tags=[HOSTILE["link"]])
    good["satisfaction_rating"]["comment"] = HOSTILE["attr"]
    far = json.loads(json.dumps(good))
    far.update(id=good["id"] + 1, url=good["url"].replace(str(good["id"]), str(good["id"] + 1)), created_at=FAR)
    far["satisfaction_rating"]["id"] += 1
    doc["tickets"].append(far)
    (folder / "tickets.json").write_text(json.dumps(doc, ensure_ascii=True), encoding="utf-8")
    return folder


@pytest.fixture
def hostile(store, tmp_path):
    """Every door fed: three files imported (JSONL, CSV, Zendesk) and three API calls."""
    s = {}
    s["jsonl"] = import_path(store, "jsonl", _jsonl(tmp_path / "h.jsonl", _desk("acme", "J")), account="acme",
                             rejects_path=tmp_path / "j.rejects.jsonl")
    csv_path, mapping = _csv(tmp_path)
    s["csv"] = import_path(store, "csv", csv_path, account="acme", mapping=mapping,
                           rejects_path=tmp_path / "c.rejects.jsonl")
    s["zendesk"] = import_path(store, "zendesk", _zendesk(tmp_path), account="acme",
                               rejects_path=tmp_path / "z.rejects.jsonl")
    key, _ = create_key(store, account="acme")
    app = create_app(store, clock=lambda: NOW)  # the pages' default periods hold the data
    app.state.rate_limiter = None
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {key}"}
        good = [{"id": f"A{i}", "created_at": "2026-03-05T09:00:00Z", "subject": text, "group": text,
                 "channel": "web", "assignee_id": "a1", "requester_id": "c1"} for i, text in enumerate(HOSTILE.values())]
        bad = [{"id": v, "created_at": "2026-03-05T09:00:00Z"} for v in BAD_ID.values()]
        bad.append({"id": "A-far", "created_at": FAR})
        raw = json.dumps({"items": good + bad}, ensure_ascii=True)
        s["api"] = client.post("/api/v1/accounts/acme/tickets?wait=true", content=raw,
                               headers={**headers, "Content-Type": "application/json"})
        ratings = [{"id": f"AR{i}", "ticket_id": f"A{i}", "score": 1, "given_at": "2026-03-06T09:00:00Z",
                    "comment": text} for i, text in enumerate(HOSTILE.values())]
        s["api_ratings"] = client.post("/api/v1/accounts/acme/ratings?wait=true", json={"items": ratings},
                                       headers=headers)
        hook = {"ticket": {"id": "W1", "created_at": "2026-03-05T09:00:00Z", "subject": HOSTILE["template"],
                           "status": "open", "group": HOSTILE["link"]}}
        s["webhook"] = client.post("/api/v1/accounts/acme/zendesk", json=hook, headers=headers)
        s["webhook_far"] = client.post("/api/v1/accounts/acme/zendesk",
                                       json={"ticket": {"id": "W2", "created_at": FAR, "subject": "x"}},
                                       headers=headers)
        assert wait_for_refresh(store, timeout=60)
        yield store, client, key, s


def _n(store, table, **where) -> int:
    """Rows of acme (every door wrote to it) with these values."""
    from sqlalchemy import func, select

    q = select(func.count()).select_from(table).where(table.c.account_id == store.account("acme").id)
    for col, v in where.items():
        q = q.where(table.c[col] == v)
    with store.engine.connect() as conn:
        return conn.execute(q).scalar_one()


def test_each_door_rejects_the_bad_parts_and_keeps_every_good_row(hostile):
    store, _client, _key, s = hostile
    # JSONL: the three unstorable ids and the ticket of 9999 rejected, the rating of 9999 too;
    # the long group and the NUL subject left out of tickets that are kept
    j = s["jsonl"]
    assert j.rejected == 5, j.first_rejects
    assert j.fields_rejected >= 2
    for tid in [f"J{i}" for i in range(6)] + ["Jgroup", "Jnul"]:
        assert _n(store, T.tickets, source_id=tid) == 1, tid
    assert _n(store, T.tickets, source_id="Jfar") == 0
    # CSV: the 9999 row and the 500-character id rejected; the long group left out, the row kept
    c = s["csv"]
    assert c.rejected == 2, c.first_rejects
    assert all(_n(store, T.tickets, source_id=f"C{i}") == 1 for i in range(len(HOSTILE)))
    assert _n(store, T.tickets, source_id="C-group") == 1
    # Zendesk: the hostile ticket stored with its rating, the one of 9999 rejected
    z = s["zendesk"]
    assert z.rejected >= 1 and _n(store, T.tickets, source_id="1106") == 1
    # API: every good item stored, each bad one named by its index
    api = s["api"]
    assert api.status_code == 200, api.text
    body = api.json()
    errors = body.get("errors") or body.get("rejected_items") or []
    assert len(errors) == len(BAD_ID) + 1, body
    assert sorted(e["index"] for e in errors) == list(range(len(HOSTILE), len(HOSTILE) + len(BAD_ID) + 1))
    assert all(_n(store, T.tickets, source_id=f"A{i}") == 1 for i in range(len(HOSTILE)))
    assert s["api_ratings"].status_code == 200, s["api_ratings"].text
    assert s["webhook"].status_code == 200, s["webhook"].text
    assert s["webhook_far"].status_code == 422 or s["webhook_far"].json().get("rejected"), s["webhook_far"].text
    assert _n(store, T.tickets, source_id="W1") == 1 and _n(store, T.tickets, source_id="W2") == 0


PAGES = ("/", "/?days=365", "/agents", "/groups", "/drivers", "/sla", "/low-ratings", "/at-risk", "/model", "/alerts",
         "/webhooks", "/surveys")


def test_every_page_shows_the_hostile_text_escaped(hostile):
    store, client, key, _s = hostile
    assert login(client, key).status_code in (302, 303)
    seen_escaped = 0
    pages = list(PAGES) + [f"/comments?ticket=J{i}" for i in range(3)]
    for path in pages:
        page = client.get(path)
        assert page.status_code == 200, (path, page.status_code)
        for raw in MARKUP_OUT:
            assert raw not in page.text, (path, raw)
        assert "\x00" not in page.text, path  # (an ESC is inert in a page: only the terminal reads it)
        seen_escaped += "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert seen_escaped >= 2  # the names and comments are there, as text


def test_every_read_route_answers_without_a_server_error(hostile):
    _store, client, key, _s = hostile
    headers = {"Authorization": f"Bearer {key}"}
    routes = ["/api/v1/accounts", "/api/v1/accounts/acme", "/api/v1/accounts/acme/tickets",
              "/api/v1/accounts/acme/tickets/J0", "/api/v1/accounts/acme/at-risk", "/api/v1/accounts/acme/alerts",
              "/api/v1/accounts/acme/models", "/api/v1/accounts/acme/surveys", "/api/v1/accounts/acme/webhooks"]
    routes += [f"/api/v1/metrics?metric={m}&by={by}" for m in ("csat", "kpi", "nps,ces", "csat-by-kpi")
               for by in ("agent", "group", "channel", "category", "agent,month")]
    for url in routes:
        r = client.get(url, headers=headers)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
    agents = client.get("/api/v1/metrics?metric=csat&by=agent", headers=headers).json()
    assert HOSTILE["markup"] in json.dumps(agents, ensure_ascii=False)  # stored and served as written


@pytest.mark.parametrize("args", [
    ["report"], ["report", "--by", "agent"], ["report", "--by", "group"], ["report", "--by", "channel,category"],
    ["report", "--metric", "kpi", "--by", "agent"], ["report", "--metric", "csat-by-kpi", "--by", "group"],
    ["report", "--by", "agent", "--format", "csv"], ["report", "--by", "group", "--format", "json"],
    ["drilldown"], ["drilldown", "--format", "json"], ["accounts"], ["rebuild"],
])
def test_every_report_command_prints_it_literally(hostile, args):
    store, _client, _key, _s = hostile
    db = store.engine.url.render_as_string(hide_password=False)
    result = runner.invoke(cli, [*args, "--db", db])
    assert result.exit_code == 0, f"{args}: exit {result.exit_code}\n{result.output}\n{result.exception!r}"
    assert "Traceback" not in result.output
    if "--format" not in args:  # a table for a terminal; CSV and JSON carry the data as stored
        assert "\x1b" not in result.output
    if args[:3] == ["report", "--by", "agent"] and "--format" not in args:
        flat = "".join(result.output.split())
        assert "".join(HOSTILE["markup"].split()) in flat and "".join(HOSTILE["link"].split()) in flat
