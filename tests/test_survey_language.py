"""Which language a survey page speaks: `?lang=`, else the customer's profile, else the
browser's Accept-Language (by q-value), else the survey's language (issue 18, item 9)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from cxpulse.service.surveys import create_survey, invitation_links, link_url, send_due
from cxpulse.surveys import i18n
from cxpulse.surveys.definitions import Survey
from cxpulse.web import create_app
from tests.survey_helpers import ACCOUNT, T0, RecordingMailer, customer, invitations, responses, seed, ticket, token_of
from tests.test_survey_pages import check_page

H = timedelta(hours=1)
SENT = T0 + 3 * H
CSAT = Survey(name="csat", kind="csat")


@pytest.fixture
def client(store):
    with TestClient(create_app(store, clock=lambda: SENT + 5 * timedelta(minutes=1))) as c:
        yield c


def _link(store, **customers: str) -> str:
    """A signature link's path; customers by id with their profile locale ("" = none)."""
    seed(store, [customer(cid, locale=locale) for cid, locale in customers.items()]
         + [ticket("t1", next(iter(customers)), solved_at=T0 + H)])
    create_survey(store, ACCOUNT, CSAT, now=T0)
    return "/l/" + token_of(link_url(store, ACCOUNT, "csat"))


def _question(lang: str) -> str:
    return i18n.question(CSAT, lang, company=ACCOUNT)


@pytest.mark.parametrize(("header", "lang"), [
    ("el", "el"),
    ("fr, el;q=0.5, ru;q=0.9", "ru"),  # the highest q we speak, not the first listed
    ("lt-LT;q=0.8, en-GB;q=0.7", "lt"),
    ("ru;q=0, el", "el"),  # q=0 means "not this one"
    ("de, fr;q=0.8", "en"),  # none we speak: the survey's language
    ("", "en"),
])
def test_a_link_page_without_a_known_customer_follows_accept_language(store, client, header, lang):
    path = _link(store, c_none="")
    for params in ({}, {"customer": "c_none"}, {"customer": "someone-we-never-saw"}):
        r = client.get(path, params=params, headers={"Accept-Language": header} if header else {})
        page = check_page(r, lang)
        assert i18n.texts(lang)["page.link_title"] in page.title
        assert [label for _s, label in i18n.score_labels(CSAT, lang)] == page.buttons


def test_the_customers_profile_and_lang_beat_the_browser(store, client):
    path = _link(store, c_lt="lt_LT")
    browser = {"Accept-Language": "ru, el;q=0.9"}
    assert check_page(client.get(path, params={"customer": "c_lt"}, headers=browser), "lt")
    assert check_page(client.get(path, params={"lang": "el", "customer": "c_lt"}, headers=browser), "el")
    assert check_page(client.get(path, params={"lang": "el"}, headers=browser), "el")


def test_a_link_vote_is_thanked_in_the_browsers_language(store, client):
    path = _link(store, c_none="")
    r = client.post(path, data={"score": "5", "ticket": "t1"}, headers={"Accept-Language": "el-GR, en;q=0.5"})
    assert r.status_code == 200
    assert i18n.texts("el")["page.feedback_saved"] in check_page(r, "el").body_text
    assert [x["score"] for x in responses(store)] == [5]


def _emailed(store, **customers: str) -> dict[str, str]:
    """customer id -> the path of the score-5 link of the email sent to them."""
    recs = []
    for cid, locale in customers.items():
        recs += [customer(cid, locale=locale), ticket(f"t-{cid}", cid, solved_at=T0 + H)]
    seed(store, recs)
    create_survey(store, ACCOUNT, CSAT, now=T0)
    assert send_due(store, RecordingMailer(), now=SENT).sent == len(customers)
    out = {}
    for cid in customers:
        inv = invitations(store)[f"t-{cid}"]
        out[cid] = next("/s/" + token_of(url) for score, _l, url in invitation_links(store, inv["id"]) if score == 5)
    return out


def test_an_email_links_page_follows_the_browser_when_the_customers_language_is_unknown(store, client):
    paths = _emailed(store, c_none="", c_ru="ru-RU", c_xx="xx")
    assert invitations(store)["t-c_none"]["language"] == "en"  # the email went out in the survey's language
    browser = {"Accept-Language": "en;q=0.2, lt;q=0.8"}
    page = check_page(client.get(paths["c_none"], headers=browser), "lt")
    assert i18n.texts("lt")["page.thanks_title"] in page.title
    # the follow-up form posted from that page is answered in the same language
    r = client.post(paths["c_none"], data={"comment": "Ačiū"}, headers=browser)
    assert i18n.texts("lt")["page.feedback_saved"] in check_page(r, "lt").body_text
    assert check_page(client.get(paths["c_xx"], headers={"Accept-Language": "el"}), "el")  # a locale we do not speak
    # a customer whose profile names a language we speak keeps it: the email was in it
    assert check_page(client.get(paths["c_ru"], headers={"Accept-Language": "el"}), "ru")
    # no header: the email's language
    assert check_page(client.get(paths["c_none"]), "en")


def test_accepted_languages_ranks_by_q_value_and_skips_what_it_cannot_trust():
    assert i18n.accepted_languages("fr, el;q=0.9, ru-RU;q=0.95") == ["ru", "el"]
    assert i18n.accepted_languages("ru;q=0.3, lt;q=0.8, en;q=0") == ["lt", "ru"]
    assert i18n.accepted_languages("el;q=abc, lt, *;q=0.1") == ["lt"]
    assert i18n.accepted_languages("el;q=2, en-US, en;q=0.5") == ["en"]  # q above 1 is malformed
    assert i18n.accepted_languages("") == [] and i18n.accepted_languages(None) == []
