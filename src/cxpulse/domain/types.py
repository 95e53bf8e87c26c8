"""The domain's plain dataclasses. Times are timezone-aware UTC datetimes.

Users, tickets, events, responses and invitations are values: nothing changes one after
it is built. They are not declared `frozen`, though: a frozen dataclass sets each field
through `object.__setattr__`, which made building one 5× slower (1.34 µs against 0.27 µs
for a TicketEvent, measured), and an import builds a million of them twice. Accounts and
business hours stay frozen: they are compared and used as cache keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from enum import StrEnum

from cxpulse.domain.sla import PolicySet


class Role(StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"
    SYSTEM = "system"


class EventKind(StrEnum):
    """What happened to a ticket. `value_from`/`value_to` carry the change."""

    COMMENT = "comment"  # body, author_role, public
    STATUS = "status"  # new/open/pending/hold/solved/closed
    ASSIGNEE = "assignee"  # agent source id
    GROUP = "group"  # group name
    PRIORITY = "priority"
    DUE = "due"  # the promised resolution time moved: value_to = ISO 8601 UTC ("" = no promise any more)


class ResponseKind(StrEnum):
    CSAT = "csat"
    CES = "ces"
    NPS = "nps"
    CSI = "csi"
    REVIEW = "review"  # a public review (app store, Trustpilot, Google): stars 1–5, counted apart from surveys


class Scale(StrEnum):
    """The answer scale a response was given on. Scales never mix in one figure."""

    BINARY = "binary"  # 0 = bad, 1 = good
    FIVE = "1-5"
    SEVEN = "1-7"
    TEN = "1-10"
    ELEVEN = "0-10"

    @property
    def bounds(self) -> tuple[int, int]:
        return {
            "binary": (0, 1),
            "1-5": (1, 5),
            "1-7": (1, 7),
            "1-10": (1, 10),
            "0-10": (0, 10),
        }[self.value]


OPEN_STATES = frozenset({"new", "open", "pending", "hold"})
ON_HOLD = "hold"  # waiting on a third party (escalated, a partner): what Account.long_hold_days measures
LONG_HOLD_DAYS_MAX = 3650
DONE_STATES = frozenset({"solved", "closed"})

# Ticket.metrics keys: the KPIs a help desk computed itself, under Zendesk's ticket_metrics
# names (calendar minutes, `_business` for business minutes; counts) — what the Zendesk
# reader fills, a CSV mapping's [metrics] and the JSONL `metrics` field take.
HELP_DESK_COUNTS = ("reopens", "replies", "assignee_stations", "group_stations")
HELP_DESK_METRICS = (
    "reply_time_in_minutes", "reply_time_in_minutes_business",
    "first_resolution_time_in_minutes", "first_resolution_time_in_minutes_business",
    "full_resolution_time_in_minutes", "full_resolution_time_in_minutes_business",
    "requester_wait_time_in_minutes", "requester_wait_time_in_minutes_business",
    *HELP_DESK_COUNTS,
)  # fmt: skip

# A Ticket.metrics key (value 1.0) set by a reader whose events are synthesised from one
# summary row (a CSV ticket export): those thin events cannot know the reopens, replies or
# business minutes, so the help desk's own figures win over them in the ticket's KPIs.
FIGURES_OF_RECORD = "figures_of_record"


def due_value(at: datetime | None) -> str:
    """A DUE event's value: the promise as ISO 8601 UTC with Z, to the second; "" for none."""
    return "" if at is None else at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def due_time(text: str) -> datetime | None:
    """A DUE event's value read back (any ISO 8601; UTC when it has no offset); "" or junk: no promise."""
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: 9999-12-31T23:30-05:00 has no UTC
        return None


def is_satisfied(scale: Scale | str, score: int) -> bool:
    """CSAT's definition (DESIGN.md): top-2-box on 1–5, `good` on binary."""
    scale = Scale(scale)
    if scale is Scale.BINARY:
        return score == 1
    if scale is Scale.FIVE:
        return score >= 4
    raise ValueError(f"CSAT is defined on scales 1-5 and binary, not {scale.value}")


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Working hours in the account's timezone; weekdays 0=Monday … 6=Sunday."""

    start: time = time(9, 0)
    end: time = time(17, 0)
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    timezone: str = "UTC"
    business_hours: BusinessHours | None = None
    csat_scale: Scale = Scale.FIVE
    min_rated_for_model: int = 300
    alert_below: int = 40
    # the help desk's page of a ticket, "{id}" standing for its id (the dashboard links every ticket there)
    ticket_url: str = ""
    # the at-risk list leaves out tickets on hold longer than this (days), in a tab of their own
    long_hold_days: int = 14
    # the SLA policy sets (domain/sla.py), oldest first; read beside the settings, stored apart
    sla: tuple[PolicySet, ...] = ()


@dataclass(slots=True)
class User:
    source_id: str
    role: Role
    name: str = ""
    email: str = ""
    locale: str = ""


@dataclass(slots=True)
class Ticket:
    source_id: str
    created_at: datetime
    subject: str = ""
    description: str = ""
    status: str = "new"
    channel: str = ""
    priority: str = ""
    group: str = ""
    category: str = ""
    requester_id: str = ""
    assignee_id: str = ""
    updated_at: datetime | None = None
    solved_at: datetime | None = None
    # The time the customer was promised a resolution (an order's delivery estimate, a due
    # date, an SLA deadline); the latest known. Earlier promises are DUE events.
    due_at: datetime | None = None
    # KPIs a help desk computed itself (Zendesk ticket_metrics); used when no events exist.
    metrics: dict[str, float] = field(default_factory=dict)
    # The help desk's tags (Zendesk `tags`), lower-case: what an SLA policy's tag conditions test.
    tags: tuple[str, ...] = ()


@dataclass(slots=True)
class TicketEvent:
    source_id: str
    ticket_id: str
    at: datetime
    kind: EventKind
    author_id: str = ""
    author_role: Role = Role.SYSTEM
    public: bool = True
    body: str = ""
    value_from: str = ""
    value_to: str = ""


@dataclass(slots=True)
class Response:
    """One answer: a help-desk rating or a survey response (CSI: one per attribute)."""

    source_id: str
    given_at: datetime
    kind: ResponseKind
    scale: Scale
    score: int
    ticket_id: str = ""
    customer_id: str = ""
    agent_id: str = ""  # when empty, the ticket's assignee
    channel: str = ""  # when empty, the ticket's channel
    attribute: str = ""  # CSI attribute (speed, competence, …)
    importance: int | None = None  # CSI importance rating on 1–5
    comment: str = ""
    reason: str = ""
    # a public review's (kind REVIEW): the text's ISO 639-1 language, the company's public
    # reply and when it was given (or last edited); empty for survey answers
    language: str = ""
    reply: str = ""
    replied_at: datetime | None = None


@dataclass(slots=True)
class Invitation:
    """A survey invitation sent (or a help-desk rating offered); the denominator of response rate."""

    source_id: str
    sent_at: datetime
    kind: ResponseKind = ResponseKind.CSAT
    ticket_id: str = ""
    customer_id: str = ""
