"""The dashboard through its HTTP surface (TestClient), on SQLite and PostgreSQL: logging
in with a key, a wrong key, logging out, CSRF-refused forms, every page with its key
figures, and another account's data never shown."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from cxpulse.service.keys import revoke_key
from cxpulse.service.predict import model_card
from cxpulse.service.report import ReportQuery, report
from cxpulse.service.surveys import get_survey
from cxpulse.service.tickets import LONG_HOLD, at_risk, at_risk_sorted
from cxpulse.storage import Store
from cxpulse.web.dashboard import format as F
from cxpulse.web.dashboard.session import COOKIE, safe_next
from tests.dashboard_helpers import (
    NOW,
    OTHER,
    OTHER_SURVEY,
    OWN,
    OWN_SURVEY,
    WEBHOOK_URL,
    client_for,
    csrf_of,
    login,
    seed_desk,
)
from tests.pg import private_database

PAGES = ("/", "/?days=90", "/?days=365", "/agents", "/groups", "/drivers", "/sla", "/low-ratings", "/at-risk", "/model",
         "/alerts", "/webhooks", "/surveys", f"/surveys/{OWN_SURVEY}", "/connections", "/responses",
         "/responses?kind=csat&low=1", "/tickets", "/tickets?reopened=1")


@pytest.fixture(scope="module")
def pg_db():
    """A PostgreSQL database of this module's own: the shared one is truncated by other tests."""
    with private_database("cxpulse_test_dashboard") as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def desk(request, tmp_path_factory):
    """The small demo desk, built once per backend."""
    if request.param == "sqlite":
        store = Store.open(tmp_path_factory.mktemp("dashboard") / "cxpulse.db")
    else:
        store = Store.open(request.getfixturevalue("pg_db"))
    yield seed_desk(store)
    store.engine.dispose()


@pytest.fixture(scope="module")
def own(desk):
    """A client logged in with nordlicht's key (one per backend: logging in is not what most tests test)."""
    client = client_for(desk.store)
    assert login(client, desk.own_key).status_code == 303
    return client


def _text(html: str) -> str:
    """The page's visible text, roughly: tags dropped, entities decoded, spaces squeezed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _big(html: str, metric: str) -> str:
    inner = re.search(rf'<p class="big" data-metric="{metric}">(.*?)</p>', html, re.S).group(1)
    return unescape(re.sub(r"<[^>]+>", "", inner))  # the figure may be a link to its answers


# ---- logging in and out -------------------------------------------------------------------------------


def test_every_page_sends_a_browser_without_a_session_to_the_login_form(desk):
    client = client_for(desk.store)
    for path in PAGES:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login"), path
    assert client.get("/agents?days=90", follow_redirects=False).headers["location"] == "/login?next=/agents%3Fdays%3D90"


def test_logging_in_with_a_key_sets_a_signed_httponly_cookie_and_goes_where_the_browser_was_going(desk):
    client = client_for(desk.store)
    r = login(client, desk.own_key, next_path="/model")
    assert r.status_code == 303 and r.headers["location"] == "/model"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith(COOKIE + "="))
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower() and "path=/" in cookie.lower()
    assert desk.own_key not in cookie  # the key itself never travels again
    page = client.get("/model")
    assert page.status_code == 200 and f"Model card — {OWN}" in unescape(page.text)
    assert page.headers["cache-control"] == "no-store"


def test_a_wrong_key_is_refused_and_gives_no_session(desk):
    client = client_for(desk.store)
    for key in ("cxp_not-a-real-key", "", "hunter2"):
        r = login(client, key)
        assert r.status_code == 401
        assert "unknown or has been revoked" in r.text
        assert COOKIE not in r.headers.get("set-cookie", "")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_the_login_form_must_carry_its_own_token(desk):
    client = client_for(desk.store)
    client.get("/login")
    r = client.post("/login", data={"key": desk.own_key, "token": "forged"}, follow_redirects=False)
    assert r.status_code == 403 and COOKIE not in r.headers.get("set-cookie", "")
    fresh = client_for(desk.store)  # a cross-site POST: no login cookie at all
    assert fresh.post("/login", data={"key": desk.own_key, "token": "x"}, follow_redirects=False).status_code == 403


def test_after_login_only_local_paths_are_followed():
    assert safe_next("/agents?days=90") == "/agents?days=90"
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example", "", "/login"):
        assert safe_next(evil) == "/"


def test_logging_out_needs_the_csrf_token_and_ends_the_session(desk):
    own = client_for(desk.store)
    assert login(own, desk.own_key).status_code == 303
    html = own.get("/").text
    assert own.post("/logout", data={"csrf": "wrong"}, follow_redirects=False).status_code == 403
    assert own.get("/", follow_redirects=False).status_code == 200  # still logged in
    r = own.post("/logout", data={"csrf": csrf_of(html)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert own.get("/", follow_redirects=False).status_code == 303


def test_a_revoked_key_ends_its_sessions_at_once(desk):
    from cxpulse.service.keys import create_key

    key, info = create_key(desk.store, account=OWN, name="soon revoked")
    client = client_for(desk.store)
    assert login(client, key).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 200
    revoke_key(desk.store, info.prefix)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_tampered_session_cookie_is_no_session(desk, own):
    value = own.cookies.get(COOKIE)
    payload, mac = value.split(".")
    forged = client_for(desk.store)
    forged.cookies.set(COOKIE, payload + "." + mac[:-2] + ("AA" if not mac.endswith("AA") else "BB"))
    assert forged.get("/", follow_redirects=False).status_code == 303


# ---- the pages -----------------------------------------------------------------------------------------


def test_every_page_renders_for_an_account_key(own):
    for path in PAGES:
        r = own.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        assert "<h1>" in r.text and 'aria-current="page"' in r.text, path
        assert "style=" not in r.text, path  # the CSP forbids inline styles: they would be dropped


def test_the_overview_shows_the_reports_figures_with_intervals_and_change(desk, own):
    since, until = NOW.date() - timedelta(days=89), NOW.date()  # the last 90 days, as /?days=90
    rows = report(desk.store, ReportQuery(account=OWN, since=since, until=until, compare_previous=True))
    html = own.get("/?days=90").text
    text = _text(html)
    csat = next(r for r in rows if r["metric"] == "csat")
    nps = next(r for r in rows if r["metric"] == "nps")
    ces = max((r for r in rows if r["metric"] == "ces"), key=lambda r: r["n"])
    assert _big(html, "csat") == F.percent(csat["value"])
    assert _big(html, "nps") == F.nps(nps["value"])
    assert _big(html, "ces") == F.mean(ces["value"])
    assert f"95% interval {F.percent(csat['low'])} to {F.percent(csat['high'])} · n = {F.count(csat['n'])}" in text
    from cxpulse.metrics.direction import verdict
    marker = verdict("csat", delta=csat["delta"], p_value=csat["p_value"], significant=csat["significant"],
                     n_previous=csat["previous"]["n"], n_current=csat["n"])
    assert f"{F.change('csat', csat['delta'])} vs {F.percent(csat['previous']['value'])} (n = {F.count(csat['previous']['n'])})" in text
    assert marker in text
    first_reply = next(r for r in rows if r["metric"] == "first_reply_minutes")
    assert _big(html, "first_reply_minutes") == F.minutes(first_reply["value"])
    for key in ("csat", "nps", "ces", "csi"):  # a trend chart each, named and described, with a table beside it
        assert f'<svg class="chart line-chart" id="trend-{key}"' in html
        assert f'aria-labelledby="trend-{key}-t trend-{key}-d"' in html
    assert "By week over the last 26 weeks" in text
    assert "By month over the last 12 months" in _text(own.get("/?days=365").text)
    assert "Response rate" in text and "CSAT" in text


def test_agents_sort_by_any_column_through_links(desk, own):
    asc = own.get("/agents?days=365&sort=csat&dir=asc").text
    desc = own.get("/agents?days=365&sort=csat&dir=desc").text
    csat = r'<td class="num" data-figure="csat">(?:<span class="few-mark"[^>]*>few</span> )?(\d+\.\d)%<span class="sub">'
    values = [float(v) for v in re.findall(csat, asc)]
    assert len(values) >= 3 and values == sorted(values)
    assert [float(v) for v in re.findall(csat, desc)] == sorted(values, reverse=True)
    assert 'aria-sort="ascending"' in asc and 'href="/agents?days=365&amp;sort=csat&amp;dir=desc"' in asc
    agents = report(desk.store, ReportQuery(metrics=("csat",), by=("agent",), account=OWN))
    assert any(r["agent_name"] and r["agent_name"] in unescape(asc) for r in agents)
    assert own.get("/agents?sort=nonsense&dir=sideways").status_code == 200  # unknown columns fall back
    groups = own.get("/groups?days=365&sort=name").text
    assert 'aria-sort="descending"' in groups or 'aria-sort="ascending"' in groups


def test_at_risk_lists_open_tickets_lowest_score_first_with_reasons(desk, own):
    acc = desk.store.account(OWN)
    rows, _ = at_risk_sorted(desk.store, acc, limit=5, now=NOW)  # the long holds apart, as the page
    assert rows, "the demo scores its open tickets"
    html = unescape(own.get("/at-risk").text)
    positions = [html.index(f">{r['ticket_id']}<") for r in rows]
    assert positions == sorted(positions)
    assert all(reason in html for reason in rows[0]["reasons"])


def test_at_risk_filters_by_open_status_with_counts(desk, own):
    """A lead leaves the tickets on hold for later: each open status is a link with its counts."""
    from cxpulse.service.tickets import at_risk_counts

    acc = desk.store.account(OWN)
    counts = at_risk_counts(desk.store, acc, below=acc.account.alert_below, now=NOW)
    counts.pop(LONG_HOLD)
    assert len(counts) >= 2, "the demo has open tickets in several statuses"
    status = min(counts, key=lambda s: counts[s][0])
    rows, _ = at_risk_sorted(desk.store, acc, limit=100, status=status, now=NOW)
    assert rows and {r["status"] for r in rows} == {status}
    html = own.get(f"/at-risk?status={status}").text
    text = _text(html)
    assert f"{status.capitalize()} {counts[status][0]}, {counts[status][1]} below" in text
    assert f"{counts[status][1]} {status} tickets score below" in text
    assert all(f">{r['ticket_id']}<" in html for r in rows)
    others = [r for s in counts if s != status for r in at_risk_sorted(desk.store, acc, limit=5, status=s, now=NOW)[0]]
    assert others and not any(f">{r['ticket_id']}<" in html for r in others)
    assert "aria-current" in html and own.get("/at-risk?status=nonsense").status_code == 200  # unknown: all


def test_at_risk_shows_one_agents_queue(desk, own):
    from cxpulse.service.tickets import at_risk_agents

    acc = desk.store.account(OWN)
    agents = at_risk_agents(desk.store, acc, now=NOW, status=LONG_HOLD)  # the small demo's open tickets are long holds
    assert len(agents) >= 2 and agents[0][2] >= agents[-1][2]
    agent, name, n = agents[0]
    html = own.get(f"/at-risk?agent={agent}&status={LONG_HOLD}").text
    mine, _ = at_risk_sorted(desk.store, acc, limit=100, agent=agent, status=LONG_HOLD, now=NOW)
    assert len(mine) == min(n, 100) and {r["agent"] for r in mine} == {agent}
    assert all(f">{r['ticket_id']}<" in html for r in mine)
    theirs = [r for a, *_ in agents[1:3]
              for r in at_risk_sorted(desk.store, acc, limit=3, agent=a, status=LONG_HOLD, now=NOW)[0]]
    assert theirs and not any(f">{r['ticket_id']}<" in html for r in theirs)
    assert f'<option value="{agent}" selected>' in html and f"{name or agent} ({n})" in unescape(html)
    assert f"agent={agent}" in html  # the status links keep the agent
    everyone = own.get("/at-risk?agent=nobody-at-all").text
    assert all(f">{r['ticket_id']}<" in everyone for r in at_risk_sorted(desk.store, acc, limit=5, now=NOW)[0])


def test_the_model_card_shows_auc_brier_base_rate_calibration_and_early_auc(desk, own):
    card = model_card(desk.store, OWN)
    html = own.get("/model").text
    assert _big(html, "auc") == f"{card['auc']:.2f}"
    assert _big(html, "brier") == f"{card['brier']:.3f}"
    assert f"Base rate alone: {card['baseline_brier']:.3f}" in html
    assert 'class="diagonal"' in html and html.count("<circle") == len(card["calibration"])
    assert "Before the first reply" in html
    assert card["rated"] == card["n_train"] + card["n_test"] and "rated tickets, each in one part" in html


def test_alerts_webhooks_drivers_and_low_ratings_show_their_data(desk, own):
    alerts_html = own.get("/alerts").text
    assert "alerts, newest first" in alerts_html and "<ol class=\"reasons\">" in alerts_html
    hooks = own.get("/webhooks").text
    assert WEBHOOK_URL in hooks and "status-pending" in hooks
    assert own.get("/webhooks?status=delivered").text.count("status-pending") == 0
    drivers = own.get("/drivers?days=365").text
    assert 'id="csat-by-first-reply"' in drivers and "&lt;1 h" in drivers
    assert "Lowest ratings" in own.get("/low-ratings?days=365").text


# ---- forms -----------------------------------------------------------------------------------------------


def test_the_survey_form_saves_through_the_service(desk, own):
    form = own.get(f"/surveys/{OWN_SURVEY}").text
    data = {"csrf": csrf_of(form), "active": "on", "delay_minutes": "90", "throttle_days": "14",
            "reminder_days": "", "expire_days": "21", "language": "lt", "reasons": "slow, not_solved", "comment": "on"}
    r = own.post(f"/surveys/{OWN_SURVEY}", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/surveys?saved={OWN_SURVEY}"
    s = get_survey(desk.store, OWN, OWN_SURVEY).survey
    assert (s.delay_minutes, s.throttle_days, s.reminder_days, s.expire_days, s.language, s.reasons) == (
        90, 14, None, 21, "lt", ("slow", "not_solved"))
    assert "saved" in own.get(f"/surveys?saved={OWN_SURVEY}").text


def test_a_refused_survey_value_changes_nothing_and_says_why(desk, own):
    before = get_survey(desk.store, OWN, OWN_SURVEY).survey
    form = own.get(f"/surveys/{OWN_SURVEY}").text
    bad = {"csrf": csrf_of(form), "delay_minutes": "soon", "throttle_days": "14", "expire_days": "0", "language": "en"}
    r = own.post(f"/surveys/{OWN_SURVEY}", data=bad)
    assert r.status_code == 422 and "Nothing was saved" in r.text and "&#39;soon&#39; is not a whole number" in r.text
    assert 'value="soon"' in r.text  # the form keeps what was typed
    bad["delay_minutes"] = "60"
    r = own.post(f"/surveys/{OWN_SURVEY}", data=bad)
    assert r.status_code == 422 and "expire_days" in r.text
    assert get_survey(desk.store, OWN, OWN_SURVEY).survey == before


def test_a_form_without_the_sessions_csrf_token_is_refused(desk, own):
    before = get_survey(desk.store, OWN, OWN_SURVEY).survey
    data = {"active": "", "delay_minutes": "5", "throttle_days": "1", "expire_days": "2", "language": "en"}
    for token in (None, "", "forged-token"):
        sent = data if token is None else {**data, "csrf": token}
        r = own.post(f"/surveys/{OWN_SURVEY}", data=sent)
        assert r.status_code == 403 and "Nothing was changed" in r.text
    assert get_survey(desk.store, OWN, OWN_SURVEY).survey == before


# ---- accounts --------------------------------------------------------------------------------------------


def test_an_account_key_never_sees_another_accounts_data(desk, own):
    other_tickets, _ = at_risk(desk.store, desk.store.account(OTHER), limit=20)
    other_ids = [r["ticket_id"] for r in other_tickets]
    assert other_ids
    for path in PAGES:
        html = own.get(path).text
        assert OTHER not in html, path
        assert OTHER_SURVEY not in html, path
        assert not any(f">{tid}<" in html for tid in other_ids), path
    assert own.get(f"/surveys/{OTHER_SURVEY}").status_code == 404
    html = own.get("/").text
    r = own.post("/account", data={"csrf": csrf_of(html), "account": OTHER, "next": "/at-risk"}, follow_redirects=False)
    assert r.status_code == 303
    assert OTHER not in own.get("/at-risk").text and 'id="account-switch"' not in html  # no switcher to offer


def test_an_admin_key_switches_between_accounts(desk):
    client = client_for(desk.store)
    assert login(client, desk.admin_key).status_code == 303
    html = client.get("/").text
    assert 'id="account-switch"' in html and '<label for="account-switch">Account</label>' in html
    r = client.post("/account", data={"csrf": csrf_of(html), "account": OTHER, "next": "/surveys"},
                    follow_redirects=False)
    assert r.headers["location"] == "/surveys"
    assert OTHER_SURVEY in client.get("/surveys").text
    assert client.post("/account", data={"csrf": "nope", "account": OWN}).status_code == 403
    assert f"Overview — {OTHER}" in unescape(client.get("/").text)


def _counting_overview(desk, monkeypatch) -> tuple:
    """A logged-in client, and the list of report queries its overview pages compute (with
    the thread that computed each): the app's one report cache, counted."""
    import threading

    client = client_for(desk.store)
    login(client, desk.own_key)
    calls: list = []
    reports = client.app.state.context.reports
    real = reports.compute
    monkeypatch.setattr(reports, "compute",
                        lambda store, q: calls.append((q, threading.current_thread().name)) or real(store, q))
    return client, calls


def test_the_overview_is_counted_once_a_minute_per_account_and_period(desk, monkeypatch):
    client, calls = _counting_overview(desk, monkeypatch)
    client.get("/?days=90")
    assert len(calls) == 2  # the period with its comparison, and the trend
    client.get("/?days=90")
    assert len(calls) == 2
    client.get("/?days=30")
    assert len(calls) == 3  # its own period; its trend (26 weeks) is the 90 days' one, kept
    # (a report older than the minute: tests/api/test_background.py)


def test_the_overview_page_is_assembled_again_only_when_its_reports_are_counted_again(desk, monkeypatch):
    from cxpulse.web.dashboard import overview as O

    client, calls = _counting_overview(desk, monkeypatch)
    built: list = []
    real = O._assemble
    monkeypatch.setattr(O, "_assemble", lambda *a: built.append(a[0]) or real(*a))
    first = client.get("/?days=90").text
    assert client.get("/?days=90").text == first and len(built) == 1
    client.app.state.context.data_changed()
    assert client.get("/?days=90").text == first and len(built) == 2 and len(calls) == 4


def test_data_changed_in_this_process_recounts_the_overview_at_once(desk, monkeypatch):
    """A survey answer or a waited-for ingest (`App.data_changed`) must not wait out the minute."""
    import threading
    import time

    client, calls = _counting_overview(desk, monkeypatch)
    ctx = client.app.state.context
    client.get("/?days=365")
    client.get("/?days=365")
    assert len(calls) == 2
    ctx.data_changed(at_once=False)  # background ingest: the minute's copy may stand
    client.get("/?days=365")
    assert all(thread == "cxpulse-report" for _q, thread in calls[2:])  # recounted behind, never while it waits
    for _ in range(500):  # let the recount behind finish
        if not any(t.name == "cxpulse-report" for t in threading.enumerate()):
            break
        time.sleep(0.01)
    done = len(calls)
    ctx.data_changed()
    client.get("/?days=365")
    assert len(calls) == done + 2 and all(thread != "cxpulse-report" for _q, thread in calls[done:])


def test_at_risk_shows_each_tickets_promise_and_how_it_stands(desk, own):
    """Issue 12 §3: the due time beside the score, said as overdue or due in, in red when overdue."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from cxpulse.storage import tables as T
    from cxpulse.web.dashboard.predictions import due_said

    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert due_said(now - timedelta(days=3), now) == "overdue by 3 d"
    assert due_said(now + timedelta(hours=2), now) == "due in 2 h"
    assert due_said(None, now) == ""
    acc = desk.store.account(OWN)
    rows, _ = at_risk_sorted(desk.store, acc, limit=2, now=NOW)
    first = rows[0]["ticket_id"]
    past = NOW.replace(tzinfo=None, microsecond=0) - timedelta(days=2, hours=1)  # the page's now is the app's clock
    where = (T.tickets.c.account_id == acc.id) & (T.tickets.c.source_id == first)
    with desk.store.engine.begin() as conn:
        conn.execute(update(T.tickets).where(where).values(due_at=past))
    try:
        html = unescape(own.get("/at-risk").text)
        assert ">Due</a></th>" in html
        assert f'data-due="{past.replace(tzinfo=UTC).isoformat()}"' in html
        assert '<span class="sub overdue">overdue by 2 d</span>' in html
    finally:
        with desk.store.engine.begin() as conn:
            conn.execute(update(T.tickets).where(where).values(due_at=None))


def test_the_sla_page_shows_the_policies_and_the_share_met(desk, own):
    from cxpulse.service.sla import policy_rows

    html = own.get("/sla?days=365").text
    text = _text(html)
    assert f"SLA targets — {OWN}" in text
    for row in policy_rows(desk.store, OWN):
        assert row["title"] in text and row["matches"] in text
    rows = report(desk.store, ReportQuery(metrics=("sla",), account=OWN, since=NOW.date() - timedelta(days=364),
                                          until=NOW.date() - timedelta(days=1), now=NOW))
    first = next(r for r in rows if r["metric"] == "sla_first_reply")
    assert first["n"] > 0
    assert re.search(rf'data-metric="sla_first_reply">.*?{F.percent(first["value"])}', html, re.S)
    assert "CSAT by SLA" in text and "every target met" in text and "a target breached" in text


def test_at_risk_shows_sla_deadlines_and_a_breaching_filter(desk, own):
    html = own.get("/at-risk").text
    assert 'data-filter="breaching"' in html and "Breaches within 1 h" in unescape(html)
    assert own.get("/at-risk?status=breaching").status_code == 200
    acc = desk.store.account(OWN)
    rows, _ = at_risk(desk.store, acc, limit=100)
    assert any(r["sla_deadline"] is not None for r in rows), "the demo's open tickets run SLA targets"
