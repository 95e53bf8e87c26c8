"""One demo account simulated over its year: traffic, tickets' lives, ratings, records.

`AccountSim` owns the account's random stream and hands it to its people, queues, desk
and ratings; the order in which they draw from it is what makes the output reproducible.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

from cxpulse.demo.clock import HOUR, YEAR, Clock, dt
from cxpulse.demo.life import Desk, Life
from cxpulse.demo.people import Customer, make_agents, make_customers
from cxpulse.demo.profiles import LIVE, Profile
from cxpulse.demo.queues import Queues
from cxpulse.demo.ratings import Ratings
from cxpulse.domain import EventKind, Role, Ticket, TicketEvent, User
from cxpulse.readers.base import Record

_STATUS, _ASSIGNEE, _GROUP, _PRIORITY = EventKind.STATUS, EventKind.ASSIGNEE, EventKind.GROUP, EventKind.PRIORITY


class AccountSim:
    """One account's year, on its own random stream: `records()` yields it."""

    def __init__(self, p: Profile, n: int, seed: int, end: date) -> None:
        self.p = p
        self.n = n
        self.rng = Random(f"cxpulse-demo/{seed}/{p.name}")
        self.tz = ZoneInfo(p.timezone)
        self.end_ts = datetime.combine(end + timedelta(days=1), time(0), UTC).timestamp()
        self.start_ts = self.end_ts - YEAR
        first = dt(self.start_ts).date() - timedelta(days=3)
        self.clock = Clock(self.tz, p.hours, first, end + timedelta(days=400))
        group_names = [g for g, _ in p.groups]
        self.agents = make_agents(p, self.rng, group_names=group_names, start_ts=self.start_ts)
        self.customers = make_customers(p, self.rng, count=max(8, n * 10 // 23))
        self.queues = Queues(p, self.rng, clock=self.clock, start_ts=self.start_ts, end_ts=self.end_ts)
        self.desk = Desk(p, self.rng, clock=self.clock, tz=self.tz, queues=self.queues, agents=self.agents)
        self.ratings = Ratings(p, self.rng, start_ts=self.start_ts, end_ts=self.end_ts)

    # -- traffic --

    def _arrivals(self) -> list[float]:
        p, rng, tz = self.p, self.rng, self.tz
        slots: list[float] = []
        cum: list[float] = []
        total = 0.0
        ts = math.floor(self.start_ts / HOUR) * HOUR
        while ts < self.end_ts:
            loc = datetime.fromtimestamp(ts, tz)
            total += (
                p.hour_curve[loc.hour]
                * p.weekday_curve[loc.weekday()]
                * p.season[loc.month - 1]
                * (1.0 + p.growth * (ts - self.start_ts) / YEAR)
            )
            slots.append(ts)
            cum.append(total)
            ts += HOUR
        out = []
        for _ in range(self.n):
            i = min(bisect_right(cum, rng.random() * total), len(slots) - 1)
            t = slots[i] + rng.random() * HOUR
            out.append(min(max(t, self.start_ts), self.end_ts - 1.0))
        out.sort()
        return out

    def _live_open(self, channel: str, ts: float) -> bool:
        if channel == "chat" and self.p.chat_all_day:
            return True
        return self.clock.working(ts)

    def _plan(self, ts: float) -> tuple[str, str, str, Customer]:
        p, rng = self.p, self.rng
        channel = rng.choices([c for c, _ in p.channels], [w for _, w in p.channels])[0]
        if channel in LIVE and not self._live_open(channel, ts):
            channel = "email" if rng.random() < 0.6 else "web"  # offline: they write instead
        category = rng.choices([c for c, _ in p.categories], [w for _, w in p.categories])[0]
        urgent_leaning = category in ("login", "bug", "booking")
        priority = rng.choices(
            ("low", "normal", "high", "urgent"),
            (0.1, 0.55, 0.27, 0.08) if urgent_leaning else (0.17, 0.63, 0.16, 0.04),
        )[0]
        k = len(self.customers)
        customer = self.customers[min(k - 1, int(k * rng.random() ** 1.4))]
        return channel, category, priority, customer

    # -- the stream --

    def records(self) -> Iterator[Record]:
        p = self.p
        arrivals = self._arrivals()
        plans = [self._plan(ts) for ts in arrivals]
        self.queues.calibrate(plans)
        lives = [self._live(k, ts, plan) for k, (ts, plan) in enumerate(zip(arrivals, plans))]
        base = self.ratings.base(lives)

        name = p.name
        for a in self.agents:
            yield Record("user", User(a.id, Role.AGENT, a.name, a.email, a.language), account=name)
        for c in self.customers:
            if c.tickets:
                yield Record("user", User(c.id, Role.CUSTOMER, c.name, c.email, c.language), account=name)
        for life in lives:
            yield from self._emit(life, base)

    def _live(self, k: int, created: float, plan: tuple[str, str, str, Customer]) -> Life:
        life = self.desk.live(k, created, plan)
        if life.solved_at is not None:
            life.x = self.ratings.satisfaction_logit(life)
        return life

    # -- output --

    def _emit(self, life: Life, base: float) -> Iterator[Record]:
        name, end = self.p.name, self.end_ts
        sid = life.sid
        events = [e for e in life.events if e[0] <= end]
        status, solved_at, assignee, group, priority = "new", None, "", "", life.priority
        for e in events:
            kind = e[1]
            if kind is _STATUS:
                status = e[7]
                if status == "solved":
                    solved_at = e[0]
            elif kind is _ASSIGNEE:
                assignee = e[7]
            elif kind is _GROUP:
                group = e[7]
            elif kind is _PRIORITY:
                priority = e[7]
        done = status in ("solved", "closed")
        yield Record(
            "ticket",
            Ticket(
                source_id=sid,
                created_at=dt(life.created),
                subject=life.subject,
                description=life.description,
                status=status,
                channel=life.channel,
                priority=priority,
                group=group,
                category=life.category,
                requester_id=life.customer.id,
                assignee_id=assignee,
                updated_at=dt(events[-1][0]),
                solved_at=dt(solved_at) if done and solved_at is not None else None,
            ),
            account=name,
        )
        for i, (ts, kind, author, role, public, body, v_from, v_to) in enumerate(events, 1):
            yield Record(
                "event",
                TicketEvent(f"{sid}-e{i}", sid, dt(ts), kind, author, role, public, body, v_from, v_to),
                account=name,
            )
        if life.solved_at is not None and life.solved_at <= end and done:
            yield from self.ratings.surveys(life, base)
