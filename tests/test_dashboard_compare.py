"""Honest comparisons on the dashboard (issue 18 §4–§5): no better/worse claim when either
period is below the minimum n, the previous n always shown, better and worse in words and
colour per metric direction, and a resolution rate over 100% with its definition and interval."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

from cxpulse.metrics.direction import MIN_COMPARE_N
from cxpulse.service.imports import import_path
from cxpulse.service.keys import create_key
from cxpulse.storage import Store
from cxpulse.web import create_app
from fastapi.testclient import TestClient
from tests.dashboard_helpers import login
from tests.factories import make_ticket, write_jsonl

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # the app's clock: the last 30 days are 3–1 June... up to 1 June


def _desk(tmp_path, previous: list[int], current: list[int], reply_minutes=(60, 60), solved_backlog: int = 0):
    """CSAT answers on tickets created in the previous 30 days and in the current 30 days;
    `solved_backlog` more tickets created before both and solved in the current period."""
    records = []
    start_prev, start_cur = NOW - timedelta(days=59, hours=9), NOW - timedelta(days=29, hours=9)
    for period, (start, scores, reply) in enumerate(((start_prev, previous, reply_minutes[0]),
                                                     (start_cur, current, reply_minutes[1]))):
        for i, score in enumerate(scores):
            tid = f"P{period}-{i}"
            created = start + timedelta(hours=i % 600)
            records.append(make_ticket(id=tid, created_at=created.isoformat(), assignee_id="a1"))
            records.append({"type": "event", "id": f"{tid}-r", "ticket_id": tid, "kind": "comment",
                            "at": (created + timedelta(minutes=reply)).isoformat(), "author_id": "a1",
                            "author_role": "agent", "body": "ok"})
            records.append({"type": "event", "id": f"{tid}-s", "ticket_id": tid, "kind": "status", "from": "open",
                            "to": "solved", "at": (created + timedelta(minutes=reply + 30)).isoformat()})
            records.append({"type": "rating", "id": f"{tid}-c", "ticket_id": tid, "score": score,
                            "given_at": (created + timedelta(minutes=reply + 60)).isoformat()})
    for i in range(solved_backlog):
        tid = f"B{i}"
        created = NOW - timedelta(days=200)
        records.append(make_ticket(id=tid, created_at=created.isoformat(), assignee_id="a1"))
        records.append({"type": "event", "id": f"{tid}-s", "ticket_id": tid, "kind": "status", "from": "open",
                        "to": "solved", "at": (NOW - timedelta(days=3)).isoformat()})
    store = Store.open(tmp_path / "compare.db")
    import_path(store, "jsonl", write_jsonl(tmp_path / "desk.jsonl", records), account="acme")
    client = TestClient(create_app(store, clock=lambda: NOW))
    login(client, create_key(store, account="acme", name="t")[0])
    return client


def _card(html: str, key: str) -> str:
    m = re.search(rf'<article class="card[^"]*" aria-labelledby="{key}">(.*?)</article>', html, re.S)
    assert m, key
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", m.group(1)))).strip()


def test_a_drop_against_a_handful_of_answers_claims_nothing_and_shows_their_n(tmp_path):
    client = _desk(tmp_path, previous=[5, 5, 5, 5], current=[1, 2, 4, 5] * 20)
    html = client.get("/").text
    card = _card(html, "card-csat")
    assert "(n = 4)" in card
    assert "too few to tell" in card
    assert "worse" not in card and "significant" not in card.replace("no significant change", "")
    assert "tone-neutral" in html and "tone-worse" not in html


def test_a_real_drop_is_called_worse_in_red_and_a_faster_reply_better(tmp_path):
    n = MIN_COMPARE_N + 20
    client = _desk(tmp_path, previous=[5] * n, current=[1, 2, 5] * (n // 3 + 1), reply_minutes=(600, 30))
    html = client.get("/").text
    card = _card(html, "card-csat")
    assert "worse" in card and f"(n = {n})" in card
    assert re.search(r'<span class="badge verdict tone-worse">worse</span>', html)
    reply = _card(html, "kpi-first_reply_minutes")
    assert "▼" in reply  # shorter
    assert "not tested" in reply  # a median's change is shown, not judged — never "better" without a test


def test_a_resolution_rate_over_100_percent_says_what_it_is_and_has_an_interval(tmp_path):
    client = _desk(tmp_path, previous=[4] * 10, current=[4] * 10, solved_backlog=15)
    card = _card(client.get("/").text, "kpi-resolution_rate")
    assert "250.0%" in card  # 25 solved in the period against 10 created
    assert "95% interval" in card and "too few answers for an interval" not in card
    assert "over 100% when more were solved than came in" in card
