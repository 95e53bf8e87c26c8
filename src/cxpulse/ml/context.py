"""The context inputs of a prediction: how the agent, the customer and the account were
rated before t.

Why it is shaped this way: scoring asks three "as of t" questions per snapshot, for
tens of thousands of snapshots, so each must cost a few bisections, never a scan. The
ratings are sorted once; per agent, per customer and for the whole account we keep
their times and a running count of satisfied ones (prefix sums), so "n and satisfied
share in [t − window, t)" is two `bisect`s and two subtractions.

No leakage: a rating given at or after t is never counted (the interval is open at t),
and the ticket being scored never counts its own ratings, whenever they were given —
its outcome is what we predict.

Small samples are reported as they are: each answer is `(n, share)` with share = nan
when n = 0. The model reads n beside the share and learns how far to trust a share
of 2 ratings; `shrunk_share` (River's `BayesianMean`) is there for a reader that wants
one number pulled toward the account's rate instead.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


__all__ = ["WINDOW_DAYS", "PastRating", "RatingHistory", "shrunk_share"]

_DAY = 86_400.0
WINDOW_DAYS = 90  # the agent's and the account's recent ratings: the last 90 days before t


@dataclass(frozen=True, slots=True)
class PastRating:
    """One CSAT outcome of the account's past, attributed to an agent and a customer."""

    at: datetime  # when the rating was given (aware UTC)
    ticket_id: str
    agent_id: str
    customer_id: str
    satisfied: bool


class _Series:
    """Sorted times (epoch seconds) and prefix sums of satisfied outcomes."""

    __slots__ = ("times", "cum")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.cum: list[int] = [0]

    def add(self, ts: float, satisfied: bool) -> None:
        self.times.append(ts)
        self.cum.append(self.cum[-1] + satisfied)

    def count(self, lo: float, hi: float) -> tuple[int, int]:
        """(n, satisfied) with lo <= time < hi."""
        times = self.times
        i = bisect_left(times, lo) if lo > -math.inf else 0
        j = bisect_left(times, hi)
        cum = self.cum
        return j - i, cum[j] - cum[i]


_EMPTY = _Series()


def _share(n: int, k: int) -> tuple[int, float]:
    return (n, k / n) if n > 0 else (0, math.nan)


def shrunk_share(n: int, share: float, prior: float, *, strength: float = 10.0) -> float:
    """The share pulled toward `prior` as if `strength` ratings at the prior rate came first.

    River's `BayesianMean`: (strength × prior + n × share) / (strength + n). With 2
    ratings, both bad, and an account at 80 %, it says 0.67 rather than 0.
    >>> round(shrunk_share(2, 0.0, 0.8), 2)
    0.67
    """
    if n <= 0 or math.isnan(share):
        return prior
    if math.isnan(prior):
        return share
    return (strength * prior + n * share) / (strength + n)


class RatingHistory:
    """An account's past CSAT outcomes, sorted by time; answers 'as of t' questions fast
    (bisect + prefix sums), each excluding the ticket being scored."""

    def __init__(self, ratings: Iterable[PastRating], *, window_days: int = WINDOW_DAYS) -> None:
        self.window_days = window_days
        self._window = window_days * _DAY
        self._all = _Series()
        self._agents: dict[str, _Series] = {}
        self._customers: dict[str, _Series] = {}
        # the scored ticket's own ratings, to take back out of a count: (ts, agent, customer, satisfied)
        self._own: dict[str, list[tuple[float, str, str, bool]]] = {}
        # (time, the account's answer, the agents' answers) of the last time `context` was asked
        self._kept: tuple[float, tuple[int, float], dict[str, tuple[int, float]]] | None = None
        rows = sorted(((r.at.timestamp(), r) for r in ratings), key=lambda p: p[0])
        for ts, r in rows:
            ok = bool(r.satisfied)
            self._all.add(ts, ok)
            if r.agent_id:
                s = self._agents.get(r.agent_id)
                if s is None:
                    s = self._agents[r.agent_id] = _Series()
                s.add(ts, ok)
            if r.customer_id:
                s = self._customers.get(r.customer_id)
                if s is None:
                    s = self._customers[r.customer_id] = _Series()
                s.add(ts, ok)
            self._own.setdefault(r.ticket_id, []).append((ts, r.agent_id, r.customer_id, ok))

    def __len__(self) -> int:
        return len(self._all.times)

    # --- the three questions -------------------------------------------------------------

    def agent(self, agent_id: str, *, before: datetime, exclude_ticket: str) -> tuple[int, float]:
        """(n, satisfied share or nan) of the agent's ratings in [before − window, before)."""
        ts = before.timestamp()
        return self._agent_ts(agent_id, ts, exclude_ticket)

    def customer(self, customer_id: str, *, before: datetime, exclude_ticket: str) -> tuple[int, float]:
        """(n, satisfied share or nan) of all the customer's ratings before `before`."""
        return self._customer_ts(customer_id, before.timestamp(), exclude_ticket)

    def account(self, *, before: datetime, exclude_ticket: str) -> tuple[int, float]:
        """(n, satisfied share or nan) of the account's ratings in [before − window, before)."""
        return self._account_ts(before.timestamp(), exclude_ticket)

    def context(
        self, agent_id: str, customer_id: str, *, before: datetime, exclude_ticket: str
    ) -> tuple[int, float, int, float, int, float]:
        """The three answers at once (agent, customer, account), one timestamp conversion.

        A batch scored at one time (`cxpulse score --open`: every ticket as of now) asks
        the same agent and account questions again and again: for a ticket with no
        ratings of its own to take out, those answers are kept for the last time asked."""
        ts = before.timestamp()
        customer_n, customer_csat = self._customer_ts(customer_id, ts, exclude_ticket)
        if exclude_ticket in self._own:
            agent_n, agent_csat = self._agent_ts(agent_id, ts, exclude_ticket)
            account_n, account_csat = self._account_ts(ts, exclude_ticket)
            return agent_n, agent_csat, customer_n, customer_csat, account_n, account_csat
        kept = self._kept
        if kept is None or kept[0] != ts:
            kept = self._kept = (ts, self._account_ts(ts, exclude_ticket), {})
        agents = kept[2]
        agent = agents.get(agent_id)
        if agent is None:
            agent = agents[agent_id] = self._agent_ts(agent_id, ts, exclude_ticket)
        account_n, account_csat = kept[1]
        return agent[0], agent[1], customer_n, customer_csat, account_n, account_csat

    # --- internals on epoch seconds ------------------------------------------------------

    def _agent_ts(self, agent_id: str, ts: float, exclude: str) -> tuple[int, float]:
        if not agent_id:
            return 0, math.nan
        lo = ts - self._window
        n, k = self._agents.get(agent_id, _EMPTY).count(lo, ts)
        own = self._own.get(exclude)
        if own and n:
            for at, agent, _, ok in own:
                if agent == agent_id and lo <= at < ts:
                    n -= 1
                    k -= ok
        return _share(n, k)

    def _customer_ts(self, customer_id: str, ts: float, exclude: str) -> tuple[int, float]:
        if not customer_id:
            return 0, math.nan
        n, k = self._customers.get(customer_id, _EMPTY).count(-math.inf, ts)
        own = self._own.get(exclude)
        if own and n:
            for at, _, customer, ok in own:
                if customer == customer_id and at < ts:
                    n -= 1
                    k -= ok
        return _share(n, k)

    def _account_ts(self, ts: float, exclude: str) -> tuple[int, float]:
        lo = ts - self._window
        n, k = self._all.count(lo, ts)
        own = self._own.get(exclude)
        if own and n:
            for at, _, _, ok in own:
                if lo <= at < ts:
                    n -= 1
                    k -= ok
        return _share(n, k)
