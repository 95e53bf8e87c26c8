"""The queues of a demo account: how long a new ticket waits before an agent answers.

Email and web tickets wait in one queue measured in business time: each brings a random
amount of team work, and the backlog when a ticket arrives delays its first reply (and,
through `backlog`, the replies after it), so Monday mornings and busy seasons are slower.
Chats and calls wait on the line, longer when many came in during the last half hour.
"""

from __future__ import annotations

from collections import deque
from random import Random

from cxpulse.demo.clock import HOUR, MINUTE, YEAR, Clock
from cxpulse.demo.people import Agent
from cxpulse.demo.profiles import LIVE, PRIORITY_WAIT, RHO, Profile


class Queues:
    """The email/web backlog and the load on the live channels, for one account."""

    def __init__(self, p: Profile, rng: Random, *, clock: Clock, start_ts: float, end_ts: float) -> None:
        self.p = p
        self.rng = rng
        self.clock = clock
        self.start_ts, self.end_ts = start_ts, end_ts
        self.free_b = clock.to_b(start_ts)  # when the email queue empties (business s)
        self.work = 0.0
        self.live_recent: deque[float] = deque()
        self.live_expected = 1.0
        self.backlog = 1.0

    def calibrate(self, plans: list) -> None:
        """Size the team's time per ticket and the expected live traffic from the year's plans."""
        clock = self.clock
        n_async = sum(1 for plan in plans if plan[0] not in LIVE)
        n_live = len(plans) - n_async
        business = clock.to_b(self.end_ts) - clock.to_b(self.start_ts)
        self.work = RHO * business / max(1, n_async)  # business seconds of team time per ticket
        live_seconds = YEAR if self.p.chat_all_day else business
        self.live_expected = max(0.2, n_live * (30 * MINUTE) / live_seconds)  # arrivals per 30 min

    def live_wait(self, channel: str, ts: float, agent: Agent) -> float:
        """Seconds before a chat or call is answered: longer when many came in lately."""
        recent = self.live_recent
        recent.append(ts)
        while recent and recent[0] < ts - 30 * MINUTE:
            recent.popleft()
        load = max(0.5, len(recent) / self.live_expected)
        base = 45.0 if channel == "chat" else 40.0
        wait = base * load * agent.speed * self.rng.lognormvariate(0.0, 0.7)
        if not self.clock.working(ts):
            wait *= 2.5  # the night shift is thin
        return min(wait, 45 * MINUTE)

    def queue_wait(self, ts: float, priority: str) -> float:
        """Business seconds an email or web ticket waits for someone to pick it up."""
        b = self.clock.to_b(ts)
        backlog = max(0.0, self.free_b - b)
        self.free_b = max(self.free_b, b) + self.work * self.rng.expovariate(1.0)
        self.backlog = 1.0 + backlog / (6 * HOUR)
        return backlog * PRIORITY_WAIT[priority]
