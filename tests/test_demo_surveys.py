"""The demo's surveys (issue 18, item 9): each demo account has CSAT, CES, NPS and CSI
surveys whose invitations are the ones the overview counts as "Sent", `cxpulse surveys
link` works on the demo, and the pages behind the links can be tried."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from cxpulse.cli import app
from cxpulse.service.demo import run_demo
from cxpulse.service.surveys import invitation_links, send_due
from cxpulse.storage import Store
from cxpulse.storage import tables as T
from cxpulse.surveys import i18n
from cxpulse.web import create_app
from tests.dashboard_helpers import csrf_of, login
from tests.survey_helpers import RecordingMailer, token_of

TICKETS = 900
END = date(2026, 6, 30)
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # the app's clock: the morning after the demo's last day
ACCOUNTS = ("aegean-travel", "nordlicht", "polar-soft")
LABELS = {"CSAT": "csat", "CES": "ces", "NPS": "nps", "CSI": "csi"}
runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("demo-surveys") / "demo.db")
    store = Store.open(db)
    summary = run_demo(store, tickets=TICKETS, end=END, predict=False)
    fresh.extend(_invitation_rows(store))  # as the demo left them, before a test answers one
    yield db, store, summary
    store.engine.dispose()


fresh: list = []


def _survey_list(db: str, account: str) -> dict[str, dict]:
    result = runner.invoke(app, ["surveys", "list", "--account", account, "--db", db, "-f", "json"])
    assert result.exit_code == 0, result.output
    return {row["name"]: row for row in json.loads(result.stdout)}


def _invitation_rows(store: Store) -> list:
    i, s, a = T.survey_invitations.c, T.surveys.c, T.accounts.c
    q = (select(a.name, s.name, i.ticket_id, i.status, i.sent_at, i.language, i.email, i.id)
         .join_from(T.survey_invitations, T.surveys, s.id == i.survey_id).join(T.accounts, a.id == i.account_id)
         .order_by(a.name, s.name, i.ticket_id))
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q)]


def test_every_demo_account_has_surveys_that_sent_the_invitations_the_reports_count(demo):
    db, store, summary = demo
    assert summary.surveys == 12 and summary.invitations == store.count(T.invitations) > 0
    inv, resp, acc = T.invitations.c, T.responses.c, T.accounts.c
    with store.engine.connect() as conn:
        counted = {(a, k): n for a, k, n in conn.execute(
            select(acc.name, inv.kind, func.count()).join(T.accounts, acc.id == inv.account_id)
            .group_by(acc.name, inv.kind))}
        answered = {(a, k): n for a, k, n in conn.execute(
            select(acc.name, resp.kind, func.count(func.distinct(resp.ticket_id)))
            .join(T.accounts, acc.id == resp.account_id).where(resp.kind != "review").group_by(acc.name, resp.kind))}
    for account in ACCOUNTS:
        surveys = {n: s for n, s in _survey_list(db, account).items() if n != "pulse"}  # pulse: the agents'
        assert set(surveys) == {"csat", "ces", "nps", "csi"}
        assert all(s["active"] and s["kind"] == name for name, s in surveys.items())
        assert surveys["csat"]["scale"] == str(store.account(account).account.csat_scale)
        for name, s in surveys.items():
            assert s["sent"] == counted[(account, name)], (account, name)
            assert s["answered"] == answered.get((account, name), 0), (account, name)
            assert s["scheduled"] == 0
    statuses = {row[3] for row in _invitation_rows(store)}
    assert statuses == {"answered", "expired", "sent"}  # the last month's unanswered ones are still open


def _sent_cells(html: str) -> dict[str, int]:
    table = html[html.index('id="h-response"'):]
    rows = re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', table)
    return {LABELS[label]: int(re.sub(r"\D", "", n)) for label, n in rows if label in LABELS}


def test_the_overviews_sent_figures_are_invitations_the_surveys_hold(demo):
    db, store, summary = demo
    rows = _invitation_rows(store)
    with TestClient(create_app(store, clock=lambda: NOW)) as client:
        assert login(client, summary.login_key).status_code == 303
        for account in ACCOUNTS:
            html = client.get("/").text
            client.post("/account", data={"csrf": csrf_of(html), "account": account, "next": "/"})
            for days in (30, 90):
                page = unescape(client.get(f"/?days={days}").text)
                assert f"Overview — {account}" in page
                tz = ZoneInfo(store.account(account).account.timezone)
                since = NOW.date() - timedelta(days=days - 1)
                expected: dict[str, int] = {}
                for acc, survey, _t, status, sent_at, *_ in rows:
                    local = sent_at.replace(tzinfo=UTC).astimezone(tz).date()
                    if acc == account and since <= local <= NOW.date():
                        expected[survey] = expected.get(survey, 0) + 1
                shown = _sent_cells(page)
                assert shown and shown == expected, (account, days)


def test_surveys_link_works_on_the_demo_and_its_page_takes_a_vote(demo):
    db, store, _summary = demo
    result = runner.invoke(app, ["surveys", "link", "--account", "nordlicht", "--survey", "csat", "--db", db],
                           env={"CXPULSE_BASE_URL": ""})
    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/l/\S+", link)
    with TestClient(create_app(store, clock=lambda: NOW)) as client:
        path = "/l/" + token_of(link)
        page = client.get(path, headers={"Accept-Language": "el"})
        assert page.status_code == 200 and 'lang="el"' in page.text
        assert 'name="score" value="5"' in page.text or 'name="score" value="1"' in page.text
        vote = client.post(path, data={"score": "1", "ticket": "NL-test"}, headers={"Accept-Language": "el"})
        assert vote.status_code == 200
        assert i18n.texts("el")["page.feedback_saved"] in unescape(vote.text)


def test_an_open_demo_invitations_email_link_records_a_rating_in_the_customers_language(demo):
    db, store, _summary = demo
    open_ones = [r for r in _invitation_rows(store) if r[0] == "aegean-travel" and r[1] == "csat" and r[3] == "sent"]
    assert open_ones
    _acc, _s, ticket, _st, _sent, language, email, inv_id = open_ones[0]
    assert email.endswith(".mail.example") and language in ("en", "ru", "el", "lt")
    links = invitation_links(store, inv_id)
    score, _label, url = links[-1]
    with TestClient(create_app(store, clock=lambda: NOW)) as client:
        r = client.get("/s/" + token_of(url), headers={"Accept-Language": "lt" if language != "lt" else "ru"})
        assert r.status_code == 200 and f'lang="{language}"' in r.text  # the customer's, not the browser's
        assert i18n.texts(language)["page.thanks_title"] in unescape(r.text)
    i, = [row for row in _invitation_rows(store) if row[-1] == inv_id]
    assert i[3] == "answered"
    with store.engine.connect() as conn:
        stored = conn.execute(select(T.responses.c.score).where(T.responses.c.source_id == f"survey-{inv_id}")).all()
    assert [s for (s,) in stored] == [score]


def test_send_due_on_the_demo_mails_nobody_and_a_rerun_adds_nothing(demo):
    db, store, _summary = demo
    before = _invitation_rows(store)
    mailer = RecordingMailer()
    summary = send_due(store, mailer, now=datetime(2026, 7, 1, tzinfo=UTC))
    assert (summary.scheduled, summary.sent, summary.reminded) == (0, 0, 0) and mailer.sent == []
    again = run_demo(store, tickets=TICKETS, end=END, predict=False)
    assert again.invitations == _summary.invitations
    assert _invitation_rows(store) == before
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(T.surveys)).scalar_one() == 12


def test_the_same_seed_gives_the_same_survey_invitations(demo, tmp_path):
    other = Store.open(tmp_path / "again.db")
    run_demo(other, tickets=TICKETS, end=END, predict=False)
    theirs = _invitation_rows(other)
    other.engine.dispose()
    assert fresh and [r[:7] for r in fresh] == [r[:7] for r in theirs]
