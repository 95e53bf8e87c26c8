"""The lists behind the figures: from a figure to the answers or tickets it counted,
filtered the same way, paged, sorted, linked to the help desk and exported as CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from html import unescape

import pytest

from cxpulse.domain import InvalidQuery
from cxpulse.service.accounts import check_ticket_url
from cxpulse.service.report import ReportQuery, report
from tests.dashboard_helpers import OTHER, OWN, logged_in

SINCE, UNTIL = date(2025, 7, 1), date(2026, 6, 30)
VIEW = "from=2025-07-01&to=2026-06-30"


@pytest.fixture(scope="module")
def desk(read_desk):
    return read_desk


@pytest.fixture(scope="module")
def own(desk):
    return logged_in(desk.store, desk.own_key)


def _csv(resp) -> list[dict]:
    assert resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(resp.text)))


def _total(html: str) -> int:
    m = re.search(r"[\d,]+–[\d,]+ of ([\d,]+)", html)
    assert m, "no paging line"
    return int(m.group(1).replace(",", ""))


def test_the_csat_answers_are_exactly_those_the_csat_figure_counted(desk, own):
    row = report(desk.store, ReportQuery(metrics=("csat",), account=OWN, since=SINCE, until=UNTIL))[0]
    html = own.get(f"/responses?kind=csat&{VIEW}").text
    assert _total(html) == row["n"]
    exported = _csv(own.get(f"/responses?kind=csat&{VIEW}&format=csv"))
    assert len(exported) == row["n"]
    satisfied = sum(int(r["score"]) >= 4 if r["scale"] == "1-5" else r["score"] == "1" for r in exported)
    assert 100 * satisfied / len(exported) == pytest.approx(row["value"])


def test_low_answers_of_one_agent_are_that_agents_unsatisfied_ones(desk, own):
    by_agent = report(desk.store, ReportQuery(metrics=("csat",), by=("agent",), account=OWN, since=SINCE, until=UNTIL))
    r = max(by_agent, key=lambda r: r["n"])
    agent = r["group"]["agent"]
    rows = _csv(own.get(f"/responses?kind=csat&low=1&agent={agent}&{VIEW}&format=csv"))
    assert len(rows) == r["n"] - r["satisfied"]
    assert {x["agent_id"] for x in rows} == {agent}
    assert all(int(x["score"]) <= 3 for x in rows if x["scale"] == "1-5")
    # each row links to the ticket in the help desk
    assert all(x["ticket_url"] == f"https://nordlicht.zendesk.com/agent/tickets/{x['ticket_id']}" for x in rows)
    html = own.get(f"/responses?kind=csat&low=1&agent={agent}&{VIEW}").text
    first = rows[0]["ticket_id"]
    assert f'href="https://nordlicht.zendesk.com/agent/tickets/{first}"' in html


def test_lists_page_and_sort(own):
    first = own.get(f"/responses?{VIEW}&per_page=10").text
    second = own.get(f"/responses?{VIEW}&per_page=10&page=2").text
    total = _total(first)
    assert total > 20
    assert f"1–10 of {total:,}" in first and f"11–20 of {total:,}" in second
    assert 'rel="next"' in first and 'rel="prev"' in second
    rows = _csv(own.get(f"/responses?{VIEW}&kind=csat&sort=score&dir=asc&format=csv"))
    assert [int(r["score"]) for r in rows] == sorted(int(r["score"]) for r in rows)
    tickets = _csv(own.get(f"/tickets?{VIEW}&sort=first_reply&dir=desc&format=csv"))
    values = [float(t["first_reply_minutes"]) for t in tickets if t["first_reply_minutes"]]
    assert values == sorted(values, reverse=True)
    assert all(not t["first_reply_minutes"] for t in tickets[len(values):]), "tickets without a reply go last"


def test_the_tickets_list_counts_what_the_kpis_count(desk, own):
    rows = report(desk.store, ReportQuery(metrics=("kpi",), account=OWN, since=SINCE, until=UNTIL))
    created = next(r["n"] for r in rows if r["metric"] == "resolution_rate")
    assert len(_csv(own.get(f"/tickets?{VIEW}&format=csv"))) == created
    reopened = _csv(own.get(f"/tickets?{VIEW}&reopened=1&format=csv"))
    rate = next(r["value"] for r in rows if r["metric"] == "reopen_rate")
    solved = len(_csv(own.get(f"/tickets?{VIEW}&solved=1&format=csv")))
    assert solved and 100 * len(reopened) / solved == pytest.approx(rate, abs=0.05)


def test_every_overview_figure_links_to_its_list_with_the_view(own):
    html = unescape(own.get(f"/?{VIEW}&channel=email").text)
    assert f'href="/responses?{VIEW}&channel=email&kind=csat"' in html
    assert f'href="/tickets?{VIEW}&channel=email&sort=first_reply"' in html
    agents = unescape(own.get(f"/agents?{VIEW}").text)
    assert re.search(rf'href="/responses\?{VIEW}&agent=[^"]+"', agents)
    assert 'format=csv' in agents
    table = _csv(own.get(f"/agents?{VIEW}&format=csv"))
    assert table and {"name", "csat", "csat_n", "tickets"} <= set(table[0])


def test_another_accounts_tickets_never_show(desk, own):
    from sqlalchemy import select

    from cxpulse.storage import tables

    seen = {r["ticket_id"] for r in _csv(own.get(f"/tickets?{VIEW}&format=csv"))}
    seen |= {r["ticket_id"] for r in _csv(own.get(f"/responses?{VIEW}&format=csv"))}
    k = tables.ticket_kpis.c
    with desk.store.engine.connect() as conn:
        theirs = {t for (t,) in conn.execute(select(k.ticket_id).where(k.account_id == desk.store.account(OTHER).id))}
    assert seen and theirs and not seen & theirs


def test_a_ticket_url_must_name_where_the_id_goes():
    assert check_ticket_url("none") == ""
    assert check_ticket_url(" https://a.zendesk.com/agent/tickets/{id} ") == "https://a.zendesk.com/agent/tickets/{id}"
    for bad in ("https://a.zendesk.com/agent/tickets/", "ftp://x/{id}", "https://x/{id}/{id}", "https://x/{ticket}/{id}",
                "javascript:alert(1)//{id}"):
        with pytest.raises(InvalidQuery, match="ticket URL"):
            check_ticket_url(bad)


def test_ticket_ids_elsewhere_link_to_the_help_desk_too(own):
    alerts = own.get("/alerts").text
    ids = re.findall(r'<th scope="row"><span class="ticket-id"><a href="https://nordlicht\.zendesk\.com/agent/tickets/'
                     r'([^"]+)"[^>]*>([^<]+)</a>', alerts)
    assert ids and all(a == b for a, b in ids)


@pytest.mark.parametrize("path", ["/at-risk", f"/low-ratings?{VIEW}"])
def test_at_risk_and_low_ratings_link_their_tickets_to_the_help_desk(own, path):
    html = own.get(path).text
    ids = re.findall(r'<span class="ticket-id"><a href="https://nordlicht\.zendesk\.com/agent/tickets/([^"]+)"[^>]*>'
                     r'([^<]+)</a>', html)
    assert ids and all(a == b for a, b in ids)


def test_the_sla_pages_breached_and_running_counts_open_those_tickets(own):
    html = own.get(f"/sla?{VIEW}").text
    links = re.findall(r'<a href="(/tickets\?[^"]*sla=(first_reply|resolution)[^"]*)" title="These tickets">([\d,]+)</a>',
                       html)
    assert links, "the demo's SLA policies breach some first-reply or resolution targets"
    for href, _kind, n in links:
        assert len(_csv(own.get(unescape(href) + "&format=csv"))) == int(n.replace(",", "")), href


def test_the_at_risk_tab_and_the_alerts_export_whole_as_shown(desk, own):
    html = own.get("/at-risk?per=25").text
    shown = int(re.search(r"Showing [\d,]+–[\d,]+ of ([\d,]+)", html).group(1).replace(",", ""))
    assert 'format=csv" download>Export CSV</a>' in html
    rows = _csv(own.get("/at-risk?format=csv"))
    assert len(rows) == shown  # every ticket of the tab, not its first page
    scores = [int(r["score"]) for r in rows]
    assert scores == sorted(scores)  # in the page's order: lowest first
    assert all(r["ticket_url"].endswith(r["ticket_id"]) for r in rows)
    alerts = _csv(own.get("/alerts?format=csv"))
    total = int(re.search(r"threshold: ([\d,]+) alerts", own.get("/alerts").text).group(1).replace(",", ""))
    assert len(alerts) == total and all(r["reasons"] for r in alerts)


def _nav(html: str) -> str:
    return re.search(r'<nav class="pages".*?</nav>', html, re.S).group(0)


def test_the_lists_mark_no_page_of_the_navigation_and_lead_back_to_the_overview(own):
    """/responses and /tickets are the lists behind the figures, not the Overview: no item of
    the navigation is marked current there; a breadcrumb names the list and links back to
    the overview with the same period and filters."""
    assert 'aria-current="page"' in _nav(own.get("/").text)  # the overview is marked on the overview
    for path, crumb in (("/responses?kind=csat&days=90&agent=NL-A101", "Answers"),
                        ("/tickets?solved=1&days=90&agent=NL-A101", "Tickets")):
        html = own.get(path).text
        assert "aria-current" not in _nav(html), path
        trail = re.search(r'<nav class="crumbs" aria-label="Breadcrumb">(.*?)</nav>', html, re.S).group(1)
        assert re.search(r'<a href="/\?days=90&amp;agent=NL-A101">Overview</a>', trail), trail
        assert f'<span aria-current="page">{crumb}</span>' in trail
    html = own.get("/agents").text  # a page of the navigation: marked there, no breadcrumb
    assert 'class="crumbs"' not in html and re.search(r'href="/agents[^"]*" aria-current="page"', _nav(html))
