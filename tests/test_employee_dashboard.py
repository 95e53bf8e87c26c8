"""The dashboard's Team page: the employee survey per quarter beside CSAT, the whole account only,
and a quarter with fewer than 5 answers shows none of its figures."""

from __future__ import annotations

from datetime import timedelta

from cxpulse.service.keys import create_key
from tests.dashboard_helpers import client_for, login
from tests.employee_helpers import BILLING, SENT, TECH, answer, send, survey, team

SECRET = "only t0 would write this"


def test_the_team_page_shows_enps_and_the_questions_per_quarter_and_hides_small_ones(store):
    team(store)
    survey(store)
    _, links = send(store)
    for i, agent in enumerate(BILLING):
        answer(store, links[f"{agent}@acme.example"], [10, 9, 9, 8, 6, 3, 10][i], rating=4)
    answer(store, links["t0@acme.example"], 0, rating=1, comment=SECRET)
    _, january = send(store, SENT + timedelta(days=62))  # Q1: only two answers
    for agent in TECH[:2]:
        answer(store, january[f"{agent}@acme.example"], 2, now=SENT + timedelta(days=62, hours=1))
    key, _ = create_key(store, account="acme")
    client = client_for(store)
    login(client, key)
    html = client.get("/team").text
    assert "2026-Q4" in html and "2027-Q1" in html
    assert "+12 <span" in html  # 8 answers: 4 promoters, 3 detractors → +12.5
    assert "The tools and systems I work with" in html and "3.62" in html  # (7·4 + 1) / 8
    assert "fewer than 5 answers" in html  # Q1
    assert SECRET not in html and "t0" not in html
