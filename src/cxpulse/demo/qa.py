"""A demo week of QA reviews: two reviewers on overlapping tickets, and a few mystery shops.

`simulate_reviews` is pure: tickets and a random stream in, review dicts out, so the demo
(or a test) decides where the tickets come from and where the reviews go.

How the scores arise, so that every QA figure has something to show:

- each ticket has a hidden quality in 0..1: the one given, else one read from its CSAT
  (a 5 lies near 0.9, a 1 near 0.45: QA and CSAT agree, loosely), else a draw around
  0.78; each agent adds a steady skill offset, so agents differ in IQS;
- each criterion's true level is that quality plus the criterion's own wobble; integrity
  sits higher (most answers are honest), so its critical fails stay rare;
- a reviewer rates the true level with their own slight bias and noise, so two reviewers
  mostly agree but not always: Krippendorff's alpha lands well above 0 and below 1;
- whether a criterion applies (N/A) belongs to the ticket, so reviewers seldom differ on it;
- a share of the tickets (`overlap`) is scored by every reviewer: the calibration set that
  `qa_agreement` needs; the rest are split between them, spread over the agents;
- mystery reviews go to a shopper, on tickets without a CSAT rating where there are such
  (the customer was not real, so the ticket has no real rating to lose).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from random import Random
from typing import Any

from cxpulse.domain.scorecards import Criterion, CriterionScale, Scorecard
from cxpulse.metrics.qa import review_score

__all__ = ["ROOT_CAUSES", "simulate_reviews"]

ROOT_CAUSES = ("knowledge_gap", "process_not_followed", "tone", "workload", "tooling")

# How a criterion's true level sits against the ticket's quality: most answers are honest
# (integrity high), while personal touches and empathy vary more.
_OFFSET = {"integrity": 0.2, "politeness": 0.12, "speed": -0.02, "personalisation": -0.08, "empathy": -0.05}
_NA_CHANCE = {"empathy": 0.18, "personalisation": 0.12, "convenience": 0.08, "speed": 0.04}
# what a reviewer writes beside a low rating (1 or 2 on 1-4, a fail on pass/fail)
_LOW_COMMENTS = {1: "Needs real improvement here.", 2: "Could be better; see the conversation."}
_FAIL_COMMENT = "Not met; see the conversation."


def simulate_reviews(
    tickets: Sequence[Mapping[str, Any]],
    reviewers: Sequence[str],
    scorecard: Scorecard,
    rng: Random,
    days: int = 7,
    mystery_share: float = 0.05,
    *,
    per_day: int = 8,
    overlap: float = 0.4,
    shopper: str = "shopper-1",
    end: datetime | None = None,
) -> list[dict[str, Any]]:
    """A week (by default) of reviews of `tickets` by `reviewers`, plus a few mystery reviews.

    Each ticket is a mapping with `ticket_id`, `agent_id` and `solved_at` (aware datetime),
    and optionally `quality` (0..1), `csat` (1–5) or `satisfied` (True/False, for a binary
    CSAT scale); unsolved or unassigned tickets are
    skipped. Reviews cover tickets solved in the `days` before `end` (default: the last
    solve). Each reviewer does about `per_day` reviews a day; `overlap` of them are on
    tickets every reviewer scores; `mystery_share` of the total come from `shopper`.

    Each review: {"review_id", "ticket_id", "agent_id", "reviewer", "scorecard", "version",
    "reviewed_at", "scores" (criterion key → 1–4, True/False or None for N/A), "comments"
    (key → text, for the low ratings), "root_cause" (or None), "mystery"}.
    """
    if not reviewers or len(set(reviewers)) != len(reviewers):
        raise ValueError(f"reviewers must be distinct names, got {list(reviewers)!r}")
    if shopper in reviewers:
        raise ValueError(f"the shopper {shopper!r} cannot also be a reviewer")
    if days < 1 or per_day < 1:
        raise ValueError(f"days and per_day must be >= 1, got days={days}, per_day={per_day}")
    if not 0 <= overlap <= 1 or not 0 <= mystery_share < 1:
        raise ValueError(f"need 0 <= overlap <= 1 and 0 <= mystery_share < 1, got {overlap}, {mystery_share}")
    solved = [t for t in tickets if t.get("solved_at") is not None and t.get("agent_id")]
    if not solved:
        return []
    end = end or max(t["solved_at"] for t in solved) + timedelta(seconds=1)
    start = end - timedelta(days=days)
    pool = sorted((t for t in solved if start <= t["solved_at"] < end), key=lambda t: str(t["ticket_id"]))
    if not pool:
        return []

    world = _World(scorecard, rng, pool, reviewers)
    order = _spread_over_agents(pool, rng)

    # the mystery tickets first: out of the reviewers' pool, unrated ones preferred
    wanted = per_day * days * len(reviewers)
    n_mystery = min(len(order) // 4, math.ceil(mystery_share * wanted)) if mystery_share > 0 else 0
    unrated = [t for t in order if not _rated(t)]
    mystery = (unrated + [t for t in order if _rated(t)])[:n_mystery]
    mystery_ids = {id(t) for t in mystery}
    order = [t for t in order if id(t) not in mystery_ids]

    # calibration set scored by everyone, then the rest dealt out in turn
    per_reviewer = min(per_day * days, len(order))
    n_shared = round(overlap * per_reviewer) if len(reviewers) > 1 else 0
    n_own = max(0, min(per_reviewer - n_shared, (len(order) - n_shared) // len(reviewers)))
    n_shared = min(n_shared, len(order))
    shared, rest = order[:n_shared], order[n_shared:]
    plan: list[tuple[Mapping[str, Any], str, bool]] = [(t, r, False) for t in shared for r in reviewers]
    for i, t in enumerate(rest[: n_own * len(reviewers)]):
        plan.append((t, reviewers[i % len(reviewers)], False))
    plan += [(t, shopper, True) for t in mystery]

    reviews = [world.review(t, reviewer, mystery=is_mystery, end=end) for t, reviewer, is_mystery in plan]
    reviews.sort(key=lambda r: (r["reviewed_at"], r["reviewer"], r["ticket_id"]))
    for i, r in enumerate(reviews, 1):
        r["review_id"] = f"demo-review-{i}"
    return reviews


def _rated(ticket: Mapping[str, Any]) -> bool:
    return ticket.get("csat") is not None or ticket.get("satisfied") is not None


def _from_rating(ticket: Mapping[str, Any]) -> float:
    """The quality a rating suggests: CSAT 1 → 0.45 … 5 → 0.89; satisfied 0.84, not 0.52."""
    if ticket.get("csat") is not None:
        return 0.45 + 0.11 * (float(ticket["csat"]) - 1)
    return 0.84 if ticket["satisfied"] else 0.52


def _spread_over_agents(pool: list[Mapping[str, Any]], rng: Random) -> list[Mapping[str, Any]]:
    """The tickets shuffled within each agent, then dealt agent by agent, so every agent is reviewed."""
    by_agent: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for t in pool:
        by_agent[str(t["agent_id"])].append(t)
    queues = []
    for agent in sorted(by_agent):
        items = by_agent[agent]
        rng.shuffle(items)
        queues.append(items)
    rng.shuffle(queues)
    out: list[Mapping[str, Any]] = []
    while any(queues):
        for q in queues:
            if q:
                out.append(q.pop())
    return out


class _World:
    """The hidden truths the reviewers observe: ticket quality, agent skill, reviewer bias."""

    def __init__(
        self, scorecard: Scorecard, rng: Random, pool: list[Mapping[str, Any]], reviewers: Sequence[str]
    ) -> None:
        self.card = scorecard
        self.rng = rng
        rated: dict[str, list[float]] = defaultdict(list)
        for t in pool:
            if t.get("quality") is None and _rated(t):
                rated[str(t["agent_id"])].append(_from_rating(t))
        # an agent's unrated tickets resemble their rated ones; without ratings, a draw
        self.agent_quality = {a: sum(qs) / len(qs) for a, qs in rated.items()}
        self.skill = {a: rng.gauss(0, 0.03) for a in sorted({str(t["agent_id"]) for t in pool})}
        self.bias = {r: rng.gauss(0, 0.05) for r in reviewers}
        self.truth: dict[str, dict[str, float | None]] = {}

    def _quality(self, ticket: Mapping[str, Any]) -> float:
        rng = self.rng
        if ticket.get("quality") is not None:
            q = float(ticket["quality"])
        elif _rated(ticket):
            q = _from_rating(ticket) + rng.gauss(0, 0.1)
        elif str(ticket["agent_id"]) in self.agent_quality:
            q = self.agent_quality[str(ticket["agent_id"])] + rng.gauss(0, 0.12)
        else:
            q = rng.betavariate(7, 2)
        return q + self.skill.get(str(ticket["agent_id"]), 0.0)

    def _levels(self, ticket: Mapping[str, Any]) -> dict[str, float | None]:
        """Each criterion's true level on this ticket (None: it does not apply), drawn once."""
        key = str(ticket["ticket_id"])
        if key not in self.truth:
            q = self._quality(ticket)
            self.truth[key] = {
                c.key: None if c.na_allowed and self.rng.random() < _NA_CHANCE.get(c.key, 0.03)
                else q + _OFFSET.get(c.key, 0.0) + self.rng.gauss(0, 0.12)
                for c in self.card.criteria
            }
        return self.truth[key]

    def _rate(self, c: Criterion, level: float | None, bias: float) -> int | bool | None:
        rng = self.rng
        if level is None:  # only where N/A is allowed
            if rng.random() > 0.05:
                return None
            # a reviewer now and then rates what the other calls N/A: middling, as it is unclear
            return True if c.scale is CriterionScale.PASS_FAIL else 3
        if c.na_allowed and rng.random() < 0.02:
            return None  # and now and then skips one that applies
        seen = level + bias + rng.gauss(0, 0.09)
        if c.scale is CriterionScale.PASS_FAIL:
            return seen >= 0.45
        return min(4, max(1, round(1 + 3 * seen)))

    def review(self, ticket: Mapping[str, Any], reviewer: str, *, mystery: bool, end: datetime) -> dict[str, Any]:
        levels = self._levels(ticket)
        bias = self.bias.get(reviewer, 0.0)
        scores = {c.key: self._rate(c, levels[c.key], bias) for c in self.card.criteria}
        lows = [k for k, v in scores.items() if v is False or (not isinstance(v, bool) and v in (1, 2))]
        comments = {k: _FAIL_COMMENT if scores[k] is False else _LOW_COMMENTS[scores[k]] for k in lows}
        score = review_score(scores, self.card.criteria)
        root_cause = self.rng.choice(ROOT_CAUSES) if score is not None and score < 60 else None
        solved: datetime = ticket["solved_at"]
        delay = timedelta(hours=self.rng.uniform(2, 60))
        reviewed_at = min(solved + delay, end - timedelta(seconds=1))
        return {
            "review_id": "",
            "ticket_id": str(ticket["ticket_id"]),
            "agent_id": str(ticket["agent_id"]),
            "reviewer": reviewer,
            "scorecard": self.card.name,
            "version": self.card.version,
            "reviewed_at": max(reviewed_at, solved),
            "scores": scores,
            "comments": comments,
            "root_cause": root_cause,
            "mystery": mystery,
        }
