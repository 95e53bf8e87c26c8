"""The dashboard's Team page: the employee survey per quarter beside CSAT, the whole account only,
and a quarter with fewer than 5 answers shows none of its figures, themes or comments."""

from __future__ import annotations

import re
from datetime import timedelta

from cxpulse.service.keys import create_key
from tests.dashboard_helpers import client_for, login
from tests.employee_helpers import BILLING, SENT, TECH, answer, send, survey, team

SECRET = "the knowledge base misses what only one agent would write"
JANUARY_SECRET = "one of two writes this in january"
# eNPS 10, 9, 9, 8, 6, 3 and 10: the detractors (6, 3 and the Tech agent's 0) write about the knowledge base
BILLING_COMMENTS = ["more training", "tools freeze", "fine", "", "the knowledge base is outdated",
                    "the knowledge base search is slow", "great team"]


def test_the_team_page_shows_enps_and_the_questions_per_quarter_and_hides_small_ones(store):
    team(store)
    survey(store)
    _, links = send(store)
    for i, agent in enumerate(BILLING):
        answer(store, links[f"{agent}@acme.example"], [10, 9, 9, 8, 6, 3, 10][i], rating=4,
               comment=BILLING_COMMENTS[i])
    answer(store, links["t0@acme.example"], 0, rating=1, comment=SECRET)
    _, january = send(store, SENT + timedelta(days=62))  # Q1: only two answers
    for agent in TECH[:2]:
        answer(store, january[f"{agent}@acme.example"], 2, now=SENT + timedelta(days=62, hours=1),
               comment=JANUARY_SECRET if agent == "t0" else "")
    key, _ = create_key(store, account="acme")
    client = client_for(store)
    login(client, key)
    html = client.get("/team").text
    assert "2026-Q4" in html and "2027-Q1" in html
    assert "+12 <span" in html  # 8 answers: 4 promoters, 3 detractors → +12.5
    assert "The tools and systems I work with" in html and "3.62" in html  # (7·4 + 1) / 8
    assert "fewer than 5 answers" in html  # Q1
    # the Tech agent's id nowhere as a name of its own (the page's random CSRF token, base64url,
    # holds "t0" inside it on ~1 page in 130: that is no leak)
    assert not re.search(r"(?<![\w-])t0(?![\w-])", html) and JANUARY_SECRET not in html
    # the trend: Q4's eNPS with its interval, Q1 a gap (no point, its n not told)
    chart = re.search(r'<svg[^>]*id="enps-by-quarter".*?</svg>', html, re.S).group(0)
    assert "2026-Q4: +12 (n = 8)" in chart and "2027-Q1" in chart and "n = 2" not in chart
    assert chart.count("<circle") == 1
    # Q4's 8 answers: the themes and every comment, alphabetically (the order of answering is not told)
    q4 = re.search(r'<details class="employee-comments" data-quarter="2026-Q4" open>(.*?)</details>', html, re.S)
    assert q4 and "7 comments from 8 answers" in q4.group(1)
    assert re.findall(r'<li lang="">([^<]*)</li>', q4.group(1)) == sorted(c for c in BILLING_COMMENTS + [SECRET] if c)
    assert re.search(r'<th scope="row" lang="">[^<]*knowledge', q4.group(1))
    q1 = re.search(r'<details class="employee-comments" data-quarter="2027-Q1">(.*?)</details>', html, re.S)
    assert q1 and "fewer than 5 answers" in q1.group(1) and "<li" not in q1.group(1)
