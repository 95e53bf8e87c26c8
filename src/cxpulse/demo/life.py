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

    # -- one ticket's life --

    def live(self, k: int, created: float, plan: tuple[str, str, str, Customer]) -> Life:
        """The `k`-th ticket of the account, created at `created` as `plan` says, lived to its end."""
        p, rng, clock = self.p, self.rng, self.clock
        channel, category, priority, cust = plan
        cust.tickets += 1
        life = Life(f"{p.prefix}-{100001 + k}", created, channel, category, priority, cust)
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
            first = created + self.queues.live_wait(channel, created, agent)
            if channel == "phone":
                first += rng.uniform(3, 12) * MINUTE  # the call, then its summary
        else:
            wait = self.queues.queue_wait(created, priority)
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

    def _next_reply(self, agent: Agent, ready: float, live: bool) -> float:
        if live:
            return ready + self.rng.uniform(30, 150) * agent.speed
        delay = NEXT_REPLY["email"] * agent.speed * self.rng.lognormvariate(0.0, 0.9) * self.queues.backlog
        if self.rng.random() < 0.06:  # it sits in someone's view for days
            delay += self.rng.uniform(2, 15) * self.bday
        return self.clock.add(ready, delay)

    def _followups(
        self, life: Life, T: dict, since: float, until: float, tone: int, live: bool, patience: float = 1.0
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

    def _description(self, T: dict, tone: int, category: str, topic: int, order: str, cust: Customer, chat: bool) -> str:
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

    def _agent_text(self, T: dict, agent: Agent, life: Life, core: str, sorry: bool, chat: bool) -> str:
        """An agent's reply around its core sentence: an apology when late, greeting and
        signature unless it is a chat line."""
        rng = self.rng
        text = f"{rng.choice(T['sorry_wait'])} {core}" if sorry else core
        if not chat:
            greet = rng.choice(T["greet"]).replace("{name}", life.customer.first)
            sign = rng.choice(T["sign"]).replace("{agent}", agent.first)
            text = f"{greet}\n\n{text}\n\n{sign}"
        return gendered(text, agent.female)

    def _note(self, which: int, agent: Agent, other: str = "") -> str:
        return gendered(self.team_texts["note"][which], agent.female).replace("{agent}", other)
