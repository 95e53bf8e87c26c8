"""The dashboard in a real browser (Playwright driving Debian's chromium) against a live
server (uvicorn on loopback): log in with an account key, open every page from the
navigation, check the overview's CSAT, NPS and CES equal what `GET /api/v1/metrics`
answers for the same key and period, check contrast and focus, and save a screenshot
of each page under the test's temporary directory.

Skipped only when /usr/bin/chromium is missing outside CI; under CI it fails instead.
Set CXPULSE_KEEP_SCREENSHOTS=DIR to keep the screenshots.
"""

from __future__ import annotations

import os
import shutil
from datetime import timedelta

import httpx2 as httpx
import pytest

from cxpulse.storage import Store
from cxpulse.web import create_app
from cxpulse.web.dashboard import format as F
from cxpulse.web.dashboard.common import NAV
from tests.dashboard_helpers import NOW, OTHER, OWN, OWN_SURVEY, seed_desk
from tests.live import CHROMIUM, CHROMIUM_ARGS, CONTRAST_JS, browser_or_skip, serving


@pytest.fixture
def live_desk(tmp_path):
    """(desk, base url): uvicorn serving the small demo desk in a thread on a free loopback port."""
    store = Store.open(tmp_path / "live.db")
    desk = seed_desk(store)
    with serving(create_app(store, clock=lambda: NOW)) as base:
        yield desk, base
    store.engine.dispose()


def _api_figures(base: str, key: str, days: int) -> dict[str, str]:
    """CSAT, NPS and CES for the dashboard's period, from the API, written as the overview writes them."""
    since, until = NOW.date() - timedelta(days=days - 1), NOW.date()
    r = httpx.get(f"{base}/api/v1/metrics", headers={"Authorization": f"Bearer {key}"},
                  params={"since": since.isoformat(), "until": until.isoformat(), "compare_previous": "true"})
    assert r.status_code == 200, r.text
    rows = r.json()
    assert {row["group"].get("account", OWN) for row in rows} == {OWN}
    ces = max((row for row in rows if row["metric"] == "ces"), key=lambda row: row["n"])
    return {
        "csat": F.percent(next(row["value"] for row in rows if row["metric"] == "csat")),
        "nps": F.nps(next(row["value"] for row in rows if row["metric"] == "nps")),
        "ces": F.mean(ces["value"]),
    }


def test_a_support_lead_reads_every_dashboard_page_in_a_real_browser(live_desk, tmp_path):
    sync_playwright = browser_or_skip()
    desk, base = live_desk
    problems: list[str] = []
    shots: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.set_default_timeout(5000)

            def shoot(name: str) -> None:
                assert page.evaluate(CONTRAST_JS) == [], name
                path = tmp_path / f"dashboard-{name}.png"
                page.screenshot(path=str(path), full_page=True)
                shots.append(str(path))

            # not logged in: the login form, then the key, by its label
            page.goto(f"{base}/agents")
            page.wait_for_url(f"{base}/login?next=/agents")
            shoot("login")
            page.get_by_label("API key").fill(desk.own_key)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base}/agents")

            # every page from the navigation, by its link's name
            for href, label in NAV:
                page.locator("nav.pages").get_by_role("link", name=label, exact=True).click()
                page.wait_for_url(f"{base}{href}")
                assert page.locator("nav.pages [aria-current=page]").inner_text() == label
                assert OTHER not in page.content()
                shoot(href.strip("/") or "overview")

            # the survey form, and the keyboard's focus ring on it
            page.locator("nav.pages").get_by_role("link", name="Surveys", exact=True).click()
            page.get_by_role("link", name=f"Edit {OWN_SURVEY}").click()
            page.get_by_label("Delay after solving (minutes)").focus()
            ring = page.evaluate("(() => { const s = getComputedStyle(document.activeElement);"
                                 " return [s.outlineStyle, s.outlineWidth]; })()")
            assert ring == ["solid", "3px"]
            shoot("survey-edit")

            # the overview's figures equal the API's, for two periods picked from the period links
            page.goto(f"{base}/")
            for days in (90, 30):
                page.get_by_role("link", name=f"Last {days} days").click()
                page.wait_for_url(f"{base}/?days={days}")
                shown = {m: page.locator(f'.big[data-metric="{m}"]').inner_text() for m in ("csat", "nps", "ces")}
                assert shown == _api_figures(base, desk.own_key, days), days
                chart = page.get_by_role("img", name="CSAT by week with 95% interval")  # its <title>, via aria
                assert chart.count() == 1 and "CSAT by week" in chart.locator("desc").text_content()
            shoot("overview-30")

            # the first Tab reaches the skip link, drawn with the focus ring
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        finally:
            browser.close()
    assert problems == []  # nothing blocked by the Content-Security-Policy, no script errors, no 4xx/5xx
    assert len(shots) == len(NAV) + 3 and all(os.path.getsize(s) > 0 for s in shots)
    keep = os.environ.get("CXPULSE_KEEP_SCREENSHOTS")
    if keep:
        os.makedirs(keep, exist_ok=True)
        for s in shots:
            shutil.copy(s, keep)
