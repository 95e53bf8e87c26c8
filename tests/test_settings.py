"""Account settings: shown, changed, validated; new business hours recompute the KPIs."""

from __future__ import annotations

import json
from datetime import time

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cxpulse.cli import app
from cxpulse.domain import BusinessHours, InvalidQuery
from cxpulse.service.accounts import format_business_hours, parse_business_hours, update_settings
from cxpulse.service.imports import import_path
from cxpulse.storage import Store
from cxpulse.storage import tables as T
from tests.factories import make_ticket, write_jsonl


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("mon-fri 09:00-17:00", BusinessHours(time(9), time(17), (0, 1, 2, 3, 4))),
        ("Mon,Wed,Fri 08:30-16:00", BusinessHours(time(8, 30), time(16), (0, 2, 4))),
        ("sat-mon 22:00-06:00", BusinessHours(time(22), time(6), (0, 5, 6))),  # a night shift over the weekend
        ("none", None),
    ],
)
def test_business_hours_are_read_and_written_back_alike(text, hours):
    assert parse_business_hours(text) == hours
    assert parse_business_hours(format_business_hours(hours)) == hours


@pytest.mark.parametrize("bad", ["9-5", "mon-fri", "mon-fri 09:00", "someday 09:00-17:00", "mon-fri 09:00-09:00"])
def test_unreadable_business_hours_say_what_they_should_look_like(bad):
    with pytest.raises(InvalidQuery, match="mon-fri 09:00-17:00"):
        parse_business_hours(bad)


def _first_reply_bh(store: Store) -> float | None:
    with store.engine.connect() as c:
        return c.execute(select(T.ticket_kpis.c.first_reply_bh_minutes)).scalar_one()


def test_new_business_hours_recompute_the_kpis_and_bad_values_change_nothing(store, tmp_path):
    # created Friday 16:00 UTC, answered Monday 10:00 UTC: 66 h on the clock
    records = [
        make_ticket(id="T1", created_at="2026-03-06T16:00:00Z"),
        {"type": "event", "id": "e1", "ticket_id": "T1", "at": "2026-03-06T16:00:00Z", "kind": "comment",
         "author_id": "c1", "author_role": "customer", "body": "Σας παρακαλώ"},
        {"type": "event", "id": "e2", "ticket_id": "T1", "at": "2026-03-09T10:00:00Z", "kind": "comment",
         "author_id": "a1", "author_role": "agent", "body": "Labas"},
    ]
    import_path(store, "jsonl", write_jsonl(tmp_path / "t.jsonl", records), account="acme")
    assert _first_reply_bh(store) is None  # no business hours yet

    change = update_settings(store, "acme", timezone="Europe/Athens", business_hours="mon-fri 09:00-17:00")
    assert change.changed == ["timezone", "business_hours"] and change.rebuilt_tickets == 1
    # Athens is UTC+2: Friday 18:00-… is after hours, Monday 09:00-12:00 local counts: 3 h
    assert _first_reply_bh(store) == pytest.approx(180)

    assert update_settings(store, "acme", alert_below=30).rebuilt_tickets == 0  # no KPI depends on it
    assert store.account("acme").account.alert_below == 30
    for bad in ({"timezone": "Mars/Base"}, {"alert_below": 101}, {"csat_scale": "0-10"}, {"min_rated_for_model": 0}):
        with pytest.raises(InvalidQuery):
            update_settings(store, "acme", **bad)
    a = store.account("acme").account
    assert (a.timezone, a.alert_below, str(a.csat_scale), a.min_rated_for_model) == ("Europe/Athens", 30, "1-5", 300)
    assert update_settings(store, "acme", alert_below=30).changed == []


def test_cli_shows_and_changes_settings(tmp_path):
    db = str(tmp_path / "s.db")
    Store.open(db).ensure_account("acme")
    runner = CliRunner()
    res = runner.invoke(app, ["settings", "acme", "--db", db, "--business-hours", "mon-fri 08:00-16:00",
                              "--alert-below", "35", "-f", "json"])
    assert res.exit_code == 0, res.output
    shown = json.loads(res.stdout)
    assert shown["business_hours"] == "mon-fri 08:00-16:00" and shown["alert_below"] == 35
    res = runner.invoke(app, ["settings", "acme", "--db", db, "--timezone", "Nowhere/City"])
    assert res.exit_code != 0 and "IANA timezone" in res.output
    res = runner.invoke(app, ["settings", "nobody", "--db", db])
    assert res.exit_code != 0 and "nobody" in res.output
