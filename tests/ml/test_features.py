"""Features as of a time t: no leakage, the right moments, plain words, every language."""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cxpulse.domain.types import (
    Account,
    BusinessHours,
    EventKind,
    Response,
    ResponseKind,
    Role,
    Scale,
    Ticket,
    TicketEvent,
)
from cxpulse.domain.sla import Condition, Policy, PolicySet, SlaTarget
from cxpulse.readers.jsonl import PARSERS
from cxpulse.ml.context import PastRating, RatingHistory, shrunk_share
from cxpulse.ml.features import (
    CATEGORICAL,
    NUMERIC,
    Snapshot,
    category_reason,
    duration,
    early_times,
    reason,
    snapshot,
    snapshot_reason,
    snapshots,
    text_reason,
    training_times,
)
from tests.factories import history_from_responses, random_help_desk

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
SEC = timedelta(seconds=1)
PLAIN = Account("plain")
OFFICE = Account("office", timezone="Europe/Vilnius", business_hours=BusinessHours())
# SLA policies that depend on the priority and the group (both change by events), counted in
# business and calendar minutes, with a new set taking effect in the middle of the tickets' lives
_URGENT = Condition("priority", "is", "urgent")
_SLA_V1 = (Policy("Urgent", all=(_URGENT,), targets=(SlaTarget("first_reply", 30), SlaTarget("resolution", 600, True))),
           Policy("Billing", all=(Condition("group", "is", "Billing"),),
                  targets=(SlaTarget("next_reply", 45), SlaTarget("requester_wait", 300, True))),
           Policy("Rest", targets=(SlaTarget("first_reply", 240, True), SlaTarget("next_reply", 120),
                                   SlaTarget("resolution", 2000), SlaTarget("requester_wait", 900))))
_SLA_V2 = (Policy("Rest", targets=(SlaTarget("first_reply", 20), SlaTarget("next_reply", 20),
                                   SlaTarget("resolution", 400, True), SlaTarget("requester_wait", 100))),)
SLA = Account("sla", timezone="Europe/Vilnius", business_hours=BusinessHours(),
              sla=(PolicySet(T0 - timedelta(days=1), _SLA_V1), PolicySet(T0 + timedelta(minutes=1500), _SLA_V2)))
NO_HISTORY = RatingHistory([])

TEXTS = {
    "ru": ("Не работает VPN", "Здравствуйте, у меня третий день не работает VPN, помогите"),
    "el": ("Πρόβλημα με την παραγγελία", "Γεια σας, η παραγγελία μου δεν έχει φτάσει ακόμα"),
    "lt": ("Neveikia prisijungimas", "Laba diena, negaliu prisijungti prie paskyros, prašau padėti"),
    "en": ("Refund please", "Hello, I was charged twice for my order and want a refund"),
}
AGENT_LINES = ("Žiūrime", "Проверяем, подождите", "Ελέγχουμε", "We are on it", "Sorry for the wait")
CUSTOMER_LINES = ("Ничего не работает", "Ακόμα τίποτα;", "Vis dar neveikia", "Still broken, again!", "ok")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def make_ticket(**overrides) -> Ticket:
    fields = {"source_id": "T1", "created_at": T0, "subject": "Help", "status": "open", "channel": "email",
              "requester_id": "c1", "assignee_id": "a1"}
    fields.update(overrides)
    return Ticket(**fields)


def comment(minutes: float, role: Role, body: str = "hi", *, public: bool = True, sid: str = "") -> TicketEvent:
    return TicketEvent(sid or f"e{minutes}-{role}-{body[:3]}", "T1", at(minutes), EventKind.COMMENT,
                       author_id="c1" if role is Role.CUSTOMER else "a1", author_role=role, public=public, body=body)


def change(minutes: float, kind: EventKind, to: str, frm: str = "", *, sid: str | None = None) -> TicketEvent:
    return TicketEvent(sid or f"e{minutes}-{kind}-{to}", "T1", at(minutes), kind, value_from=frm, value_to=to)


def comparable(s: Snapshot) -> tuple:
    """A snapshot with nan made equal to itself, so == means 'exactly the same features'."""
    return (s.ticket_id, s.as_of, tuple("nan" if math.isnan(v) else v for v in s.numeric), s.categorical,
            s.customer_text, s.agent_text, s.language)


# --- random tickets for the leakage test ------------------------------------------------------


def random_event(rng: random.Random, minutes: float, sid: str) -> TicketEvent:
    kind = rng.choice([EventKind.COMMENT] * 4 + [EventKind.STATUS] * 2 + [EventKind.ASSIGNEE, EventKind.GROUP,
                                                                          EventKind.PRIORITY])
    when = at(minutes)
    if kind is EventKind.COMMENT:
        role = rng.choice([Role.CUSTOMER, Role.AGENT, Role.AGENT, Role.SYSTEM])
        lines = CUSTOMER_LINES if role is Role.CUSTOMER else AGENT_LINES
        return TicketEvent(sid, "T1", when, kind, author_id=rng.choice(["a1", "a2", "c1"]), author_role=role,
                           public=rng.random() < 0.8, body=rng.choice(lines))
    value = {
        EventKind.STATUS: ["new", "open", "pending", "hold", "solved", "closed"],
        EventKind.ASSIGNEE: ["", "a1", "a2", "a3"],
        EventKind.GROUP: ["", "Billing", "Τεχνικό", "Поддержка"],
        EventKind.PRIORITY: ["low", "normal", "high", "urgent"],
    }[kind]
    return TicketEvent(sid, "T1", when, kind, value_from=rng.choice(value), value_to=rng.choice(value))


def random_ticket(rng: random.Random) -> tuple[Ticket, list[TicketEvent]]:
    lang = rng.choice(list(TEXTS))
    subject, description = TEXTS[lang]
    ticket = make_ticket(
        subject=subject,
        description=description if rng.random() < 0.7 else "",
        status=rng.choice(["open", "solved", "closed", "pending"]),
        channel=rng.choice(["email", "chat", "phone"]),
        priority=rng.choice(["", "normal", "high"]),
        assignee_id=rng.choice(["", "a1", "a2"]),
        solved_at=at(rng.randrange(1, 5000)) if rng.random() < 0.5 else None,
        updated_at=at(rng.randrange(1, 6000)) if rng.random() < 0.5 else None,
    )
    if rng.random() < 0.2:  # a help desk's own KPIs, with or without events
        ticket = replace(ticket, metrics=dict(METRICS), updated_at=at(rng.randrange(1, 6000)))
        if rng.random() < 0.5:
            return ticket, []
    events = []
    if rng.random() < 0.6:  # the description as the first comment, as Zendesk has it
        role = Role.CUSTOMER if rng.random() < 0.8 else Role.AGENT
        events.append(comment(0, role, description or subject, sid="e-desc"))
    for i in range(rng.randrange(0, 14)):
        events.append(random_event(rng, rng.choice([rng.randrange(0, 5000), rng.randrange(0, 50)]), f"e{i:03d}"))
    return ticket, events


def random_ratings(rng: random.Random, n: int = 60) -> list[PastRating]:
    return [PastRating(at(rng.randrange(-200_000, 8000)), f"T{rng.randrange(2, 40)}", rng.choice(["a1", "a2", "a3"]),
                       rng.choice(["c1", "c2", "c3"]), rng.random() < 0.7) for _ in range(n)]


def pick_time(rng: random.Random, events: list[TicketEvent]) -> datetime:
    if events and rng.random() < 0.5:
        return rng.choice(events).at  # exactly on an event: that event is not yet seen
    return at(rng.uniform(-10, 5200))


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_features_at_t_ignore_everything_at_or_after_t_and_the_ticket_own_rating(seed):
    rng = random.Random(seed)
    ticket, events = random_ticket(rng)
    ratings = random_ratings(rng)
    account = rng.choice([PLAIN, OFFICE, SLA])
    t = pick_time(rng, events)
    base = comparable(snapshot(ticket, events, as_of=t, account=account, history=RatingHistory(ratings)))

    def same(evs, rates=ratings) -> bool:
        return comparable(snapshot(ticket, evs, as_of=t, account=account, history=RatingHistory(rates))) == base

    before = [e for e in events if e.at < t]
    later = [e for e in events if e.at >= t]
    offset = (t - T0).total_seconds() / 60
    added = [random_event(rng, offset + rng.choice([0, rng.uniform(0, 3000)]), f"x{i}") for i in range(6)]
    changed = [random_event(rng, (e.at - T0).total_seconds() / 60, e.source_id) for e in later]

    assert same(before), "removing events at or after t changed the features"
    assert same(events + added), "adding events at or after t changed the features"
    assert same(before + changed), "changing events at or after t changed the features"
    assert same(list(reversed(events))), "the order events arrive in changed the features"

    own = [PastRating(at(rng.uniform(-500, 6000)), "T1", rng.choice(["a1", "a2"]), "c1", rng.random() < 0.5)
           for _ in range(3)]
    assert same(events, ratings + own), "the ticket's own ratings leaked into the features"
    flipped = [replace(r, satisfied=not r.satisfied) for r in own]
    assert same(events, ratings + flipped), "changing the ticket's own rating changed the features"
    others_later = [PastRating(t + timedelta(minutes=rng.choice([0, rng.uniform(0, 9000)])), f"T{rng.randrange(2, 40)}",
                               rng.choice(["a1", "a2"]), rng.choice(["c1", "c2"]), rng.random() < 0.5)
                    for _ in range(5)]
    assert same(events, ratings + others_later), "ratings of other tickets at or after t leaked"


def test_features_ignore_the_rating_score_and_its_comment():
    ticket, events = random_ticket(random.Random(7))
    ticket = replace(ticket, assignee_id="a1")
    tickets = {"T1": ticket}
    t = at(3000)

    def features(score: int, text: str):
        responses = [Response("r1", at(2000), ResponseKind.CSAT, Scale.FIVE, score, ticket_id="T1", comment=text),
                     Response("r2", at(-100), ResponseKind.CSAT, Scale.FIVE, 2, ticket_id="T9", agent_id="a1",
                              customer_id="c1")]
        history = history_from_responses(responses, tickets)
        return comparable(snapshot(ticket, events, as_of=t, account=PLAIN, history=history))

    assert features(5, "") == features(1, "Ужасно, никто не помог") == features(3, "meh")


def test_factory_help_desk_tickets_keep_their_features_when_later_events_change():
    records, _ = random_help_desk(seed=3, tickets=80)
    objs = [PARSERS[r["type"]](r) for r in records]
    tickets = [o for o in objs if isinstance(o, Ticket)]
    events: dict[str, list[TicketEvent]] = {}
    for o in objs:
        if isinstance(o, TicketEvent):
            events.setdefault(o.ticket_id, []).append(o)
    by_id = {t.source_id: t for t in tickets}
    history = history_from_responses([o for o in objs if isinstance(o, Response)], by_id)
    for ticket in tickets:
        evs = events[ticket.source_id]
        for t in training_times(ticket, evs):
            full = comparable(snapshot(ticket, evs, as_of=t, account=PLAIN, history=history))
            cut = comparable(snapshot(ticket, [e for e in evs if e.at < t], as_of=t, account=PLAIN, history=history))
            assert full == cut


# --- what a snapshot holds ----------------------------------------------------------------------


def test_snapshot_tuples_line_up_with_the_feature_names():
    ticket, events = random_ticket(random.Random(1))
    s = snapshot(ticket, events, as_of=at(6000), account=OFFICE, history=NO_HISTORY)
    assert len(s.numeric) == len(NUMERIC) and len(s.categorical) == len(CATEGORICAL)
    assert len(set(NUMERIC)) == len(NUMERIC)
    assert all(isinstance(v, float) for v in s.numeric)
    assert s.as_of.tzinfo is UTC


def test_a_ticket_waiting_for_its_first_reply_counts_the_wait_so_far():
    ticket = make_ticket()
    events = [comment(0, Role.CUSTOMER, "Help"), comment(840, Role.AGENT, "Here")]
    before = snapshot(ticket, events, as_of=at(600), account=PLAIN, history=NO_HISTORY)
    assert before.value("replied") == 0.0
    assert math.isnan(before.value("first_reply_minutes"))
    assert before.value("no_reply_minutes") == before.value("elapsed_minutes") == 600
    assert before.value("customer_waiting_minutes") == 600
    after = snapshot(ticket, events, as_of=at(841), account=PLAIN, history=NO_HISTORY)
    assert after.value("replied") == 1.0 and after.value("first_reply_minutes") == 840
    assert math.isnan(after.value("no_reply_minutes"))
    assert after.value("customer_waiting_minutes") == 0.0  # the agent spoke last
    assert after.value("agent_replies") == 1 and after.value("customer_messages") == 1


def test_counts_of_reopens_reassignments_and_transfers_come_from_the_fold():
    ticket = make_ticket()
    events = [comment(0, Role.CUSTOMER), change(1, EventKind.ASSIGNEE, "a1"), change(2, EventKind.GROUP, "Billing"),
              change(10, EventKind.STATUS, "solved", "open"), change(20, EventKind.STATUS, "open", "solved"),
              change(21, EventKind.ASSIGNEE, "a2", "a1"), change(22, EventKind.GROUP, "Τεχνικό", "Billing"),
              change(30, EventKind.STATUS, "solved", "open")]
    s = snapshot(ticket, events, as_of=at(31), account=PLAIN, history=NO_HISTORY)
    assert (s.value("reopens"), s.value("reassignments"), s.value("group_transfers")) == (1, 1, 1)
    assert s.value("resolution_minutes") == 30
    assert s.categorical[CATEGORICAL.index("status")] == "solved"
    assert s.categorical[CATEGORICAL.index("group")] == "Τεχνικό"


def test_business_hours_variants_are_nan_without_business_hours():
    ticket = make_ticket()
    events = [comment(0, Role.CUSTOMER), comment(60, Role.AGENT)]
    names = ("first_reply_bh_minutes", "no_reply_bh_minutes", "requester_wait_bh_minutes")
    plain = snapshot(ticket, events, as_of=at(120), account=PLAIN, history=NO_HISTORY)
    assert all(math.isnan(plain.value(n)) for n in names)
    office = snapshot(ticket, events, as_of=at(120), account=OFFICE, history=NO_HISTORY)
    assert office.value("first_reply_bh_minutes") == 60  # 11:00–12:00 Vilnius on a Monday
    waiting = snapshot(ticket, events, as_of=at(30), account=OFFICE, history=NO_HISTORY)
    assert waiting.value("no_reply_bh_minutes") == 30


def test_hour_and_weekday_of_creation_are_local_to_the_account():
    ticket = make_ticket(created_at=datetime(2026, 3, 2, 23, 30, tzinfo=UTC))  # Monday 23:30 UTC
    s = snapshot(ticket, [], as_of=datetime(2026, 3, 3, 2, 0, tzinfo=UTC), account=OFFICE, history=NO_HISTORY)
    assert s.value("created_hour") == 1.0  # 01:30 in Vilnius (UTC+2)
    assert s.value("created_weekday") == 1.0  # Tuesday there
    utc = snapshot(ticket, [], as_of=datetime(2026, 3, 3, 2, 0, tzinfo=UTC), account=PLAIN, history=NO_HISTORY)
    assert (utc.value("created_hour"), utc.value("created_weekday")) == (23.0, 0.0)


def test_customer_and_agent_texts_are_kept_apart():
    ticket = make_ticket(subject="Не работает VPN", description="Третий день не работает")
    events = [comment(0, Role.CUSTOMER, "Третий день не работает"),
              comment(10, Role.AGENT, "Проверяем"),
              comment(11, Role.AGENT, "internal: customer is VIP", public=False),
              comment(20, Role.CUSTOMER, "Всё ещё не работает"),
              comment(30, Role.AGENT, "Исправили")]
    s = snapshot(ticket, events, as_of=at(25), account=PLAIN, history=NO_HISTORY)
    assert s.customer_text == "Не работает VPN\nТретий день не работает\nВсё ещё не работает"  # description once
    assert s.agent_text == "Проверяем"  # no internal note, nothing after t
    assert s.value("customer_text_chars") == len(s.customer_text)
    assert s.value("agent_text_chars") == len(s.agent_text)


def test_description_is_in_the_customer_text_when_no_comment_repeats_it():
    ticket = make_ticket(subject="Order", description="Where is my order?")
    s = snapshot(ticket, [comment(5, Role.AGENT, "Checking")], as_of=at(10), account=PLAIN, history=NO_HISTORY)
    assert s.customer_text == "Order\nWhere is my order?"
    assert s.agent_text == "Checking"


def test_an_agent_written_description_is_the_customer_side_not_a_reply():
    ticket = make_ticket(subject="Call back", description="")
    events = [comment(0, Role.AGENT, "Customer called: the parcel is lost"), comment(90, Role.AGENT, "Found it")]
    s = snapshot(ticket, events, as_of=at(60), account=PLAIN, history=NO_HISTORY)
    assert s.customer_text == "Call back\nCustomer called: the parcel is lost"
    assert s.agent_text == ""
    assert s.value("replied") == 0.0


@pytest.mark.parametrize("lang", ["ru", "el", "lt", "en"])
def test_language_is_detected_per_ticket_and_text_kept_intact(lang):
    subject, description = TEXTS[lang]
    ticket = make_ticket(subject=subject, description=description)
    events = [comment(0, Role.CUSTOMER, description), comment(30, Role.AGENT, "We are on it, sorry for the wait"),
              comment(40, Role.CUSTOMER, "ok thanks, what is the status of the order please")]
    times = [at(10), at(35), at(50)]
    shots = snapshots(ticket, events, times, account=PLAIN, history=NO_HISTORY)
    assert {s.language for s in shots} == {lang}  # later English mail does not change it
    assert all(s.categorical[CATEGORICAL.index("language")] == lang for s in shots)
    assert shots[0].customer_text == f"{subject}\n{description}"  # exactly as written
    assert subject in shots[-1].customer_text and description in shots[-1].customer_text


def test_decomposed_lithuanian_and_greek_accents_are_not_rewritten():
    body = "Ačiū, bet vis dar neveikia — ή όχι;"
    nfd = unicodedata.normalize("NFD", body)
    ticket = make_ticket(subject="", description="")
    s = snapshot(ticket, [comment(1, Role.CUSTOMER, nfd)], as_of=at(2), account=PLAIN, history=NO_HISTORY)
    assert s.customer_text == nfd


def test_snapshots_equal_one_snapshot_per_time():
    rng = random.Random(11)
    for _ in range(30):
        ticket, events = random_ticket(rng)
        history = RatingHistory(random_ratings(rng))
        times = sorted({pick_time(rng, events) for _ in range(5)})
        many = snapshots(ticket, events, times, account=OFFICE, history=history)
        one = [snapshot(ticket, events, as_of=t, account=OFFICE, history=history) for t in times]
        assert [comparable(s) for s in many] == [comparable(s) for s in one]


def test_a_naive_as_of_is_refused():
    with pytest.raises(ValueError, match="no timezone"):
        snapshot(make_ticket(), [], as_of=datetime(2026, 3, 2), account=PLAIN, history=NO_HISTORY)


# --- tickets that only have help-desk metrics ----------------------------------------------------

METRICS = {"reply_time_in_minutes": 90.0, "full_resolution_time_in_minutes": 600.0, "replies": 2.0, "reopens": 1.0,
           "requester_wait_time_in_minutes": 300.0, "assignee_stations": 3.0, "group_stations": 2.0}


def metrics_ticket() -> Ticket:
    return make_ticket(status="solved", solved_at=at(600), updated_at=at(700), metrics=dict(METRICS))


def test_a_metrics_only_ticket_uses_its_metrics_at_its_end():
    ticket = metrics_ticket()
    assert training_times(ticket, []) == [at(700)]
    s = snapshot(ticket, [], as_of=at(700), account=PLAIN, history=NO_HISTORY)
    assert s.value("first_reply_minutes") == 90 and s.value("agent_replies") == 2
    assert s.value("reopens") == 1 and s.value("reassignments") == 2 and s.value("group_transfers") == 1
    assert s.value("requester_wait_minutes") == 300 and s.value("resolution_minutes") == 600


def test_a_metrics_only_ticket_before_its_end_reads_no_final_metric():
    ticket = metrics_ticket()
    early = snapshot(ticket, [], as_of=at(100), account=PLAIN, history=NO_HISTORY)
    assert early.value("replied") == 0.0 and early.value("reopens") == 0
    assert early.value("elapsed_minutes") == 100
    assert early.categorical[CATEGORICAL.index("status")] == "new"
    solved = snapshot(ticket, [], as_of=at(650), account=PLAIN, history=NO_HISTORY)
    assert solved.categorical[CATEGORICAL.index("status")] == "solved"  # the fold's solved_at fallback
    assert solved.value("agent_replies") == 0


def test_events_after_t_do_not_switch_a_metrics_only_ticket_off_its_metrics():
    ticket = metrics_ticket()
    alone = comparable(snapshot(ticket, [], as_of=at(800), account=PLAIN, history=NO_HISTORY))
    later = [comment(900, Role.CUSTOMER, "one more thing"), change(901, EventKind.STATUS, "open", "solved")]
    assert comparable(snapshot(ticket, later, as_of=at(800), account=PLAIN, history=NO_HISTORY)) == alone


def test_a_metrics_only_ticket_rated_before_its_end_trains_at_its_solve():
    ticket = metrics_ticket()
    assert training_times(ticket, [], until=at(650)) == [at(600) + SEC]
    # rated before its solve: just before the rating, where no final metric is read
    assert training_times(ticket, [], until=at(500)) == [at(500)]
    s = snapshot(ticket, [], as_of=at(500), account=PLAIN, history=NO_HISTORY)
    assert s.value("agent_replies") == 0 and math.isnan(s.value("resolution_minutes"))
    # rated at its solve: as of the solve
    assert training_times(ticket, [], until=at(600)) == [at(600)]


# --- when snapshots are taken ----------------------------------------------------------------------


def test_training_times_follow_each_reply_the_first_reply_and_the_solve():
    ticket = make_ticket()
    events = [comment(0, Role.CUSTOMER, "Help"), comment(30, Role.AGENT, "Looking"),
              comment(35, Role.AGENT, "note", public=False), comment(60, Role.CUSTOMER, "Still?"),
              comment(90, Role.AGENT, "Fixed"), change(91, EventKind.STATUS, "solved", "open"),
              comment(200, Role.CUSTOMER, "thanks")]
    times = training_times(ticket, list(reversed(events)))
    assert times == [at(30) - SEC, at(30) + SEC, at(90) + SEC, at(91) + SEC]
    s = snapshot(ticket, events, as_of=times[1], account=PLAIN, history=NO_HISTORY)
    assert s.value("agent_replies") == 1  # the reply itself is seen
    s = snapshot(ticket, events, as_of=times[0], account=PLAIN, history=NO_HISTORY)
    assert s.value("agent_replies") == 0


def test_training_times_stop_at_the_rating():
    ticket = make_ticket()
    events = [comment(0, Role.CUSTOMER), comment(30, Role.AGENT), change(40, EventKind.STATUS, "solved"),
              comment(300, Role.AGENT, "Sorry about your bad rating")]
    assert training_times(ticket, events, until=at(100)) == [at(30) - SEC, at(30) + SEC, at(40) + SEC]


def test_a_ticket_rated_before_its_first_reply_is_learned_from_just_before_its_rating():
    """The unhappiest tickets are rated before anyone answered: they used to have no moment at all."""
    ticket = make_ticket()
    events = [comment(0, Role.CUSTOMER, "Where is my order?"), comment(50, Role.CUSTOMER, "Hello??"),
              comment(300, Role.AGENT, "Sorry about your bad rating"), change(310, EventKind.STATUS, "solved", "open")]
    assert training_times(ticket, events, until=at(120)) == [at(120)]
    s = snapshot(ticket, events, as_of=at(120), account=PLAIN, history=NO_HISTORY)
    assert s.value("replied") == 0 and s.value("no_reply_minutes") == 120 and s.value("customer_messages") == 2
    assert "Sorry" not in s.agent_text and s.categorical[CATEGORICAL.index("status")] == "new"


def test_a_ticket_rated_before_its_solve_adds_a_moment_just_before_its_rating():
    ticket = make_ticket()
    events = [comment(0, Role.CUSTOMER), comment(30, Role.AGENT, "Looking"), comment(60, Role.AGENT, "Still looking"),
              comment(200, Role.AGENT, "Sorry"), change(210, EventKind.STATUS, "solved", "open")]
    assert training_times(ticket, events, until=at(100)) == [at(30) - SEC, at(30) + SEC, at(60) + SEC, at(100)]
    # a ticket rated after its solve gains nothing: its moments were all before the rating already
    assert training_times(ticket, events, until=at(500)) == training_times(ticket, events)


def test_a_rating_at_the_solve_still_lets_the_solve_snapshot_in():
    """A CSV export without rating times stamps the rating at the solve: the final
    moment is as of the solve, before the rating, and reads nothing at the rating."""
    ticket = make_ticket(status="solved", solved_at=at(90))
    events = [comment(0, Role.CUSTOMER, "Help"), comment(30, Role.AGENT, "On it"),
              change(90, EventKind.STATUS, "solved", "open", sid="T1:solved"),
              comment(90, Role.AGENT, "Thanks for rating us 1 of 5", sid="T1:zz")]
    times = training_times(ticket, events, until=at(90))
    assert times == [at(30) - SEC, at(30) + SEC, at(90)]
    s = snapshot(ticket, events, as_of=at(90), account=PLAIN, history=NO_HISTORY)
    assert s.categorical[CATEGORICAL.index("status")] == "solved" and s.value("resolution_minutes") == 90
    assert s.value("agent_replies") == 1 and "rating" not in s.agent_text  # nothing stamped at the rating is read
    # a solve less than 1 s before the rating: the moment is the rating, where the solve is seen
    assert training_times(ticket, events, until=at(90) + SEC / 2)[-1] == at(90) + SEC / 2


def test_a_ticket_rated_before_it_was_created_or_with_no_events_still_has_a_moment():
    ticket = make_ticket()
    assert training_times(ticket, [comment(0, Role.CUSTOMER)], until=at(-60)) == [T0]  # a data error: taken at creation
    assert training_times(ticket, [], until=at(15)) == [at(15)]
    assert training_times(ticket, [], until=T0) == [T0]  # rated at creation (a CSV row with neither solve nor rating time)
    s = snapshot(ticket, [], as_of=T0, account=PLAIN, history=NO_HISTORY)
    assert s.value("elapsed_minutes") == 0 and s.customer_text == "Help"


def random_rating_time(rng: random.Random, ticket: Ticket, events: list[TicketEvent]) -> datetime:
    """Where real ratings fall: on an event (the solve, as a CSV without rating times
    stamps it), before anything happened, or anywhere, even before creation."""
    pick = rng.random()
    if events and pick < 0.35:
        return rng.choice(events).at
    if ticket.solved_at is not None and pick < 0.5:
        return ticket.solved_at
    if pick < 0.65:
        return at(rng.uniform(-30, 60))
    return at(rng.uniform(-10, 5200))


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
@example(seed=2916511008)  # a metrics-only ticket with one event at the rating's instant
def test_training_moments_read_nothing_at_or_after_the_rating(seed):
    """Every moment a rated ticket is learned from — including the added one just before
    the rating, the solve with the rating at the same instant, and a tiny epsilon before
    the rating — reads nothing at or after the rating: events there removed, added or
    changed, the ticket's own ratings flipped, or other tickets' later ratings added
    change neither which moments are taken nor what they show."""
    rng = random.Random(seed)
    ticket, events = random_ticket(rng)
    ratings = random_ratings(rng)
    account = rng.choice([PLAIN, OFFICE])
    if random.Random(seed + 1).random() < 0.4:  # a stream of its own: the examples' draws stay as they were
        account = SLA
    rated = random_rating_time(rng, ticket, events)
    own = [PastRating(rated + timedelta(minutes=rng.choice([0, rng.uniform(0, 900)])), "T1", "a1", "c1",
                      rng.random() < 0.5)]

    times = training_times(ticket, events, until=rated)
    assert times, "a rated ticket was left out of training"
    rated = max(rated, ticket.created_at)  # a rating stamped before creation is taken as given at creation
    assert all(t <= rated for t in times), "a moment after the rating"

    before = [e for e in events if e.at < rated]
    later = [e for e in events if e.at >= rated]
    offset = (rated - T0).total_seconds() / 60
    added = [random_event(rng, offset + rng.choice([0, rng.uniform(0, 3000)]), f"x{i}") for i in range(6)]
    changed = [random_event(rng, (e.at - T0).total_seconds() / 60, e.source_id) for e in later]
    others_later = [PastRating(rated + timedelta(minutes=rng.choice([0, rng.uniform(0, 9000)])),
                               f"T{rng.randrange(2, 40)}", rng.choice(["a1", "a2"]), rng.choice(["c1", "c2"]),
                               rng.random() < 0.5) for _ in range(5)]
    flipped = [replace(r, satisfied=not r.satisfied) for r in own]
    if ticket.metrics and not events:
        worlds = [(events, ratings + own), (events, ratings + flipped + others_later)]
    else:
        worlds = [(before, ratings + own), (events + added, ratings + own), (before + changed, ratings + flipped),
                  (events, ratings + own + others_later)]
        for evs, _ in worlds:
            assert training_times(ticket, evs, until=rated) == times, "what followed the rating chose the moments"

    probes = list(times) + ([rated - timedelta(microseconds=1)] if rated - timedelta(microseconds=1) > ticket.created_at else [])
    for t in probes:
        base = comparable(snapshot(ticket, events, as_of=t, account=account, history=RatingHistory(ratings + own)))
        for evs, rates in worlds:
            got = comparable(snapshot(ticket, evs, as_of=t, account=account, history=RatingHistory(rates)))
            assert got == base, f"the snapshot at {t} read something at or after the rating {rated}"


def test_an_agent_written_description_is_no_training_reply():
    ticket = make_ticket(description="")
    events = [comment(0, Role.AGENT, "Customer phoned in"), comment(50, Role.AGENT, "Done")]
    assert training_times(ticket, events) == [at(50) - SEC, at(50) + SEC]


def test_training_times_of_a_ticket_nobody_answered_is_its_end():
    ticket = make_ticket()
    assert training_times(ticket, [comment(0, Role.CUSTOMER), comment(20, Role.CUSTOMER)]) == [at(20) + SEC]


def test_early_times_are_before_the_first_reply_and_half_way():
    ticket = make_ticket()
    events = [comment(0, Role.CUSTOMER), comment(30, Role.AGENT), change(100, EventKind.STATUS, "solved")]
    assert early_times(ticket, events) == {"before_first_reply": at(30) - SEC, "half_life": at(50)}
    assert early_times(ticket, events, until=at(60))["half_life"] == at(30)
    silent = early_times(ticket, [comment(0, Role.CUSTOMER), change(100, EventKind.STATUS, "solved")])
    assert silent["before_first_reply"] is None


# --- the context ---------------------------------------------------------------------------------


def brute(ratings, key, value, lo, hi, exclude):
    rows = [r for r in ratings if r.ticket_id != exclude and (value is None or getattr(r, key) == value)
            and (lo is None or r.at >= lo) and r.at < hi]
    k = sum(r.satisfied for r in rows)
    return len(rows), (k / len(rows) if rows else "nan")


def test_rating_history_matches_a_brute_force_count_at_every_moment():
    rng = random.Random(5)
    ratings = random_ratings(rng, 400)
    ratings += [replace(r, at=ratings[0].at) for r in ratings[:5]]  # ties
    history = RatingHistory(ratings, window_days=30)
    window = timedelta(days=30)
    for _ in range(400):
        t = rng.choice([rng.choice(ratings).at, at(rng.uniform(-210_000, 9000))])
        exclude = rng.choice(["T1", "T2", "T3", "none"])
        agent, customer = rng.choice(["a1", "a2", "a3", "zz"]), rng.choice(["c1", "c2", "c3", "zz"])

        def norm(p):
            return (p[0], "nan" if isinstance(p[1], float) and math.isnan(p[1]) else p[1])

        assert norm(history.agent(agent, before=t, exclude_ticket=exclude)) == brute(
            ratings, "agent_id", agent, t - window, t, exclude)
        assert norm(history.customer(customer, before=t, exclude_ticket=exclude)) == brute(
            ratings, "customer_id", customer, None, t, exclude)
        assert norm(history.account(before=t, exclude_ticket=exclude)) == brute(
            ratings, "", None, t - window, t, exclude)


def test_context_features_come_from_the_agent_as_of_t_and_the_requester():
    ratings = [PastRating(at(-100), "T7", "a2", "c9", False), PastRating(at(-50), "T8", "a2", "c1", True),
               PastRating(at(-10), "T9", "a1", "c1", True), PastRating(at(5), "T1", "a2", "c1", False)]
    ticket = make_ticket(assignee_id="a2")
    events = [comment(0, Role.CUSTOMER), change(1, EventKind.ASSIGNEE, "a1")]
    s = snapshot(ticket, events, as_of=at(10), account=PLAIN, history=RatingHistory(ratings))
    assert (s.value("agent_csat"), s.value("agent_csat_n")) == (1.0, 1.0)  # a1, assigned at t
    assert (s.value("customer_csat"), s.value("customer_csat_n")) == (1.0, 2.0)  # own rating left out
    assert s.value("account_csat") == 2 / 3


def test_an_agent_without_ratings_has_no_share_rather_than_zero():
    s = snapshot(make_ticket(), [], as_of=at(10), account=PLAIN, history=NO_HISTORY)
    assert math.isnan(s.value("agent_csat")) and s.value("agent_csat_n") == 0
    assert math.isnan(s.value("account_csat"))


def test_shrunk_share_pulls_small_samples_toward_the_prior():
    assert round(shrunk_share(2, 0.0, 0.8), 2) == 0.67
    assert shrunk_share(0, math.nan, 0.8) == 0.8
    assert abs(shrunk_share(10_000, 0.5, 0.8) - 0.5) < 0.001


# --- plain words -----------------------------------------------------------------------------------


def test_reason_has_words_for_every_numeric_feature():
    samples = {n: (3.0, 1.0) for n in NUMERIC}
    samples.update({n: (0.55, 0.82) for n in ("agent_csat", "customer_csat", "account_csat")})
    said = {}
    for name in NUMERIC:
        value, ref = samples[name]
        words = reason(name, value, ref)
        assert words and "_" not in words and "nan" not in words  # words, not identifiers
        known, unknown = reason(name, math.nan, ref), reason(name, value, math.nan)
        assert known and unknown and "nan" not in known + unknown
        said[name] = words
    assert len(set(said.values())) == len(NUMERIC)  # no two features read the same


@pytest.mark.parametrize(
    ("name", "value", "reference", "words"),
    [
        ("first_reply_minutes", 840, 120, "first reply after 14 h; account median 2 h"),
        ("customer_waiting_minutes", 180, 40, "waiting 3 h since the customer's last message; account median 40 min"),
        ("reopens", 2, 0, "reopened 2 times; account median 0"),
        ("reopens", 1, 0, "reopened once; account median 0"),
        ("no_reply_minutes", 4320, 90, "no reply yet after 3 d; account median 1.5 h"),
        ("agent_replies", 1, 2, "1 agent reply; account median 2"),
        # a category is said as a share of the account's tickets, never as a median
        ("created_weekday", 5, 0.09, "created on a Saturday; 9% of the account's tickets are"),
        ("created_hour", 3, 0.02, "created at 03:00 local time; 2% of the account's tickets are"),
        ("first_reply_minutes", math.nan, 120, "no reply yet"),
        ("agent_csat", 0.55, 0.82, "agent's recent CSAT 55%; account median 82%"),
        # business time in hours, never "days of business hours"
        ("requester_wait_bh_minutes", 50_400, 45,
         "customer kept waiting 840 h of business hours in all; account median 45 min"),
    ],
)
def test_reason_says_it_in_plain_words(name, value, reference, words):
    assert reason(name, value, reference) == words


def test_snapshot_reason_gives_a_csat_share_its_n_and_the_account_rate():
    rng = random.Random(2)
    ratings = [PastRating(at(-rng.uniform(1, 10_000)), f"T{i + 2}", "a1" if i < 40 else "a2", "c9", i < 22 or i >= 40)
               for i in range(140)]
    s = snapshot(make_ticket(assignee_id="a1"), [], as_of=at(1), account=PLAIN, history=RatingHistory(ratings))
    assert snapshot_reason(s, "agent_csat", 0.9) == "agent's recent CSAT 55% (n=40); account 87%"
    assert snapshot_reason(s, "first_reply_minutes", 120) == "no reply yet"


def test_an_unknown_feature_name_is_an_error_naming_the_known_ones():
    with pytest.raises(ValueError, match="first_reply_minutes"):
        reason("speed", 1.0, 1.0)
    with pytest.raises(ValueError, match="channel"):
        category_reason("colour", "red")


@pytest.mark.parametrize(("minutes", "words"), [(0, "0 min"), (40, "40 min"), (90, "1.5 h"), (840, "14 h"),
                                                (2880, "2 d"), (4320, "3 d"), (60 * 24 * 45, "45 d")])
def test_durations_are_humanised(minutes, words):
    assert duration(minutes) == words


def test_category_and_text_reasons_read_naturally():
    assert category_reason("channel", "phone") == "channel: phone"
    assert category_reason("language", "el") == "language: Greek"
    assert category_reason("priority", "") == "priority: not set"
    assert text_reason(["refund", "still", "again"]) == "customer wrote “refund”, “still”, “again”"
    assert text_reason(["не работает"]) == "customer wrote “не работает”"


def test_a_reference_is_written_from_its_own_value_whatever_was_written_before():
    """Reference words are cached by feature and value (written once per model, not per
    ticket): each value still gets its own words — 0.0 and -0.0, 1 and 1.0 are one key of a
    plain cache, and not always one text."""
    from cxpulse.ml.features import _WORDS, reason

    for _ in range(2):  # the second round reads the cache
        for name in ("created_weekday", "agent_replies", "first_reply_minutes", "past_due_minutes"):
            for ref in (0.0, -0.0, 1, 1.0, 0.14, 168.3):
                assert reason(name, 2.0, ref).endswith("; " + _WORDS[name][1](ref)), (name, ref)
