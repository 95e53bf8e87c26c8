"""An agent answers the emailed employee survey in a real browser (Playwright driving Debian's
chromium against the live server); the database then holds one anonymous answer.

Skipped only when /usr/bin/chromium is missing outside CI; under CI it fails instead."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cxpulse.storage import Store
from cxpulse.storage import tables as T
from cxpulse.surveys import i18n
from cxpulse.web import create_app
from tests.employee_helpers import send, survey, team
from tests.live import CHROMIUM, CHROMIUM_ARGS, CONTRAST_JS, browser_or_skip, free_port, serving

COMMENT = "Один список быстрых ответов для всех групп"


@pytest.fixture
def live(tmp_path, monkeypatch):
    store = Store.open(tmp_path / "live.db")
    port = free_port()
    monkeypatch.setenv("CXPULSE_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("CXPULSE_SECRET", raising=False)
    with serving(create_app(store), port) as base:
        yield store, base
    store.engine.dispose()


def test_an_agent_answers_the_employee_survey_in_a_real_browser(live, tmp_path):
    sync_playwright = browser_or_skip()
    store, base = live
    team(store)
    survey(store)
    now = datetime.now(UTC)
    _, links = send(store, now)
    url = f"{base}/e/{links['b1@acme.example']}"  # b1 reads Russian
    m = i18n.texts("ru")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.set_default_timeout(5000)
            page.goto(url)
            assert page.locator("html").get_attribute("lang") == "ru"
            assert page.locator("h1").inner_text() == m["employee.title"]
            page.locator('label[for="enps-9"]').click()
            for key, rating in (("tools", 2), ("knowledge_base", 4), ("workload", 3), ("training", 5)):
                page.locator(f'label[for="q_{key}-{rating}"]').click()
            page.get_by_role("button", name=m["employee.send"]).click()  # handoffs left out: shown again
            page.wait_for_load_state()
            assert m["employee.question.handoffs"] in page.locator("[role=alert]").inner_text()
            assert page.locator("#enps-9").is_checked()  # what was chosen is kept
            page.locator('label[for="q_handoffs-1"]').click()
            page.locator("#comment").fill(COMMENT)
            assert page.evaluate(CONTRAST_JS) == []
            page.screenshot(path=str(tmp_path / "employee-form.png"), full_page=True)
            page.get_by_role("button", name=m["employee.send"]).click()
            page.get_by_text(m["employee.thanks"]).wait_for()
            page.goto(url)
            page.get_by_text(m["employee.used"]).wait_for()
        finally:
            browser.close()
    with store.engine.connect() as conn:
        rows = [r._asdict() for r in conn.execute(select(T.employee_answers))]
    assert len(rows) == 1
    (row,) = rows
    assert (row["enps"], json.loads(row["ratings"]), row["comment"]) == (
        9, {"tools": 2, "knowledge_base": 4, "workload": 3, "training": 5, "handoffs": 1}, COMMENT)
    assert row["day"] == now.date().replace(month=(now.month - 1) // 3 * 3 + 1, day=1)  # the round's first day
    assert row["group_name"] == "Billing"
