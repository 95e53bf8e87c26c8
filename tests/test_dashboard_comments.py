"""A long comment is shortened on the Low ratings page, with a link to the whole of it on
a page only the ticket's account sees (issue 13 §17: a 1 MB comment made a 2.1 MB page)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from cxpulse.service.imports import import_path
from cxpulse.service.keys import create_key
from cxpulse.storage import Store
from cxpulse.web import create_app
from tests.dashboard_helpers import login
from tests.factories import make_ticket, write_jsonl

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
LONG = "Слишком долго ждали <b>ответа</b>. " * 30_000  # ~1 MB, escaped on the page
SHORT = "Too slow."


@pytest.fixture
def desk(tmp_path):
    store = Store.open(tmp_path / "d.db")
    for account, prefix in (("acme", "A"), ("globex", "G")):
        records = []
        for i, comment in enumerate([LONG, SHORT, "fine"]):
            tid = f"{prefix}-{i}"
            records += [make_ticket(id=tid, subject=f"subject {tid}", created_at="2026-03-10T09:00:00Z"),
                        {"type": "rating", "id": f"r{tid}", "ticket_id": tid, "score": 1 if i < 2 else 5,
                         "comment": comment, "given_at": "2026-03-10T12:00:00Z"}]
        import_path(store, "jsonl", write_jsonl(tmp_path / f"{account}.jsonl", records), account=account)
    keys = {a: create_key(store, account=a)[0] for a in ("acme", "globex")}
    yield store, keys
    store.engine.dispose()


def _client(store, key) -> TestClient:
    client = TestClient(create_app(store, clock=lambda: NOW))
    assert login(client, key).status_code == 303
    return client


def test_the_low_ratings_page_shortens_a_long_comment_and_links_to_it(desk):
    store, keys = desk
    with _client(store, keys["acme"]) as client:
        page = client.get("/low-ratings")
        assert page.status_code == 200
        assert len(page.content) < 100_000, f"{len(page.content):,} bytes"
        assert SHORT in page.text  # a short comment is shown whole, with no link
        assert page.text.count('href="/comments?ticket=') == 1
        assert 'href="/comments?ticket=A-0"' in page.text and f"({len(LONG):,} characters)" in page.text
        whole = client.get("/comments", params={"ticket": "A-0"})
        assert whole.status_code == 200
        assert "Слишком долго ждали &lt;b&gt;ответа&lt;/b&gt;." in whole.text and "<b>ответа" not in whole.text
        assert whole.text.count("Слишком долго ждали") == LONG.count("Слишком долго ждали")  # all of it


def test_the_whole_comment_is_shown_only_to_its_own_account(desk):
    store, keys = desk
    with _client(store, keys["globex"]) as client:
        other = client.get("/comments", params={"ticket": "A-0"})
        assert other.status_code == 404 and "Слишком" not in other.text
        assert client.get("/comments", params={"ticket": "G-0"}).status_code == 200
        assert client.get("/comments", params={"ticket": "nope"}).status_code == 404
    with TestClient(create_app(store, clock=lambda: NOW)) as anonymous:
        r = anonymous.get("/comments", params={"ticket": "A-0"}, follow_redirects=False)
        assert r.status_code in (302, 303) and "Слишком" not in r.text
