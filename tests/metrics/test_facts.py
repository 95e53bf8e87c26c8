from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxpulse.domain.types import BusinessHours, EventKind, Role, Ticket, TicketEvent
from cxpulse.metrics.facts import end_of, facts_from_metrics, is_description, ticket_facts

T0 = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC
_ids = count()


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def make_ticket(**overrides) -> Ticket:
    fields = {"source_id": "T1", "created_at": T0, "status": "open"}
    fields.update(overrides)
    return Ticket(**fields)


def event(kind: EventKind, minutes: float, **fields) -> TicketEvent:
    fields.setdefault("source_id", f"e{next(_ids):06d}")
    return TicketEvent(ticket_id="T1", at=at(minutes), kind=kind, **fields)


def customer(minutes: float, body: str = "help") -> TicketEvent:
    return event(EventKind.COMMENT, minutes, author_role=Role.CUSTOMER, body=body)


def reply(minutes: float, *, public: bool = True, body: str = "hi") -> TicketEvent:
    return event(EventKind.COMMENT, minutes, author_role=Role.AGENT, public=public, body=body)


def status(minutes: float, to: str, frm: str = "") -> TicketEvent:
    return event(EventKind.STATUS, minutes, value_from=frm, value_to=to)


def assign(minutes: float, to: str, frm: str = "") -> TicketEvent:
    return event(EventKind.ASSIGNEE, minutes, value_from=frm, value_to=to)


def group(minutes: float, to: str, frm: str = "") -> TicketEvent:
    return event(EventKind.GROUP, minutes, value_from=frm, value_to=to)


def test_first_reply_ignores_the_description_and_private_notes():
    events = [
        customer(0, "my order is late"),
        reply(10, public=False, body="internal: check the warehouse"),
        reply(45),
        reply(90),
    ]
    facts = ticket_facts(make_ticket(), events)
    assert facts.first_reply_at == at(45)
    assert facts.first_reply_minutes == 45.0
    assert facts.agent_replies == 2
    assert facts.customer_messages == 1
    assert facts.last_agent_reply_at == at(90)


def test_first_reply_ignores_a_description_an_agent_wrote_for_the_customer():
    events = [reply(0, body="Customer called: order late"), reply(30)]
    facts = ticket_facts(make_ticket(description="Customer called: order late"), events)
    assert facts.first_reply_minutes == 30.0
    assert facts.agent_replies == 1


def test_is_description_is_an_agent_comment_at_creation_or_repeating_the_description():
    assert is_description(reply(0), T0, "")  # an agent opening the ticket for a customer
    assert is_description(reply(2 / 60), T0, "")  # within DESCRIPTION_SLACK
    assert not is_description(reply(5), T0, "")  # later: a reply
    assert is_description(reply(5, body="  Order late "), T0, "Order late")  # repeats the description
    assert not is_description(customer(0), T0, "")  # the customer's own words are not the agent's description


def test_end_of_is_the_latest_known_moment_of_the_ticket():
    ticket = make_ticket(solved_at=at(60), updated_at=at(90))
    assert end_of(ticket) == at(90)  # what facts_from_metrics reads
    assert end_of(ticket, at(120)) == at(120)  # a later last event
    assert end_of(make_ticket()) == T0  # nothing but the creation
    assert ticket_facts(ticket, [customer(0), reply(120)]).as_of == end_of(ticket, at(120))


def test_events_may_arrive_in_any_order():
    events = [reply(45), customer(0), status(45, "pending", "open"), status(1, "open", "new")]
    assert ticket_facts(make_ticket(), events) == ticket_facts(make_ticket(), sorted(events, key=lambda e: e.at))


def test_reopen_is_counted_once_per_return_from_solved():
    events = [
        status(10, "solved"),
        status(20, "open"),  # reopen 1
        status(21, "pending"),  # still open: no second reopen
        status(30, "solved"),
        status(35, "closed"),  # solved → closed is not a new solve
        status(40, "open"),  # reopen 2
        status(50, "solved"),
    ]
    facts = ticket_facts(make_ticket(status="solved"), events)
    assert facts.reopens == 2
    assert facts.solved
    assert facts.solved_at == at(50)  # the last solve counts
    assert facts.full_resolution_minutes == 50.0


def test_solved_to_closed_keeps_the_time_of_the_solve():
    facts = ticket_facts(make_ticket(status="closed"), [status(10, "solved"), status(60 * 24 * 4, "closed")])
    assert facts.status == "closed"
    assert facts.solved_at == at(10)
    assert facts.reopens == 0


def test_reassignments_exclude_the_first_assignment():
    facts = ticket_facts(make_ticket(), [assign(1, "ann")])
    assert facts.reassignments == 0
    assert facts.assignee_id == "ann"
    facts = ticket_facts(make_ticket(), [assign(1, "ann"), assign(2, "bob"), assign(3, "cid")])
    assert facts.reassignments == 2
    assert facts.assignee_id == "cid"


def test_unassign_then_assign_counts_as_a_reassignment():
    events = [assign(1, "ann"), assign(2, "", "ann"), assign(3, "bob", "")]
    assert ticket_facts(make_ticket(), events).reassignments == 1


def test_a_ticket_created_assigned_counts_its_first_change():
    assert ticket_facts(make_ticket(), [assign(5, "bob", "ann")]).reassignments == 1


def test_group_transfers_are_counted_apart_from_reassignments():
    events = [group(0, "billing"), assign(1, "ann"), group(5, "tech", "billing"), group(9, "billing", "tech")]
    facts = ticket_facts(make_ticket(group="billing"), events)
    assert facts.group_transfers == 2
    assert facts.reassignments == 0
    assert facts.group == "billing"


def test_without_assignment_events_the_ticket_fields_are_used():
    facts = ticket_facts(make_ticket(assignee_id="zoe", group="vip", priority="high"), [customer(0)])
    assert (facts.assignee_id, facts.group, facts.priority) == ("zoe", "vip", "high")


def test_requester_wait_excludes_pending_and_solved_time():
    events = [
        status(0, "open", "new"),
        status(30, "pending", "open"),  # waits on the customer for 60 min
        status(90, "open", "pending"),
        status(100, "hold", "open"),  # on hold still counts
        status(120, "solved", "hold"),
    ]
    facts = ticket_facts(make_ticket(status="solved", updated_at=at(500)), events)
    assert facts.requester_wait_minutes == 30 + 10 + 20
    assert facts.full_resolution_minutes == 120.0


def test_waiting_since_is_the_oldest_unanswered_customer_message():
    events = [customer(0), reply(10), customer(20), customer(25)]
    facts = ticket_facts(make_ticket(), events, as_of=at(40))
    assert facts.waiting_since == at(20)
    assert facts.waiting_minutes == 20.0
    facts = ticket_facts(make_ticket(), [*events, reply(30)], as_of=at(40))
    assert facts.waiting_since is None and facts.waiting_minutes is None


def test_an_event_exactly_at_t_is_not_seen():
    events = [customer(0), reply(30)]
    assert ticket_facts(make_ticket(), events, as_of=at(30)).first_reply_at is None
    assert ticket_facts(make_ticket(), events, as_of=at(30.01)).first_reply_at == at(30)


def test_without_status_events_solved_at_is_a_single_solve():
    ticket = make_ticket(status="solved", solved_at=at(120), updated_at=at(200))
    facts = ticket_facts(ticket, [customer(0), reply(60)])
    assert facts.solved and facts.solved_at == at(120)
    assert facts.full_resolution_minutes == 120.0
    assert facts.requester_wait_minutes == 120.0
    assert facts.one_touch
    before = ticket_facts(ticket, [customer(0), reply(60)], as_of=at(100))
    assert not before.solved and before.status == "new" and before.solved_at is None


def test_one_touch_needs_one_reply_and_no_reopen():
    base = [customer(0), reply(10), status(11, "solved")]
    assert ticket_facts(make_ticket(), base).one_touch
    assert not ticket_facts(make_ticket(), [*base, status(20, "open"), status(30, "solved")]).one_touch
    assert not ticket_facts(make_ticket(), [*base[:2], reply(11), status(12, "solved")]).one_touch


def test_business_hours_first_reply_over_a_weekend():
    friday_16 = datetime(2024, 1, 12, 16, 0, tzinfo=UTC)
    monday_10 = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
    ticket = make_ticket(created_at=friday_16)
    events = [
        TicketEvent("c", "T1", friday_16, EventKind.COMMENT, author_role=Role.CUSTOMER),
        TicketEvent("r", "T1", monday_10, EventKind.COMMENT, author_role=Role.AGENT),
    ]
    facts = ticket_facts(ticket, events, hours=BusinessHours(), tz="UTC")
    assert facts.first_reply_minutes == 66 * 60.0
    assert facts.first_reply_bh_minutes == 120.0
    assert facts.requester_wait_bh_minutes == 120.0
    assert ticket_facts(ticket, events).first_reply_bh_minutes is None


def test_business_hours_follow_the_account_timezone():
    # 07:00 UTC is 09:00 in Vilnius in winter: a reply at 08:00 UTC is 60 working minutes.
    ticket = make_ticket(created_at=datetime(2024, 1, 8, 5, 0, tzinfo=UTC))
    events = [TicketEvent("r", "T1", datetime(2024, 1, 8, 8, 0, tzinfo=UTC), EventKind.COMMENT, author_role=Role.AGENT)]
    facts = ticket_facts(ticket, events, hours=BusinessHours(), tz="Europe/Vilnius")
    assert facts.first_reply_bh_minutes == 60.0


def test_full_ticket_kpis():
    events = [
        customer(0),
        status(0, "new"),
        group(0, "support"),
        assign(5, "ann"),
        status(5, "open", "new"),
        reply(15),
        status(15, "pending", "open"),
        customer(60),
        status(60, "open", "pending"),
        assign(70, "bob", "ann"),
        group(70, "tech", "support"),
        reply(80),
        status(80, "solved", "open"),
    ]
    facts = ticket_facts(make_ticket(status="solved", updated_at=at(80)), events)
    assert facts.as_of == at(80)
    assert facts.first_reply_minutes == 15.0
    assert facts.full_resolution_minutes == 80.0
    assert facts.requester_wait_minutes == 15 + 20
    assert (facts.agent_replies, facts.customer_messages) == (2, 2)
    assert (facts.reopens, facts.reassignments, facts.group_transfers) == (0, 1, 1)
    assert (facts.assignee_id, facts.group, facts.status) == ("bob", "tech", "solved")
    assert not facts.one_touch
    assert facts.waiting_since is None
    assert facts.source == "events"


def test_facts_from_metrics_maps_the_zendesk_fields():
    ticket = make_ticket(
        status="solved",
        solved_at=at(300),
        updated_at=at(400),
        assignee_id="ann",
        metrics={
            "reply_time_in_minutes": 42.0,
            "reply_time_in_minutes_business": 12.0,
            "full_resolution_time_in_minutes": 300.0,
            "full_resolution_time_in_minutes_business": 100.0,
            "requester_wait_time_in_minutes": 250.0,
            "requester_wait_time_in_minutes_business": 90.0,
            "reopens": 1,
            "replies": 3,
            "assignee_stations": 2,
            "group_stations": 3,
        },
    )
    facts = facts_from_metrics(ticket)
    assert facts.source == "metrics"
    assert facts.as_of == at(400)
    assert (facts.first_reply_minutes, facts.first_reply_bh_minutes) == (42.0, 12.0)
    assert facts.first_reply_at == at(42)
    assert (facts.full_resolution_minutes, facts.full_resolution_bh_minutes) == (300.0, 100.0)
    assert (facts.requester_wait_minutes, facts.requester_wait_bh_minutes) == (250.0, 90.0)
    assert (facts.reopens, facts.agent_replies) == (1, 3)
    assert (facts.reassignments, facts.group_transfers) == (1, 2)
    assert facts.solved and facts.solved_at == at(300)
    assert not facts.one_touch
    assert facts.assignee_id == "ann"


def test_facts_from_metrics_tolerates_missing_fields():
    facts = facts_from_metrics(make_ticket(status="open", updated_at=at(60)))
    assert facts.first_reply_minutes is None and facts.full_resolution_minutes is None
    assert (facts.agent_replies, facts.reopens, facts.reassignments, facts.group_transfers) == (0, 0, 0, 0)
    assert facts.requester_wait_minutes == 60.0
    assert facts.waiting_since == T0


def test_facts_from_metrics_refuses_an_as_of_before_the_metrics_were_taken():
    ticket = make_ticket(status="solved", solved_at=at(300), updated_at=at(400))
    with pytest.raises(ValueError, match="need its events"):
        facts_from_metrics(ticket, as_of=at(100))


# --- properties ------------------------------------------------------------------

HORIZON = 6 * 24 * 60  # minutes: long enough to cross a weekend


def _event_strategy(lo: int, hi: int):
    comment = st.builds(
        lambda m, role, public: (EventKind.COMMENT, m, {"author_role": role, "public": public}),
        st.integers(lo, hi),
        st.sampled_from([Role.AGENT, Role.CUSTOMER, Role.SYSTEM]),
        st.booleans(),
    )
    change = st.builds(
        lambda kind, m, frm, to: (kind, m, {"value_from": frm, "value_to": to}),
        st.sampled_from([EventKind.STATUS, EventKind.ASSIGNEE, EventKind.GROUP, EventKind.PRIORITY]),
        st.integers(lo, hi),
        st.sampled_from(["", "new", "open", "pending", "hold", "solved", "closed", "ann"]),
        st.sampled_from(["", "new", "open", "pending", "hold", "solved", "closed", "ann", "bob"]),
    )
    return st.one_of(comment, change)


def _build(specs, prefix: str) -> list[TicketEvent]:
    return [
        TicketEvent(f"{prefix}{i:03d}", "T1", at(m), kind, **fields) for i, (kind, m, fields) in enumerate(specs)
    ]


TICKETS = st.builds(
    lambda st_, solved, updated: make_ticket(
        status=st_,
        solved_at=None if solved is None else at(solved),
        updated_at=None if updated is None else at(updated),
        assignee_id="zoe",
        group="vip",
    ),
    st.sampled_from(["new", "open", "pending", "solved", "closed"]),
    st.none() | st.integers(0, HORIZON),
    st.none() | st.integers(0, HORIZON),
)


@settings(max_examples=200, deadline=None)
@given(
    ticket=TICKETS,
    t=st.integers(0, HORIZON),
    data=st.data(),
    hours=st.none() | st.just(BusinessHours()),
)
def test_events_at_or_after_t_never_change_the_facts_as_of_t(ticket, t, data, hours):
    before = _build(data.draw(st.lists(_event_strategy(-5, t - 1), max_size=15)), "a")
    later_1 = _build(data.draw(st.lists(_event_strategy(t, HORIZON), max_size=8)), "b")
    later_2 = _build(data.draw(st.lists(_event_strategy(t, HORIZON), max_size=8)), "c")
    as_of = at(t)
    reference = ticket_facts(ticket, before, as_of=as_of, hours=hours, tz="Europe/Vilnius")
    for later in (later_1, later_2):  # adding, changing and removing what happens from t on
        events = data.draw(st.permutations(before + later))
        assert ticket_facts(ticket, events, as_of=as_of, hours=hours, tz="Europe/Vilnius") == reference


KPI_FIELDS = (
    "status",
    "assignee_id",
    "group",
    "priority",
    "first_reply_at",
    "first_reply_minutes",
    "first_reply_bh_minutes",
    "solved_at",
    "full_resolution_minutes",
    "full_resolution_bh_minutes",
    "agent_replies",
    "customer_messages",
    "reopens",
    "reassignments",
    "group_transfers",
    "solved",
    "one_touch",
    "waiting_since",
    "last_agent_reply_at",
)


@settings(max_examples=200, deadline=None)
@given(ticket=TICKETS, specs=st.lists(_event_strategy(0, HORIZON), max_size=15))
def test_kpis_at_the_end_are_the_fold_just_after_the_last_event(ticket, specs):
    events = _build(specs, "e")
    end = ticket_facts(ticket, events, hours=BusinessHours())
    just_after = ticket_facts(ticket, events, as_of=end.as_of + timedelta(microseconds=1), hours=BusinessHours())
    for name in KPI_FIELDS:
        assert getattr(end, name) == getattr(just_after, name), name
    assert end.requester_wait_minutes == pytest.approx(just_after.requester_wait_minutes, abs=1e-4)
    assert end.as_of >= max([ticket.created_at, *(e.at for e in events)])


def test_as_of_none_uses_events_at_the_last_moment():
    events = [customer(0), reply(30)]
    facts = ticket_facts(make_ticket(), events)
    assert facts.as_of == at(30)
    assert facts.first_reply_at == at(30)
    assert replace(facts, as_of=at(30)) == facts
