"""The Quality pages (issue 16 §2–§3) through the dashboard's HTTP surface: the figures and
the queue of the demo's week of reviews, the review form beside the ticket's conversation,
its errors kept on the form, and which role opens which page."""

from __future__ import annotations

import re
from html import unescape

import pytest

from cxpulse.domain.scorecards import DEFAULT_SCORECARD
from cxpulse.service.keys import create_key
from cxpulse.service.qa import list_reviews, review_queue
from cxpulse.service.report import ReportQuery, report
from cxpulse.service.tickets import ticket_conversation
from cxpulse.storage import Store
from tests.dashboard_helpers import OTHER, OWN, client_for, csrf_of, login, seed_desk
from tests.pg import private_database

SETTINGS_PAGES = ("/", "/agents", "/sla", "/low-ratings", "/at-risk", "/model", "/alerts", "/webhooks", "/surveys",
                  "/connections")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture(scope="module")
def pg_db():
    """A PostgreSQL database of this module's own: the shared one is truncated by other tests."""
    with private_database("cxpulse_test_dashboard_quality") as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def desk(request, tmp_path_factory):
    """The small demo desk (with its week of reviews and its queue), once per backend."""
    if request.param == "sqlite":
        store = Store.open(tmp_path_factory.mktemp("quality") / "cxpulse.db")
    else:
        store = Store.open(request.getfixturevalue("pg_db"))
    yield seed_desk(store)
    store.engine.dispose()


@pytest.fixture(scope="module")
def keys(desk):
    reviewer, _ = create_key(desk.store, account=OWN, role="reviewer", name="Rasa")
    shopper, _ = create_key(desk.store, account=OWN, role="shopper", name="shopper two")
    return {"reviewer": reviewer, "shopper": shopper, "account": desk.own_key}


def _client(desk, key):
    client = client_for(desk.store)
    assert login(client, key).status_code == 303
    return client


def _pending_ticket(desk) -> str:
    return next(i["ticket_id"] for i in review_queue(desk.store, OWN) if not i["done"])


def _filled(html: str, criteria_scores: dict[str, str] | None = None, **extra) -> dict:
    """The form's fields as a browser would post them, every criterion scored 3 unless given."""
    keys = sorted(set(re.findall(r'name="score\.([a-z_0-9]+)"', html)))
    data = {"csrf": csrf_of(html), "review_id": re.search(r'name="review_id" value="([^"]+)"', html).group(1),
            "scorecard_version": re.search(r'name="scorecard_version" value="([^"]+)"', html).group(1)}
    for k in keys:
        data[f"score.{k}"] = (criteria_scores or {}).get(k, "3")
    return {**data, **extra}


def test_the_quality_page_shows_the_demo_weeks_figures_and_the_queue(desk):
    client = _client(desk, desk.own_key)
    r = client.get("/quality")
    assert r.status_code == 200
    text = _text(r.text)
    rows = report(desk.store, ReportQuery(metrics=("iqs",), account=OWN))
    iqs = next(x for x in rows if x["metric"] == "iqs")
    assert f"{iqs['value']:.1f} IQS" in text
    assert "IQS by agent" in text and "By criterion" in text and "Reviewer agreement" in text
    by_agent = [x for x in report(desk.store, ReportQuery(metrics=("iqs",), account=OWN, by=("agent",)))
                if x["metric"] == "iqs" and x.get("agent_name")]
    assert by_agent and all(f"{x['agent_name']}" in text for x in by_agent)  # agents by name, not only their ids
    assert "IQS and CSAT by agent" in text and "Mystery shoppers" in text
    assert 'data-metric="mystery-iqs"' in r.text  # the demo's shops, counted apart
    for item in review_queue(desk.store, OWN):
        assert f'href="/quality/review/{item["ticket_id"]}"' in r.text
    assert "pending" in text
    assert 'href="/quality" aria-current="page"' in r.text  # its nav entry
    # another account's queue is not shown
    own_queue = {i["ticket_id"] for i in review_queue(desk.store, OWN)}
    other = {i["ticket_id"] for i in review_queue(desk.store, OTHER)} - own_queue
    assert not any(f'/quality/review/{t}"' in r.text for t in other)


def test_the_review_form_sits_beside_the_conversation_and_speaks_the_asked_language(desk):
    client = _client(desk, desk.own_key)
    ticket = _pending_ticket(desk)
    r = client.get(f"/quality/review/{ticket}")
    assert r.status_code == 200
    convo = ticket_conversation(desk.store, desk.store.account(OWN), ticket)
    assert convo["messages"]
    text = _text(r.text)
    assert _text(convo["messages"][0]["body"])[:40] in text
    for k in ("speed", "integrity", "empathy"):
        assert f'name="score.{k}" value="4"' in r.text and f'name="score.{k}" value="na"' in r.text
        assert f'name="comment.{k}"' in r.text
    assert "Empathy" in text and 'name="root_cause"' in r.text and 'name="comment"' in r.text
    lt = client.get(f"/quality/review/{ticket}?lang=lt")
    assert "Empatija" in _text(lt.text)
    assert client.get("/quality/review/no-such-ticket").status_code == 404


def test_a_form_with_missing_scores_is_shown_again_with_errors_and_what_was_typed(desk):
    client = _client(desk, desk.own_key)
    ticket = _pending_ticket(desk)
    html = client.get(f"/quality/review/{ticket}").text
    data = _filled(html, comment="Kept as typed")
    del data["score.empathy"]
    data["score.speed"] = "7"
    before = len(list_reviews(desk.store, OWN, ticket=ticket)[0])
    r = client.post(f"/quality/review/{ticket}", data=data, follow_redirects=False)
    assert r.status_code == 422
    text = _text(r.text)
    assert "Nothing was saved" in text and "Choose a score" in text
    assert "Kept as typed" in r.text and 'value="3" checked' in r.text
    assert len(list_reviews(desk.store, OWN, ticket=ticket)[0]) == before
    # no CSRF token: refused, nothing saved
    assert client.post(f"/quality/review/{ticket}", data={**_filled(html), "csrf": "forged"},
                       follow_redirects=False).status_code == 403
    assert len(list_reviews(desk.store, OWN, ticket=ticket)[0]) == before


def test_a_reviewer_reviews_a_queued_ticket_and_it_is_done_and_shown(desk, keys):
    client = _client(desk, keys["reviewer"])
    ticket = _pending_ticket(desk)
    html = client.get(f"/quality/review/{ticket}").text
    data = _filled(html, {"integrity": "4", "empathy": "na", "speed": "2"}, **{"comment.speed": "Slow first reply"},
                   root_cause="workload", comment="Solid answer")
    r = client.post(f"/quality/review/{ticket}", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/quality?saved=")
    (saved,), _ = list_reviews(desk.store, OWN, ticket=ticket, reviewer="Rasa")
    assert saved["reviewer"] == "Rasa" and not saved["mystery"] and saved["root_cause"] == "workload"
    scores = {s["criterion"]: s for s in saved["scores"]}
    assert scores["empathy"]["score"] is None and scores["speed"]["score"] == 2
    assert scores["speed"]["comment"] == "Slow first reply"
    # sending the same form again changes nothing
    assert client.post(f"/quality/review/{ticket}", data=data, follow_redirects=False).status_code == 303
    assert len(list_reviews(desk.store, OWN, ticket=ticket, reviewer="Rasa")[0]) == 1
    # a hand-made POST naming another reviewer's review id does not replace it
    from cxpulse.service.qa import ReviewInput, create_review

    theirs = create_review(desk.store, OWN, ReviewInput(ticket_id=ticket, reviewer="Nikos", id="ab" * 16,
                                                        scores=dict.fromkeys(DEFAULT_SCORECARD.keys, 4)))
    forged = client.post(f"/quality/review/{ticket}", data={**data, "review_id": theirs["review_id"]},
                         follow_redirects=False)
    assert forged.status_code == 422 and "belongs to another review" in _text(forged.text)
    (kept,), _ = list_reviews(desk.store, OWN, review_id=theirs["review_id"])
    assert kept["reviewer"] == "Nikos" and kept["score"] == theirs["score"]
    page = client.get("/quality").text
    assert f'data-review="{saved["review_id"]}"' in page and "Review saved" not in page


def test_a_reviewer_sees_their_own_part_of_the_queue(desk):
    key, _ = create_key(desk.store, account=OWN, role="reviewer", name="Nikos")  # a demo reviewer
    page = _client(desk, key).get("/quality?mine=1").text
    theirs = [i["ticket_id"] for i in review_queue(desk.store, OWN, assignee="Nikos")]
    others = [i["ticket_id"] for i in review_queue(desk.store, OWN) if i["assignee"] != "Nikos"]
    assert theirs and others
    queue = page[page.index('id="h-queue"'):page.index('id="h-reviews"')]
    assert all(f'/quality/review/{t}"' in queue for t in theirs)
    assert not any(f'/quality/review/{t}"' in queue for t in others)


def test_roles_open_only_their_pages(desk, keys):
    reviewer = _client(desk, keys["reviewer"])
    ticket = _pending_ticket(desk)
    assert reviewer.get("/quality").status_code == 200
    assert reviewer.get(f"/quality/review/{ticket}").status_code == 200
    assert "IQS and CSAT by agent" not in reviewer.get("/quality").text  # CSAT is a report: not a reviewer's
    for path in SETTINGS_PAGES:
        assert reviewer.get(path, follow_redirects=False).status_code == 403, path
    nav = reviewer.get("/quality").text
    assert 'href="/surveys"' not in nav and 'href="/quality"' in nav
    shopper = _client(desk, keys["shopper"])
    form = shopper.get(f"/quality/review/{ticket}")
    assert form.status_code == 200
    assert "Conversation" not in form.text  # a shopper reads no conversations
    assert "a mystery review" in _text(form.text)
    for path in ("/quality", *SETTINGS_PAGES):
        assert shopper.get(path, follow_redirects=False).status_code == 403, path
    # without a session: to the login form and back; where each role lands after logging in
    anon = client_for(desk.store)
    r = anon.get(f"/quality/review/{ticket}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next=/quality/review/{ticket}"
    assert login(anon, keys["reviewer"], next_path=f"/quality/review/{ticket}").headers["location"] == \
        f"/quality/review/{ticket}"
    fresh = client_for(desk.store)
    assert login(fresh, keys["reviewer"]).headers["location"] == "/quality"
    fresh = client_for(desk.store)
    assert login(fresh, keys["shopper"]).headers["location"] == "/quality/review"
    # a shopper's review is a mystery review, and its ticket leaves CSAT
    r = shopper.post(f"/quality/review/{ticket}", data=_filled(form.text), follow_redirects=False)
    assert r.status_code == 303
    (saved,), _ = list_reviews(desk.store, OWN, ticket=ticket, reviewer="shopper two")
    assert saved["mystery"]
    # a reviewer can log out
    assert reviewer.post("/logout", data={"csrf": csrf_of(nav)}, follow_redirects=False).status_code == 303


def test_an_agents_reviews_show_their_disputes_beside_them(desk):
    from cxpulse.service.qa import open_dispute, resolve_dispute

    reviews, _ = list_reviews(desk.store, OWN, mystery=False, limit=50)
    target = next(r for r in reviews if r["agent_id"] and not r["disputes"])
    d = open_dispute(desk.store, OWN, target["review_id"], agent_id=target["agent_id"],
                     comment="The customer asked for the refund twice")
    client = _client(desk, desk.own_key)
    page = client.get(f"/quality?agent={target['agent_id']}")
    assert page.status_code == 200
    row = re.search(rf'<tr data-review="{re.escape(target["review_id"])}"[^>]*>.*?</tr>', page.text, re.S).group(0)
    assert "open" in _text(row) and "The customer asked for the refund twice" in _text(row)
    others = set(re.findall(r'<tr data-review="[^"]+" data-agent="([^"]*)"', page.text))
    assert others == {target["agent_id"]}  # that agent's reviews only
    resolve_dispute(desk.store, OWN, d["id"], resolver="Rūta", comment="Agreed, raised to 3")
    row = re.search(rf'<tr data-review="{re.escape(target["review_id"])}"[^>]*>.*?</tr>',
                    client.get(f"/quality?agent={target['agent_id']}").text, re.S).group(0)
    assert "resolved" in _text(row) and "Rūta: Agreed, raised to 3" in _text(row)
