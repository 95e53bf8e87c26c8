"""The Low ratings, At risk and Agents pages as a team lead reads them (issue 18 §6–§8),
through the HTTP surface: only the terms at z ≥ 2, agents by name; the at-risk list in
pages with counts and links that keep the view, sorted five ways, the long holds in a
tab of their own; no agent without tickets, and "few" on every figure of few answers."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from typer.testing import CliRunner

from cxpulse.cli import app as cli_app
from cxpulse.service.accounts import update_settings
from cxpulse.service.drilldown import low_ratings
from cxpulse.service.imports import import_path
from cxpulse.service.keys import create_key
from cxpulse.service.report import ReportQuery, report
from cxpulse.service.tickets import at_risk
from cxpulse.storage import Store
from tests.dashboard_helpers import NOW, OWN, client_for, login, seed_desk
from tests.factories import make_ticket, write_jsonl
from tests.pg import private_database

AGENTS = ("NL-A101", "NL-A102", "NL-A103", "NL-A104", "NL-A105")  # the demo's nordlicht agents
OPEN_ADDED = 110  # XR-…: open tickets added to the demo's few, so the list needs pages
SHORT_HOLDS = {f"XR-{i:03d}" for i in range(0, OPEN_ADDED, 10)}  # on hold for 3 days
LONG_HOLDS = {f"XH-{k}": 20 + 15 * k for k in range(5)}  # on hold for 20, 35, 50, 65, 80 days
QUIET_HOLD = "XH-quiet"  # on hold, no status history: its last update (40 days ago) says since when
GHOST, GHOST_NAME = "NL-GHOST", "Vaiduoklis Agentas"  # answers in the period, no ticket created in it


def _iso(t) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _extra_records() -> list[dict]:
    recs: list[dict] = [{"type": "user", "id": GHOST, "role": "agent", "name": GHOST_NAME}]
    for i in range(OPEN_ADDED):
        tid = f"XR-{i:03d}"
        created = NOW - timedelta(days=4 + i % 25, minutes=7 * i)
        status = "hold" if tid in SHORT_HOLDS else ("new" if i % 4 == 1 else "open")
        extra = {"due_at": _iso(NOW + timedelta(days=i % 9 - 4, hours=i % 5))} if i % 3 == 0 else {}
        recs.append(make_ticket(id=tid, created_at=_iso(created), updated_at=_iso(created), status=status,
                                subject=f"Question {i}", assignee_id="" if i % 11 == 5 else AGENTS[i % 5],
                                requester_id=f"cust-{i}", **extra))
        recs.append({"type": "event", "id": f"{tid}-c", "ticket_id": tid, "at": _iso(created), "kind": "comment",
                     "author_id": f"cust-{i}", "author_role": "customer", "body": "Sveiki, reikia pagalbos"})
        if status != "new":
            recs.append({"type": "event", "id": f"{tid}-s1", "ticket_id": tid, "kind": "status", "from": "new",
                         "to": "open", "at": _iso(created + timedelta(minutes=30))})
        if status == "hold":
            recs.append({"type": "event", "id": f"{tid}-s2", "ticket_id": tid, "kind": "status", "from": "open",
                         "to": "hold", "at": _iso(NOW - timedelta(days=3))})
    for tid, days in LONG_HOLDS.items():
        created = NOW - timedelta(days=days + 2)
        recs += [
            make_ticket(id=tid, created_at=_iso(created), updated_at=_iso(NOW - timedelta(days=1)), status="hold",
                        subject=f"Escalated {tid}", assignee_id=AGENTS[0], requester_id=f"cust-{tid}"),
            {"type": "event", "id": f"{tid}-s1", "ticket_id": tid, "kind": "status", "from": "new", "to": "open",
             "at": _iso(created + timedelta(hours=1))},
            {"type": "event", "id": f"{tid}-s2", "ticket_id": tid, "kind": "status", "from": "open", "to": "hold",
             "at": _iso(NOW - timedelta(days=days))},
        ]
    recs.append(make_ticket(id=QUIET_HOLD, created_at=_iso(NOW - timedelta(days=90)),
                            updated_at=_iso(NOW - timedelta(days=40)), status="hold", subject="Waiting on a partner",
                            assignee_id=AGENTS[1], requester_id="cust-quiet"))
    # the ghost's ticket was created long before the period; its answer came in it
    old = NOW - timedelta(days=200)
    recs += [make_ticket(id="XG-1", created_at=_iso(old), solved_at=_iso(old + timedelta(hours=3)), status="solved",
                         assignee_id=GHOST, requester_id="cust-ghost"),
             {"type": "rating", "id": "XG-1-r", "ticket_id": "XG-1", "score": 2,
              "given_at": _iso(NOW - timedelta(days=5)), "agent_id": GHOST}]
    return recs


@pytest.fixture(scope="module")
def pg_db():
    with private_database("cxpulse_test_dashboard_pages") as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def desk(request, tmp_path_factory):
    """The demo desk with 110 more open tickets, some on hold a short or a long while, and an
    agent whose only answer in the period rates a ticket created long before it."""
    tmp = tmp_path_factory.mktemp("pages")
    store = Store.open(tmp / "cxpulse.db" if request.param == "sqlite" else request.getfixturevalue("pg_db"))
    demo = seed_desk(store)
    summary = import_path(store, "jsonl", write_jsonl(tmp / "extra.jsonl", _extra_records()), account=OWN)
    assert summary.rescored >= OPEN_ADDED  # the account has a model: the new open tickets are scored
    yield store, demo
    store.engine.dispose()


@pytest.fixture(scope="module")
def own(desk):
    store, demo = desk
    client = client_for(store)
    assert login(client, demo.own_key).status_code == 303
    return client


def _ids(html: str) -> list[str]:
    return re.findall(r'<span class="ticket-id">(?:<a [^>]*>)?([^<]+)</', html)


def _showing(html: str) -> tuple[int, int, int]:
    m = re.search(r"Showing ([\d,]+)–([\d,]+) of ([\d,]+)", unescape(html))
    assert m, "the page says which rows it shows"
    return tuple(int(x.replace(",", "")) for x in m.groups())


def _next(html: str) -> str | None:
    m = re.search(r'<a href="([^"]+)" rel="next">Next</a>', html)
    return unescape(m.group(1)) if m else None


def _walk(client, path: str) -> tuple[list[str], list[str]]:
    """Every ticket id over all the pages, following the Next links; and each page's html."""
    ids, pages = [], []
    while path:
        html = client.get(path).text
        pages.append(html)
        ids += _ids(html)
        path = _next(html)
        assert len(pages) < 20
    return ids, pages


def _all_open(store) -> list[dict]:
    rows, _ = at_risk(store, store.account(OWN), limit=10_000)
    return rows


# ---- at risk: pages ----------------------------------------------------------------------------------------


def test_at_risk_pages_25_at_a_time_and_leaves_the_long_holds_to_their_own_tab(desk, own):
    store, _ = desk
    every_open = {r["ticket_id"] for r in _all_open(store)}
    long_ids, _ = _walk(own, "/at-risk?status=long-hold")
    assert set(LONG_HOLDS) | {QUIET_HOLD} <= set(long_ids)  # on hold 20–80 days, and 40 by its last update
    assert not SHORT_HOLDS & set(long_ids)  # 3 days on hold is not long
    listed, pages = _walk(own, "/at-risk")
    assert len(listed) == len(set(listed)), "no ticket on two pages"
    assert set(listed) == every_open - set(long_ids)  # every other open scored ticket, once
    assert {f"XR-{i:03d}" for i in range(OPEN_ADDED)} <= set(listed)
    total = len(listed)
    assert total > 100 and len(pages) == -(-total // 25)
    assert [_showing(p) for p in pages] == [(1 + 25 * k, min(25 * (k + 1), total), total) for k in range(len(pages))]
    assert all(len(_ids(p)) == 25 for p in pages[:-1])
    first, last = pages[0], pages[-1]
    assert 'href="/at-risk?page=2"' in first and f'href="/at-risk?page={len(pages)}"' in first  # numbered links
    assert 'rel="prev"' not in first and 'rel="prev"' in last and 'rel="next"' not in last
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", first)).split())
    assert f"On hold > 14 d ({len(long_ids)})" in text and f"All open {total}," in text


def test_the_page_links_keep_the_status_agent_order_and_page_size(desk, own):
    store, _ = desk
    agent = AGENTS[2]
    html = unescape(own.get(f"/at-risk?agent={agent}&sort=due&dir=desc&per=50").text)
    assert f'<option value="{agent}" selected>' in html
    for href in re.findall(r'href="(/at-risk\?[^"]*)"', html):
        assert f"agent={agent}" in href, href  # every tab, heading, page and size link keeps the agent
    assert 'href="/at-risk?status=long-hold&agent=NL-A103&sort=due&dir=desc&per=50"' in html
    assert 'href="/at-risk?agent=NL-A103&sort=due&dir=asc&per=50"' in html  # the sorted heading flips
    assert 'href="/at-risk?agent=NL-A103&sort=age&dir=desc&per=50"' in html  # another starts oldest first
    assert 'href="/at-risk?agent=NL-A103&sort=due&dir=desc"' in html  # the size link to 25 (the default)
    everything = _walk(own, "/at-risk")[0]
    mine = [r for r in _all_open(store) if r["agent"] == agent and r["ticket_id"] in set(everything)]
    assert len(mine) > 10
    first, last, total = _showing(html)
    assert (first, last, total) == (1, min(50, len(mine)), len(mine))
    page2 = unescape(own.get("/at-risk?status=open&sort=sla&page=2").text)
    assert _showing(page2)[0] == 26 and 'data-filter="long-hold"' in page2
    assert '<a href="/at-risk?status=open&sort=sla&dir=asc" rel="prev">' in page2  # page 1, status and order kept
    assert '<a href="/at-risk?status=open&sort=sla&dir=asc&page=3" rel="next">' in page2
    assert own.get("/at-risk?page=999").status_code == 200  # past the end: the last page
    assert _showing(own.get("/at-risk?page=999&per=100").text)[1] == len(everything)
    assert _showing(own.get("/at-risk?per=7").text)[1] == 25  # a size not offered: the default


# ---- at risk: sorting --------------------------------------------------------------------------------------


def _column(html: str, attr: str) -> list[str]:
    return re.findall(rf'{attr}="([^"]*)"', html)


def test_at_risk_sorts_by_score_due_sla_age_and_assignee(desk, own):
    by_score = own.get("/at-risk?per=100").text
    scores = [int(s) for s in re.findall(r'<span class="score(?: low)?">(\d+)</span>', by_score)]
    assert len(scores) == 100 and scores == sorted(scores)
    assert "lowest score first" in by_score and 'aria-sort="ascending"' in by_score

    for key, attr in (("due", "data-due"), ("sla", "data-sla")):
        for direction in ("asc", "desc"):
            values = _column(own.get(f"/at-risk?sort={key}&dir={direction}&per=100").text, attr)
            present = [v for v in values if v]
            assert present and values[: len(present)] == present, f"{key}: the tickets without one come last"
            assert present == sorted(present, reverse=direction == "desc"), (key, direction)

    oldest = own.get("/at-risk?sort=age&per=100").text  # age's first click: oldest first
    created = _column(oldest, "data-created")
    assert created == sorted(created) and "oldest first" in oldest
    newest = _column(own.get("/at-risk?sort=age&dir=asc&per=100").text, "data-created")
    assert newest == sorted(newest, reverse=True)

    by_agent = unescape(own.get("/at-risk?sort=agent&per=100").text)
    names = re.findall(r'</ol></td>.*?<td>([^<]+)</td>\s*<td data-status', by_agent, re.S)
    assigned = [n for n in names if n != "unassigned"]
    assert len(set(assigned)) >= 3 and [n.casefold() for n in assigned] == sorted(n.casefold() for n in assigned)
    assert names[len(assigned):] == ["unassigned"] * (len(names) - len(assigned))  # unassigned last
    assert own.get("/at-risk?sort=nonsense&dir=sideways").status_code == 200


# ---- at risk: the long holds ------------------------------------------------------------------------------


def test_the_long_hold_tab_lists_each_with_how_long_it_has_been_on_hold(desk, own):
    html = unescape(own.get("/at-risk?status=long-hold&per=100").text)
    assert 'data-filter="long-hold" aria-current="true"' in html
    statuses = _column(html, "data-status")
    assert statuses and set(statuses) == {"hold"}
    held = [float(d) for d in re.findall(r'data-status="hold">hold<span class="sub">for ([\d.]+) d</span>', html)]
    assert len(held) == len(statuses) and min(held) > 14
    assert re.search(r'XH-3</span>.*?data-status="hold">hold<span class="sub">for 65 d<', html, re.S)
    short = unescape(own.get("/at-risk?status=hold&per=100").text)  # the hold tab: the recent holds only
    assert set(_ids(short)) >= SHORT_HOLDS and not set(_ids(short)) & (set(LONG_HOLDS) | {QUIET_HOLD})
    assert "for 3 d" in short


def test_how_long_is_long_is_the_accounts_setting(desk, own):
    store, _ = desk
    update_settings(store, OWN, long_hold_days=60)
    try:
        html = unescape(own.get("/at-risk?status=long-hold").text)
        assert "On hold > 60 d" in html and "more than 60 days" in html
        ids = set(_ids(html))
        assert {"XH-3", "XH-4"} <= ids and not ids & {"XH-0", "XH-1", "XH-2", QUIET_HOLD}  # 65, 80 > 60
        assert {"XH-0", "XH-2", QUIET_HOLD} <= set(_walk(own, "/at-risk")[0])  # 20, 50, 40 days: in the list
    finally:
        update_settings(store, OWN, long_hold_days=14)


def test_the_settings_command_sets_long_hold_days_and_refuses_nonsense(tmp_path):
    db = str(tmp_path / "s.db")
    import_path(Store.open(db), "jsonl", write_jsonl(tmp_path / "a.jsonl", [make_ticket()]), account="acme")
    runner = CliRunner()
    shown = runner.invoke(cli_app, ["settings", "acme", "--format", "json", "--db", db])
    assert shown.exit_code == 0 and '"long_hold_days": 14' in shown.output
    changed = runner.invoke(cli_app, ["settings", "acme", "--long-hold-days", "30", "--format", "json", "--db", db])
    assert changed.exit_code == 0 and '"long_hold_days": 30' in changed.output
    assert Store.open(db).account("acme").account.long_hold_days == 30
    bad = runner.invoke(cli_app, ["settings", "acme", "--long-hold-days", "0", "--db", db])
    assert bad.exit_code != 0 and "long_hold_days 0" in " ".join(bad.output.split())
    assert Store.open(db).account("acme").account.long_hold_days == 30


# ---- agents ------------------------------------------------------------------------------------------------


def _rows(html: str) -> dict[str, dict[str, str]]:
    """Each table row's name -> its CSAT, NPS and CES cells' text."""
    out = {}
    for name, cells in re.findall(r'<th scope="row">(?:<a [^>]*>)?([^<]+)(?:</a>)?</th>(.*?)</tr>', unescape(html), re.S):
        out[name] = {k: " ".join(re.sub(r"<[^>]+>", " ", v).split())
                     for k, v in re.findall(r'data-figure="(\w+)">(.*?)</td>', cells, re.S)}
    return out


def test_agents_without_tickets_in_the_period_are_not_listed(desk, own):
    store, _ = desk
    since = NOW.date() - timedelta(days=29)
    rated = report(store, ReportQuery(metrics=("csat",), by=("agent",), account=OWN, since=since, until=NOW.date()))
    assert any(r["group"]["agent"] == GHOST and r["n"] == 1 for r in rated), "the ghost has an answer in the period"
    html = own.get("/agents").text
    listed = _rows(html)
    assert len(listed) >= 3 and GHOST_NAME not in listed and GHOST not in listed
    assert re.search(r"\d+ agents? with answers\s+but no tickets created in the period (is|are) not listed",
                     unescape(html))
    assert GHOST_NAME in _rows(own.get("/agents?days=365").text)  # its ticket is in the 365 days


def test_every_figure_from_few_answers_carries_a_few_marker(desk, own):
    store, _ = desk
    since = NOW.date() - timedelta(days=364)
    rows = report(store, ReportQuery(metrics=("csat", "nps", "ces"), by=("agent",), account=OWN, since=since,
                                     until=NOW.date()))
    shown = _rows(own.get("/agents?days=365").text)
    checked = 0
    for r in rows:
        name = r.get("agent_name") or r["group"]["agent"]
        if name not in shown or r["metric"] not in ("csat", "nps") or r["value"] is None:
            continue
        cell = shown[name][r["metric"]]
        assert cell.startswith("few ") == (r["n"] < 20), (name, r["metric"], r["n"], cell)
        checked += 1
    assert checked >= 8
    few = [cells for cells in shown.values() if cells["csat"].startswith("few")]
    assert few, "the small desk has agents with few answers"
    for cells in shown.values():  # CES: the scale with most answers, its n beside it
        m = re.search(r"n = (\d+)", cells["ces"])
        if m:
            assert cells["ces"].startswith("few ") == (int(m.group(1)) < 20)


# ---- low ratings -------------------------------------------------------------------------------------------


def _low_desk_records(prefix: str, low: list[str], high: list[str]) -> list[dict]:
    recs = [{"type": "user", "id": f"{prefix}-A1", "role": "agent", "name": "Ona Jonaitė"},
            {"type": "user", "id": f"{prefix}-A2", "role": "agent", "name": "Petras Petraitis"}]
    for i, (text, score) in enumerate([(t, 1) for t in low] + [(t, 5) for t in high]):
        tid = f"{prefix}-{100000 + i}"
        recs += [make_ticket(id=tid, subject="Order question", created_at="2026-03-10T09:00:00Z",
                             assignee_id=f"{prefix}-A{1 + i % 2}"),
                 {"type": "rating", "id": f"r-{tid}", "ticket_id": tid, "score": score, "comment": text,
                  "given_at": "2026-03-11T12:00:00Z"}]
    return recs


@pytest.fixture(scope="module")
def low_desk(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("low")
    store = Store.open(tmp / "d.db")
    low = [f"the refund never arrived, day {i}" for i in range(30)] + ["printer jammed again"] * 4
    high = [f"great help with my printer setup {i}" for i in range(3)] + \
        [f"quick friendly answer number {i}" for i in range(80)] + ["refund arrived, thanks"] * 2
    import_path(store, "jsonl", write_jsonl(tmp / "acme.jsonl", _low_desk_records("AC", low, high)), account="acme")
    calm_low = ["parcel late", "parcel late again", "parcel came late", "wrong colour", "box damaged"]
    calm_high = ["parcel fine", "parcel late but fine", "good", "nice parcel", "parcel arrived late, ok"] + \
        ["good service", "fine answer", "nice"] * 4
    import_path(store, "jsonl", write_jsonl(tmp / "calm.jsonl", _low_desk_records("CA", calm_low, calm_high)),
                account="calm")
    clients = {}
    for account in ("acme", "calm"):
        client = client_for(store)
        assert login(client, create_key(store, account=account)[0]).status_code == 303
        clients[account] = client
    yield store, clients
    store.engine.dispose()


def test_low_ratings_shows_only_the_terms_at_z_2_or_more(low_desk):
    store, clients = low_desk
    every = low_ratings(store, account="acme", since=NOW.date() - timedelta(days=364), until=NOW.date()).terms
    strong = [t for t in every if t.z >= 2]
    assert strong and any(t.z < 2 for t in every), "the data has terms on both sides of 2"
    html = unescape(clients["acme"].get("/low-ratings?days=365").text)
    shown = [float(z) for z in re.findall(r'data-z="([\d.]+)"', html)]
    assert shown == [round(t.z, 2) for t in strong] and min(shown) >= 2
    assert "refund" in html and "z of 2 or more are shown" in html
    for t in every:
        if t.z < 2:
            assert f'<th scope="row" lang="">{t.term}</th>' not in html


def test_low_ratings_says_so_when_no_term_reaches_z_2(low_desk):
    store, clients = low_desk
    every = low_ratings(store, account="calm", since=NOW.date() - timedelta(days=364), until=NOW.date()).terms
    assert every and max(t.z for t in every) < 2
    html = unescape(clients["calm"].get("/low-ratings?days=365").text)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert 'data-z="' not in html
    assert f"No term reaches z 2 in this period: the strongest, “ {every[0].term} ”" in text
    assert f"has z = {every[0].z:.1f}, which chance alone could give" in text


def test_low_ratings_names_the_agents_and_keeps_ticket_ids_on_one_line(low_desk):
    _, clients = low_desk
    html = unescape(clients["acme"].get("/low-ratings?days=365").text)
    assert "Ona Jonaitė" in html and "Petras Petraitis" in html
    assert not re.search(r"<td[^>]*>AC-A\d</td>", html)  # never the id where the name is known
    assert re.search(r'<th scope="row" class="nowrap">\s*<span class="ticket-id">(?:<a [^>]*>)?AC-1000\d\d<', html)
