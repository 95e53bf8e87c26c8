"""The review queue and the review form in a real browser (Playwright driving Debian's
chromium) against a live server: a reviewer logs in, opens the queue, opens a ticket's
review form beside its conversation, scores it, sends it, and finds the review on the
Quality page — at desktop width and on a 390 px phone, where nothing may spill sideways.

Set CXPULSE_KEEP_SCREENSHOTS=DIR to keep the screenshots. Skipped only when
/usr/bin/chromium is missing outside CI; under CI it fails instead.
"""

from __future__ import annotations

import os
import shutil

import pytest

from cxpulse.service.keys import create_key
from cxpulse.service.qa import list_reviews
from cxpulse.storage import Store
from cxpulse.web import create_app
from tests.dashboard_helpers import NOW, OWN, seed_desk
from tests.live import CHROMIUM, CHROMIUM_ARGS, CONTRAST_JS, browser_or_skip, serving

REVIEWER = "Rūta"  # one of the demo's two reviewers: the queue holds tickets assigned to her
# In the page: what does not fit the screen — the page scrolling sideways, or an element of
# the review form or the conversation past the screen's edge or wider than its box.
FIT_JS = """
() => {
  const vw = document.documentElement.clientWidth, bad = [];
  const what = el => el.tagName + ' "' + (el.textContent || el.value || '').trim().slice(0, 30) + '"';
  if (document.documentElement.scrollWidth > vw) bad.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + vw);
  for (const el of document.querySelectorAll('.review-form *, .conversation *')) {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    if (!r.width || s.visibility === 'hidden') continue;
    if (r.right > vw + 0.5 || r.left < -0.5) bad.push('wider than the screen: ' + what(el) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
    if (s.display !== 'inline' && el.tagName !== 'TEXTAREA' && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) bad.push('text cut: ' + what(el));
  }
  return bad;
}
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    store = Store.open(tmp_path_factory.mktemp("quality-live") / "live.db")
    desk = seed_desk(store)
    key, _ = create_key(store, account=OWN, role="reviewer", name=REVIEWER)
    with serving(create_app(store, clock=lambda: NOW)) as base:
        yield desk, base, key
    store.engine.dispose()


def _score_every_criterion(page, value: str) -> int:
    """Click `value` (or N/A where only that is left) in each criterion's fieldset, by its label."""
    sets = page.locator("fieldset.criterion")
    for i in range(sets.count()):
        sets.nth(i).get_by_label(value, exact=True).check()
    return sets.count()


def test_a_reviewer_reviews_a_queued_ticket_in_a_real_browser(live, tmp_path):
    """One browser: at desktop width, then on a 390 px phone, a queued ticket of hers each time."""
    sync_playwright = browser_or_skip()
    desk, base, key = live
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            for width in (1280, 390):
                _review_one(browser, base, key, desk, width, problems, tmp_path)
        finally:
            browser.close()
    assert problems == []
    keep = os.environ.get("CXPULSE_KEEP_SCREENSHOTS")
    if keep:
        os.makedirs(keep, exist_ok=True)
        for shot in tmp_path.glob("*.png"):
            shutil.copy(shot, keep)


def _review_one(browser, base, key, desk, width, problems, tmp_path) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.set_default_timeout(5000)
    page.goto(f"{base}/login")
    page.get_by_label("API key").fill(key)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/quality")
    assert page.locator("nav.pages [aria-current=page]").inner_text() == "Quality"

    # the queue: her first pending ticket, opened by its link
    row = page.locator("table.qa-queue tbody tr.pending", has_text=REVIEWER).first
    ticket = row.locator("th a").inner_text()
    row.locator("th a").click()
    page.wait_for_url(f"{base}/quality/review/{ticket}")
    assert page.locator(".conversation .message").count() >= 2
    assert page.evaluate(FIT_JS) == [], width
    assert page.evaluate(CONTRAST_JS) == []
    page.screenshot(path=str(tmp_path / f"review-form-{width}.png"), full_page=True)

    # every criterion scored by its label, N/A on one, a comment on another
    assert _score_every_criterion(page, "3") == 8
    page.locator("fieldset#score-empathy").get_by_label("N/A", exact=True).check()
    page.locator("fieldset#score-speed").get_by_label("2", exact=True).check()
    page.get_by_label("Comment on Speed").fill("First reply took a day")
    page.get_by_label("Root cause").fill("workload")
    page.get_by_label("Overall comment").fill(f"Checked at {width} px")
    page.get_by_role("button", name="Save the review").click()
    page.wait_for_url(f"{base}/quality?saved=*")
    assert page.get_by_role("status").inner_text() == "Review saved."
    (saved,), _ = list_reviews(desk.store, OWN, ticket=ticket, reviewer=REVIEWER)
    assert saved["comment"] == f"Checked at {width} px" and saved["root_cause"] == "workload"
    scores = {s["criterion"]: s for s in saved["scores"]}
    assert scores["speed"]["score"] == 2 and scores["speed"]["comment"] == "First reply took a day"
    assert scores["empathy"]["score"] is None and scores["integrity"]["score"] == 3
    shown = page.locator(f'table.qa-reviews tr[data-review="{saved["review_id"]}"]')
    assert shown.count() == 1 and REVIEWER in shown.inner_text()
    assert page.locator("table.qa-queue tbody tr", has_text=ticket).first.locator(".status").inner_text() == "done"
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.screenshot(path=str(tmp_path / f"quality-{width}.png"), full_page=True)
    page.close()
