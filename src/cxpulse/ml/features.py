"""What the model sees of a ticket as of a time t: a `Snapshot`.

Why it is shaped this way (DESIGN.md, "Satisfaction prediction"):
- The time and load features are the one fold, `metrics.facts.ticket_facts`, taken at
  t (STYLE.md example 9): the KPIs on the dashboard and the model's inputs can never
  disagree about what a first reply or a reopen is.
- Only what was known before t is read: events strictly before t, the ticket's own
  creation-time fields, and other tickets' ratings given before t (`RatingHistory`
  never counts the scored ticket's own ratings). The ticket's current fields the fold
  documents as fallbacks (status, assignee, group, priority) are the only exception,
  and they are read the same way the KPIs read them.
- Batch scoring must reach ~20,000 tickets/s, so a snapshot is tuples, the events of a
  ticket are sorted once however many snapshots are taken (`snapshots`), and the
  language is detected once per ticket.

Text: `customer_text` is the subject, the description (unless a comment before t
repeats it) and the customer's comments before t; `agent_text` the agents' public
comments before t (internal notes are left out). Both are kept as written, in any
script; the text model tokenises them.

Language: `text.detect_language` over the subject, the description and the first
customer comment — things known when the ticket opens. The first comment counts only
once it is before t, so the language cannot leak from the future; in practice it is
the same for every snapshot of a ticket.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from operator import attrgetter, lt
from zoneinfo import ZoneInfo

from cxpulse.domain.types import Account, EventKind, Role, Ticket, TicketEvent
from cxpulse.durations import business_duration, duration
from cxpulse.durations import number as _num
from cxpulse.metrics.business_hours import business_minutes
from cxpulse.metrics.facts import (
    TicketFacts,
    end_of,
    facts_from_metrics,
    is_description,
    ticket_facts,
)
from cxpulse.metrics.sla import breaches, nearest_deadline, sla_outcomes
from cxpulse.ml.context import RatingHistory
from cxpulse.text import detect_language

__all__ = [
    "CATEGORICAL",
    "NUMERIC",
    "LANGUAGE_NAMES",
    "WEEKDAYS",
    "Snapshot",
    "SHARED",
    "category_reason",
    "duration",
    "early_times",
    "reason",
    "snapshot",
    "snapshot_batch",
    "snapshot_reason",
    "snapshots",
    "text_reason",
    "training_times",
]

NUMERIC: tuple[str, ...] = (
    "replied",  # 1 once a public agent reply is before t, else 0
    "first_reply_minutes",  # nan until replied
    "no_reply_minutes",  # waiting so far for a first reply (up to the solve, if solved); nan once replied
    "elapsed_minutes",  # t − created
    "customer_waiting_minutes",  # since the customer's oldest unanswered message, up to a solve after it; 0 if the agent spoke last
    "requester_wait_minutes",  # time in new/open/hold so far
    "resolution_minutes",  # created → solve, when solved as of t; else nan
    "first_reply_bh_minutes",  # business-hours variants: nan when the account has no business hours
    "no_reply_bh_minutes",
    "requester_wait_bh_minutes",
    "agent_replies",
    "customer_messages",
    "reopens",
    "reassignments",
    "group_transfers",
    "created_hour",  # 0–23, account timezone
    "created_weekday",  # 0 = Monday … 6 = Sunday, account timezone
    "customer_text_chars",
    "agent_text_chars",
    "agent_csat",  # satisfied share of the agent's ratings in the last 90 days; nan when none
    "agent_csat_n",
    "customer_csat",  # satisfied share of all the customer's earlier ratings; nan when none
    "customer_csat_n",
    "account_csat",  # satisfied share of the account's ratings in the last 90 days
    "due_in_minutes",  # time left to the promised date (due_at as of t); nan when none, past it or solved
    "past_due_minutes",  # how far past the promised date: at the solve if solved, else at t; 0 on time; nan when none
    "sla_due_in_minutes",  # time left to the nearest running SLA deadline as of t (metrics/sla.py); nan when none runs
    "sla_breaches",  # SLA targets breached as of t; nan when the account has no SLA policies
)
CATEGORICAL: tuple[str, ...] = ("channel", "priority", "language", "status", "group", "category")

_INDEX = {name: i for i, name in enumerate(NUMERIC)}
_COUNT_OF = {"agent_csat": "agent_csat_n", "customer_csat": "customer_csat_n"}

_NAN = math.nan
# Enough letters to tell the script and Lithuanian's tell-tale words; detection over the
# full 2,000-character sample of a long email costs ~150 µs, over 400 about 30 µs.
_LANGUAGE_SAMPLE = 400
_SECOND = timedelta(seconds=1)
_ORDER = attrgetter("at", "source_id")
_AT = attrgetter("at")
_COMMENT = EventKind.COMMENT
_AGENT = Role.AGENT
_CUSTOMER = Role.CUSTOMER


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A ticket as the model sees it at `as_of`: numbers, categories and the two texts."""

    ticket_id: str
    as_of: datetime  # aware UTC
    numeric: tuple[float, ...]  # aligned with NUMERIC; math.nan when unknown
    categorical: tuple[str, ...]  # aligned with CATEGORICAL; "" when unknown
    customer_text: str  # subject + description/customer messages before as_of
    agent_text: str  # public agent messages before as_of
    language: str  # detected once per ticket: ISO 639-1 (cxpulse.text.LANGUAGES) or ""

    def value(self, name: str) -> float:
        """The numeric feature `name` (one of NUMERIC)."""
        return self.numeric[_INDEX[name]]


# --- one ticket, prepared once ------------------------------------------------------------


@lru_cache(maxsize=256)
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


class _Ticket:
    """A ticket's events sorted once, its comments split by author, its local creation time."""

    __slots__ = (
        "ticket", "events", "metrics_end", "hours", "tz", "hour", "weekday", "sla",
        "c_at", "c_customer", "c_body", "desc", "desc_repeat", "first_customer", "_lang",
    )

    def __init__(self, ticket: Ticket, events: Sequence[TicketEvent], account: Account) -> None:
        self.ticket = ticket
        self.events = evs = _in_order(events)
        self.metrics_end = end_of(ticket) if ticket.metrics else None
        self.hours = account.business_hours
        self.tz = account.timezone
        self.sla = account.sla
        local = ticket.created_at.astimezone(_zone(account.timezone))
        self.hour = float(local.hour)
        self.weekday = float(local.weekday())

        # The conversation in order: `c_customer[i]` says whose side comment i is on. An
        # agent-written description (the fold's rule: the first comment, by an agent, at
        # creation or equal to the description — it answers nothing) is the customer's side.
        created = ticket.created_at
        desc = ticket.description.strip()
        c_at: list[datetime] = []
        c_customer: list[bool] = []
        c_body: list[str] = []
        first = True
        desc_repeat = -1  # index of the first customer-side comment that repeats the description
        for ev in evs:
            if ev.kind != _COMMENT:
                continue
            role = ev.author_role
            body = ev.body
            if first:
                first = False
                if is_description(ev, created, desc):
                    role = _CUSTOMER
            if role == _CUSTOMER:
                if desc_repeat < 0 and desc and body.strip() == desc:
                    desc_repeat = len(c_at)
                c_customer.append(True)
            elif role == _AGENT and ev.public:
                c_customer.append(False)
            else:
                continue  # internal notes and system comments are not the conversation
            c_at.append(ev.at)
            c_body.append(body)
        self.c_at, self.c_customer, self.c_body = c_at, c_customer, c_body
        self.desc = ticket.description if desc else ""
        self.desc_repeat = desc_repeat
        self.first_customer = c_customer.index(True) if True in c_customer else -1
        self._lang: dict[bool, str] = {}

    def texts(self, k: int) -> tuple[str, str]:
        """(customer_text, agent_text) from the first `k` comments."""
        subject = self.ticket.subject
        customer = [subject] if subject else []
        if self.desc and not 0 <= self.desc_repeat < k:
            customer.append(self.desc)
        agent: list[str] = []
        sides, bodies = self.c_customer, self.c_body
        for i in range(k):
            (customer if sides[i] else agent).append(bodies[i])
        return "\n".join(customer), "\n".join(agent)

    def language(self, k: int) -> str:
        """Detected over what was known at creation: subject, description and the first
        customer comment — that one only once it is among the first `k` comments."""
        seen = 0 <= self.first_customer < k
        lang = self._lang.get(seen)
        if lang is None:
            text = self.ticket.subject + "\n" + self.desc
            if seen:
                text += "\n" + self.c_body[self.first_customer]
            lang = self._lang[seen] = detect_language(text[:_LANGUAGE_SAMPLE])
        return lang

    def facts(self, as_of: datetime, trail: list | None = None) -> TicketFacts:
        """The fold at t; the help desk's own metrics when they are all there is (no event
        before t — events after t must not decide the source) and t is past the ticket's end.
        `trail` receives the fold's trail for the SLA clocks (nothing with the metrics)."""
        end = self.metrics_end
        if end is not None and as_of >= end and (not self.events or self.events[0].at >= as_of):
            return facts_from_metrics(self.ticket, as_of=as_of)
        return ticket_facts(self.ticket, self.events, as_of=as_of, hours=self.hours, tz=self.tz, in_order=True,
                            trail=trail)

    def sla_figures(self, f: TicketFacts, trail: list | None) -> tuple[float, float]:
        """(minutes to the nearest running SLA deadline, targets breached) as of the fold's t;
        nan without policies, and for the help desk's metrics (they carry no times to clock)."""
        if trail is None or f.source != "events":
            return _NAN, _NAN
        outcomes = sla_outcomes(self.ticket, f, trail, self.sla, hours=self.hours, tz=self.tz)
        nearest = nearest_deadline(outcomes)
        due_in = _NAN if nearest is None else (nearest.deadline - f.as_of).total_seconds() / 60.0  # type: ignore[operator]
        return due_in, float(breaches(outcomes))


def _in_order(events: Sequence[TicketEvent]) -> list[TicketEvent]:
    """The events sorted by (at, source_id). A store hands them over in that order already,
    and strictly increasing times settle it without building a key per event."""
    ats = list(map(_AT, events))
    if all(map(lt, ats, ats[1:])):
        return list(events)
    return sorted(events, key=_ORDER)


def _utc(as_of: datetime) -> datetime:
    if as_of.tzinfo is None:
        raise ValueError(f"as_of {as_of.isoformat()} has no timezone; give an aware UTC time")
    return as_of if as_of.tzinfo is UTC else as_of.astimezone(UTC)


def _take(prep: _Ticket, as_of: datetime, history: RatingHistory) -> Snapshot:
    ticket = prep.ticket
    trail: list | None = [] if prep.sla else None
    f = prep.facts(as_of, trail)
    sla_due_in, sla_breached = prep.sla_figures(f, trail)
    k = bisect_left(prep.c_at, as_of)
    customer_text, agent_text = prep.texts(k)
    language = prep.language(k)

    fr = f.first_reply_minutes
    replied = fr is not None or f.agent_replies > 0
    stop = f.solved_at if f.solved else None  # when the waiting ended, if it has
    hours = prep.hours
    if hours is None:
        fr_bh = no_reply_bh = wait_bh = _NAN
    else:
        v = f.first_reply_bh_minutes
        fr_bh = _NAN if v is None else v
        v = f.requester_wait_bh_minutes
        wait_bh = _NAN if v is None else v
        if replied:
            no_reply_bh = _NAN
        else:
            no_reply_bh = business_minutes(ticket.created_at, stop or as_of, hours, prep.tz)
    waiting = f.waiting_minutes
    elapsed = f.elapsed_minutes
    no_reply = _NAN if replied else elapsed
    if stop is not None:
        # Waiting stops at the solve: a ticket solved long ago without a reply was not
        # kept waiting ever since (the fold's times run to t). A customer message after
        # the solve is a new request and waits from when it was written.
        if not replied:
            no_reply = max(0.0, (stop - ticket.created_at).total_seconds() / 60.0)
        since = f.waiting_since
        if waiting is not None and since is not None and since < stop:
            waiting = (stop - since).total_seconds() / 60.0
    resolution = f.full_resolution_minutes
    due = f.due_at
    if due is None:
        due_in = past_due = _NAN
    else:
        end = stop or as_of  # a solved ticket's lateness is frozen at its solve
        late = (end - due).total_seconds() / 60.0
        past_due = late if late > 0 else 0.0
        due_in = -late if stop is None and late < 0 else _NAN
    agent_n, agent_csat, customer_n, customer_csat, _, account_csat = history.context(
        f.assignee_id, ticket.requester_id, before=as_of, exclude_ticket=ticket.source_id
    )
    numeric = (
        1.0 if replied else 0.0,
        _NAN if fr is None else fr,
        no_reply,
        elapsed,
        0.0 if waiting is None else waiting,
        f.requester_wait_minutes,
        _NAN if resolution is None else resolution,
        fr_bh,
        no_reply_bh,
        wait_bh,
        float(f.agent_replies),
        float(f.customer_messages),
        float(f.reopens),
        float(f.reassignments),
        float(f.group_transfers),
        prep.hour,
        prep.weekday,
        float(len(customer_text)),
        float(len(agent_text)),
        agent_csat,
        float(agent_n),
        customer_csat,
        float(customer_n),
        account_csat,
        due_in,
        past_due,
        sla_due_in,
        sla_breached,
    )
    categorical = (ticket.channel, f.priority, language, f.status, f.group, ticket.category)
    return Snapshot(ticket.source_id, as_of, numeric, categorical, customer_text, agent_text, language)


def snapshot(
    ticket: Ticket,
    events: Sequence[TicketEvent],
    *,
    as_of: datetime,
    account: Account,
    history: RatingHistory,
) -> Snapshot:
    """The ticket as of `as_of`: only events strictly before it, and other tickets'
    ratings given before it, are read — the leakage test holds this to the letter."""
    return _take(_Ticket(ticket, events, account), _utc(as_of), history)


def snapshots(
    ticket: Ticket,
    events: Sequence[TicketEvent],
    times: Sequence[datetime],
    *,
    account: Account,
    history: RatingHistory,
) -> list[Snapshot]:
    """Several snapshots of one ticket (training, early-life evaluation): the events are
    sorted and the language detected once, not once per snapshot. Equal to calling
    `snapshot` at each time."""
    prep = _Ticket(ticket, events, account)
    return [_take(prep, _utc(t), history) for t in times]


def snapshot_batch(
    items: Iterable[tuple[Ticket, Sequence[TicketEvent], datetime, Account, RatingHistory]],
) -> list[Snapshot]:
    """Many tickets at once, each `(ticket, events, as_of, account, history)`: equal to
    `snapshot(ticket, events, as_of=as_of, account=account, history=history)` for each
    (tests/ml/test_fast_paths.py holds the two equal), without a call per ticket through
    the keyword API. `SatisfactionModel.score_tickets` scores such a batch with reasons."""
    take, prepare, utc = _take, _Ticket, _utc
    return [take(prepare(t, evs, account), utc(as_of), history) for t, evs, as_of, account, history in items]


# --- when to take snapshots -----------------------------------------------------------------


def training_times(
    ticket: Ticket, events: Sequence[TicketEvent], *, until: datetime | None = None
) -> list[datetime]:
    """Moments of a ticket's life to learn from, sorted and unique: just before the
    first reply (reply − 1 s), after each public agent reply (+1 s, so the reply is
    seen) and after the last solve (+1 s). A ticket with no events but help-desk
    metrics has one: its end, when those metrics are true.

    `until` (pass the rating's time): the moments are chosen from what was known before
    it, as a snapshot reads it (events strictly before `until`), and none lies after it
    — a reply or a reopen that reacts to a bad rating must not teach the model what the
    rating was, nor decide which moments it learns from. A ticket that is not solved as
    of `until` (rated before its first reply or its solve: often the unhappiest), or
    whose solve is less than 1 s before it (a CSV export without rating times stamps the
    rating at the solve), adds a moment at `until` itself: the ticket just before its
    rating, since a snapshot reads only what is strictly before its time. So every rated
    ticket has at least one moment. A rating stamped before the ticket was created (a
    data error the import notes) is taken as given at creation.

    A metrics-only ticket whose end is after `until` falls back to its solve (+1 s) read
    from its own fields, since its final metrics may already reflect the rating; without
    a solve by then, to `until`.
    """
    created = ticket.created_at
    if until is not None and until < created:
        until = created
    evs = sorted(events, key=_ORDER)
    if until is not None:
        # what was known before the rating: an event at or after it must not decide whether
        # the help desk's metrics are all there is (as `_Ticket.facts` decides it)
        evs = evs[: bisect_left(evs, until, key=_AT)]
    if not evs and ticket.metrics:
        end = end_of(ticket)
        if until is None or end <= until:
            return [end]
        solve = ticket.solved_at
        if solve is not None and created < solve + _SECOND <= until:
            return [solve + _SECOND]
        return [until]
    f = ticket_facts(ticket, evs, as_of=until, in_order=True)
    out: set[datetime] = set()
    first = f.first_reply_at
    if first is not None:
        out.add(first - _SECOND)
        for ev in evs:
            if ev.kind == _COMMENT and ev.author_role == _AGENT and ev.public and ev.at >= first:
                out.add(ev.at + _SECOND)
    if f.solved_at is not None:
        out.add(f.solved_at + _SECOND)
    if until is None:
        if not out and evs:
            out.add(f.as_of + _SECOND)  # nothing happened but talk: the end of what is known
        return sorted(t for t in out if t > created)
    kept = {t for t in out if created < t <= until}
    if f.solved_at is None or f.solved_at + _SECOND > until or not kept:
        kept.add(until)  # just before the rating
    return sorted(kept)


def early_times(
    ticket: Ticket, events: Sequence[TicketEvent], *, until: datetime | None = None
) -> dict[str, datetime | None]:
    """The early-warning moments the model card reports AUC at: just before the first
    reply (None without one) and half-way through the ticket's life. With `until` (the
    rating's time) the life ends there, so "half-way" never lies after the rating."""
    created = ticket.created_at
    if not events and ticket.metrics:
        f = facts_from_metrics(ticket)
    else:
        f = ticket_facts(ticket, events)
    end = f.as_of if until is None or f.as_of <= until else until
    first = f.first_reply_at
    before = first - _SECOND if first is not None and first - _SECOND > created else None
    if before is not None and until is not None and before > until:
        before = None
    return {"before_first_reply": before, "half_life": created + (max(end, created) - created) / 2}


# --- reasons in plain words -----------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{100.0 * x:.0f}%"


def _times(n: float, verb: str, never: str) -> str:
    if n == 0:
        return never
    if n == 1:
        return f"{verb} once"
    return f"{verb} {_num(n)} times"


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _weekday(x: float) -> str:
    return WEEKDAYS[int(round(x)) % 7]


def _hour(x: float) -> str:
    h = int(x) % 24
    m = int(round((x - int(x)) * 60)) % 60
    return f"{h:02d}:{m:02d}"


def _plural(n: float, one: str, many: str) -> str:
    return f"{_num(n)} {one if n == 1 else many}"


# name → (words for the value, words for the reference); values are never nan here
_WORDS: dict[str, tuple] = {
    "replied": (
        lambda v: "the agent has replied" if v >= 0.5 else "no agent reply yet",
        lambda r: "most tickets replied by then" if r >= 0.5 else "most tickets not yet replied by then",
    ),
    "first_reply_minutes": (lambda v: f"first reply after {duration(v)}", lambda r: f"account median {duration(r)}"),
    "no_reply_minutes": (lambda v: f"no reply yet after {duration(v)}", lambda r: f"account median {duration(r)}"),
    "elapsed_minutes": (lambda v: f"ticket opened {duration(v)} ago", lambda r: f"account median {duration(r)}"),
    "customer_waiting_minutes": (
        lambda v: f"waiting {duration(v)} since the customer's last message" if v > 0 else "the agent spoke last",
        lambda r: f"account median {duration(r)}",
    ),
    "requester_wait_minutes": (
        lambda v: f"customer kept waiting {duration(v)} in all",
        lambda r: f"account median {duration(r)}",
    ),
    "resolution_minutes": (lambda v: f"solved after {duration(v)}", lambda r: f"account median {duration(r)}"),
    "first_reply_bh_minutes": (
        lambda v: f"first reply after {business_duration(v)} of business hours",
        lambda r: f"account median {business_duration(r)}",
    ),
    "no_reply_bh_minutes": (
        lambda v: f"no reply yet after {business_duration(v)} of business hours",
        lambda r: f"account median {business_duration(r)}",
    ),
    "requester_wait_bh_minutes": (
        lambda v: f"customer kept waiting {business_duration(v)} of business hours in all",
        lambda r: f"account median {business_duration(r)}",
    ),
    "agent_replies": (
        lambda v: _plural(v, "agent reply", "agent replies") if v else "no agent replies",
        lambda r: f"account median {_num(r)}",
    ),
    "customer_messages": (
        lambda v: _plural(v, "customer message", "customer messages") if v else "no customer messages",
        lambda r: f"account median {_num(r)}",
    ),
    "reopens": (lambda v: _times(v, "reopened", "never reopened"), lambda r: f"account median {_num(r)}"),
    "reassignments": (lambda v: _times(v, "reassigned", "never reassigned"), lambda r: f"account median {_num(r)}"),
    "group_transfers": (
        lambda v: _times(v, "moved to another group", "never moved to another group"),
        lambda r: f"account median {_num(r)}",
    ),
    # a category said as a number: its reference is the share of the account's tickets
    # with this value (`SatisfactionModel.shares_`), never a median ("median Thursday")
    "created_hour": (lambda v: f"created at {_hour(v)} local time", lambda r: f"{_pct(r)} of the account's tickets are"),
    "created_weekday": (lambda v: f"created on a {_weekday(v)}", lambda r: f"{_pct(r)} of the account's tickets are"),
    "customer_text_chars": (
        lambda v: f"customer wrote {_plural(v, 'character', 'characters')}",
        lambda r: f"account median {_num(r)}",
    ),
    "agent_text_chars": (
        lambda v: f"agents wrote {_plural(v, 'character', 'characters')}",
        lambda r: f"account median {_num(r)}",
    ),
    "agent_csat": (lambda v: f"agent's recent CSAT {_pct(v)}", lambda r: f"account median {_pct(r)}"),
    "agent_csat_n": (
        lambda v: f"agent has {_plural(v, 'rating', 'ratings')} in the last 90 days",
        lambda r: f"account median {_num(r)}",
    ),
    "customer_csat": (lambda v: f"customer's past CSAT {_pct(v)}", lambda r: f"account median {_pct(r)}"),
    "customer_csat_n": (
        lambda v: f"customer rated {_plural(v, 'ticket', 'tickets')} before" if v else "customer never rated before",
        lambda r: f"account median {_num(r)}",
    ),
    "account_csat": (lambda v: f"account's recent CSAT {_pct(v)}", lambda r: f"usually {_pct(r)}"),
    "due_in_minutes": (lambda v: f"due in {duration(v)}", lambda r: f"account median {duration(r)}"),
    # its reference is the share of the account's tickets that were late (`SatisfactionModel.shares_`)
    "past_due_minutes": (
        lambda v: f"past the promised date by {duration(v)}" if v > 0 else "on time for the promised date",
        lambda r: f"{_pct(r)} of the account's tickets are late",
    ),
    "sla_due_in_minutes": (lambda v: f"SLA deadline in {duration(v)}", lambda r: f"account median {duration(r)}"),
    "sla_breaches": (
        lambda v: _plural(v, "SLA target breached", "SLA targets breached") if v else "no SLA target breached",
        lambda r: f"account median {_num(r)}",
    ),
}

# words for a value that is not known (nan)
_UNKNOWN = {
    "replied": "replies unknown",
    "first_reply_minutes": "no reply yet",
    "no_reply_minutes": "already replied",
    "elapsed_minutes": "age unknown",
    "customer_waiting_minutes": "waiting time unknown",
    "requester_wait_minutes": "waiting time unknown",
    "resolution_minutes": "not solved yet",
    "first_reply_bh_minutes": "no reply yet (business hours)",
    "no_reply_bh_minutes": "already replied (business hours)",
    "requester_wait_bh_minutes": "waiting in business hours unknown",
    "agent_replies": "agent replies unknown",
    "customer_messages": "customer messages unknown",
    "reopens": "reopens unknown",
    "reassignments": "reassignments unknown",
    "group_transfers": "group transfers unknown",
    "created_hour": "creation hour unknown",
    "created_weekday": "creation day unknown",
    "customer_text_chars": "customer text unknown",
    "agent_text_chars": "agent text unknown",
    "agent_csat": "agent has no ratings in the last 90 days",
    "agent_csat_n": "agent's ratings unknown",
    "customer_csat": "customer never rated before",
    "customer_csat_n": "customer's ratings unknown",
    "account_csat": "account has no ratings in the last 90 days",
    "due_in_minutes": "no promised date ahead",
    "past_due_minutes": "no promised date",
    "sla_due_in_minutes": "no SLA deadline running",
    "sla_breaches": "no SLA policy",
}


# numbers that name a category: their reference is a share, not a median
SHARED: tuple[str, ...] = ("created_hour", "created_weekday")
_STATUS = CATEGORICAL.index("status")
_DONE = frozenset({"solved", "closed"})
_SOLVED_WORDS = {  # a solved ticket's wait for a first reply ended at its solve
    "past_due_minutes": lambda v: f"solved {duration(v)} past the promised date" if v > 0 else "solved by the promised date",
    "no_reply_minutes": lambda v: f"solved with no reply after {duration(v)}",
    "no_reply_bh_minutes": lambda v: f"solved with no reply after {business_duration(v)} of business hours",
}


def reason(name: str, value: float, reference: float, *, n: float | None = None) -> str:
    """Plain words for one numeric feature beside the account's reference (the training
    median), e.g. reason("first_reply_minutes", 840, 120) == "first reply after 14 h;
    account median 2 h". For the `SHARED` ones (hour, weekday) the reference is the share
    of the account's tickets with this value: reason("created_weekday", 5, 0.09) ==
    "created on a Saturday; 9% of the account's tickets are". `n` adds the sample size to a CSAT share ("55% (n=40)").
    Durations are humanised (min / h / d). A nan value has its own words ("no reply
    yet") and no reference; a nan reference is left out."""
    words = _WORDS.get(name)
    if words is None:
        raise ValueError(f"Unknown feature: {name!r}, expected one of {', '.join(NUMERIC)}")
    said, ref = words
    if value is None or math.isnan(value):
        return _UNKNOWN[name]  # nothing to compare
    text = said(value)
    if n is not None and not math.isnan(n) and n > 0:
        text += f" (n={n:.0f})"
    if reference is not None and not math.isnan(reference):
        text += "; " + _reference(name, reference)
    return text


def _reference(name: str, reference: float) -> str:
    """The words for a feature's reference ("account median 2.8 h"): a model's medians and
    shares are few and fixed, so each is written once, not once per ticket it is said of.
    Zero is written each time: 0.0 and -0.0 are one key of a cache, and not one text."""
    return _reference_text(name, reference) if reference else _WORDS[name][1](reference)


@lru_cache(maxsize=4096, typed=True)  # typed: 1 and 1.0 may be written apart
def _reference_text(name: str, reference: float) -> str:
    return _WORDS[name][1](reference)


def snapshot_reason(snap: Snapshot, name: str, reference: float) -> str:
    """`reason` for a snapshot's feature, with what the snapshot itself adds: the n of a
    CSAT share, and for the agent's and customer's CSAT the account's own recent CSAT as
    the yardstick ("agent's recent CSAT 55% (n=40); account 82%")."""
    value = snap.numeric[_INDEX[name]]
    count = _COUNT_OF.get(name)
    if count is None:
        solved = _SOLVED_WORDS.get(name)
        if solved is not None and snap.categorical[_STATUS] in _DONE and not math.isnan(value):
            text = solved(value)  # never "no reply yet" on a solved ticket
            if reference is not None and not math.isnan(reference):
                text += "; " + _reference(name, reference)
            return text
        return reason(name, value, reference)
    n = snap.numeric[_INDEX[count]]
    text = reason(name, value, _NAN, n=n)
    account = snap.numeric[_INDEX["account_csat"]]
    if not math.isnan(account):
        return f"{text}; account {_pct(account)}"
    if reference is not None and not math.isnan(reference):
        return f"{text}; account median {_pct(reference)}"
    return text


LANGUAGE_NAMES = {  # names of cxpulse.text.LANGUAGES, for reasons ("language: Greek")
    "af": "Afrikaans", "am": "Amharic", "ar": "Arabic", "az": "Azerbaijani", "be": "Belarusian",
    "bg": "Bulgarian", "bn": "Bengali", "bs": "Bosnian", "ca": "Catalan", "cs": "Czech",
    "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek", "en": "English",
    "eo": "Esperanto", "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "ga": "Irish", "gl": "Galician", "gu": "Gujarati",
    "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "hy": "Armenian",
    "id": "Indonesian", "is": "Icelandic", "it": "Italian", "ja": "Japanese", "ka": "Georgian",
    "kk": "Kazakh", "km": "Khmer", "kn": "Kannada", "ko": "Korean", "ky": "Kyrgyz",
    "lb": "Luxembourgish", "lt": "Lithuanian", "lv": "Latvian", "mk": "Macedonian",
    "ml": "Malayalam", "mn": "Mongolian", "mr": "Marathi", "ms": "Malay", "mt": "Maltese",
    "my": "Burmese", "ne": "Nepali", "nl": "Dutch", "no": "Norwegian", "pa": "Punjabi",
    "pl": "Polish", "ps": "Pashto", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian",
    "si": "Sinhala", "sk": "Slovak", "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian",
    "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "th": "Thai",
    "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek",
    "vi": "Vietnamese", "zh": "Chinese",
}


def category_reason(name: str, value: str, share: float | None = None) -> str:
    """"channel: phone", "language: Greek", "priority: not set"; with `share` (of the
    account's tickets with this value) "channel: phone; 12% of the account's tickets are"."""
    if name not in CATEGORICAL:
        raise ValueError(f"Unknown category: {name!r}, expected one of {', '.join(CATEGORICAL)}")
    if not value:
        text = f"{name}: not set" if name != "language" else "language: not recognised"
    elif name == "language":
        text = f"language: {LANGUAGE_NAMES.get(value, value)}"
    else:
        text = f"{name}: {value}"
    if share is not None and not math.isnan(share):
        text += f"; {_pct(share)} of the account's tickets are"
    return text


def text_reason(terms: Sequence[str]) -> str:
    """'customer wrote “refund”, “still”, “again”' — the words that weighed most. No
    words, no reason (""): "what the customer wrote" on a ticket with no text, or none
    worth quoting, told a reader nothing they could check."""
    terms = [t for t in terms if t]
    if not terms:
        return ""
    return "customer wrote " + ", ".join(f"“{t}”" for t in terms)
