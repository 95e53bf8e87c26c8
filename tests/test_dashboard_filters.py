"""The dashboard's view bar: a from/to range and filters by agent, group, channel and
category, carried by the URL (bookmarkable), equal to the report narrowed the same way."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from cxpulse.service.report import ReportQuery, report
from cxpulse.web.dashboard import format as F
from tests.dashboard_helpers import OWN, logged_in


@pytest.fixture(scope="module")
def desk(read_desk):
    return read_desk


@pytest.fixture(scope="module")
def own(desk):
    return logged_in(desk.store, desk.own_key)


def _big(html: str, metric: str) -> str:
    m = re.search(rf'data-metric="{metric}">(.*?)</p>', html, re.S)
    assert m, f"no {metric} figure on the page"
    return unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()


def _options(html: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select [^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no {name} filter"
    return [(unescape(v), unescape(t)) for v, t in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', select.group(1))]


def test_the_overview_offers_each_filter_with_names_and_a_date_range(own):
    html = own.get("/?days=365").text
    assert 'type="date" name="from"' in html and 'type="date" name="to"' in html
    agents = _options(html, "agent")
    assert agents[0] == ("", "All") and len(agents) > 2
    assert any(v != t for v, t in agents[1:]), "agents are offered by name, not only by id"
    for key in ("channel", "group"):
        assert len(_options(html, key)) > 2, key


def test_an_agent_filter_shows_that_agents_csat_and_says_so(desk, own):
    html = own.get("/?days=365").text
    agent, name = _options(html, "agent")[1]
    page = own.get(f"/?from=2025-07-01&to=2026-06-30&agent={agent}").text
    rows = report(desk.store, ReportQuery(metrics=("csat",), account=OWN, since=date(2025, 7, 1),
                                          until=date(2026, 6, 30), where=(("agent", agent),)))
    whole = report(desk.store, ReportQuery(metrics=("csat",), account=OWN, since=date(2025, 7, 1),
                                           until=date(2026, 6, 30)))
    assert rows and rows[0]["n"] < whole[0]["n"]
    assert _big(page, "csat") == unescape(F.figure("csat", rows[0]["value"]))
    assert f"only agent <strong>{name}</strong>" in unescape(page)
    assert f'<option value="{agent}" selected>' in page
    # the view travels: the period links keep the agent, the nav keeps range and agent
    assert f"/?days=90&amp;agent={agent}" in page
    assert f'href="/agents?from=2025-07-01&amp;to=2026-06-30&amp;agent={agent}"' in page


def test_a_custom_range_is_its_own_period_and_compared_with_as_long_a_one_before(own):
    page = unescape(own.get("/?from=2026-06-01&to=2026-06-14").text)
    assert "1 Jun 2026 to 14 Jun 2026" in page
    assert "previous 14 days" in page
    # reversed ends are put right, and a bad date falls back to the default period
    assert own.get("/?from=2026-06-14&to=2026-06-01").status_code == 200
    assert own.get("/?from=junk").status_code == 200


def test_an_unknown_filter_value_shows_no_figures_not_an_error(own):
    page = own.get("/?agent=nobody-at-all").text
    assert _big(page, "csat") == "–"


@pytest.mark.parametrize("path", ["/drivers", "/sla", "/low-ratings", "/agents", "/groups"])
def test_every_analysis_page_takes_the_filters_and_keeps_them(own, path):
    html = own.get("/?days=365").text
    agent, name = _options(html, "agent")[1]
    page = own.get(f"{path}?from=2025-07-01&to=2026-06-30&agent={agent}")
    assert page.status_code == 200
    assert f'<option value="{agent}" selected>' in page.text
    assert f"only agent <strong>{name}</strong>" in unescape(page.text)


def test_the_low_ratings_page_counts_one_agents_low_ratings(desk, own):
    html = own.get("/?days=365").text
    agent, _name = _options(html, "agent")[1]
    row = report(desk.store, ReportQuery(metrics=("csat",), account=OWN, since=date(2025, 7, 1),
                                         until=date(2026, 6, 30), where=(("agent", agent),)))[0]
    page = unescape(own.get(f"/low-ratings?from=2025-07-01&to=2026-06-30&agent={agent}").text)
    assert f"{row['n'] - row['satisfied']} low ratings of {row['n']} rated tickets" in page
    assert f"/responses?from=2025-07-01&to=2026-06-30&agent={agent}&kind=csat&low=1" in page
