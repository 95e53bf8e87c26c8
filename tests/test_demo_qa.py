"""The demo's week of QA reviews: what a new user would see in the QA pages must be there —
two reviewers who mostly agree on shared tickets, every agent reviewed, IQS that follows
CSAT, rare critical fails, and a few mystery reviews apart from the rest."""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from cxpulse.demo import generate
from cxpulse.demo.qa import ROOT_CAUSES, simulate_reviews
from cxpulse.domain.scorecards import DEFAULT_SCORECARD, Criterion, CriterionScale, Scorecard
from cxpulse.metrics.qa import check_review, correlation_interval, krippendorff_alpha, review_score

END = datetime(2026, 6, 30, tzinfo=UTC)
REVIEWERS = ["ann", "bob"]


def make_tickets(n: int = 400, *, agents: int = 7, seed: int = 3, days: int = 10) -> list[dict]:
    """Solved tickets with CSAT on 1–5 (a third unrated); better agents get better ratings."""
    rng = random.Random(seed)
    skill = [rng.uniform(-1.0, 1.0) for _ in range(agents)]
    out = []
    for i in range(n):
        a = i % agents
        csat = None if rng.random() < 1 / 3 else min(5, max(1, round(rng.gauss(3.9 + skill[a], 1.2))))
        out.append({"ticket_id": f"t{i}", "agent_id": f"agent-{a}",
                    "solved_at": END - timedelta(hours=rng.uniform(0.5, 24 * days)), "csat": csat})
    return out


@pytest.fixture(scope="module")
def tickets() -> list[dict]:
    return make_tickets()


@pytest.fixture(scope="module")
def reviews(tickets) -> list[dict]:
    return simulate_reviews(tickets, REVIEWERS, DEFAULT_SCORECARD, random.Random(11))


def test_same_stream_same_reviews_and_another_seed_differs(tickets, reviews):
    again = simulate_reviews(tickets, REVIEWERS, DEFAULT_SCORECARD, random.Random(11))
    assert again == reviews
    other = simulate_reviews(tickets, REVIEWERS, DEFAULT_SCORECARD, random.Random(12))
    assert other != reviews


def test_each_review_fits_its_scorecard_and_names_its_version(reviews):
    for r in reviews:
        check_review(r["scores"], DEFAULT_SCORECARD.criteria)
        assert (r["scorecard"], r["version"]) == (DEFAULT_SCORECARD.name, DEFAULT_SCORECARD.version)
        assert set(r["comments"]) <= set(r["scores"])
        assert r["root_cause"] is None or r["root_cause"] in ROOT_CAUSES
    assert len({r["review_id"] for r in reviews}) == len(reviews)


def test_a_week_of_reviews_after_each_ticket_was_solved(tickets, reviews):
    solved = {t["ticket_id"]: t["solved_at"] for t in tickets}
    last = max(solved.values())
    for r in reviews:
        assert last - timedelta(days=7) <= solved[r["ticket_id"]] <= r["reviewed_at"] <= last + timedelta(seconds=1)
    by_reviewer = defaultdict(int)
    for r in reviews:
        by_reviewer[r["reviewer"]] += 1
    assert by_reviewer["ann"] == by_reviewer["bob"] == 8 * 7  # per_day × days each


def test_reviewers_share_tickets_never_twice_and_mostly_agree(reviews):
    by_ticket = defaultdict(list)
    for r in reviews:
        if not r["mystery"]:
            by_ticket[r["ticket_id"]].append(r)
    assert all(len({r["reviewer"] for r in rs}) == len(rs) for rs in by_ticket.values())
    shared = [rs for rs in by_ticket.values() if len(rs) == 2]
    assert len(shared) == round(0.4 * 56)
    alphas = {c.key: krippendorff_alpha([[r["scores"][c.key] for r in rs] for rs in shared], "ordinal")
              for c in DEFAULT_SCORECARD.criteria}
    assert all(a is not None for a in alphas.values()), alphas
    # realistic calibration: clearly better than chance, short of perfect
    assert 0.4 < statistics.mean(alphas.values()) < 0.95, alphas
    assert all(a < 1 for a in alphas.values())


def test_every_agent_with_solved_tickets_is_reviewed(tickets, reviews):
    assert {r["agent_id"] for r in reviews if not r["mystery"]} == {t["agent_id"] for t in tickets}


def test_iqs_follows_csat_and_critical_fails_are_rare(tickets, reviews):
    csat = {t["ticket_id"]: t["csat"] for t in tickets}
    scores = [(csat[r["ticket_id"]], review_score(r["scores"], DEFAULT_SCORECARD.criteria)) for r in reviews]
    scores = [(c, s) for c, s in scores if s is not None]
    low = statistics.mean(s for c, s in scores if c in (1, 2))
    high = statistics.mean(s for c, s in scores if c == 5)
    assert high > low + 20
    assert 55 < statistics.mean(s for _, s in scores) < 90
    zeros = sum(1 for _, s in scores if s == 0)  # a failed critical (integrity 1 or 2)
    assert zeros < 0.1 * len(scores)
    assert any(r["root_cause"] for r in reviews)


def test_iqs_by_agent_correlates_with_csat_by_agent():
    tickets = make_tickets(1500, agents=10, seed=5, days=8)
    reviews = simulate_reviews(tickets, REVIEWERS, DEFAULT_SCORECARD, random.Random(2), per_day=25)
    agent = {t["ticket_id"]: t["agent_id"] for t in tickets}
    iqs_by_agent, csat_by_agent = defaultdict(list), defaultdict(list)
    for r in reviews:
        s = review_score(r["scores"], DEFAULT_SCORECARD.criteria)
        if s is not None and not r["mystery"]:
            iqs_by_agent[agent[r["ticket_id"]]].append(s)
    for t in tickets:
        if t["csat"] is not None:
            csat_by_agent[t["agent_id"]].append(t["csat"] >= 4)
    agents = sorted(iqs_by_agent)
    r, low, high = correlation_interval([statistics.mean(iqs_by_agent[a]) for a in agents],
                                        [statistics.mean(csat_by_agent[a]) for a in agents])
    assert r > 0.3 and low < r < high
    fails = [x for x in reviews if x["scores"]["integrity"] in (1, 2)]
    assert 0 < len(fails) < 0.1 * len(reviews)  # critical fails happen, rarely
    assert all(review_score(x["scores"], DEFAULT_SCORECARD.criteria) == 0 for x in fails)


def test_a_few_mystery_reviews_by_the_shopper_on_unrated_tickets(tickets, reviews):
    mystery = [r for r in reviews if r["mystery"]]
    assert len(mystery) == 6  # ceil(5% of 2 × 56)
    assert {r["reviewer"] for r in mystery} == {"shopper-1"}
    rated = {t["ticket_id"] for t in tickets if t["csat"] is not None}
    assert not {r["ticket_id"] for r in mystery} & rated
    ordinary = {r["ticket_id"] for r in reviews if not r["mystery"]}
    assert not {r["ticket_id"] for r in mystery} & ordinary
    assert not [r for r in reviews if not r["mystery"] and r["reviewer"] == "shopper-1"]


def test_no_mystery_reviews_when_the_share_is_zero(tickets):
    reviews = simulate_reviews(tickets, REVIEWERS, DEFAULT_SCORECARD, random.Random(1), mystery_share=0)
    assert not any(r["mystery"] for r in reviews)


def test_a_pass_fail_scorecard_gets_pass_fail_ratings(tickets):
    card = Scorecard("Chat", 2, (
        Criterion("greeting", {"en": "Greeting"}, scale=CriterionScale.PASS_FAIL),
        Criterion("gdpr", {"en": "GDPR"}, scale=CriterionScale.PASS_FAIL, critical=True, na_allowed=False),
        Criterion("solution", {"en": "Solution"}, weight=3),
    ))
    reviews = simulate_reviews(tickets, REVIEWERS, card, random.Random(4))
    assert reviews
    for r in reviews:
        check_review(r["scores"], card.criteria)
        assert isinstance(r["scores"]["gdpr"], bool)
        assert r["version"] == 2
    assert {r["scores"]["greeting"] for r in reviews} >= {True, False}


def test_small_or_empty_inputs_give_what_they_can():
    assert simulate_reviews([], REVIEWERS, DEFAULT_SCORECARD, random.Random(1)) == []
    unsolved = [{"ticket_id": "t1", "agent_id": "a", "solved_at": None}]
    assert simulate_reviews(unsolved, REVIEWERS, DEFAULT_SCORECARD, random.Random(1)) == []
    few = make_tickets(9, days=3)
    reviews = simulate_reviews(few, REVIEWERS, DEFAULT_SCORECARD, random.Random(1))
    pairs = [(r["ticket_id"], r["reviewer"]) for r in reviews]
    assert reviews and len(pairs) == len(set(pairs))


@pytest.mark.parametrize("kwargs, message", [
    ({"reviewers": ["ann", "ann"]}, "distinct"),
    ({"reviewers": []}, "distinct"),
    ({"shopper": "ann"}, "cannot also be a reviewer"),
    ({"days": 0}, "days and per_day"),
    ({"overlap": 1.5}, "overlap"),
])
def test_bad_arguments_are_refused_by_name(tickets, kwargs, message):
    args = {"reviewers": REVIEWERS, **kwargs}
    reviewers = args.pop("reviewers")
    with pytest.raises(ValueError, match=message):
        simulate_reviews(tickets, reviewers, DEFAULT_SCORECARD, random.Random(1), **args)


def test_runs_on_the_demo_help_desk():
    """Wired the way the demo would: its tickets, assignees and 1–5 CSAT ratings."""
    tickets, csat = {}, {}
    for rec in generate(7, tickets=6000):
        if rec.account != "aegean-travel":
            continue
        if rec.kind == "ticket":
            tickets[rec.obj.source_id] = rec.obj
        elif rec.kind == "response" and rec.obj.kind == "csat" and rec.obj.scale.value == "1-5":
            csat[rec.obj.ticket_id] = rec.obj.score
    rows = [{"ticket_id": t.source_id, "agent_id": t.assignee_id, "solved_at": t.solved_at,
             "csat": csat.get(t.source_id)} for t in tickets.values()]
    reviews = simulate_reviews(rows, REVIEWERS, DEFAULT_SCORECARD, random.Random(7), per_day=4)
    assert len({r["ticket_id"] for r in reviews}) >= 20
    by_ticket = defaultdict(set)
    for r in reviews:
        by_ticket[r["ticket_id"]].add(r["reviewer"])
    assert sum(1 for rs in by_ticket.values() if rs == set(REVIEWERS)) >= 5
    assert any(r["mystery"] for r in reviews)
