"""The one fold over a ticket's events: its facts as of a time t.

The service KPIs (first reply, resolution, reopens, reassignments…) are this fold at
the end of the ticket's life; the prediction features are this fold at t. One function,
two uses, so the dashboard and the model can never disagree about what a reopen is
(STYLE.md, example 9; DESIGN.md, "Satisfaction prediction").

As-of rule: only events strictly before t are read, so nothing after t — the rating,
a later reply, a later reassignment — can leak into a feature. The ticket's own fields
(status, assignee, group, priority, solved_at, updated_at) are its *current* values; they
are used only as documented fallbacks for sources that carry no such events.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from operator import attrgetter, itemgetter
from typing import Iterable

from cxpulse.domain.types import (
    DONE_STATES,
    OPEN_STATES,
    BusinessHours,
    EventKind,
    Role,
    Ticket,
    TicketEvent,
    due_time,
)
from cxpulse.metrics.business_hours import business_minutes

__all__ = [
    "KPIS", "KPI_NAMES", "Kpi", "TicketFacts", "done_at_end", "end_of", "facts_from_metrics", "is_description",
    "ticket_facts",
    "with_help_desk_figures",
]

# The requester is waiting in these states; `pending` waits on the requester, and a
# solved or closed ticket waits on nobody (Zendesk's requester wait time, same rule).
WAIT_STATES = frozenset({"new", "open", "hold"})
# A first comment by an agent this close to creation is the ticket's description
# (an agent opening a ticket for a customer), not a reply to it.
DESCRIPTION_SLACK = timedelta(seconds=2)

_ORDER = attrgetter("at", "source_id")
_AT = attrgetter("at")
_FIRST_AT = itemgetter(1)
_COMMENT = EventKind.COMMENT
_STATUS = EventKind.STATUS
_ASSIGNEE = EventKind.ASSIGNEE
_GROUP = EventKind.GROUP
_PRIORITY = EventKind.PRIORITY
_DUE = EventKind.DUE
_AGENT = Role.AGENT
_CUSTOMER = Role.CUSTOMER


@dataclass(slots=True)  # not frozen: a frozen init of 26 fields cost 3 µs a fold, 6 % of scoring a ticket
class TicketFacts:
    """What was true of a ticket at `as_of`, a value: read it, never change it (use
    `dataclasses.replace`). Durations are minutes (float)."""

    as_of: datetime
    status: str  # status as of t
    assignee_id: str
    group: str
    priority: str
    created_at: datetime
    elapsed_minutes: float  # as_of − created
    first_reply_at: datetime | None  # first public agent comment that is not the description
    first_reply_minutes: float | None
    first_reply_bh_minutes: float | None  # None without business hours
    solved_at: datetime | None  # last entry into solved/closed, when solved as of t
    full_resolution_minutes: float | None  # solved_at − created
    full_resolution_bh_minutes: float | None
    requester_wait_minutes: float  # time in new/open/hold up to t
    requester_wait_bh_minutes: float | None
    agent_replies: int  # public agent comments (not the description)
    customer_messages: int  # customer comments, the description included when it is an event
    reopens: int  # solved/closed → an open state
    reassignments: int  # assignee changes after the first assignment
    group_transfers: int  # group changes after the first group
    solved: bool  # status as of t in DONE_STATES
    one_touch: bool  # solved with exactly one agent reply and no reopen
    waiting_since: datetime | None  # oldest customer message not yet answered; None if the agent spoke last
    waiting_minutes: float | None  # as_of − waiting_since
    last_agent_reply_at: datetime | None
    source: str  # "events" or "metrics"
    due_at: datetime | None = None  # the promise to the customer in force at as_of (latest DUE event before t)


@dataclass(frozen=True, slots=True)
class Kpi:
    """One per-ticket KPI: a field of `TicketFacts` at the end of a ticket's life, a column of
    `ticket_kpis`, a key of the API's `kpis`. A duration (float, minutes) may be missing —
    no reply yet, no business hours — so it is nullable; a count or a flag always has a value."""

    name: str
    type: type  # float, int or bool
    unit: str  # "minutes", "count" or "flag"

    @property
    def nullable(self) -> bool:
        return self.type is float


# The KPI names, declared once: storage's columns and queries, the report, the API's
# schema and the ticket rows are all derived from this tuple, in this order.
KPIS: tuple[Kpi, ...] = (
    Kpi("first_reply_minutes", float, "minutes"),
    Kpi("first_reply_bh_minutes", float, "minutes"),  # business hours; None when the account sets none
    Kpi("full_resolution_minutes", float, "minutes"),
    Kpi("full_resolution_bh_minutes", float, "minutes"),
    Kpi("requester_wait_minutes", float, "minutes"),
    Kpi("requester_wait_bh_minutes", float, "minutes"),
    Kpi("agent_replies", int, "count"),
    Kpi("customer_messages", int, "count"),
    Kpi("reopens", int, "count"),
    Kpi("reassignments", int, "count"),
    Kpi("group_transfers", int, "count"),
    Kpi("one_touch", bool, "flag"),
    Kpi("solved", bool, "flag"),
)
KPI_NAMES: tuple[str, ...] = tuple(k.name for k in KPIS)


def _minutes(delta: timedelta) -> float:
    seconds = delta.total_seconds()
    return seconds / 60.0 if seconds > 0.0 else 0.0


def end_of(ticket: Ticket, last_event_at: datetime | None = None) -> datetime:
    """The end of a ticket's known life: the latest of its last event, `solved_at`,
    `updated_at` and `created_at`. Without events (`last_event_at=None`) it is when a
    ticket's help-desk metrics describe it (`facts_from_metrics`)."""
    end = ticket.created_at
    for t in (last_event_at, ticket.solved_at, ticket.updated_at):
        if t is not None and t > end:
            end = t
    return end


def is_description(comment: TicketEvent, created_at: datetime, description: str) -> bool:
    """Whether a ticket's first comment is its description rather than a reply: written
    by an agent (opening a ticket for a customer) at creation, within `DESCRIPTION_SLACK`,
    or repeating the ticket's `description` (given stripped). Such a comment answers
    nothing: it is neither a first reply nor an agent reply."""
    return comment.author_role == _AGENT and (
        comment.at - created_at <= DESCRIPTION_SLACK or (bool(description) and comment.body.strip() == description)
    )


def ticket_facts(
    ticket: Ticket,
    events: Iterable[TicketEvent],
    *,
    as_of: datetime | None = None,
    hours: BusinessHours | None = None,
    tz: str = "UTC",
    in_order: bool = False,
    trail: list | None = None,
) -> TicketFacts:
    """Fold `events` (any order) into the ticket's facts as of `as_of`.

    `trail`, when given, receives what the fold accepted, in time order, for the SLA
    clocks (metrics/sla.py) — so a target reads a reply, a status or a priority exactly
    as the KPIs do: ("status", at, new status), ("reply", at) for a public agent reply,
    ("customer", at) for a customer message, ("priority" | "group", at, from, to).

    `in_order=True` says `events` is a list already sorted by (at, source_id), as the
    prediction features keep it: the fold then skips sorting it again.

    `as_of=None` means the end of the ticket's known life: every event is used and
    `as_of` becomes the latest of the last event, `solved_at`, `updated_at` and
    `created_at`. Otherwise only events with `at < as_of` are read.

    Business-hours variants are computed when `hours` is given, in timezone `tz`.

    Fallbacks for sources without the matching events (none reads anything after t):
    - no STATUS event before t: the ticket is `new` from creation; if its current
      status differs and the moment it took that status is known and not after t —
      `solved_at` for solved/closed (else `updated_at`), `updated_at` otherwise —
      it switches to that status then;
    - no ASSIGNEE / GROUP / PRIORITY event before t: the ticket's current field.
    - no DUE event before t: the promise the first later DUE event moved away from
      (its `value_from`: what was in force until then), else the ticket's `due_at`.
    """
    evs = events if in_order else sorted(events, key=_ORDER)
    created = ticket.created_at
    if as_of is None:
        end = end_of(ticket, evs[-1].at if evs else None)
        n = len(evs)
    else:
        end = as_of
        n = bisect_left(evs, as_of, key=_AT)

    status = "new"
    seg_start = created
    segments: list[tuple[datetime, datetime]] = []  # requester-wait spans
    saw_status = False
    solve_at: datetime | None = None
    reopens = 0

    seen_comment = False
    description = ticket.description.strip()
    first_reply_at: datetime | None = None
    last_agent_at: datetime | None = None
    agent_replies = 0
    customer_messages = 0
    waiting_since: datetime | None = created  # the ticket itself is the first request

    assignee: str | None = None  # None: no event seen yet
    ever_assigned = False
    reassignments = 0
    group: str | None = None
    ever_grouped = False
    group_transfers = 0
    priority: str | None = None
    due: datetime | None = None
    saw_due = False

    for i in range(n):
        ev = evs[i]
        kind = ev.kind
        if kind == _COMMENT:
            role = ev.author_role
            if not seen_comment:
                seen_comment = True
                if is_description(ev, created, description):
                    continue  # an agent-written description opens the ticket; it answers nothing
            if role == _AGENT:
                if ev.public:
                    agent_replies += 1
                    if trail is not None:
                        trail.append(("reply", ev.at))
                    if first_reply_at is None:
                        first_reply_at = ev.at
                    last_agent_at = ev.at
                    waiting_since = None
            elif role == _CUSTOMER:
                customer_messages += 1
                if trail is not None:
                    trail.append(("customer", ev.at))
                if waiting_since is None:
                    waiting_since = ev.at
        elif kind == _STATUS:
            new = ev.value_to.strip().lower()
            if not new:
                continue
            saw_status = True
            if new == status:
                continue
            at = ev.at
            if status in WAIT_STATES:
                segments.append((seg_start, at))
            if status in DONE_STATES:
                if new in OPEN_STATES:
                    reopens += 1
            elif new in DONE_STATES:
                solve_at = at
            status = new
            seg_start = at
            if trail is not None:
                trail.append(("status", at, new))
        elif kind == _ASSIGNEE:
            new = ev.value_to
            if assignee is None:
                assignee = ev.value_from
                ever_assigned = bool(assignee)
            if new != assignee:
                if new:
                    if ever_assigned:
                        reassignments += 1
                    ever_assigned = True
                assignee = new
        elif kind == _GROUP:
            new = ev.value_to
            if group is None:
                group = ev.value_from
                ever_grouped = bool(group)
            if new != group:
                if trail is not None:
                    trail.append(("group", ev.at, group, new))
                if new:
                    if ever_grouped:
                        group_transfers += 1
                    ever_grouped = True
                group = new
        elif kind == _PRIORITY:
            if trail is not None:
                trail.append(("priority", ev.at, ev.value_from if priority is None else priority, ev.value_to))
            priority = ev.value_to
        elif kind == _DUE:
            saw_due = True
            due = due_time(ev.value_to)

    if not saw_due:
        due = ticket.due_at
        for i in range(n, len(evs)):  # a promise moved after t: the one before the move held at t
            if evs[i].kind == _DUE:
                due = due_time(evs[i].value_from)
                break

    if not saw_status:
        took = _status_fallback(ticket, end)
        if took is not None:
            status, seg_start = took
            segments.append((created, seg_start))  # `new` until then
            if status in DONE_STATES:
                solve_at = seg_start
            if trail is not None:
                trail.append(("status", seg_start, status))
                trail.sort(key=_FIRST_AT)  # the fallback's change may fall between comments
    if status in WAIT_STATES:
        segments.append((seg_start, end))

    wait = timedelta(0)
    for a, b in segments:
        if b > a:
            wait += b - a

    solved = status in DONE_STATES
    solved_at = solve_at if solved else None
    if hours is None:
        first_reply_bh = full_resolution_bh = wait_bh = None
    else:
        first_reply_bh, full_resolution_bh, wait_bh = _business_figures(
            created, first_reply_at, solved_at, segments, hours, tz
        )

    return TicketFacts(
        as_of=end,
        status=status,
        assignee_id=ticket.assignee_id if assignee is None else assignee,
        group=ticket.group if group is None else group,
        priority=ticket.priority if priority is None else priority,
        created_at=created,
        elapsed_minutes=_minutes(end - created),
        first_reply_at=first_reply_at,
        first_reply_minutes=None if first_reply_at is None else _minutes(first_reply_at - created),
        first_reply_bh_minutes=first_reply_bh,
        solved_at=solved_at,
        full_resolution_minutes=None if solved_at is None else _minutes(solved_at - created),
        full_resolution_bh_minutes=full_resolution_bh,
        requester_wait_minutes=wait.total_seconds() / 60.0,
        requester_wait_bh_minutes=wait_bh,
        agent_replies=agent_replies,
        customer_messages=customer_messages,
        reopens=reopens,
        reassignments=reassignments,
        group_transfers=group_transfers,
        solved=solved,
        one_touch=solved and agent_replies == 1 and reopens == 0,
        waiting_since=waiting_since,
        waiting_minutes=None if waiting_since is None else _minutes(end - waiting_since),
        last_agent_reply_at=last_agent_at,
        source="events",
        due_at=due,
    )


def _status_fallback(ticket: Ticket, end: datetime) -> tuple[str, datetime] | None:
    """(status, since) for a source with no STATUS event before t: the ticket's current
    status, from the moment it took it — `solved_at` for solved/closed (else
    `updated_at`), `updated_at` otherwise — when that moment is known and not after
    `end`. None: the ticket is still `new` as of `end`, as it was from creation."""
    current = ticket.status.strip().lower() or "new"
    if current == "new":
        return None
    change_at = ticket.solved_at if current in DONE_STATES and ticket.solved_at is not None else ticket.updated_at
    if change_at is None or change_at > end:
        return None
    return current, change_at


def _business_figures(
    created: datetime,
    first_reply_at: datetime | None,
    solved_at: datetime | None,
    wait_spans: list[tuple[datetime, datetime]],
    hours: BusinessHours,
    tz: str,
) -> tuple[float | None, float | None, float]:
    """(first reply, full resolution, requester wait) in business minutes: the same spans
    as the calendar figures, counted in the account's business hours in timezone `tz`."""
    first_reply = None if first_reply_at is None else business_minutes(created, first_reply_at, hours, tz)
    resolution = None if solved_at is None else business_minutes(created, solved_at, hours, tz)
    wait = 0.0
    for a, b in wait_spans:
        wait += business_minutes(a, b, hours, tz)
    return first_reply, resolution, wait


def _metric(metrics: dict[str, float], key: str) -> float | None:
    value = metrics.get(key)
    if value is None or value == "":
        return None
    return float(value)


def facts_from_metrics(ticket: Ticket, *, as_of: datetime | None = None) -> TicketFacts:
    """Facts of a ticket imported with the help desk's own KPIs (Zendesk ticket_metrics).

    Those KPIs describe the ticket at its last update, so they exist only "at the end":
    `as_of` defaults to the latest of `created_at`, `solved_at` and `updated_at`, and an
    earlier `as_of` raises ValueError rather than let final values leak into a feature.
    Missing metrics: counts are 0; the requester wait falls back to the calendar time
    the ticket was not yet solved (an upper bound); the rest stay None.
    """
    end = end_of(ticket)
    if as_of is None:
        as_of = end
    elif as_of < end:
        raise ValueError(
            f"ticket {ticket.source_id}: its help-desk metrics describe it at {end.isoformat()}; "
            f"facts as of the earlier {as_of.isoformat()} need its events"
        )
    m = ticket.metrics
    created = ticket.created_at
    status = ticket.status.strip().lower()
    solved = status in DONE_STATES

    reply = _metric(m, "reply_time_in_minutes")
    full = _metric(m, "full_resolution_time_in_minutes")
    solved_at = ticket.solved_at if solved else None
    if solved and solved_at is None and full is not None:
        solved_at = created + timedelta(minutes=full)
    if solved and full is None and solved_at is not None:
        full = _minutes(solved_at - created)
    wait = _metric(m, "requester_wait_time_in_minutes")
    if wait is None:
        wait = _minutes((solved_at if solved_at is not None else as_of) - created)

    replies = int(_metric(m, "replies") or 0)
    reopens = int(_metric(m, "reopens") or 0)
    first_reply_at = None if reply is None else created + timedelta(minutes=reply)
    waiting_since = created if replies == 0 and not solved else None
    return TicketFacts(
        as_of=as_of,
        status=status,
        assignee_id=ticket.assignee_id,
        group=ticket.group,
        priority=ticket.priority,
        created_at=created,
        elapsed_minutes=_minutes(as_of - created),
        first_reply_at=first_reply_at,
        first_reply_minutes=reply,
        first_reply_bh_minutes=_metric(m, "reply_time_in_minutes_business"),
        solved_at=solved_at,
        full_resolution_minutes=full if solved else None,
        full_resolution_bh_minutes=_metric(m, "full_resolution_time_in_minutes_business") if solved else None,
        requester_wait_minutes=wait,
        requester_wait_bh_minutes=_metric(m, "requester_wait_time_in_minutes_business"),
        agent_replies=replies,
        customer_messages=0,  # ticket_metrics does not count them
        reopens=reopens,
        reassignments=max(int(_metric(m, "assignee_stations") or 0) - 1, 0),
        group_transfers=max(int(_metric(m, "group_stations") or 0) - 1, 0),
        solved=solved,
        one_touch=solved and replies == 1 and reopens == 0,
        waiting_since=waiting_since,
        waiting_minutes=None if waiting_since is None else _minutes(as_of - waiting_since),
        last_agent_reply_at=first_reply_at if replies == 1 else None,
        source="metrics",
        due_at=ticket.due_at,
    )


def with_help_desk_figures(facts: TicketFacts, metrics: dict[str, float]) -> TicketFacts:
    """End-of-life facts with each figure the help desk gave (Ticket.metrics) put over the
    one folded from the events.

    For tickets whose events are synthesised from one summary row (a CSV export: created,
    first reply, solved): such events cannot know the reopens, the replies after the first,
    the requester's wait or the business minutes, and the help desk, which saw the whole
    history, can. KPIs only: the as-of features keep folding the events (these figures are
    totals at the end, without times, and would leak what happened after t).
    """
    m = metrics
    reply = _metric(m, "reply_time_in_minutes")
    full = _metric(m, "full_resolution_time_in_minutes")
    wait = _metric(m, "requester_wait_time_in_minutes")
    replies = _metric(m, "replies")
    reopens = _metric(m, "reopens")
    assignees = _metric(m, "assignee_stations")
    groups = _metric(m, "group_stations")
    changes: dict = {"source": "metrics"}
    if reply is not None:
        changes["first_reply_minutes"] = reply
        changes["first_reply_at"] = facts.created_at + timedelta(minutes=reply)
    for key, attr in (
        ("reply_time_in_minutes_business", "first_reply_bh_minutes"),
        ("requester_wait_time_in_minutes_business", "requester_wait_bh_minutes"),
    ):
        v = _metric(m, key)
        if v is not None:
            changes[attr] = v
    if facts.solved:  # resolution figures describe a solved ticket only
        if full is not None:
            changes["full_resolution_minutes"] = full
        v = _metric(m, "full_resolution_time_in_minutes_business")
        if v is not None:
            changes["full_resolution_bh_minutes"] = v
    if wait is not None:
        changes["requester_wait_minutes"] = wait
    if replies is not None:
        changes["agent_replies"] = int(replies)
    if reopens is not None:
        changes["reopens"] = int(reopens)
    if assignees is not None:
        changes["reassignments"] = max(int(assignees) - 1, 0)
    if groups is not None:
        changes["group_transfers"] = max(int(groups) - 1, 0)
    n_replies = changes.get("agent_replies", facts.agent_replies)
    n_reopens = changes.get("reopens", facts.reopens)
    changes["one_touch"] = facts.solved and n_replies == 1 and n_reopens == 0
    return replace(facts, **changes)


def done_at_end(facts: TicketFacts, ticket: Ticket) -> TicketFacts:
    """End-of-life facts of a ticket that is solved or closed while its events leave it
    open: done, at an unknown time (an export's cancelled order, closed with no date).

    KPIs only, like `with_help_desk_figures`: the ticket's current status says nothing of
    when it was reached, so the as-of fold never reads it at an earlier t. Without this a
    cancelled order would count as open for ever (and late, past its promise). The
    requester's wait stays as folded, to the end (an upper bound); there is no resolution
    time.
    """
    final = ticket.status.strip().lower()
    if facts.solved or final not in DONE_STATES:
        return facts
    return replace(facts, status=final, solved=True, solved_at=None, full_resolution_minutes=None,
                   full_resolution_bh_minutes=None, one_touch=False)
