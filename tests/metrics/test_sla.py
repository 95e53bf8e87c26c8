"""SLA targets against hand-built event streams: calendar and business time, pauses,
next replies, a policy change mid-ticket, priority changes, and the as-of rule."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from cxpulse.domain import BusinessHours, EventKind, Role, Ticket, TicketEvent
from cxpulse.domain.sla import Condition, Policy, PolicySet, SlaTarget
from cxpulse.metrics.business_hours import add_business_minutes, business_minutes
from cxpulse.metrics.sla import BREACHED, MET, RUNNING, breaches, nearest_deadline, ticket_sla

MON = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC
HOURS = BusinessHours(time(9), time(17), (0, 1, 2, 3, 4))


def at(minutes: float) -> datetime:
    return MON + timedelta(minutes=minutes)


_n = iter(range(1_000_000))


def comment(minute: float, role: Role, public: bool = True) -> TicketEvent:
    return TicketEvent(f"e{next(_n)}", "T", at(minute), EventKind.COMMENT, author_role=role, public=public, body="x")


def status(minute: float, to: str, frm: str = "") -> TicketEvent:
    return TicketEvent(f"e{next(_n)}", "T", at(minute), EventKind.STATUS, value_from=frm, value_to=to)


def priority(minute: float, to: str, frm: str = "") -> TicketEvent:
    return TicketEvent(f"e{next(_n)}", "T", at(minute), EventKind.PRIORITY, value_from=frm, value_to=to)


def ticket(**kw) -> Ticket:
    return Ticket("T", MON, **{"status": "open", "priority": "normal", "channel": "email", **kw})


def one_set(*policies: Policy, since: datetime = MON - timedelta(days=30)) -> tuple[PolicySet, ...]:
    return (PolicySet(since, tuple(policies)),)


def everything(minutes: dict[str, float], business: bool = False, title: str = "All") -> Policy:
    return Policy(title, targets=tuple(SlaTarget(k, m, business) for k, m in minutes.items()))


def by_kind(outcomes):
    return {(o.kind, o.seq): o for o in outcomes}


def test_first_reply_met_inside_its_target_and_breached_past_it():
    policies = one_set(everything({"first_reply": 60}))
    met = by_kind(ticket_sla(ticket(), [comment(0, Role.CUSTOMER), comment(45, Role.AGENT)], policies))
    assert met["first_reply", 0].status == MET
    assert met["first_reply", 0].ended_at == at(45)
    late = by_kind(ticket_sla(ticket(), [comment(0, Role.CUSTOMER), comment(75, Role.AGENT)], policies))
    assert late["first_reply", 0].status == BREACHED
    assert late["first_reply", 0].breached_at == at(60)


def test_a_reply_exactly_at_the_target_is_met():
    out = by_kind(ticket_sla(ticket(), [comment(60, Role.AGENT)], one_set(everything({"first_reply": 60}))))
    assert out["first_reply", 0].status == MET


def test_an_internal_note_is_no_reply():
    events = [comment(0, Role.CUSTOMER), comment(10, Role.AGENT, public=False)]
    out = by_kind(ticket_sla(ticket(), events, one_set(everything({"first_reply": 60})), as_of=at(30)))
    fr = out["first_reply", 0]
    assert fr.status == RUNNING and fr.deadline == at(60)


def test_running_target_carries_its_deadline_and_breaches_once_the_clock_passes_it():
    policies = one_set(everything({"first_reply": 120}))
    events = [comment(0, Role.CUSTOMER)]
    early = by_kind(ticket_sla(ticket(), events, policies, as_of=at(30)))["first_reply", 0]
    assert (early.status, early.deadline, early.elapsed_minutes) == (RUNNING, at(120), 30.0)
    late = by_kind(ticket_sla(ticket(), events, policies, as_of=at(200)))["first_reply", 0]
    assert (late.status, late.breached_at) == (BREACHED, at(120))


def test_next_reply_starts_with_each_customer_message_after_an_agent_reply():
    events = [
        comment(0, Role.CUSTOMER), comment(10, Role.AGENT),  # first reply
        comment(20, Role.CUSTOMER), comment(25, Role.CUSTOMER), comment(50, Role.AGENT),  # next reply 1: 30 min
        comment(60, Role.CUSTOMER), comment(150, Role.AGENT),  # next reply 2: 90 min
        comment(200, Role.CUSTOMER),  # next reply 3: running
    ]
    out = by_kind(ticket_sla(ticket(), events, one_set(everything({"next_reply": 60})), as_of=at(210)))
    assert out["next_reply", 1].status == MET and out["next_reply", 1].started_at == at(20)
    assert out["next_reply", 2].status == BREACHED and out["next_reply", 2].breached_at == at(120)
    assert out["next_reply", 3].status == RUNNING and out["next_reply", 3].deadline == at(260)
    assert ("next_reply", 4) not in out


def test_a_solve_stops_the_reply_clocks():
    events = [comment(0, Role.CUSTOMER), status(30, "solved", "open")]
    out = by_kind(ticket_sla(ticket(status="solved"), events, one_set(everything({"first_reply": 60}))))
    assert out["first_reply", 0].status == MET and out["first_reply", 0].ended_at == at(30)


def test_requester_wait_pauses_in_pending_and_counts_on_hold():
    # open 0–30, pending 30–130 (paused), hold 130–160 (counts), open 160–170, solved at 170: wait 30+30+10 = 70
    events = [comment(0, Role.CUSTOMER), status(1, "open", "new"), status(30, "pending", "open"),
              status(130, "hold", "pending"), status(160, "open", "hold"), status(170, "solved", "open")]
    policies = one_set(everything({"requester_wait": 75, "resolution": 160}))
    out = by_kind(ticket_sla(ticket(status="solved"), events, policies))
    wait = out["requester_wait", 0]
    assert (wait.status, wait.elapsed_minutes) == (MET, 70.0)
    # resolution never pauses: 170 minutes against 160
    assert out["resolution", 0].status == BREACHED and out["resolution", 0].breached_at == at(160)


def test_a_paused_target_has_no_deadline_until_it_runs_again():
    events = [status(1, "open", "new"), status(30, "pending", "open")]
    policies = one_set(everything({"requester_wait": 60}))
    paused = by_kind(ticket_sla(ticket(status="pending"), events, policies, as_of=at(500)))["requester_wait", 0]
    assert paused.status == RUNNING and paused.paused and paused.deadline is None
    resumed = by_kind(ticket_sla(ticket(), [*events, status(600, "open", "pending")], policies, as_of=at(610)))
    w = resumed["requester_wait", 0]
    assert w.status == RUNNING and not w.paused and w.deadline == at(630)  # 30 used, 30 left from 600


def test_a_reopen_resumes_resolution_and_the_solve_before_it_does_not_count():
    events = [status(1, "open", "new"), status(50, "solved", "open"), status(1000, "open", "solved"),
              status(1020, "solved", "open")]
    out = by_kind(ticket_sla(ticket(status="solved"), events, one_set(everything({"resolution": 60}))))
    r = out["resolution", 0]
    assert r.status == BREACHED and r.breached_at == at(1010)  # 50 + 10 more after the reopen
    assert r.elapsed_minutes == 70.0


def test_business_hours_targets_count_only_working_minutes():
    # created Friday 16:00; first reply Monday 09:30: 60 + 30 business minutes
    fri = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    t = Ticket("T", fri, status="open", priority="normal")
    reply = TicketEvent("r", "T", datetime(2026, 3, 9, 9, 30, tzinfo=UTC), EventKind.COMMENT,
                        author_role=Role.AGENT, body="hi")
    policies = one_set(everything({"first_reply": 120}, business=True))
    fr = by_kind(ticket_sla(t, [reply], policies, hours=HOURS))["first_reply", 0]
    assert (fr.status, fr.elapsed_minutes) == (MET, 90.0)
    # the same in calendar minutes is two and a half days: breached
    cal = by_kind(ticket_sla(t, [reply], one_set(everything({"first_reply": 120}))))["first_reply", 0]
    assert cal.status == BREACHED and cal.breached_at == fri + timedelta(hours=2)
    # running over the weekend: its deadline is Monday 10:00
    run = by_kind(ticket_sla(t, [], policies, hours=HOURS, as_of=datetime(2026, 3, 7, 12, tzinfo=UTC)))
    assert run["first_reply", 0].deadline == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


def test_business_target_falls_back_to_calendar_without_business_hours():
    policies = one_set(everything({"first_reply": 60}, business=True))
    fr = by_kind(ticket_sla(ticket(), [comment(90, Role.AGENT)], policies))["first_reply", 0]
    assert fr.status == BREACHED and fr.breached_at == at(60)


def test_first_matching_policy_wins_and_an_unmatched_ticket_has_no_targets():
    urgent = Policy("Urgent", all=(Condition("priority", "is", "urgent"),), targets=(SlaTarget("first_reply", 15),))
    chat = Policy("Chat", any=(Condition("channel", "is", "chat"), Condition("channel", "is", "phone")),
                  targets=(SlaTarget("first_reply", 5),))
    policies = one_set(urgent, chat)
    events = [comment(10, Role.AGENT)]
    u = by_kind(ticket_sla(ticket(priority="Urgent", channel="chat"), events, policies))["first_reply", 0]
    assert (u.policy, u.status) == ("Urgent", MET)
    c = by_kind(ticket_sla(ticket(priority="low", channel="chat"), events, policies))["first_reply", 0]
    assert (c.policy, c.status) == ("Chat", BREACHED)
    assert ticket_sla(ticket(priority="low", channel="email"), events, policies) == []


def test_tags_conditions_match_any_listed_tag():
    vip = Policy("VIP", all=(Condition("tags", "includes", "vip gold"),), targets=(SlaTarget("first_reply", 30),))
    rest = Policy("Rest", all=(Condition("tags", "not_includes", "vip gold"),), targets=(SlaTarget("first_reply", 600),))
    t = ticket()
    t.tags = ("gold", "renewal")
    out = ticket_sla(t, [comment(10, Role.AGENT)], one_set(vip, rest))
    assert [o.policy for o in out] == ["VIP"]
    t.tags = ("renewal",)
    assert [o.policy for o in ticket_sla(t, [comment(10, Role.AGENT)], one_set(vip, rest))] == ["Rest"]


def test_a_priority_change_applies_the_other_policy_from_then_on():
    urgent = Policy("Urgent", all=(Condition("priority", "is", "urgent"),), targets=(SlaTarget("first_reply", 30),))
    normal = Policy("Normal", targets=(SlaTarget("first_reply", 240),))
    events = [comment(0, Role.CUSTOMER), priority(20, "urgent", "normal"), comment(40, Role.AGENT)]
    fr = by_kind(ticket_sla(ticket(priority="urgent"), events, one_set(urgent, normal)))["first_reply", 0]
    assert (fr.policy, fr.status, fr.breached_at) == ("Urgent", BREACHED, at(30))
    # made urgent only after 35 minutes had passed: breached at that moment
    events = [comment(0, Role.CUSTOMER), priority(35, "urgent", "normal"), comment(40, Role.AGENT)]
    fr = by_kind(ticket_sla(ticket(priority="urgent"), events, one_set(urgent, normal)))["first_reply", 0]
    assert fr.breached_at == at(35)


def test_a_policy_change_mid_ticket_applies_from_its_time_on():
    old = PolicySet(MON - timedelta(days=30), (everything({"first_reply": 60, "resolution": 600}, title="Old"),))
    new = PolicySet(at(40), (everything({"first_reply": 30, "resolution": 100}, title="New"),))
    events = [comment(0, Role.CUSTOMER), comment(50, Role.AGENT), status(90, "solved", "open")]
    out = by_kind(ticket_sla(ticket(status="solved"), events, (old, new)))
    # first reply: 40 minutes under the old 60-minute target, then the new 30-minute one is already past
    assert out["first_reply", 0].status == BREACHED and out["first_reply", 0].breached_at == at(40)
    assert out["first_reply", 0].policy == "New"
    # resolution: 90 minutes against the new 100: met
    assert out["resolution", 0].status == MET and out["resolution", 0].policy == "New"
    # the same ticket before the change was in force: measured by the old set only
    earlier = by_kind(ticket_sla(ticket(status="solved"), events, (old, PolicySet(at(500), new.policies))))
    assert earlier["first_reply", 0].status == MET and earlier["first_reply", 0].policy == "Old"


def test_a_policy_change_mid_ticket_in_business_time():
    # created Mon 16:00 (60 business minutes left that day); at Tue 09:00 a 120-minute target replaces a 240-minute one
    mon16 = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    t = Ticket("T", mon16, status="open", priority="normal")
    old = PolicySet(mon16 - timedelta(days=1), (everything({"first_reply": 240}, business=True, title="Old"),))
    new = PolicySet(datetime(2026, 3, 3, 9, 0, tzinfo=UTC), (everything({"first_reply": 120}, business=True, title="New"),))
    reply = TicketEvent("r", "T", datetime(2026, 3, 3, 9, 45, tzinfo=UTC), EventKind.COMMENT,
                        author_role=Role.AGENT, body="hi")
    fr = by_kind(ticket_sla(t, [reply], (old, new), hours=HOURS))["first_reply", 0]
    assert (fr.status, fr.policy, fr.elapsed_minutes) == (MET, "New", 105.0)
    late = TicketEvent("r", "T", datetime(2026, 3, 3, 10, 15, tzinfo=UTC), EventKind.COMMENT,
                       author_role=Role.AGENT, body="hi")
    fr = by_kind(ticket_sla(t, [late], (old, new), hours=HOURS))["first_reply", 0]
    assert fr.status == BREACHED and fr.breached_at == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    # under the old target alone the same reply is met (135 of 240)
    assert by_kind(ticket_sla(t, [late], (old,), hours=HOURS))["first_reply", 0].status == MET


def test_nothing_after_as_of_changes_the_targets():
    policies = one_set(everything({"first_reply": 60, "next_reply": 60, "resolution": 300, "requester_wait": 200}))
    before = [comment(0, Role.CUSTOMER), status(1, "open", "new"), comment(20, Role.AGENT), comment(30, Role.CUSTOMER)]
    after = [comment(45, Role.AGENT), status(50, "solved", "open"), priority(46, "urgent", "normal")]
    a = ticket_sla(ticket(), before, policies, as_of=at(40))
    b = ticket_sla(ticket(), before + after, policies, as_of=at(40))
    assert a == b


def test_no_policies_no_targets_and_the_summaries():
    assert ticket_sla(ticket(), [comment(5, Role.AGENT)], ()) == []
    policies = one_set(everything({"first_reply": 10, "resolution": 100}))
    out = ticket_sla(ticket(), [comment(20, Role.AGENT)], policies, as_of=at(30))
    assert breaches(out) == 1
    assert nearest_deadline(out).kind == "resolution" and nearest_deadline(out).deadline == at(100)


@pytest.mark.parametrize("minutes", [1, 59, 60, 61, 479, 480, 481, 2400, 10_000])
def test_add_business_minutes_is_the_inverse_of_business_minutes(minutes):
    start = datetime(2026, 3, 6, 15, 17, tzinfo=UTC)
    end = add_business_minutes(start, minutes, HOURS, "Europe/Vilnius")
    assert business_minutes(start, end, HOURS, "Europe/Vilnius") == pytest.approx(minutes, abs=1 / 60)
    assert business_minutes(start, end - timedelta(seconds=1), HOURS, "Europe/Vilnius") < minutes


def test_add_business_minutes_without_working_time_never_arrives():
    assert add_business_minutes(MON, 10, BusinessHours(weekdays=()), "UTC") is None


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cxpulse.metrics.business_hours import _bisect_business, _week_windows  # noqa: E402

NIGHT = BusinessHours(time(22), time(6), (0, 1, 2, 3, 6))


@settings(max_examples=200, deadline=None)
@given(start=st.integers(0, 3 * 365 * 24 * 60), minutes=st.floats(0.5, 20_000),
       zone=st.sampled_from(["UTC", "Europe/Vilnius", "America/New_York", "Australia/Lord_Howe"]),
       night=st.booleans())
def test_the_closed_form_deadline_agrees_with_bisection_across_dst(start, minutes, zone, night):
    hours = NIGHT if night else HOURS
    at_ = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=start, seconds=17)
    fast = add_business_minutes(at_, minutes, hours, zone)
    slow = _bisect_business(at_, minutes, hours, zone, _week_windows(hours)[1])
    assert abs((fast - slow).total_seconds()) <= 1.0
    assert business_minutes(at_, fast, hours, zone) == pytest.approx(minutes, abs=1e-6)
