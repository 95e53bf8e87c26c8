"""The view bar, the lists and the exports in a real browser (Playwright driving Debian's
chromium against a live server), at desktop width and at 390 px — by clicking, picking
and typing into the page's own fields, never a typed URL:

- the period form (From/To) and each filter select narrow the overview's figure, and
  the lede says what the view is;
- the view travels along the navigation links;
- /responses and /tickets page and sort by a click on their headings;
- the agents table's Export CSV downloads the rows the table shows;
- at 390 px no page of the navigation (nor the two lists) is wider than the screen:
  a wide table scrolls inside its own box.

tests/test_dashboard_drill_browser.py walks from a figure to the help desk; this module
does not repeat it. One live server (over the session's read-only demo desk, `read_desk`)
and one browser for the module.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from cxpulse.service.report import ReportQuery, report
from cxpulse.web import create_app
from cxpulse.web.dashboard import format as F
from cxpulse.web.dashboard.common import NAV
from tests.dashboard_helpers import NOW, OWN, OWN_SURVEY
from tests.live import CHROMIUM, CHROMIUM_ARGS, browser_or_skip, serving

SINCE, UNTIL = date(2026, 1, 1), date(2026, 6, 30)  # half a year: enough answers for each filter to matter
WIDTHS = [1280, 390]
FILTERS = ("agent", "group", "channel", "category")
# the pages whose navigation link keeps the view (period and filters); the others have no view bar
VIEW_PAGES = ("/", "/agents", "/groups", "/drivers", "/sla", "/low-ratings")


@pytest.fixture(scope="module")
def live_desk(read_desk):
    """(desk, base url): the session's read-only demo desk served by uvicorn on a free loopback port."""
    with serving(create_app(read_desk.store, clock=lambda: NOW)) as base:
        yield read_desk, base


@pytest.fixture(scope="module")
def browser():
    sync_playwright = browser_or_skip()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(live_desk, browser):
    """page(width): a new browser window of that width, logged in with nordlicht's key, on the
    overview. Any answer of 400 or more fails the test."""
    desk, base = live_desk
    contexts, problems = [], []

    def opened(width: int):
        context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.set_default_timeout(10_000)
        page.goto(f"{base}/login")
        page.get_by_label("API key").fill(desk.own_key)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/")
        return page

    yield opened
    for c in contexts:
        c.close()
    assert problems == []


def _view_form(page):
    return page.get_by_role("form", name="Period and filters")


def _pick_period(page, since: date, until: date) -> None:
    """Type the range into From and To and press Show."""
    form = _view_form(page)
    form.get_by_label("From", exact=True).fill(since.isoformat())
    form.get_by_label("To", exact=True).fill(until.isoformat())
    form.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(rf".*from={since}&to={until}.*"))


def _query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def _csat(store, where: tuple[tuple[str, str], ...] = ()) -> dict:
    """The report's CSAT row for the test's half year, narrowed by `where`."""
    (row,) = report(store, ReportQuery(metrics=("csat",), account=OWN, since=SINCE, until=UNTIL, where=where))
    return row


def _shown_csat(page) -> tuple[str, int]:
    """The overview's CSAT figure and its n, as the card shows them."""
    card = page.locator("article.card", has=page.locator('.big[data-metric="csat"]'))
    big = card.locator('.big[data-metric="csat"]').inner_text().strip()
    n = re.search(r"n = ([\d,]+)", card.locator("p.ci").inner_text())
    assert n, card.inner_text()
    return big, int(n.group(1).replace(",", ""))


def _narrowing_value(store, key: str, offered: list[str], whole: dict) -> str:
    """Among the values the select offers, the one with the most CSAT answers whose figure
    differs from the whole period's: picking it must visibly change the overview."""
    rows = report(store, ReportQuery(metrics=("csat",), by=(key,), account=OWN, since=SINCE, until=UNTIL))
    shown = F.percent(whole["value"])
    fit = [r for r in rows if r["group"][key] in offered and 0 < r["n"] < whole["n"]
           and F.percent(r["value"]) != shown]
    assert fit, f"no {key} in the select changes the CSAT figure"
    return max(fit, key=lambda r: r["n"])["group"][key]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_period_form_and_each_filter_narrow_the_overview(live_desk, open_page, width):
    desk, _base = live_desk
    page = open_page(width)
    _pick_period(page, SINCE, UNTIL)
    whole = _csat(desk.store)
    lede = page.locator("p.lede").first
    assert lede.inner_text().startswith("1 Jan 2026 to 30 Jun 2026")
    assert _shown_csat(page) == (F.percent(whole["value"]), whole["n"])
    # the range stays in the form after the page comes back
    assert _view_form(page).get_by_label("From", exact=True).input_value() == SINCE.isoformat()

    for key in FILTERS:
        select = _view_form(page).get_by_label(key.capitalize(), exact=True)
        offered = [v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)") if v]
        value = _narrowing_value(desk.store, key, offered, whole)
        label = select.locator(f'option[value="{value}"]').inner_text()
        select.select_option(value)
        _view_form(page).get_by_role("button", name="Show").click()
        page.wait_for_url(re.compile(rf".*[?&]{key}=.*"))
        assert _query(page) == {"from": SINCE.isoformat(), "to": UNTIL.isoformat(), key: value}
        narrowed = _csat(desk.store, ((key, value),))
        assert _shown_csat(page) == (F.percent(narrowed["value"]), narrowed["n"]), key
        assert f"only {key} {label}" in lede.inner_text()
        assert select.input_value() == value  # the select shows what the view is
        # back to every value of this filter, the range kept
        _view_form(page).get_by_label(key.capitalize(), exact=True).select_option("")
        _view_form(page).get_by_role("button", name="Show").click()
        page.wait_for_url(lambda url, key=key: not parse_qs(urlsplit(url).query).get(key))  # blank "All" is dropped
        assert _query(page) == {"from": SINCE.isoformat(), "to": UNTIL.isoformat()}
        assert _shown_csat(page) == (F.percent(whole["value"]), whole["n"])


@pytest.mark.parametrize("width", WIDTHS)
def test_the_view_travels_along_the_navigation(live_desk, open_page, width):
    desk, base = live_desk
    page = open_page(width)
    _pick_period(page, SINCE, UNTIL)
    select = _view_form(page).get_by_label("Channel", exact=True)
    channel = [v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)") if v][0]
    select.select_option(channel)
    _view_form(page).get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r".*channel=.*"))
    view = {"from": SINCE.isoformat(), "to": UNTIL.isoformat(), "channel": channel}
    nav = page.locator("nav.pages")
    for href, label in NAV:
        if href not in VIEW_PAGES or href == "/":
            continue
        nav.get_by_role("link", name=label, exact=True).click()
        page.wait_for_url(re.compile(rf"{re.escape(base + href)}\?.*"))
        assert _query(page) == view, label
        form = _view_form(page)
        assert form.get_by_label("From", exact=True).input_value() == view["from"], label
        assert form.get_by_label("To", exact=True).input_value() == view["to"], label
        assert form.get_by_label("Channel", exact=True).input_value() == channel, label
        assert f"only channel {channel}" in page.locator("p.lede").first.inner_text(), label
    # and home again by the brand link, the view kept
    page.locator("header .brand a").click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/\?.*"))
    assert _query(page) == view


def _pager(page) -> str:
    return page.locator("nav.pager p").inner_text()


def _column(page, heading: str) -> list[str]:
    """The texts of one column of the list, found by its heading."""
    headings = page.locator("table.list thead th").all_inner_texts()
    i = next(i for i, h in enumerate(headings) if h.replace("▲", "").replace("▼", "").strip() == heading)
    return page.locator(f"table.list tbody tr td:nth-child({i + 1})").all_inner_texts()


def _sorted_by(page, heading: str) -> str | None:
    th = page.locator("table.list thead th", has=page.get_by_role("link", name=heading))
    return th.get_attribute("aria-sort")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_answers_list_pages_and_sorts_by_clicking(live_desk, open_page, width):
    desk, base = live_desk
    page = open_page(width)
    _pick_period(page, SINCE, UNTIL)
    page.locator('.big[data-metric="csat"] a').click()
    page.wait_for_url(re.compile(r".*/responses\?.*"))
    n = _csat(desk.store)["n"]
    assert n > 50, "the test needs more than a page of answers"
    assert _pager(page) == f"1–50 of {F.count(n)}"
    first = _column(page, "Ticket")

    page.get_by_role("link", name="Next →").click()
    page.wait_for_url(re.compile(r".*page=2.*"))
    assert _pager(page) == f"51–{min(100, n)} of {F.count(n)}"
    assert _column(page, "Ticket") != first
    assert _query(page)["from"] == SINCE.isoformat() and _query(page)["kind"] == "csat"
    page.get_by_role("link", name="← Previous").click()
    page.wait_for_url(re.compile(r".*page=1.*"))
    assert _column(page, "Ticket") == first

    # by score: highest first, then lowest first; a new order starts at page 1
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url(re.compile(r".*page=2.*"))
    page.locator("table.list thead").get_by_role("link", name="Score").click()
    page.wait_for_url(re.compile(r".*sort=score.*"))
    assert "page" not in _query(page) and _pager(page).startswith("1–50 of")
    assert _sorted_by(page, "Score") == "descending"
    scores = [int(s.split()[0]) for s in _column(page, "Score")]
    assert scores == sorted(scores, reverse=True) and scores[0] == 5
    page.locator("table.list thead").get_by_role("link", name="Score").click()
    page.wait_for_url(re.compile(r".*dir=asc.*"))
    assert _sorted_by(page, "Score") == "ascending"
    scores = [int(s.split()[0]) for s in _column(page, "Score")]
    assert scores == sorted(scores) and scores[0] == 1
    assert _query(page)["kind"] == "csat" and _query(page)["to"] == UNTIL.isoformat()


def _export(page) -> list[dict]:
    """Click the page's Export CSV link; the downloaded rows."""
    with page.expect_download() as dl:
        page.get_by_role("link", name="Export CSV").click()
    assert dl.value.suggested_filename.endswith(".csv")
    with open(dl.value.path(), encoding="utf-8") as f:
        return list(csv.DictReader(io.StringIO(f.read())))


@pytest.mark.parametrize("width", WIDTHS)
def test_the_tickets_list_sorts_by_a_kpi_and_exports_in_that_order(live_desk, open_page, width):
    desk, base = live_desk
    page = open_page(width)
    _pick_period(page, SINCE, UNTIL)
    # the first-reply card opens the tickets it counted, slowest reply first
    page.locator('.big[data-metric="first_reply_minutes"] a').click()
    page.wait_for_url(re.compile(r".*/tickets\?.*sort=first_reply.*"))
    assert _sorted_by(page, "First reply") == "descending"
    created = next(r["n"] for r in report(desk.store, ReportQuery(metrics=("kpi",), account=OWN, since=SINCE,
                                                                  until=UNTIL)) if r["metric"] == "resolution_rate")
    assert created > 50 and _pager(page) == f"1–50 of {F.count(created)}"

    # by resolution, by a click on its heading; the export is the whole list in that order
    page.locator("table.list thead").get_by_role("link", name="Resolution").click()
    page.wait_for_url(re.compile(r".*sort=resolution.*"))
    assert _sorted_by(page, "Resolution") == "descending" and _sorted_by(page, "First reply") == "none"
    shown = [t.split()[0] for t in _column(page, "Ticket")]
    rows = _export(page)
    assert len(rows) == created  # the whole list, not the page
    assert [r["ticket_id"] for r in rows[:50]] == shown  # in the order the page shows
    minutes = [float(r["full_resolution_minutes"]) for r in rows if r["full_resolution_minutes"]]
    assert minutes == sorted(minutes, reverse=True)
    assert all(not r["full_resolution_minutes"] for r in rows[len(minutes):]), "unsolved tickets go last"

    page.get_by_role("link", name="Next →").click()
    page.wait_for_url(re.compile(r".*page=2.*"))
    assert [t.split()[0] for t in _column(page, "Ticket")] == [r["ticket_id"] for r in rows[50:100]]
    assert _query(page)["sort"] == "resolution" and _query(page)["from"] == SINCE.isoformat()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_agents_export_is_the_table_it_was_clicked_on(live_desk, open_page, width):
    desk, base = live_desk
    page = open_page(width)
    _pick_period(page, SINCE, UNTIL)
    page.locator("nav.pages").get_by_role("link", name="Agents", exact=True).click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/agents\?.*"))
    page.locator("table.sortable thead").get_by_role("link", name="CSAT n").click()
    page.wait_for_url(re.compile(r".*sort=csat_n.*"))

    table = page.locator("table.sortable")
    headings = [h.replace("▲", "").replace("▼", "").strip() for h in table.locator("thead th").all_inner_texts()]
    names = [t.removesuffix("few").strip() for t in table.locator("tbody th").all_inner_texts()]
    cells = [[c.strip() for c in row] for row in
             table.locator("tbody tr").evaluate_all("rs => rs.map(r => [...r.children].map(c => c.innerText))")]
    rows = _export(page)
    assert [r["name"] for r in rows] == names  # the same agents, in the order shown
    n_at, tickets_at, csat_at = headings.index("CSAT n"), headings.index("Tickets"), headings.index("CSAT")
    for r, shown in zip(rows, cells, strict=True):
        assert F.count(int(r["csat_n"])) == shown[n_at] if r["csat_n"] else shown[n_at] in ("–", "0"), r["name"]
        assert F.count(int(r["tickets"])) == shown[tickets_at] if r["tickets"] else shown[tickets_at] in ("–", "0")
        if r["csat"]:
            assert F.percent(float(r["csat"])) in shown[csat_at].split(), r["name"]  # beside its "few" mark, if any
    sizes = [int(r["csat_n"] or 0) for r in rows]
    assert sizes == sorted(sizes, reverse=True)


def test_no_page_is_wider_than_a_phone(live_desk, open_page):
    """At 390 px every page of the navigation, both lists and the two forms fit the screen;
    a table wider than the screen scrolls in its .table-wrap box, not the page."""
    desk, base = live_desk
    page = open_page(390)
    too_wide = {}
    forms = [f"/surveys/{OWN_SURVEY}", "/quality/review"]  # a survey's settings, the review form's start
    for path in [href for href, _label in NAV] + ["/responses?days=365", "/tickets?days=365", *forms]:
        page.goto(base + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        loose = page.evaluate("""() => [...document.querySelectorAll('main table')]
            .filter(t => t.getBoundingClientRect().width > window.innerWidth && !t.closest('.table-wrap'))
            .map(t => (t.querySelector('caption, th') || t).textContent.trim().slice(0, 40))""")
        if overflow > 0 or loose:
            too_wide[path] = (overflow, loose)
    assert too_wide == {}, "pages wider than 390 px (px too wide, tables outside a .table-wrap)"
