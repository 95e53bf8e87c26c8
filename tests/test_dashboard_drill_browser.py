"""Issue 18's walk, in a real browser at desktop width and at 390 px: from the overview's
CSAT, to one agent's low ratings of last month, to one ticket in the help desk, and the
export of that list, by clicking and picking only (no typed URL)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from cxpulse.service.accounts import update_settings
from cxpulse.service.report import ReportQuery, report
from cxpulse.storage import Store
from cxpulse.web import create_app
from datetime import date
from tests.dashboard_helpers import NOW, OWN, seed_desk
from tests.live import CHROMIUM, CHROMIUM_ARGS, browser_or_skip, serving

HELP_DESK = "https://nordlicht.zendesk.com/agent/tickets/"


@pytest.fixture(scope="module")
def live_desk(tmp_path_factory):
    store = Store.open(tmp_path_factory.mktemp("drill") / "live.db")
    desk = seed_desk(store)
    update_settings(store, OWN, ticket_url=HELP_DESK + "{id}")
    with serving(create_app(store, clock=lambda: NOW)) as base:
        yield desk, base
    store.engine.dispose()


def _busiest_agent(store) -> tuple[str, int]:
    """The agent with most low CSAT answers in June 2026, and how many."""
    rows = report(store, ReportQuery(metrics=("csat",), by=("agent",), account=OWN, since=date(2026, 6, 1),
                                     until=date(2026, 6, 30)))
    best = max(rows, key=lambda r: r["n"] - r["satisfied"])
    return best["group"]["agent"], best["n"] - best["satisfied"]


@pytest.mark.parametrize("width", [1280, 390])
def test_from_the_overview_csat_to_one_agents_low_ratings_to_the_help_desk_and_an_export(live_desk, width, tmp_path):
    sync_playwright = browser_or_skip()
    desk, base = live_desk
    agent, low = _busiest_agent(desk.store)
    assert low > 0
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
            # the help desk is outside this sandbox: the browser gets a stand-in page for its address
            context.route(HELP_DESK + "**", lambda route: route.fulfill(
                status=200, content_type="text/html", body="<title>Zendesk ticket</title><h1>ticket</h1>"))
            page = context.new_page()
            page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.set_default_timeout(8000)
            page.goto(f"{base}/login")
            page.get_by_label("API key").fill(desk.own_key)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base}/")

            # last month, picked in the period form
            form = page.get_by_role("form", name="Period and filters")
            form.get_by_label("From", exact=True).fill("2026-06-01")
            form.get_by_label("To", exact=True).fill("2026-06-30")
            form.get_by_role("button", name="Show").click()
            page.wait_for_url(re.compile(r".*from=2026-06-01&to=2026-06-30.*"))
            assert "1 Jun 2026 to 30 Jun 2026" in page.locator("p.lede").first.inner_text()

            # the CSAT figure opens the answers behind it, the period kept
            page.locator('.big[data-metric="csat"] a').click()
            page.wait_for_url(re.compile(r".*/responses\?.*kind=csat.*"))
            assert "from=2026-06-01" in page.url

            # one agent, picked by name; then only the low ones
            name = page.locator(f'select[name="agent"] option[value="{agent}"]').inner_text()
            form = page.get_by_role("form", name="Period and filters")
            form.get_by_label("Agent", exact=True).select_option(agent)
            form.get_by_role("button", name="Show").click()
            page.wait_for_url(re.compile(rf".*agent={re.escape(agent)}.*"))
            page.get_by_role("link", name="Low CSAT", exact=True).click()
            page.wait_for_url(re.compile(r".*low=1.*"))
            assert f"only agent {name}" in page.locator("p.lede").first.inner_text()
            assert re.search(rf"1–{min(low, 50)} of {low}\b", page.locator("nav.pager").inner_text())
            assert "kind=csat" in page.url and "from=2026-06-01" in page.url and "to=2026-06-30" in page.url

            # one ticket, in the help desk
            link = page.locator("table.list .ticket-id a").first
            ticket = link.inner_text()
            with context.expect_page() as opened:
                link.click()
            desk_page = opened.value
            desk_page.wait_for_load_state()
            assert desk_page.url == HELP_DESK + ticket
            desk_page.close()

            # the list, exported with the same filters
            with page.expect_download() as dl:
                page.get_by_role("link", name="Export CSV").click()
            rows = list(csv.DictReader(io.StringIO(open(dl.value.path(), encoding="utf-8").read())))
            assert len(rows) == low
            assert {r["agent_id"] for r in rows} == {agent} and all(int(r["score"]) <= 3 for r in rows)
            assert ticket in {r["ticket_id"] for r in rows}

            # nothing wider than the screen at 390 px but the table, which scrolls in its own box
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"the page is {overflow}px wider than the {width}px screen"
            page.screenshot(path=str(tmp_path / f"drill-{width}.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []
