"""SLA targets of one ticket as of a time t: met, breached, or still running with a deadline.

The clocks read the ticket through the one fold (`metrics.facts.ticket_facts`, its
`trail`): a reply, a status, a customer message or a priority change is exactly what the
KPIs count, and only events before t are read, so `--as-of` and the prediction features
see the targets as they stood then (DESIGN.md, "Satisfaction prediction").

When each clock runs follows Zendesk's SLA metrics ("Defining and using SLA policies";
the ticket metric events reference — requester wait pauses in pending):

| target         | starts                                   | runs while                  | stops at                      |
| ---            | ---                                      | ---                         | ---                           |
| first_reply    | ticket created                           | always                      | first public agent reply, or a solve |
| next_reply     | a customer message after an agent reply  | always                      | the next public agent reply, or a solve |
| resolution     | ticket created                           | not solved/closed           | solved/closed (a reopen resumes it) |
| requester_wait | ticket created                           | new, open, on-hold          | solved/closed (pending pauses; a reopen resumes it) |

Each clock counts calendar minutes, or the account's business minutes when its target
says so (calendar when the account sets no business hours). Which target applies is
asked again whenever it could change — a new policy set takes effect (from its time on,
never before), the priority or the group changes — and the first policy that matches
wins (domain/sla.py). A target is breached the moment its clock reaches the target in
force; met when it stops before; running otherwise, with the deadline its clock reaches
the target at if nothing changes (None while paused).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cxpulse.domain.sla import Policy, PolicySet, SlaTarget, policy_for, set_in_force
from cxpulse.domain.types import DONE_STATES, BusinessHours, Ticket, TicketEvent
from cxpulse.metrics.business_hours import add_business_minutes, business_minutes
from cxpulse.metrics.facts import WAIT_STATES, TicketFacts, ticket_facts

__all__ = [
    "MET",
    "BREACHED",
    "RUNNING",
    "TargetOutcome",
    "breaches",
    "nearest_deadline",
    "sla_outcomes",
    "ticket_sla",
]

MET, BREACHED, RUNNING = "met", "breached", "running"
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class TargetOutcome:
    """One target of one ticket. `seq` tells next-reply targets apart (1, 2, …; 0 otherwise)."""

    kind: str
    seq: int
    policy: str  # title of the policy in force at the end (or at the breach)
    minutes: float  # its target
    business_hours: bool  # counted in business minutes
    started_at: datetime
    ended_at: datetime | None  # when the clock stopped for good (reply, solve); None while running
    breached_at: datetime | None
    deadline: datetime | None  # when the clock reaches the target (running, not paused); the breach time once breached
    status: str  # met | breached | running
    paused: bool  # running and its clock stopped (requester wait in pending)
    elapsed_minutes: float  # the clock, in the target's unit, at the end or at t


def ticket_sla(
    ticket: Ticket,
    events: Iterable[TicketEvent],
    policies: tuple[PolicySet, ...],
    *,
    as_of: datetime | None = None,
    hours: BusinessHours | None = None,
    tz: str = "UTC",
) -> list[TargetOutcome]:
    """The ticket's targets as of `as_of` (None: the end of its known life), folding its events."""
    trail: list = []
    facts = ticket_facts(ticket, events, as_of=as_of, hours=None, tz=tz, trail=trail)
    return sla_outcomes(ticket, facts, trail, policies, hours=hours, tz=tz)


def sla_outcomes(
    ticket: Ticket,
    facts: TicketFacts,
    trail: list,
    policies: tuple[PolicySet, ...],
    *,
    hours: BusinessHours | None = None,
    tz: str = "UTC",
) -> list[TargetOutcome]:
    """The targets from a fold's facts and `trail` (what `ticket_facts(..., trail=[])` gave)."""
    if not policies:
        return []
    clock = _Clock(ticket, facts, trail, policies, hours, tz)
    return clock.outcomes()


def nearest_deadline(outcomes: Iterable[TargetOutcome]) -> TargetOutcome | None:
    """The running target whose deadline comes first (paused ones have none)."""
    running = [o for o in outcomes if o.status == RUNNING and o.deadline is not None]
    return min(running, key=lambda o: o.deadline) if running else None  # type: ignore[arg-type,return-value]


def breaches(outcomes: Iterable[TargetOutcome]) -> int:
    return sum(1 for o in outcomes if o.status == BREACHED)


# (id of a policy set, priority, group, channel, category, tags) → (the set, the policy it
# gives): tickets repeat the same few combinations, and matching is most of a clock's set-up.
# The set is kept beside its policy, so its id cannot be reused while the entry lives.
_MATCHES: dict[tuple, tuple[PolicySet | None, Policy | None]] = {}
_MATCHES_KEPT = 20_000


def _matched(ps: PolicySet | None, priority: str, group: str, fixed: tuple) -> Policy | None:
    key = (id(ps), priority, group, *fixed)
    hit = _MATCHES.get(key)
    if hit is not None and hit[0] is ps:
        return hit[1]
    channel, category, tags = fixed
    values = {"channel": channel, "category": category, "priority": priority.strip().lower(),
              "group": group.strip().lower()}
    policy = policy_for(ps, values, tags)
    if len(_MATCHES) >= _MATCHES_KEPT:
        _MATCHES.clear()
    _MATCHES[key] = (ps, policy)
    return policy


class _Clock:
    """A ticket's timeline (statuses, priority, group, policy sets) and its targets' clocks."""

    def __init__(self, ticket, facts: TicketFacts, trail: list, policies, hours, tz) -> None:
        self.ticket = ticket
        self.facts = facts
        self.trail = trail
        self.sets = tuple(sorted(policies, key=lambda s: s.effective_from))
        self.hours = hours
        self.tz = tz
        self.created = created = ticket.created_at
        self.horizon = facts.as_of
        # statuses as the fold took them: (since, status)
        self.statuses: list[tuple[datetime, str]] = [(created, "new")]
        pri: list[tuple[datetime, str]] = []
        grp: list[tuple[datetime, str]] = []
        for entry in trail:
            what = entry[0]
            if what == "status":
                self.statuses.append((entry[1], entry[2]))
            elif what == "priority":
                if not pri:
                    pri.append((created, entry[2] or ""))
                pri.append((entry[1], entry[3] or ""))
            elif what == "group":
                if not grp:
                    grp.append((created, entry[2] or ""))
                grp.append((entry[1], entry[3] or ""))
        self.priorities = pri or [(created, facts.priority)]
        self.groups = grp or [(created, facts.group)]
        self.fixed = {"channel": ticket.channel.strip().lower(), "category": ticket.category.strip().lower()}
        self.tags = frozenset(t.lower() for t in ticket.tags)
        changes = {t for t, _ in self.priorities} | {t for t, _ in self.groups} | {s.effective_from for s in self.sets}
        self.changes = sorted(t for t in changes if created < t < self.horizon)
        self._bm: dict[datetime, float] = {}
        # the kinds some policy counts in business minutes: only their clocks count them
        self._business_kinds = frozenset(
            t.kind for s in self.sets for p in s.policies for t in p.targets if t.business_hours)
        # the policy in force from each change on: matched once per distinct (set, priority, group)
        self._bounds = [created, *self.changes]
        self._policies: list[Policy | None] = []
        fixed = (self.fixed["channel"], self.fixed["category"], self.tags)
        for at in self._bounds:
            ps = set_in_force(self.sets, at)
            self._policies.append(_matched(ps, self._value_at(self.priorities, at), self._value_at(self.groups, at),
                                           fixed))

    # -- which target applies when -----------------------------------------------------------

    @staticmethod
    def _value_at(timeline: list[tuple[datetime, str]], at: datetime) -> str:
        value = timeline[0][1]
        for t, v in timeline:
            if t <= at:
                value = v
            else:
                break
        return value

    def target_at(self, kind: str, at: datetime) -> tuple[str, SlaTarget] | None:
        """(policy title, target) of this kind in force at `at`, or None."""
        i = bisect_right(self._bounds, at) - 1
        policy = self._policies[i if i > 0 else 0]
        if policy is None:
            return None
        target = policy.target(kind)
        return None if target is None else (policy.title, target)

    # -- when each clock runs ------------------------------------------------------------------

    def _spans(self, running: frozenset[str] | None) -> list[tuple[datetime, datetime]]:
        """Spans up to the horizon in a status of `running` (None: in any status but done)."""
        out = []
        st = self.statuses
        for i, (since, status) in enumerate(st):
            until = st[i + 1][0] if i + 1 < len(st) else self.horizon
            on = status not in DONE_STATES if running is None else status in running
            if on and until > since:
                out.append((since, until))
        return out

    def outcomes(self) -> list[TargetOutcome]:
        f = self.facts
        done_unknown = f.solved and f.solved_at is None  # solved at a time nobody knows
        solve_times = [t for t, s in self.statuses if s in DONE_STATES]
        first_solve = solve_times[0] if solve_times else None
        end_of_work = f.solved_at if f.solved else None
        whole = [(self.created, self.horizon)]
        out: list[TargetOutcome] = []

        # first reply: stopped by the first public agent reply or the first solve
        reply_at = next((e[1] for e in self.trail if e[0] == "reply"), None)
        stops = [t for t in (reply_at, first_solve) if t is not None]
        out.append(self._run("first_reply", 0, self.created, min(stops) if stops else None, whole, True))

        # next replies: each customer message after an answer (a reply or a solve) opens one
        answered = False
        start: datetime | None = None
        seq = 0
        for entry in self.trail:
            what, at = entry[0], entry[1]
            if what == "reply" or (what == "status" and entry[2] in DONE_STATES):
                if start is not None:
                    seq += 1
                    out.append(self._run("next_reply", seq, start, at, [(start, at)], True))
                    start = None
                answered = True
            elif what == "customer" and answered and start is None:
                start = at
        if start is not None:
            seq += 1
            out.append(self._run("next_reply", seq, start, None, [(start, self.horizon)], True))

        now_status = self.statuses[-1][1]
        out.append(self._run("resolution", 0, self.created, end_of_work, self._spans(None),
                             now_status not in DONE_STATES))
        out.append(self._run("requester_wait", 0, self.created, end_of_work, self._spans(WAIT_STATES),
                             now_status in WAIT_STATES))
        kept = [o for o in out if o is not None]
        if done_unknown:  # a ticket closed at an unknown time: whatever was still running has no outcome
            kept = [o for o in kept if o.status != RUNNING]
        return kept

    # -- one clock -------------------------------------------------------------------------------

    def _business_to(self, t: datetime) -> float:
        """Business minutes from creation to `t`, once per moment: the clocks share their
        boundaries (statuses, replies), and a span's count is the difference of two."""
        v = self._bm.get(t)
        if v is None:
            v = self._bm[t] = business_minutes(self.created, t, self.hours, self.tz)  # type: ignore[arg-type]
        return v

    def _measure(self, a: datetime, b: datetime, business: bool) -> tuple[float, float]:
        cal = (b - a).total_seconds() / 60.0
        if business and self.hours is not None:
            return cal, self._business_to(b) - self._business_to(a)
        return cal, cal

    def _reach(self, a: datetime, need: float, business: bool) -> datetime | None:
        """When a clock running from `a` adds `need` more minutes."""
        if need <= 0:
            return a
        if business and self.hours is not None:
            return add_business_minutes(a, need, self.hours, self.tz)
        return a + timedelta(minutes=need)

    def _run(
        self, kind: str, seq: int, start: datetime, end: datetime | None, spans: list[tuple[datetime, datetime]],
        runs_at_end: bool,
    ) -> TargetOutcome | None:
        """The clock of one target from `start` until `end` (None: still running at the
        horizon), counting inside `spans`; `runs_at_end`: its clock is running at the horizon."""
        horizon = end if end is not None else self.horizon
        if horizon < start:
            horizon = start
        points = {start, horizon}
        points.update(t for t in self.changes if start < t < horizon)
        for a, b in spans:
            if start < a < horizon:
                points.add(a)
            if start < b < horizon:
                points.add(b)
        pts = sorted(points)
        counts_business = kind in self._business_kinds
        e_cal = e_bh = 0.0
        breached_at: datetime | None = None
        held: tuple[str, SlaTarget] | None = None  # the target at the breach
        for i in range(len(pts) - 1):
            a, b = pts[i], pts[i + 1]
            active = any(s <= a < t for s, t in spans)
            cal, bh = self._measure(a, b, counts_business) if active else (0.0, 0.0)
            if breached_at is None:
                found = self.target_at(kind, a)
                if found is not None:
                    _title, target = found
                    business = target.business_hours and self.hours is not None
                    e = e_bh if business else e_cal
                    if e >= target.minutes - _EPS:
                        breached_at, held = a, found
                    elif active and e + (bh if business else cal) > target.minutes + _EPS:
                        # the clock passes the target inside this span: find when, once
                        u = self._reach(a, target.minutes - e, business)
                        if u is not None and u < b:
                            breached_at, held = u, found
            e_cal += cal
            e_bh += bh
        final = held if held is not None else self.target_at(kind, horizon)
        if final is None:
            return None  # no policy sets this target for the ticket (then or any more)
        title, target = final
        business = target.business_hours and self.hours is not None
        elapsed = e_bh if business else e_cal
        if end is None and breached_at is None and elapsed >= target.minutes - _EPS:
            breached_at = horizon  # reached exactly at t
        if breached_at is not None:
            return TargetOutcome(kind, seq, title, target.minutes, target.business_hours, start, end, breached_at,
                                 breached_at, BREACHED, False, elapsed)
        if end is not None:
            return TargetOutcome(kind, seq, title, target.minutes, target.business_hours, start, end, None,
                                 None, MET, False, elapsed)
        deadline = self._reach(horizon, target.minutes - elapsed, business) if runs_at_end else None
        return TargetOutcome(kind, seq, title, target.minutes, target.business_hours, start, None, None,
                             deadline, RUNNING, not runs_at_end, elapsed)
