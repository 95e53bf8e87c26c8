"""A realistic, reproducible help desk to try cxpulse on: `generate(seed)`.

Three accounts of different character (`PROFILES`) share about 20,000 tickets over the
twelve months that end on a fixed day, so the same seed always gives the same data and
nothing depends on the clock. Each account is simulated on its own random stream:

- arrivals follow hour-of-day and weekday curves in the account's timezone, a seasonal
  bump and a trend; chat and phone are live only in their hours, otherwise the customer
  writes an email or a web form instead;
- email and web tickets wait in a queue measured in business time: the backlog when a
  ticket arrives delays its first reply, so Monday mornings and busy seasons are slower;
  agents write only inside business hours, customers any time but rarely at night;
- a ticket lives through rounds of agent replies and customer answers (pending → open),
  escalations on hold, reassignments, group transfers, priority bumps, private notes,
  "any update?" follow-ups when the customer waits past their patience, and reopens;
- texts are in the customer's language (English, Russian, Greek, Lithuanian) and their
  tone follows the customer's temper, the category and the waiting;
- every solved ticket gets a CSAT invitation; satisfaction is a logistic function of the
  first reply, resolution time, reopens, reassignments, transfers, the agent's skill, the
  customer's tone and the channel, plus noise — learnable but not trivially. CES, NPS
  and CSI surveys go to samples of solved tickets.

Lives run past the end day; everything after it is cut, so recent tickets are still open.
Only `random.Random` is used; the stream is a pure function of (seed, tickets, end).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

from cxpulse.demo.texts import BAD_REASONS, NAMES, TEXTS, ascii_name, gendered
from cxpulse.domain import (
    Account,
    BusinessHours,
    EventKind,
    Invitation,
    Response,
    ResponseKind,
    Role,
    Scale,
    Ticket,
    TicketEvent,
    User,
)
from cxpulse.ingest.base import Record

__all__ = ["DEMO_END", "PROFILES", "Profile", "generate"]

DEMO_END = date(2026, 10, 31)

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0
YEAR = 365 * DAY

LIVE = ("chat", "phone")
TONE = {-1: "happy", 0: "neutral", 1: "annoyed", 2: "angry"}
CSI_ATTRIBUTES = ("speed", "competence", "politeness", "convenience", "empathy", "efficiency")
CSI_IMPORTANCE = {"speed": 4.4, "competence": 4.6, "politeness": 3.6, "convenience": 3.3, "empathy": 3.1, "efficiency": 4.1}

# How a category colours the customer's first message (added to their temper).
IRRITATION = {
    "complaint": 0.9, "refund": 0.5, "billing": 0.45, "delivery": 0.35, "bug": 0.3, "login": 0.25,
    "cancellation": 0.15, "booking": 0.2, "account": -0.1, "how-to": -0.3,
}
# Rounds of agent replies a category needs (before the agent's skill shortens them).
ROUNDS = {
    "how-to": (1, 2), "login": (1, 2), "account": (1, 2), "booking": (1, 2), "cancellation": (1, 2),
    "billing": (1, 3), "delivery": (1, 3), "refund": (1, 3), "complaint": (2, 3), "bug": (2, 4),
}
# Escalated and put on hold (waiting on developers, a courier, a hotel…).
HOLD = {"bug": 0.32, "refund": 0.12, "delivery": 0.12, "complaint": 0.12, "booking": 0.1}
# Routed to the wrong group first, then transferred.
MISROUTE = {"complaint": 0.1, "account": 0.09, "billing": 0.08, "how-to": 0.07}
CHANNEL_EFFECT = {"chat": 0.35, "phone": 0.3, "email": 0.0, "web": -0.1}
FIRST_HANDLE = {"email": 25 * MINUTE, "web": 30 * MINUTE}  # business time to answer, once picked
NEXT_REPLY = {"email": 2 * HOUR, "web": 2.5 * HOUR, "chat": 1.5 * HOUR, "phone": 1.5 * HOUR}
PRIORITY_WAIT = {"urgent": 0.1, "high": 0.45, "normal": 1.0, "low": 1.4}
RHO = 0.55  # average utilisation of the email queue; seasons push it towards 1
LONG_HAUL = 0.06  # tickets that stay on hold for months


@dataclass(frozen=True)
class Profile:
    """One demo account: its settings and the character of its traffic."""

    name: str
    prefix: str  # of every source id: NL-100001, NL-A101, NL-C10001
    timezone: str
    hours: BusinessHours
    scale: Scale
    share: float  # of all tickets
    languages: tuple[tuple[str, float], ...]  # customers' languages and weights
    team_language: str
    agents: int
    groups: tuple[tuple[str, tuple[str, ...]], ...]  # group and the categories routed to it
    categories: tuple[tuple[str, float], ...]
    channels: tuple[tuple[str, float], ...]
    chat_all_day: bool
    hour_curve: tuple[float, ...]  # 24 weights, local time
    weekday_curve: tuple[float, ...]  # Monday first
    season: tuple[float, ...]  # January first
    growth: float  # volume change over the year
    target_csat: float  # mean P(satisfied) over solved tickets
    drift: float  # amplitude of the yearly wave of satisfaction (logit)
    drift_phase: float
    trend: float  # change of satisfaction over the year (logit)
    auto_assign: bool  # assigned at creation (round robin) rather than when picked up
    close_after_days: float | None  # solved → closed automatically
    autosolve_days: float  # pending without an answer → solved
    order_prefix: str
    domain: str

    def account(self) -> Account:
        return Account(name=self.name, timezone=self.timezone, business_hours=self.hours, csat_scale=self.scale)


OFFICE_HOURS = (0.08, 0.05, 0.04, 0.04, 0.05, 0.1, 0.3, 0.7, 1.2, 1.6, 1.7, 1.6, 1.3, 1.4, 1.5, 1.4, 1.2, 1.0, 0.8, 0.7, 0.6, 0.5, 0.3, 0.15)
TRAVEL_HOURS = (0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 1.0, 1.3, 1.4, 1.4, 1.3, 1.3, 1.3, 1.2, 1.2, 1.2, 1.3, 1.4, 1.4, 1.2, 0.9, 0.6)
WORKWEEK = (1.3, 1.15, 1.1, 1.05, 0.95, 0.45, 0.4)

PROFILES: tuple[Profile, ...] = (
    Profile(
        name="nordlicht",
        prefix="NL",
        timezone="Europe/Vilnius",
        hours=BusinessHours(start=time(8, 0), end=time(17, 0), weekdays=(0, 1, 2, 3, 4)),
        scale=Scale.FIVE,
        share=0.5,
        languages=(("lt", 0.7), ("en", 0.3)),
        team_language="lt",
        agents=12,
        groups=(
            ("Shipping", ("delivery",)),
            ("Billing", ("refund", "billing")),
            ("Technical", ("bug", "login")),
            ("Customer Care", ("how-to", "account", "complaint")),
        ),
        categories=(
            ("delivery", 0.26), ("refund", 0.15), ("billing", 0.11), ("how-to", 0.14),
            ("login", 0.1), ("bug", 0.12), ("account", 0.06), ("complaint", 0.06),
        ),
        channels=(("email", 0.45), ("chat", 0.25), ("web", 0.2), ("phone", 0.1)),
        chat_all_day=False,
        hour_curve=OFFICE_HOURS,
        weekday_curve=WORKWEEK,
        season=(1.2, 0.9, 0.9, 0.9, 0.95, 0.9, 0.85, 0.9, 1.0, 1.05, 1.45, 1.55),
        growth=0.1,
        target_csat=0.85,
        drift=0.25,
        drift_phase=0.0,
        trend=0.0,
        auto_assign=False,
        close_after_days=None,
        autosolve_days=21.0,
        order_prefix="#4",
        domain="nordlicht.example",
    ),
    Profile(
        name="aegean-travel",
        prefix="AT",
        timezone="Europe/Athens",
        hours=BusinessHours(start=time(9, 0), end=time(21, 0), weekdays=(0, 1, 2, 3, 4, 5, 6)),
        scale=Scale.BINARY,
        share=0.3,
        languages=(("el", 0.6), ("en", 0.4)),
        team_language="el",
        agents=9,
        groups=(
            ("Reservations", ("booking", "how-to")),
            ("Payments", ("billing", "refund")),
            ("Cancellations", ("cancellation",)),
            ("Customer Care", ("complaint", "account")),
        ),
        categories=(
            ("booking", 0.3), ("cancellation", 0.2), ("refund", 0.14), ("billing", 0.1),
            ("how-to", 0.12), ("complaint", 0.08), ("account", 0.06),
        ),
        channels=(("email", 0.4), ("chat", 0.4), ("phone", 0.15), ("web", 0.05)),
        chat_all_day=True,
        hour_curve=TRAVEL_HOURS,
        weekday_curve=(1.1, 1.0, 1.0, 1.0, 1.05, 0.95, 0.9),
        season=(0.8, 0.8, 0.9, 1.1, 1.3, 1.6, 1.9, 1.8, 1.3, 0.9, 0.6, 0.7),
        growth=0.0,
        target_csat=0.79,
        drift=0.2,
        drift_phase=1.5,
        trend=-0.2,
        auto_assign=True,
        close_after_days=4.0,
        autosolve_days=7.0,
        order_prefix="AGT-7",
        domain="aegean-travel.example",
    ),
    Profile(
        name="polar-soft",
        prefix="PS",
        timezone="Europe/Helsinki",
        hours=BusinessHours(start=time(9, 0), end=time(18, 0), weekdays=(0, 1, 2, 3, 4)),
        scale=Scale.FIVE,
        share=0.2,
        languages=(("ru", 0.7), ("en", 0.3)),
        team_language="ru",
        agents=7,
        groups=(
            ("Technical", ("bug", "how-to")),
            ("Billing", ("billing", "refund")),
            ("Accounts", ("login", "account")),
        ),
        categories=(("bug", 0.3), ("how-to", 0.25), ("login", 0.15), ("billing", 0.12), ("refund", 0.08), ("account", 0.1)),
        channels=(("email", 0.5), ("web", 0.3), ("chat", 0.15), ("phone", 0.05)),
        chat_all_day=False,
        hour_curve=OFFICE_HOURS,
        weekday_curve=WORKWEEK,
        season=(1.2, 1.0, 1.0, 1.0, 1.0, 0.9, 0.8, 0.8, 1.3, 1.1, 1.0, 0.9),
        growth=0.3,
        target_csat=0.81,
        drift=0.2,
        drift_phase=3.0,
        trend=0.35,
        auto_assign=False,
        close_after_days=None,
        autosolve_days=14.0,
        order_prefix="#PS-",
        domain="polar-soft.example",
    ),
)


def generate(seed: int = 7, *, tickets: int = 20_000, end: date = DEMO_END) -> Iterator[Record]:
    """Yield the demo help desk as Records, each naming its account.

    First one `account` record per account, then per account its users (agents and the
    customers who wrote) and, ticket by ticket, the ticket, its events, invitations and
    responses. `tickets` is split 50/30/20 over the accounts; the year ends on `end`.
    """
    if tickets < len(PROFILES):
        raise ValueError(f"tickets must be at least {len(PROFILES)}, got {tickets}")
    sizes = _split(tickets, [p.share for p in PROFILES])
    for p in PROFILES:
        yield Record("account", p.account(), account=p.name)
    for p, n in zip(PROFILES, sizes):
        yield from _AccountSim(p, n, seed, end).records()


def _split(total: int, shares: Sequence[float]) -> list[int]:
    sizes = [max(1, int(total * s)) for s in shares]
    sizes[0] += total - sum(sizes)
    return sizes


# ---- time ------------------------------------------------------------------------------


class _Clock:
    """Business time of one account: working windows as UTC instants, and their sums.

    `to_b` maps an instant to the business seconds worked since the first window (an
    instant outside the hours maps to the next window's start); `add` moves an instant
    forward by business seconds, landing inside a window. DST is exact: each window is
    built from the local wall clock of its own day.
    """

    def __init__(self, tz: ZoneInfo, hours: BusinessHours, first: date, last: date) -> None:
        starts: list[float] = []
        ends: list[float] = []
        cum: list[float] = []
        total = 0.0
        overnight = hours.end <= hours.start
        day = first
        while day <= last:
            if day.weekday() in hours.weekdays:
                s = datetime.combine(day, hours.start, tz).timestamp()
                e_day = day + timedelta(days=1) if overnight else day
                e = datetime.combine(e_day, hours.end, tz).timestamp()
                starts.append(s)
                ends.append(e)
                cum.append(total)
                total += e - s
            day += timedelta(days=1)
        self.starts, self.ends, self.cum = starts, ends, cum

    def working(self, ts: float) -> bool:
        i = bisect_right(self.starts, ts) - 1
        return i >= 0 and ts < self.ends[i]

    def to_b(self, ts: float) -> float:
        i = bisect_right(self.starts, ts) - 1
        if i < 0:
            return 0.0
        s, e = self.starts[i], self.ends[i]
        return self.cum[i] + (ts - s if ts < e else e - s)

    def from_b(self, b: float) -> float:
        j = max(0, bisect_right(self.cum, b) - 1)
        return self.starts[j] + (b - self.cum[j])

    def add(self, ts: float, seconds: float) -> float:
        return max(ts, self.from_b(self.to_b(ts) + seconds))


# ---- people ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Agent:
    id: str
    first: str
    name: str
    female: bool
    email: str
    language: str
    groups: tuple[str, ...]
    skill: float  # 0..1: fewer rounds, fewer reopens, happier customers
    speed: float  # multiplier on handling times; below 1 is faster
    polite: float  # 0..1
    active_from: float
    active_to: float
    ramp_from: float | None = None  # a new hire learns over four months

    def skill_at(self, ts: float) -> float:
        if self.ramp_from is None:
            return self.skill
        months = max(0.0, ts - self.ramp_from) / (30 * DAY)
        return min(self.skill, 0.35 + 0.1 * months)


@dataclass(slots=True)
class _Customer:
    id: str
    first: str
    name: str
    female: bool
    email: str
    language: str
    temper: float  # > 0: quick to anger
    bias: float  # leaning of their ratings (logit)
    loyalty: float  # leaning of their NPS answers
    patience: float  # multiplier on how long they wait before asking again
    tickets: int = 0


@dataclass(slots=True)
class _Life:
    """One ticket simulated to the end of its life (which may lie after the end day)."""

    sid: str
    created: float
    channel: str
    category: str
    priority: str
    customer: _Customer
    topic: int = 0  # which problem of its category: picks subject, description and answer
    subject: str = ""
    description: str = ""
    events: list = field(default_factory=list)  # (ts, kind, author, role, public, body, from, to)
    nudges: list = field(default_factory=list)  # follow-ups written, so none repeats
    agent: _Agent | None = None  # who holds it at the end
    first_reply: float | None = None
    solved_at: float | None = None
    reopens: int = 0
    reassigns: int = 0
    transfers: int = 0
    tone: int = 0  # the strongest tone the customer wrote in: -1 happy … 2 angry
    followups: int = 0
    customer_messages: int = 1
    rounds: int = 0
    autosolved: bool = False
    hold_seconds: float = 0.0
    x: float = 0.0  # satisfaction logit without the account's base


_COMMENT, _STATUS, _ASSIGNEE, _GROUP, _PRIORITY = (
    EventKind.COMMENT, EventKind.STATUS, EventKind.ASSIGNEE, EventKind.GROUP, EventKind.PRIORITY,
)
_AGENT, _CUSTOMER, _SYSTEM = Role.AGENT, Role.CUSTOMER, Role.SYSTEM


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _clamp(v: float, lo: int, hi: int) -> int:
    return max(lo, min(hi, round(v)))


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


# ---- one account -----------------------------------------------------------------------


class _AccountSim:
    def __init__(self, p: Profile, n: int, seed: int, end: date) -> None:
        self.p = p
        self.n = n
        self.rng = Random(f"cxpulse-demo/{seed}/{p.name}")
        self.tz = ZoneInfo(p.timezone)
        self.end_ts = datetime.combine(end + timedelta(days=1), time(0), UTC).timestamp()
        self.start_ts = self.end_ts - YEAR
        first = _dt(self.start_ts).date() - timedelta(days=3)
        self.clock = _Clock(self.tz, p.hours, first, end + timedelta(days=400))
        self.group_names = [g for g, _ in p.groups]
        self.group_of = {c: g for g, cats in p.groups for c in cats}
        self.team_texts = TEXTS[p.team_language]
        self.bday = (datetime.combine(date.min, p.hours.end) - datetime.combine(date.min, p.hours.start)).total_seconds()
        if self.bday <= 0:
            self.bday += DAY
        self.agents = self._make_agents()
        self.agent_by_id = {a.id: a for a in self.agents}
        self.by_group = {g: [a for a in self.agents if g in a.groups] for g in self.group_names}
        self.customers = self._make_customers(max(8, n * 10 // 23))
        self.free_b = self.clock.to_b(self.start_ts)  # when the email queue empties (business s)
        self.work = 0.0
        self.live_recent: deque[float] = deque()
        self.live_expected = 1.0
        self.backlog = 1.0

    # -- people --

    def _person(self, lang: str, female: bool) -> tuple[str, str]:
        names = NAMES[lang]
        first = self.rng.choice(names["female" if female else "male"])
        last = self.rng.choice(names["surname"])[1 if female else 0]
        return first, last

    def _make_agents(self) -> list[_Agent]:
        p, rng = self.p, self.rng
        agents: list[_Agent] = []
        for i in range(p.agents):
            lang = p.team_language if rng.random() < 0.8 else "en"
            female = rng.random() < 0.6
            first, last = self._person(lang, female)
            groups = [self.group_names[i % len(self.group_names)]]
            if rng.random() < 0.35:
                other = rng.choice(self.group_names)
                if other not in groups:
                    groups.append(other)
            agents.append(
                _Agent(
                    id=f"{p.prefix}-A{101 + i}",
                    first=first,
                    name=f"{first} {last}",
                    female=female,
                    email=f"{ascii_name(first)}.{ascii_name(last)}@{p.domain}",
                    language=lang,
                    groups=tuple(groups),
                    skill=min(0.95, max(0.25, rng.gauss(0.65, 0.15))),
                    speed=math.exp(rng.gauss(0.0, 0.3)),
                    polite=rng.random(),
                    active_from=self.start_ts - 30 * DAY,
                    active_to=math.inf,
                )
            )
        # people come and go: one leaves after seven months, a new hire starts after five
        agents[-2].active_to = self.start_ts + 0.6 * YEAR
        hire = agents[-1]
        hire.active_from = hire.ramp_from = self.start_ts + 0.42 * YEAR
        return agents

    def _make_customers(self, k: int) -> list[_Customer]:
        p, rng = self.p, self.rng
        langs = [lang for lang, _ in p.languages]
        weights = [w for _, w in p.languages]
        out = []
        for j in range(k):
            lang = rng.choices(langs, weights)[0]
            female = rng.random() < 0.5
            first, last = self._person(lang, female)
            temper = rng.gauss(0.0, 0.6)
            out.append(
                _Customer(
                    id=f"{p.prefix}-C{10001 + j}",
                    first=first,
                    name=f"{first} {last}",
                    female=female,
                    email=f"{ascii_name(first)}.{ascii_name(last)}{rng.randint(1, 99)}@{lang}.mail.example",
                    language=lang,
                    temper=temper,
                    bias=rng.gauss(0.0, 0.45) - 0.3 * temper,
                    loyalty=rng.gauss(0.0, 0.8),
                    patience=math.exp(rng.gauss(0.0, 0.35) - 0.3 * temper),
                )
            )
        return out

    def _pick_agent(self, group: str, ts: float, besides: str = "") -> _Agent:
        cands = [a for a in self.by_group[group] if a.active_from <= ts < a.active_to and a.id != besides]
        if not cands:
            cands = [a for a in self.agents if a.active_from <= ts < a.active_to and a.id != besides]
        return self.rng.choices(cands, [1.0 / a.speed for a in cands])[0]

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

    def _plan(self, ts: float) -> tuple[str, str, str, _Customer]:
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
        self._calibrate_queues(plans)
        lives = [self._live(k, ts, plan) for k, (ts, plan) in enumerate(zip(arrivals, plans))]
        base = self._base(lives)

        name = p.name
        for a in self.agents:
            yield Record("user", User(a.id, _AGENT, a.name, a.email, a.language), account=name)
        for c in self.customers:
            if c.tickets:
                yield Record("user", User(c.id, _CUSTOMER, c.name, c.email, c.language), account=name)
        for life in lives:
            yield from self._emit(life, base)

    def _calibrate_queues(self, plans: list) -> None:
        clock = self.clock
        n_async = sum(1 for plan in plans if plan[0] not in LIVE)
        n_live = len(plans) - n_async
        business = clock.to_b(self.end_ts) - clock.to_b(self.start_ts)
        self.work = RHO * business / max(1, n_async)  # business seconds of team time per ticket
        live_seconds = YEAR if self.p.chat_all_day else business
        self.live_expected = max(0.2, n_live * (30 * MINUTE) / live_seconds)  # arrivals per 30 min

    def _base(self, lives: list[_Life]) -> float:
        """The account's base logit, so the mean P(satisfied) of solved tickets hits its target."""
        xs = [life.x for life in lives if life.solved_at is not None]
        if not xs:
            return 0.0
        lo, hi = -15.0, 15.0
        for _ in range(40):
            mid = (lo + hi) / 2
            if sum(_sigmoid(mid + x) for x in xs) / len(xs) < self.p.target_csat:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    # -- one ticket's life --

    def _customer_time(self, ts: float) -> float:
        """Customers write any time, but the night's messages wait for the morning."""
        loc = datetime.fromtimestamp(ts, self.tz)
        if loc.hour < 7:
            morning = loc.replace(hour=7, minute=0, second=0, microsecond=0).timestamp()
            return morning + self.rng.random() * 3 * HOUR
        return ts

    def _live_wait(self, channel: str, ts: float, agent: _Agent) -> float:
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

    def _queue_wait(self, ts: float, priority: str) -> float:
        """Business seconds an email or web ticket waits for someone to pick it up."""
        b = self.clock.to_b(ts)
        backlog = max(0.0, self.free_b - b)
        self.free_b = max(self.free_b, b) + self.work * self.rng.expovariate(1.0)
        self.backlog = 1.0 + backlog / (6 * HOUR)
        return backlog * PRIORITY_WAIT[priority]

    def _live(self, k: int, created: float, plan: tuple[str, str, str, _Customer]) -> _Life:
        p, rng, clock = self.p, self.rng, self.clock
        channel, category, priority, cust = plan
        cust.tickets += 1
        life = _Life(f"{p.prefix}-{100001 + k}", created, channel, category, priority, cust)
        T = TEXTS[cust.language]
        ev = life.events
        order = f"{p.order_prefix}{rng.randint(10000, 99999)}"
        chat = channel == "chat"

        # -- the customer writes --
        s = cust.temper + IRRITATION[category] + rng.gauss(0.0, 0.5) + (0.3 if priority == "urgent" else 0.0)
        tone = -1 if s < -0.75 else 0 if s < 0.75 else 1 if s < 1.45 else 2
        life.tone = tone
        life.topic = topic = rng.randrange(len(T["problem"][category]))
        life.subject = gendered(T["subject"][category][topic], cust.female).replace("{order}", order)
        life.description = self._description(T, tone, category, topic, order, cust, chat)
        ev.append((created, _COMMENT, cust.id, _CUSTOMER, True, life.description, "", ""))
        ev.append((created, _STATUS, "", _SYSTEM, True, "", "", "new"))
        status = "new"

        group = self.group_of[category]
        misrouted = rng.random() < MISROUTE.get(category, 0.04)
        group0 = rng.choice([g for g in self.group_names if g != group]) if misrouted else group
        ev.append((created, _GROUP, "", _SYSTEM, True, "", "", group0))
        ev.append((created, _PRIORITY, "", _SYSTEM, True, "", "", priority))
        assignee = ""
        if p.auto_assign:
            assignee = self._pick_agent(group0, created).id
            ev.append((created + 3, _ASSIGNEE, "", _SYSTEM, True, "", "", assignee))

        # -- who answers, and how much work it is --
        agent = self._pick_agent(group, created)
        if assignee and not misrouted:
            agent = self.agent_by_id[assignee]  # round robin chose the owner
        skill = agent.skill_at(created)
        lo, hi = ROUNDS[category]
        rounds = rng.randint(lo, hi)
        if rounds > 1 and rng.random() < skill * 0.45:
            rounds -= 1
        if skill < 0.5 and rng.random() < 0.35:
            rounds += 1
        long_haul = category != "how-to" and rng.random() < LONG_HAUL  # a dispute, a fix in a later release
        hold = long_haul or rng.random() < HOLD.get(category, 0.02)
        if hold and rounds == 1:
            rounds = 2
        reassign_p = 0.06 + 0.14 * (1.0 - skill) + 0.03 * (rounds - 1)
        reassign_at = rng.randint(0, rounds - 1) if rng.random() < reassign_p else -1

        # -- the first reply --
        live = channel in LIVE
        if live:
            first = created + self._live_wait(channel, created, agent)
            if channel == "phone":
                first += rng.uniform(3, 12) * MINUTE  # the call, then its summary
        else:
            wait = self._queue_wait(created, priority)
            handle = FIRST_HANDLE[channel] * agent.speed * rng.lognormvariate(0.0, 0.8)
            slipped = rng.random()
            if slipped < 0.01:
                handle += rng.uniform(3, 15) * self.bday  # lost in the queue for days
            elif slipped < 0.05:
                handle += rng.uniform(4, 20) * HOUR  # slipped through the cracks
            first = clock.add(created, wait + handle)
        assigned_at = created + 3
        if misrouted:
            tx = self._between(created, first, rng.uniform(0.3, 0.8) if live else rng.uniform(0.2, 0.6), live)
            if live:
                first += rng.uniform(2, 8) * MINUTE
            else:
                first = clock.add(first, rng.lognormvariate(math.log(2 * HOUR), 0.6))
            triage = self._pick_agent(group0, tx)
            ev.append((tx, _GROUP, triage.id, _AGENT, True, "", group0, group))
            life.transfers += 1
            if assignee and assignee != agent.id:
                ev.append((tx + 1, _ASSIGNEE, triage.id, _AGENT, True, "", assignee, agent.id))
                life.reassigns += 1
                assignee = agent.id
                assigned_at = tx + 1
        tone = self._followups(life, T, created, first - 2 * MINUTE, tone, chat and live)
        if not assignee:
            if reassign_at == 0:  # someone takes it, then hands it on before answering
                owner = self._pick_agent(group, created, besides=agent.id)
                assigned_at = self._between(created, first, rng.uniform(0.1, 0.4), live)
            else:
                owner = agent
                assigned_at = max(self._before(first, rng.uniform(0.5, 8) * MINUTE, live), created + 5)
            ev.append((assigned_at, _ASSIGNEE, owner.id, _AGENT, True, "", "", owner.id))
            assignee = owner.id

        # -- rounds of replies --
        live_phase = chat
        after_hold = False
        asked = 0
        first_agent = agent
        t = first
        ready = created  # when the customer last started waiting
        solved = False
        for r in range(rounds):
            if r == reassign_at:
                old = self.agent_by_id[assignee]
                if live_phase:
                    handover = max(assigned_at + 10, t - 30)
                    t = max(t, handover + 30)
                else:  # in working time, after the last assignment and the customer's message
                    earliest = clock.add(max(assigned_at, ready) + 60, 0.0)
                    handover = max(earliest, self._before(t, rng.uniform(0.5, 3) * HOUR, False))
                new = self._pick_agent(group, handover, besides=old.id)
                if rng.random() < 0.5:
                    note = self._note(3, old, new.first)
                    ev.append((handover - 1, _COMMENT, old.id, _AGENT, False, note, "", ""))
                ev.append((handover, _ASSIGNEE, old.id, _AGENT, True, "", old.id, new.id))
                life.reassigns += 1
                assignee, agent = new.id, new
                if not live_phase:  # the new agent reads up first; the customer waits on
                    planned = t
                    t = clock.add(max(t, handover), rng.lognormvariate(math.log(1.5 * HOUR), 0.6) * agent.speed)
                    tone = self._followups(life, T, planned, t - 60, tone, False)
            final = r == rounds - 1
            waited = t - ready
            sorry = waited > (20 * MINUTE if live_phase else 24 * HOUR) or life.followups > 0
            if final:
                kind, core = "solve", T["solve"][category][life.topic]
            elif hold and r == 0:  # escalates: to the developers, or to a partner
                kind, core = "work", T["work"][2 if category == "bug" or long_haul else 0]
            elif not after_hold and rng.random() < 0.2:
                kind, core = "work", T["work"][1]
            else:
                kind, asked = "ask", rng.randrange(len(T["ask"]))
                core = T["ask"][asked]
            after_hold = False
            body = self._agent_text(T, agent, life, core, sorry, live_phase)
            ev.append((t, _COMMENT, agent.id, _AGENT, True, body, "", ""))
            if life.first_reply is None:
                life.first_reply, first_agent = t, agent
            life.rounds += 1
            if final:
                if live_phase and tone <= 0 and rng.random() < 0.6:
                    ev.append((t + rng.uniform(20, 90), _COMMENT, cust.id, _CUSTOMER, True, gendered(rng.choice(T["thanks"]), cust.female), "", ""))
                    life.customer_messages += 1
                    t += 120
                ev.append((t + 5, _STATUS, agent.id, _AGENT, True, "", status, "solved"))
                status, solved = "solved", True
                life.solved_at = t + 5
                break
            if hold and r == 0:
                if status != "open":
                    ev.append((t + 1, _STATUS, agent.id, _AGENT, True, "", status, "open"))
                    status = "open"
                escalated = long_haul or category in ("bug", "complaint")  # else: waits on a partner
                ev.append((t + 30, _COMMENT, agent.id, _AGENT, False, self._note(1 if escalated else 4, agent), "", ""))
                ev.append((t + 31, _STATUS, agent.id, _AGENT, True, "", status, "hold"))
                status = "hold"
                live_phase = False
                ready = t
                if long_haul:
                    days = rng.uniform(30, 220)
                elif category == "bug":  # waits for a release
                    days = min(120.0, rng.lognormvariate(math.log(6.0), 1.0))
                else:  # waits for a bank, a courier, a hotel
                    days = min(60.0, rng.lognormvariate(math.log(3.0), 0.9))
                back = clock.add(t + 31, days * self.bday)
                life.hold_seconds = back - t
                after_hold = True
                tone = self._followups(life, T, t, back - 60, tone, False, patience=2.0)
                t = back
                continue
            if kind == "work":  # still on it: the agent writes again without waiting for anyone
                if status != "open":
                    ev.append((t + 1, _STATUS, agent.id, _AGENT, True, "", status, "open"))
                    status = "open"
                ready = t
                t = self._next_reply(agent, t, live_phase)
                tone = self._followups(life, T, ready, t - 60, tone, live_phase)
                continue
            # the agent asked something: pending until the customer answers
            if live_phase:
                if status != "open":
                    ev.append((t + 1, _STATUS, agent.id, _AGENT, True, "", status, "open"))
                    status = "open"
                c = t + rng.uniform(20, 150)
            else:
                ev.append((t + 1, _STATUS, agent.id, _AGENT, True, "", status, "pending"))
                status = "pending"
                if rng.random() < 0.09:  # the customer never answers: solved after a while
                    at = t + p.autosolve_days * DAY * rng.uniform(1.0, 1.5)
                    ev.append((at, _STATUS, "", _SYSTEM, True, "", "pending", "solved"))
                    status, solved = "solved", True
                    life.solved_at = at
                    life.autosolved = True
                    break
                if rng.random() < 0.2:  # busy, travelling, waiting for the courier themselves
                    c = self._customer_time(t + rng.uniform(1, 12) * DAY)
                else:
                    c = self._customer_time(t + min(5 * DAY, rng.lognormvariate(math.log(3 * HOUR), 1.1)))
            body = (
                gendered(T["info"][asked], cust.female)
                .replace("{order}", order)
                .replace("{email}", cust.email)
                .replace("{fullname}", cust.name)
            )
            if waited > (10 * MINUTE if live_phase else 30 * HOUR) and tone >= 0:
                body = rng.choice(T["impatient"]) + " " + body
                tone = max(tone, 1)
            ev.append((c, _COMMENT, cust.id, _CUSTOMER, True, body, "", ""))
            life.customer_messages += 1
            if not live_phase:
                ev.append((c + 1, _STATUS, "", _SYSTEM, True, "", "pending", "open"))
                status = "open"
            ready = c
            t = self._next_reply(agent, c, live_phase)
            tone = self._followups(life, T, ready, t - 60, tone, live_phase)

        # -- reopens --
        if solved and not life.autosolved:
            reopen_p = 0.02 + 0.11 * (1.0 - agent.skill_at(t)) + (0.05 if category == "bug" else 0.0)
            reopen_p += 0.03 if life.rounds == 1 and not chat else 0.0
            while rng.random() < reopen_p and life.reopens < 2:
                c = self._customer_time(life.solved_at + rng.lognormvariate(math.log(18 * HOUR), 0.8))
                c = min(c, life.solved_at + 3.5 * DAY)
                tone = max(tone, 1 if rng.random() < 0.6 else 2)
                waits_for_something = category in ("refund", "delivery", "booking", "cancellation")
                body = gendered(rng.choice(T["reopen"][: 4 if waits_for_something else 3]), cust.female)
                if tone == 2:
                    body += " " + gendered(rng.choice(T["closer"]["angry"]), cust.female)
                ev.append((c, _COMMENT, cust.id, _CUSTOMER, True, body, "", ""))
                ev.append((c + 1, _STATUS, cust.id, _CUSTOMER, True, "", "solved", "open"))
                life.customer_messages += 1
                life.reopens += 1
                t = self._next_reply(agent, c, False)
                tone = self._followups(life, T, c, t - 60, tone, False)
                core = f"{rng.choice(T['sorry_reopen'])} {T['solve'][category][life.topic]}"
                body = self._agent_text(T, agent, life, core, t - c > 24 * HOUR, False)
                ev.append((t, _COMMENT, agent.id, _AGENT, True, body, "", ""))
                ev.append((t + 5, _STATUS, agent.id, _AGENT, True, "", "open", "solved"))
                life.rounds += 1
                life.solved_at = t + 5
                reopen_p *= 0.5
        if solved and p.close_after_days:
            ev.append((life.solved_at + p.close_after_days * DAY, _STATUS, "", _SYSTEM, True, "", "solved", "closed"))

        # -- a private note now and then --
        if life.first_reply is not None and rng.random() < 0.08:
            which = 0 if cust.tickets > 1 else 2 if category in ("billing", "refund") else -1
            if which >= 0:
                at = max(created + 10, life.first_reply - 40)
                ev.append((at, _COMMENT, first_agent.id, _AGENT, False, self._note(which, first_agent), "", ""))

        life.agent, life.tone = agent, tone
        self._order(life)
        if life.solved_at is not None:
            life.x = self._satisfaction_logit(life)
        return life

    def _before(self, ts: float, seconds: float, live: bool) -> float:
        """`seconds` before `ts`: of working time, unless the channel is live."""
        if live:
            return ts - seconds
        clock = self.clock
        return clock.from_b(max(0.0, clock.to_b(ts) - seconds))

    def _between(self, a: float, b: float, share: float, live: bool) -> float:
        """The moment `share` of the way from `a` to `b`: of working time, unless live."""
        if live:
            return a + (b - a) * share
        clock = self.clock
        return clock.add(a, (clock.to_b(b) - clock.to_b(a)) * share)

    def _next_reply(self, agent: _Agent, ready: float, live: bool) -> float:
        if live:
            return ready + self.rng.uniform(30, 150) * agent.speed
        delay = NEXT_REPLY["email"] * agent.speed * self.rng.lognormvariate(0.0, 0.9) * self.backlog
        if self.rng.random() < 0.06:  # it sits in someone's view for days
            delay += self.rng.uniform(2, 15) * self.bday
        return self.clock.add(ready, delay)

    def _followups(
        self, life: _Life, T: dict, since: float, until: float, tone: int, live: bool, patience: float = 1.0
    ) -> int:
        """"Any update?" messages while the customer waits longer than their patience."""
        rng = self.rng
        wait = (4 * MINUTE if live else 20 * HOUR) * life.customer.patience * patience * rng.lognormvariate(0.0, 0.3)
        at = since + wait
        sent = 0
        while sent < 3:
            at = at if live else self._customer_time(at)
            if at >= until:
                break
            tone = max(1, min(2, tone + 1)) if sent or tone >= 1 else 1
            bank = [b for b in T["followup"][TONE[tone]] if b not in life.nudges] or T["followup"][TONE[tone]]
            body = rng.choice(bank)
            life.nudges.append(body)
            life.events.append((at, _COMMENT, life.customer.id, _CUSTOMER, True, body, "", ""))
            life.followups += 1
            life.customer_messages += 1
            if tone == 2 and life.priority in ("low", "normal") and at + 600 < until and rng.random() < 0.4:
                life.events.append((at + 600, _PRIORITY, "", _SYSTEM, True, "", life.priority, "high"))
                life.priority = "high"
            sent += 1
            at += wait * 1.5
        return tone

    def _order(self, life: _Life) -> None:
        """Time order, ties kept as written, and every event strictly after the one before."""
        life.events.sort(key=lambda e: e[0])
        out = []
        created = last = float(int(life.events[0][0]))
        last -= 1.0
        for e in life.events:
            ts = max(created, float(int(e[0])))
            if ts <= last:
                ts = last + 1.0
            last = ts
            out.append((ts, *e[1:]))
        life.events = out
        # the times kept on the life follow the events they belong to
        life.created = out[0][0]
        for e in out:
            if e[1] is _COMMENT and e[3] is _AGENT and e[4]:
                life.first_reply = e[0]
                break
        if life.solved_at is not None:
            life.solved_at = max(e[0] for e in out if e[1] is _STATUS and e[7] == "solved")

    # -- texts --

    def _description(self, T: dict, tone: int, category: str, topic: int, order: str, cust: _Customer, chat: bool) -> str:
        rng = self.rng
        name = TONE[tone]
        parts = []
        if not chat or tone != 0:
            parts.append(rng.choice(T["opener"][name]))
        parts.append(T["problem"][category][topic])
        if not chat and rng.random() < 0.4:
            parts.append(rng.choice(T["detail"]))
        if not chat or tone == 2:
            parts.append(rng.choice(T["closer"][name]))
        text = " ".join(parts).replace(", ", ",\n", 1) if parts[0].endswith(",") else " ".join(parts)
        if not chat and rng.random() < 0.5:
            text += "\n" + cust.first
        return gendered(text, cust.female).replace("{order}", order)

    def _agent_text(self, T: dict, agent: _Agent, life: _Life, core: str, sorry: bool, chat: bool) -> str:
        """An agent's reply around its core sentence: an apology when late, greeting and
        signature unless it is a chat line."""
        rng = self.rng
        text = f"{rng.choice(T['sorry_wait'])} {core}" if sorry else core
        if not chat:
            greet = rng.choice(T["greet"]).replace("{name}", life.customer.first)
            sign = rng.choice(T["sign"]).replace("{agent}", agent.first)
            text = f"{greet}\n\n{text}\n\n{sign}"
        return gendered(text, agent.female)

    def _note(self, which: int, agent: _Agent, other: str = "") -> str:
        return gendered(self.team_texts["note"][which], agent.female).replace("{agent}", other)

    # -- satisfaction --

    def _drift(self, ts: float) -> float:
        p = self.p
        f = (ts - self.start_ts) / YEAR
        return p.drift * math.sin(2 * math.pi * f + p.drift_phase) + p.trend * (f - 0.5)

    def _satisfaction_logit(self, life: _Life) -> float:
        fr_h = ((life.first_reply or life.solved_at) - life.created) / HOUR
        res_h = (life.solved_at - life.created) / HOUR
        skill = life.agent.skill_at(life.created)
        return (
            life.customer.bias
            - 0.55 * math.log1p(fr_h)
            - 0.35 * math.log1p(res_h / 8)
            - 1.1 * life.reopens
            - 0.35 * life.reassigns
            - 0.6 * life.transfers
            - 0.45 * max(life.tone, 0)
            + (0.35 if life.tone < 0 else 0.0)
            - 0.2 * life.followups
            + 1.8 * (skill - 0.6)
            + 0.3 * (life.agent.polite - 0.5)
            + CHANNEL_EFFECT[life.channel]
            - (0.3 if life.autosolved else 0.0)
            - 0.25 * math.log1p(life.hold_seconds / DAY)
            + self._drift(life.created)
            + self.rng.gauss(0.0, 0.5)
        )

    def _bad_reason(self, life: _Life) -> str:
        fr_h = ((life.first_reply or life.created) - life.created) / HOUR
        if life.reopens:
            return "unresolved"
        if fr_h > 24 or life.followups or (life.solved_at - life.created) > 5 * DAY:
            return "slow"
        if life.transfers or life.reassigns:
            return "transfer"
        return "general"

    # -- output --

    def _emit(self, life: _Life, base: float) -> Iterator[Record]:
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
                created_at=_dt(life.created),
                subject=life.subject,
                description=life.description,
                status=status,
                channel=life.channel,
                priority=priority,
                group=group,
                category=life.category,
                requester_id=life.customer.id,
                assignee_id=assignee,
                updated_at=_dt(events[-1][0]),
                solved_at=_dt(solved_at) if done and solved_at is not None else None,
            ),
            account=name,
        )
        for i, (ts, kind, author, role, public, body, v_from, v_to) in enumerate(events, 1):
            yield Record(
                "event",
                TicketEvent(f"{sid}-e{i}", sid, _dt(ts), kind, author, role, public, body, v_from, v_to),
                account=name,
            )
        if life.solved_at is not None and life.solved_at <= end and done:
            yield from self._surveys(life, base)

    def _surveys(self, life: _Life, base: float) -> Iterator[Record]:
        p, rng, end = self.p, self.rng, self.end_ts
        name, sid, cust = p.name, life.sid, life.customer
        T = TEXTS[cust.language]
        prob = _sigmoid(base + life.x)
        satisfied = rng.random() < prob
        res_h = (life.solved_at - life.created) / HOUR

        def invite(kind: ResponseKind, after: float) -> float | None:
            sent = life.solved_at + after + rng.uniform(0, 10 * MINUTE)
            if sent > end:
                return None
            out.append(Record("invitation", Invitation(f"{sid}-inv-{kind.value}", _dt(sent), kind, sid, cust.id), account=name))
            return sent

        def answer_at(sent: float, rate: float) -> float | None:
            if rng.random() >= rate:
                return None
            given = sent + min(10 * DAY, rng.lognormvariate(math.log(2.5 * HOUR), 1.3))
            return given if given <= end else None

        out: list[Record] = []
        # CSAT: offered on every solved ticket; the unhappy answer a little more often
        sent = invite(ResponseKind.CSAT, HOUR)
        if sent is not None:
            given = answer_at(sent, 0.34 + 0.12 * (1.0 - prob) + (0.05 if life.channel == "chat" else 0.0))
            if given is not None:
                out.append(self._csat(life, satisfied, given, T))
        # CES: effort grows with every extra message, reopen and hand-over
        if (
            rng.random() < 0.25
            and (sent := invite(ResponseKind.CES, 2 * HOUR)) is not None
            and (given := answer_at(sent, 0.4)) is not None
        ):
            effort = (
                0.35 * (life.customer_messages - 1) + 0.9 * life.reopens + 0.7 * life.transfers
                + 0.3 * life.reassigns + 0.25 * math.log1p(res_h / 24) + 0.3 * life.followups
            )
            score = _clamp(6.2 - effort + (0.4 if satisfied else -0.4) + rng.gauss(0.0, 0.9), 1, 7)
            out.append(self._response(life, "ces", ResponseKind.CES, Scale.SEVEN, score, given))
        # NPS: loyalty follows this experience and the customer's own leaning
        if (
            rng.random() < 0.2
            and (sent := invite(ResponseKind.NPS, DAY)) is not None
            and (given := answer_at(sent, 0.4)) is not None
        ):
            score = _clamp(7.0 + 1.8 * (prob - 0.5) * 2 + (0.6 if satisfied else -1.2) + cust.loyalty + rng.gauss(0.0, 1.3), 0, 10)
            comment = ""
            if rng.random() < 0.2:
                comment = self._rating_comment(life, score >= 7, T)
            out.append(self._response(life, "nps", ResponseKind.NPS, Scale.ELEVEN, score, given, comment=comment))
        # CSI: six attributes, each with its satisfaction and its importance
        if (
            rng.random() < 0.125
            and (sent := invite(ResponseKind.CSI, DAY)) is not None
            and (given := answer_at(sent, 0.4)) is not None
        ):
            fr_h = (life.first_reply - life.created) / HOUR
            skill = life.agent.skill_at(life.created)
            polite = life.agent.polite
            mood = 0.4 if satisfied else -0.4
            raw = {
                "speed": 4.6 - 0.45 * math.log1p(fr_h) - 0.25 * math.log1p(res_h / 24),
                "competence": 3.0 + 2.0 * skill - 0.6 * life.reopens,
                "politeness": 4.0 + 0.8 * (polite - 0.5) - (0.3 if life.tone >= 2 else 0.0),
                "convenience": 4.0 + (0.4 if life.channel == "chat" else 0.0) - 0.15 * life.customer_messages,
                "empathy": 3.6 + 0.8 * (polite - 0.5) - (0.4 if life.tone >= 1 else 0.0),
                "efficiency": 4.3 - 0.5 * life.reassigns - 0.7 * life.transfers - 0.2 * (life.rounds - 1),
            }
            for attr in CSI_ATTRIBUTES:
                score = _clamp(raw[attr] + mood + rng.gauss(0.0, 0.7), 1, 5)
                importance = _clamp(CSI_IMPORTANCE[attr] + rng.gauss(0.0, 0.7), 1, 5)
                out.append(
                    self._response(life, f"csi-{attr}", ResponseKind.CSI, Scale.FIVE, score, given, attribute=attr, importance=importance)
                )
        invitations = [r for r in out if r.kind == "invitation"]
        responses = [r for r in out if r.kind == "response"]
        yield from invitations
        yield from responses

    def _csat(self, life: _Life, satisfied: bool, given: float, T: dict) -> Record:
        rng = self.rng
        binary = self.p.scale is Scale.BINARY
        if binary:
            score = 1 if satisfied else 0
        elif satisfied:
            score = 5 if rng.random() < 0.7 else 4
        else:
            score = rng.choices((1, 2, 3), (0.35, 0.3, 0.35))[0]
        comment = reason = ""
        if rng.random() < (0.22 if satisfied else 0.55):
            comment = self._rating_comment(life, satisfied, T)
        if binary and not satisfied and rng.random() < 0.7:
            reason = BAD_REASONS[self._bad_reason(life)]
        return self._response(life, "csat", ResponseKind.CSAT, self.p.scale, score, given, comment=comment, reason=reason)

    def _rating_comment(self, life: _Life, good: bool, T: dict) -> str:
        bank = T["rating_good"] if good else T["rating_bad"][self._bad_reason(life)]
        return gendered(self.rng.choice(bank), life.customer.female)

    def _response(
        self, life: _Life, suffix: str, kind: ResponseKind, scale: Scale, score: int, given: float, **extra
    ) -> Record:
        return Record(
            "response",
            Response(
                source_id=f"{life.sid}-{suffix}",
                given_at=_dt(given),
                kind=kind,
                scale=scale,
                score=score,
                ticket_id=life.sid,
                customer_id=life.customer.id,
                agent_id=life.agent.id,
                channel=life.channel,
                **extra,
            ),
            account=self.p.name,
        )
