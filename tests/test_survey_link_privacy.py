"""A signature link shows nothing stored about a ticket unless it is that ticket's own link (issue 13 §7).

Signature links sit in every agent's email signature; ticket ids are sequential. Before the
fix, `/l/<link>?ticket=NL-2` showed NL-2's subject to anyone holding the link.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cxpulse.domain import TokenInvalid
from cxpulse.service.surveys import create_survey, link_url
from cxpulse.surveys.definitions import Survey
from cxpulse.surveys.tokens import sign_link, verify_link, verify_ticket_link
from cxpulse.web import create_app
from tests.survey_helpers import ACCOUNT, T0, customer, responses, seed, ticket, token_of

SECRET_SUBJECT = "Refund for Ms Berzina, card ending 4242"


@pytest.fixture
def desk(store):
    seed(store, [customer("c1", locale="en"), ticket("NL-1", "c1", solved_at=T0, subject="Mine"),
                 ticket("NL-2", "c1", solved_at=T0, subject=SECRET_SUBJECT)])
    create_survey(store, ACCOUNT, Survey(name="csat", kind="csat"), now=T0)
    with TestClient(create_app(store, clock=lambda: T0)) as client:
        yield store, client


def test_a_survey_wide_link_shows_a_ticket_hint_but_not_its_subject(desk):
    store, client = desk
    token = token_of(link_url(store, ACCOUNT, "csat", agent_id="a1"))
    page = client.get(f"/l/{token}", params={"ticket": "NL-2"})
    assert page.status_code == 200
    assert "NL-2" in page.text  # the hint, shown back as typed
    assert SECRET_SUBJECT not in page.text and "Berzina" not in page.text


def test_a_tickets_own_link_shows_its_subject_and_only_its_own(desk):
    store, client = desk
    own = token_of(link_url(store, ACCOUNT, "csat", agent_id="a1", ticket_id="NL-2"))
    assert SECRET_SUBJECT in client.get(f"/l/{own}").text
    other = client.get(f"/l/{own}", params={"ticket": "NL-1"})  # a forged hint changes nothing
    assert "NL-2" in other.text and SECRET_SUBJECT in other.text and "Mine" not in other.text
    mine = token_of(link_url(store, ACCOUNT, "csat", ticket_id="NL-1"))
    assert SECRET_SUBJECT not in client.get(f"/l/{mine}", params={"ticket": "NL-2"}).text


def test_a_vote_through_a_tickets_own_link_rates_that_ticket(desk):
    store, client = desk
    own = token_of(link_url(store, ACCOUNT, "csat", ticket_id="NL-2"))
    r = client.post(f"/l/{own}", data={"score": "4", "ticket": "NL-1", "customer": "c1"})
    assert r.status_code == 200
    assert [(x["ticket_id"], x["score"]) for x in responses(store)] == [("NL-2", 4)]


def test_ticket_links_are_signed_and_survey_wide_ones_still_verify():
    secret = b"s" * 32
    wide, own = sign_link(secret, 1, 2, "a1"), sign_link(secret, 1, 2, "a1", "NL-2")
    assert verify_ticket_link(secret, wide) == (1, 2, "a1", "")
    assert verify_ticket_link(secret, own) == (1, 2, "a1", "NL-2")
    assert verify_link(secret, own) == (1, 2, "a1")
    with pytest.raises(TokenInvalid):  # another secret: not ours
        verify_ticket_link(b"t" * 32, own)
