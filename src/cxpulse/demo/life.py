"""One ticket's life at a demo account's help desk, as a list of events.

`Desk.live` follows a ticket from the customer's first message to its end: the wait in
the queue (or on the line), routing and transfers, assignment and reassignment, rounds
of agent replies and customer answers, holds, follow-ups when the customer's patience
runs out, reopens and private notes. Lives run past the end day; the caller cuts them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from random import Random
from zoneinfo import ZoneInfo

from cxpulse.demo.clock import DAY, HOUR, MINUTE, Clock
from cxpulse.demo.people import Agent, Customer
from cxpulse.demo.profiles import (
    FIRST_HANDLE,
    HOLD,
    IRRITATION,
    LIVE,
    LONG_HAUL,
    MISROUTE,
    NEXT_REPLY,
    ROUNDS,
    TONE,
    Profile,
)
from cxpulse.demo.queues import Queues
from cxpulse.demo.texts import TEXTS, gendered
from cxpulse.domain import EventKind, Role


@dataclass(slots=True)
class Life:
    """One ticket simulated to the end of its life (which may lie after the end day)."""

    sid: str
    created: float
    channel: str
    category: str
    priority: str
    customer: Customer
    topic: int = 0  # which problem of its category: picks subject, description and answer
    subject: str = ""
    description: str = ""
    events: list = field(default_factory=list)  # (ts, kind, author, role, public, body, from, to)
    nudges: list = field(default_factory=list)  # follow-ups written, so none repeats
    agent: Agent | None = None  # who holds it at the end
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


@dataclass(slots=True)
class _Case:
    """A ticket while the desk works on it: what the phases of `Desk.live` hand on to one
    another. The `Life` is what stays; this is the desk's scratch paper."""

    life: Life
    texts: dict  # the phrase bank in the customer's language
    order: str  # the order number the customer quotes
    live_phase: bool  # replies come in minutes (a chat, until it goes on hold)
    ready: float  # when the customer last started waiting
    assigned_at: float  # when the current owner took it
    group: str = ""  # where the ticket belongs
    landed: str = ""  # where it landed first: another group when misrouted
    misrouted: bool = False
    assignee: str = ""
    agent: Agent | None = None  # who answers now (chosen by `_plan_work`)
    first_agent: Agent | None = None  # who wrote the first reply
    rounds: int = 1  # agent replies planned up to the solution
    reassign_at: int = -1  # the round before which the ticket changes hands, -1 for none
    hold: bool = False  # the first reply escalates it and puts it on hold
    long_haul: bool = False  # on hold for months
    t: float = 0.0  # when the agent writes next
    status: str = "new"
    after_hold: bool = False
    solved: bool = False


_COMMENT, _STATUS, _ASSIGNEE, _GROUP, _PRIORITY = (
    EventKind.COMMENT, EventKind.STATUS, EventKind.ASSIGNEE, EventKind.GROUP, EventKind.PRIORITY,
)
_AGENT, _CUSTOMER, _SYSTEM = Role.AGENT, Role.CUSTOMER, Role.SYSTEM


class Desk:
    """One account's team at work on its tickets, one ticket's life at a time.

    It draws from the account's random stream (as do its queues), so tickets are lived
    in order of arrival and the stream stays a pure function of the seed.
    """

    def __init__(
        self, p: Profile, rng: Random, *, clock: Clock, tz: ZoneInfo, queues: Queues, agents: list[Agent]
    ) -> None:
        self.p = p
        self.rng = rng
        self.clock = clock
        self.tz = tz
        self.queues = queues
        self.group_names = [g for g, _ in p.groups]
        self.group_of = {c: g for g, cats in p.groups for c in cats}
        self.team_texts = TEXTS[p.team_language]
        self.bday = (datetime.combine(date.min, p.hours.end) - datetime.combine(date.min, p.hours.start)).total_seconds()
        if self.bday <= 0:
            self.bday += DAY
        self.agents = agents
        self.agent_by_id = {a.id: a for a in agents}
        self.by_group = {g: [a for a in agents if g in a.groups] for g in self.group_names}

    def _pick_agent(self, group: str, ts: float, besides: str = "") -> Agent:
        cands = [a for a in self.by_group[group] if a.active_from <= ts < a.active_to and a.id != besides]
        if not cands:
            cands = [a for a in self.agents if a.active_from <= ts < a.active_to and a.id != besides]
        return self.rng.choices(cands, [1.0 / a.speed for a in cands])[0]

    def _customer_time(self, ts: float) -> float:
        """Customers write any time, but the night's messages wait for the morning."""
        loc = datetime.fromtimestamp(ts, self.tz)
        if loc.hour < 7:
            morning = loc.replace(hour=7, minute=0, second=0, microsecond=0).timestamp()
            return morning + self.rng.random() * 3 * HOUR
        return ts

    # -- one ticket's life, phase by phase --

    def live(self, k: int, created: float, plan: tuple[str, str, str, Customer]) -> Life:
        """The `k`-th ticket of the account, created at `created` as `plan` says, lived to its end.

        Each phase draws from the account's random stream in turn; their order is the
        stream's order, so it must not change.
        """
        case = self._arrive(k, created, plan)
        self._route(case)
        self._plan_work(case)
        self._first_reply(case)
        for r in range(case.rounds):
            if self._round(case, r):
                break
        life = case.life
        if case.solved and not life.autosolved:
            self._reopens(case)
        if case.solved and self.p.close_after_days:
            closed = life.solved_at + self.p.close_after_days * DAY
            life.events.append((closed, _STATUS, "", _SYSTEM, True, "", "solved", "closed"))
        self._private_note(case)
        life.agent = case.agent
        self._order(life)
        return life

    def _arrive(self, k: int, created: float, plan: tuple[str, str, str, Customer]) -> _Case:
        """The customer writes: the tone, the problem, the subject and the description."""
        p, rng = self.p, self.rng
        channel, category, priority, cust = plan
        cust.tickets += 1
        life = Life(f"{p.prefix}-{100001 + k}", created, channel, category, priority, cust)
        texts = TEXTS[cust.language]
        order = f"{p.order_prefix}{rng.randint(10000, 99999)}"
        chat = channel == "chat"
        s = cust.temper + IRRITATION[category] + rng.gauss(0.0, 0.5) + (0.3 if priority == "urgent" else 0.0)
        life.tone = -1 if s < -0.75 else 0 if s < 0.75 else 1 if s < 1.45 else 2
        life.topic = topic = rng.randrange(len(texts["problem"][category]))
        life.subject = gendered(texts["subject"][category][topic], cust.female).replace("{order}", order)
        life.description = self._description(texts, life.tone, category, topic, order, cust, chat)
        life.events.append((created, _COMMENT, cust.id, _CUSTOMER, True, life.description, "", ""))
        life.events.append((created, _STATUS, "", _SYSTEM, True, "", "", "new"))
        return _Case(life, texts, order, live_phase=chat, ready=created, assigned_at=created + 3)

    def _route(self, case: _Case) -> None:
        """The ticket lands in a group (now and then the wrong one), maybe auto-assigned."""
        life, rng = case.life, self.rng
        created = life.created
        case.group = self.group_of[life.category]
        case.misrouted = rng.random() < MISROUTE.get(life.category, 0.04)
        case.landed = rng.choice([g for g in self.group_names if g != case.group]) if case.misrouted else case.group
        life.events.append((created, _GROUP, "", _SYSTEM, True, "", "", case.landed))
        life.events.append((created, _PRIORITY, "", _SYSTEM, True, "", "", life.priority))
        if self.p.auto_assign:
            case.assignee = self._pick_agent(case.landed, created).id
            life.events.append((created + 3, _ASSIGNEE, "", _SYSTEM, True, "", "", case.assignee))

    def _plan_work(self, case: _Case) -> None:
        """Who answers, and how much work it is: rounds, a hold, a reassignment."""
        life, rng = case.life, self.rng
        created, category = life.created, life.category
        agent = self._pick_agent(case.group, created)
        if case.assignee and not case.misrouted:
            agent = self.agent_by_id[case.assignee]  # round robin chose the owner
        case.agent = case.first_agent = agent
        skill = agent.skill_at(created)
        lo, hi = ROUNDS[category]
        rounds = rng.randint(lo, hi)
        if rounds > 1 and rng.random() < skill * 0.45:
            rounds -= 1
        if skill < 0.5 and rng.random() < 0.35:
            rounds += 1
        case.long_haul = category != "how-to" and rng.random() < LONG_HAUL  # a dispute, a fix in a later release
        case.hold = case.long_haul or rng.random() < HOLD.get(category, 0.02)
        if case.hold and rounds == 1:
            rounds = 2
        case.rounds = rounds
        reassign_p = 0.06 + 0.14 * (1.0 - skill) + 0.03 * (rounds - 1)
        case.reassign_at = rng.randint(0, rounds - 1) if rng.random() < reassign_p else -1

    def _first_reply(self, case: _Case) -> None:
        """The wait for the first reply: the queue or the line, a transfer when misrouted,
        follow-ups while waiting, and someone taking the ticket just before answering."""
        life, rng = case.life, self.rng
        created, agent = life.created, case.agent
        live = life.channel in LIVE
        first = self._first_reply_at(case, live)
        if case.misrouted:
            first = self._transfer(case, first, live)
        self._followups(life, case.texts, created, first - 2 * MINUTE, life.channel == "chat" and live)
        if not case.assignee:
            if case.reassign_at == 0:  # someone takes it, then hands it on before answering
                owner = self._pick_agent(case.group, created, besides=agent.id)
                case.assigned_at = self._between(created, first, rng.uniform(0.1, 0.4), live)
            else:
                owner = agent
                case.assigned_at = max(self._before(first, rng.uniform(0.5, 8) * MINUTE, live), created + 5)
            life.events.append((case.assigned_at, _ASSIGNEE, owner.id, _AGENT, True, "", "", owner.id))
            case.assignee = owner.id
        case.t = first

    def _first_reply_at(self, case: _Case, live: bool) -> float:
        """When the first reply would come: the line's wait, or the queue's backlog and the
        handling in business time (now and then a ticket slips through the cracks)."""
        life, rng = case.life, self.rng
        created, channel = life.created, life.channel
        if live:
            first = created + self.queues.live_wait(channel, created, case.agent)
            if channel == "phone":
                first += rng.uniform(3, 12) * MINUTE  # the call, then its summary
            return first
        wait = self.queues.queue_wait(created, life.priority)
        handle = FIRST_HANDLE[channel] * case.agent.speed * rng.lognormvariate(0.0, 0.8)
        slipped = rng.random()
        if slipped < 0.01:
            handle += rng.uniform(3, 15) * self.bday  # lost in the queue for days
        elif slipped < 0.05:
            handle += rng.uniform(4, 20) * HOUR  # slipped through the cracks
        return self.clock.add(created, wait + handle)

    def _transfer(self, case: _Case, first: float, live: bool) -> float:
        """The wrong group passes the ticket on, which delays the first reply; returns it."""
        life, rng, clock = case.life, self.rng, self.clock
        created, agent = life.created, case.agent
        tx = self._between(created, first, rng.uniform(0.3, 0.8) if live else rng.uniform(0.2, 0.6), live)
        if live:
            first += rng.uniform(2, 8) * MINUTE
        else:
            first = clock.add(first, rng.lognormvariate(math.log(2 * HOUR), 0.6))
        triage = self._pick_agent(case.landed, tx)
        life.events.append((tx, _GROUP, triage.id, _AGENT, True, "", case.landed, case.group))
        life.transfers += 1
        if case.assignee and case.assignee != agent.id:
            life.events.append((tx + 1, _ASSIGNEE, triage.id, _AGENT, True, "", case.assignee, agent.id))
            life.reassigns += 1
            case.assignee = agent.id
            case.assigned_at = tx + 1
        return first

    def _round(self, case: _Case, r: int) -> bool:
        """Round `r`: maybe a handover, the agent's reply, then what it leads to. True once solved."""
        if r == case.reassign_at:
            self._hand_over(case)
        final = r == case.rounds - 1
        waited = case.t - case.ready
        asked = self._reply(case, r, final=final, waited=waited)
        if final:
            self._solve(case)
            return True
        if case.hold and r == 0:
            self._hold(case)
            return False
        if asked is None:
            self._work_on(case)
            return False
        answered = self._pending(case)
        if answered is None:
            return True
        self._customer_answers(case, answered, asked=asked, waited=waited)
        return False

    def _hand_over(self, case: _Case) -> None:
        """Reassignment: the owner hands the ticket on (with a note, sometimes); by email the
        new agent reads up first and the customer waits on."""
        life, rng, clock = case.life, self.rng, self.clock
        old = self.agent_by_id[case.assignee]
        if case.live_phase:
            handover = max(case.assigned_at + 10, case.t - 30)
            case.t = max(case.t, handover + 30)
        else:  # in working time, after the last assignment and the customer's message
            earliest = clock.add(max(case.assigned_at, case.ready) + 60, 0.0)
            handover = max(earliest, self._before(case.t, rng.uniform(0.5, 3) * HOUR, False))
        new = self._pick_agent(case.group, handover, besides=old.id)
        if rng.random() < 0.5:
            note = self._note(3, old, new.first)
            life.events.append((handover - 1, _COMMENT, old.id, _AGENT, False, note, "", ""))
        life.events.append((handover, _ASSIGNEE, old.id, _AGENT, True, "", old.id, new.id))
        life.reassigns += 1
        case.assignee, case.agent = new.id, new
        if not case.live_phase:
            planned = case.t
            reading = rng.lognormvariate(math.log(1.5 * HOUR), 0.6) * new.speed
            case.t = clock.add(max(case.t, handover), reading)
            self._followups(life, case.texts, planned, case.t - 60, False)

    def _reply(self, case: _Case, r: int, *, final: bool, waited: float) -> int | None:
        """The agent writes: the solution, word of work in progress, or a question (whose
        index it returns; None for the others)."""
        life, texts, agent = case.life, case.texts, case.agent
        sorry = waited > (20 * MINUTE if case.live_phase else 24 * HOUR) or life.followups > 0
        asked = None
        if final:
            core = texts["solve"][life.category][life.topic]
        elif case.hold and r == 0:  # escalates: to the developers, or to a partner
            core = texts["work"][2 if life.category == "bug" or case.long_haul else 0]
        elif not case.after_hold and self.rng.random() < 0.2:
            core = texts["work"][1]
        else:
            asked = self.rng.randrange(len(texts["ask"]))
            core = texts["ask"][asked]
        case.after_hold = False
        body = self._agent_text(texts, agent, life, core, sorry, case.live_phase)
        life.events.append((case.t, _COMMENT, agent.id, _AGENT, True, body, "", ""))
        if life.first_reply is None:
            life.first_reply, case.first_agent = case.t, agent
        life.rounds += 1
        return asked

    def _solve(self, case: _Case) -> None:
        """The last reply solves it; in a chat a content customer may say thanks first."""
        life, rng, cust = case.life, self.rng, case.life.customer
        if case.live_phase and life.tone <= 0 and rng.random() < 0.6:
            thanks = (case.t + rng.uniform(20, 90), _COMMENT, cust.id, _CUSTOMER, True,
                      gendered(rng.choice(case.texts["thanks"]), cust.female), "", "")
            life.events.append(thanks)
            life.customer_messages += 1
            case.t += 120
        self._mark(case, case.t + 5, "solved")
        case.solved = True
        life.solved_at = case.t + 5

    def _hold(self, case: _Case) -> None:
        """Escalated, or waiting on a partner: on hold for days, and the customer may chase."""
        life, rng, agent, t = case.life, self.rng, case.agent, case.t
        if case.status != "open":
            self._mark(case, t + 1, "open")
        escalated = case.long_haul or life.category in ("bug", "complaint")  # else: waits on a partner
        note = self._note(1 if escalated else 4, agent)
        life.events.append((t + 30, _COMMENT, agent.id, _AGENT, False, note, "", ""))
        self._mark(case, t + 31, "hold")
        case.live_phase = False
        case.ready = t
        if case.long_haul:
            days = rng.uniform(30, 220)
        elif life.category == "bug":  # waits for a release
            days = min(120.0, rng.lognormvariate(math.log(6.0), 1.0))
        else:  # waits for a bank, a courier, a hotel
            days = min(60.0, rng.lognormvariate(math.log(3.0), 0.9))
        back = self.clock.add(t + 31, days * self.bday)
        life.hold_seconds = back - t
        case.after_hold = True
        self._followups(life, case.texts, t, back - 60, False, patience=2.0)
        case.t = back

    def _work_on(self, case: _Case) -> None:
        """Still on it: the agent writes again without waiting for anyone."""
        if case.status != "open":
            self._mark(case, case.t + 1, "open")
        case.ready = case.t
        case.t = self._next_reply(case.agent, case.t, case.live_phase)
        self._followups(case.life, case.texts, case.ready, case.t - 60, case.live_phase)

    def _pending(self, case: _Case) -> float | None:
        """The agent asked something: pending until the customer answers. Returns when they
        do, or None when they never do and the ticket solves itself after a while."""
        life, rng, t = case.life, self.rng, case.t
        if case.live_phase:
            if case.status != "open":
                self._mark(case, t + 1, "open")
            return t + rng.uniform(20, 150)
        self._mark(case, t + 1, "pending")
        if rng.random() < 0.09:  # the customer never answers: solved after a while
            at = t + self.p.autosolve_days * DAY * rng.uniform(1.0, 1.5)
            life.events.append((at, _STATUS, "", _SYSTEM, True, "", "pending", "solved"))
            case.status, case.solved = "solved", True
            life.solved_at = at
            life.autosolved = True
            return None
        if rng.random() < 0.2:  # busy, travelling, waiting for the courier themselves
            return self._customer_time(t + rng.uniform(1, 12) * DAY)
        return self._customer_time(t + min(5 * DAY, rng.lognormvariate(math.log(3 * HOUR), 1.1)))

    def _customer_answers(self, case: _Case, at: float, *, asked: int, waited: float) -> None:
        """The customer gives what was asked (impatiently, after a long wait); the agent's next
        reply is due, with follow-ups if it is late."""
        life, cust, texts = case.life, case.life.customer, case.texts
        body = (
            gendered(texts["info"][asked], cust.female)
            .replace("{order}", case.order)
            .replace("{email}", cust.email)
            .replace("{fullname}", cust.name)
        )
        if waited > (10 * MINUTE if case.live_phase else 30 * HOUR) and life.tone >= 0:
            body = self.rng.choice(texts["impatient"]) + " " + body
            life.tone = max(life.tone, 1)
        life.events.append((at, _COMMENT, cust.id, _CUSTOMER, True, body, "", ""))
        life.customer_messages += 1
        if not case.live_phase:
            life.events.append((at + 1, _STATUS, "", _SYSTEM, True, "", "pending", "open"))
            case.status = "open"
        case.ready = at
        case.t = self._next_reply(case.agent, at, case.live_phase)
        self._followups(life, texts, case.ready, case.t - 60, case.live_phase)

    def _reopens(self, case: _Case) -> None:
        """A solved ticket comes back, less often each time and at most twice."""
        life, rng, agent = case.life, self.rng, case.agent
        reopen_p = 0.02 + 0.11 * (1.0 - agent.skill_at(case.t)) + (0.05 if life.category == "bug" else 0.0)
        reopen_p += 0.03 if life.rounds == 1 and life.channel != "chat" else 0.0
        while rng.random() < reopen_p and life.reopens < 2:
            self._reopen(case)
            reopen_p *= 0.5

    def _reopen(self, case: _Case) -> None:
        """The customer writes back within days, upset; the agent apologises and solves it again."""
        life, rng, agent, texts = case.life, self.rng, case.agent, case.texts
        cust, category = life.customer, life.category
        c = self._customer_time(life.solved_at + rng.lognormvariate(math.log(18 * HOUR), 0.8))
        c = min(c, life.solved_at + 3.5 * DAY)
        life.tone = max(life.tone, 1 if rng.random() < 0.6 else 2)
        waits_for_something = category in ("refund", "delivery", "booking", "cancellation")
        body = gendered(rng.choice(texts["reopen"][: 4 if waits_for_something else 3]), cust.female)
        if life.tone == 2:
            body += " " + gendered(rng.choice(texts["closer"]["angry"]), cust.female)
        life.events.append((c, _COMMENT, cust.id, _CUSTOMER, True, body, "", ""))
        life.events.append((c + 1, _STATUS, cust.id, _CUSTOMER, True, "", "solved", "open"))
        life.customer_messages += 1
        life.reopens += 1
        t = self._next_reply(agent, c, False)
        self._followups(life, texts, c, t - 60, False)
        core = f"{rng.choice(texts['sorry_reopen'])} {texts['solve'][category][life.topic]}"
        body = self._agent_text(texts, agent, life, core, t - c > 24 * HOUR, False)
        life.events.append((t, _COMMENT, agent.id, _AGENT, True, body, "", ""))
        life.events.append((t + 5, _STATUS, agent.id, _AGENT, True, "", "open", "solved"))
        life.rounds += 1
        life.solved_at = t + 5

    def _private_note(self, case: _Case) -> None:
        """Now and then the first agent leaves a note: a returning customer, a billing matter."""
        life = case.life
        if life.first_reply is not None and self.rng.random() < 0.08:
            which = 0 if life.customer.tickets > 1 else 2 if life.category in ("billing", "refund") else -1
            if which >= 0:
                at = max(life.created + 10, life.first_reply - 40)
                note = self._note(which, case.first_agent)
                life.events.append((at, _COMMENT, case.first_agent.id, _AGENT, False, note, "", ""))

    def _mark(self, case: _Case, at: float, status: str) -> None:
        """The agent sets the ticket's status."""
        agent_id = case.agent.id
        case.life.events.append((at, _STATUS, agent_id, _AGENT, True, "", case.status, status))
        case.status = status

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

    def _next_reply(self, agent: Agent, ready: float, live: bool) -> float:
        if live:
            return ready + self.rng.uniform(30, 150) * agent.speed
        delay = NEXT_REPLY["email"] * agent.speed * self.rng.lognormvariate(0.0, 0.9) * self.queues.backlog
        if self.rng.random() < 0.06:  # it sits in someone's view for days
            delay += self.rng.uniform(2, 15) * self.bday
        return self.clock.add(ready, delay)

    def _followups(
        self, life: Life, texts: dict, since: float, until: float, live: bool, patience: float = 1.0
    ) -> None:
        """"Any update?" messages while the customer waits longer than their patience; each
        one raises the life's tone."""
        rng = self.rng
        tone = life.tone
        wait = (4 * MINUTE if live else 20 * HOUR) * life.customer.patience * patience * rng.lognormvariate(0.0, 0.3)
        at = since + wait
        sent = 0
        while sent < 3:
            at = at if live else self._customer_time(at)
            if at >= until:
                break
            tone = max(1, min(2, tone + 1)) if sent or tone >= 1 else 1
            bank = [b for b in texts["followup"][TONE[tone]] if b not in life.nudges] or texts["followup"][TONE[tone]]
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
        life.tone = tone

    def _order(self, life: Life) -> None:
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

    def _description(
        self, texts: dict, tone: int, category: str, topic: int, order: str, cust: Customer, chat: bool
    ) -> str:
        rng = self.rng
        name = TONE[tone]
        parts = []
        if not chat or tone != 0:
            parts.append(rng.choice(texts["opener"][name]))
        parts.append(texts["problem"][category][topic])
        if not chat and rng.random() < 0.4:
            parts.append(rng.choice(texts["detail"]))
        if not chat or tone == 2:
            parts.append(rng.choice(texts["closer"][name]))
        text = " ".join(parts).replace(", ", ",\n", 1) if parts[0].endswith(",") else " ".join(parts)
        if not chat and rng.random() < 0.5:
            text += "\n" + cust.first
        return gendered(text, cust.female).replace("{order}", order)

    def _agent_text(self, texts: dict, agent: Agent, life: Life, core: str, sorry: bool, chat: bool) -> str:
        """An agent's reply around its core sentence: an apology when late, greeting and
        signature unless it is a chat line."""
        rng = self.rng
        text = f"{rng.choice(texts['sorry_wait'])} {core}" if sorry else core
        if not chat:
            greet = rng.choice(texts["greet"]).replace("{name}", life.customer.first)
            sign = rng.choice(texts["sign"]).replace("{agent}", agent.first)
            text = f"{greet}\n\n{text}\n\n{sign}"
        return gendered(text, agent.female)

    def _note(self, which: int, agent: Agent, other: str = "") -> str:
        return gendered(self.team_texts["note"][which], agent.female).replace("{agent}", other)
