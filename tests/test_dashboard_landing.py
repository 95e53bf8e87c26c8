"""Where an admin key lands after logging in: the account with the most going on lately,
not the first name in the alphabet (issue 18, item 9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape

from fastapi.testclient import TestClient

from cxpulse.domain import Account, Response, ResponseKind, Scale, Ticket
from cxpulse.readers.base import Record
from cxpulse.service.accounts import busiest_account
from cxpulse.service.derive import derive_touched
from cxpulse.service.keys import create_key
from cxpulse.service.load import load
from cxpulse.web import create_app
from tests.dashboard_helpers import csrf_of, login

LAST = datetime(2026, 5, 31, 12, 0, tzinfo=UTC)  # the newest data in the store


def _desk(store, account: str, tickets: int, *, days_before_last: int, rated: int = 0) -> None:
    """`tickets` solved tickets created from `days_before_last` days before LAST on, two a
    day, the first `rated` of them with a CSAT answer."""
    recs = [Record("account", Account(account))]
    for i in range(tickets):
        created = LAST - timedelta(days=days_before_last) + timedelta(hours=i * 12)
        tid = f"{account}-{i}"
        recs.append(Record("ticket", Ticket(tid, created, subject="Help", status="solved", channel="email",
                                            requester_id=f"c{i}", assignee_id="a1", updated_at=created,
                                            solved_at=created + timedelta(hours=2)), account=account))
        if i < rated:
            recs.append(Record("response", Response(f"{tid}-csat", created + timedelta(hours=3), ResponseKind.CSAT,
                                                    Scale.FIVE, 5, ticket_id=tid), account=account))
    result = load(store, recs, account=account)
    derive_touched(store, result.touched)


def _busy_world(store) -> None:
    _desk(store, "aaa-archive", 200, days_before_last=150, rated=150)  # most tickets, but months ago
    _desk(store, "bbb-quiet", 4, days_before_last=10)
    store.ensure_account(Account("abc-empty"))
    _desk(store, "zzz-busy", 30, days_before_last=20, rated=12)


def test_an_admin_lands_on_the_account_with_the_most_recent_activity(store):
    _busy_world(store)
    admin, _ = create_key(store, admin=True, name="admin")
    with TestClient(create_app(store, clock=lambda: LAST + timedelta(days=1))) as client:
        assert login(client, admin).status_code == 303
        html = unescape(client.get("/").text)
        assert "Overview — zzz-busy" in html
        # the switcher still offers every account, and a choice sticks
        for name in ("aaa-archive", "abc-empty", "bbb-quiet", "zzz-busy"):
            assert f'value="{name}"' in html
        r = client.post("/account", data={"csrf": csrf_of(html), "account": "bbb-quiet", "next": "/"},
                        follow_redirects=False)
        assert r.status_code == 303
        assert "Overview — bbb-quiet" in unescape(client.get("/").text)


def test_an_account_key_still_sees_only_its_own_account(store):
    _busy_world(store)
    key, _ = create_key(store, account="bbb-quiet", name="quiet")
    with TestClient(create_app(store, clock=lambda: LAST + timedelta(days=1))) as client:
        assert login(client, key).status_code == 303
        assert "Overview — bbb-quiet" in unescape(client.get("/").text)


def test_busiest_account_counts_tickets_and_answers_of_the_last_30_days_of_data(store):
    assert busiest_account(store) is None
    _desk(store, "beta", 10, days_before_last=5)
    _desk(store, "alpha", 10, days_before_last=5)
    assert busiest_account(store) == "alpha"  # a tie goes to the first name
    _desk(store, "gamma", 8, days_before_last=5, rated=8)  # 8 tickets + 8 answers beat 10 tickets
    assert busiest_account(store) == "gamma"
    assert busiest_account(store, ["alpha", "beta"]) == "alpha"
    assert busiest_account(store, ["nobody"]) is None
