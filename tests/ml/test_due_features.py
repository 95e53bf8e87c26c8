"""Due dates as features (issue 12 §3): time left to the promised date and time past it,
as of t, with reasons a person can check ("past the promised date by 3 d; 12% of the
account's tickets are late", "due in 2 h")."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cxpulse.domain import due_value
from cxpulse.domain.types import EventKind, Role
from cxpulse.ml.evaluation import TrainingSet
from cxpulse.ml.explain import FAMILY_NAMES
from cxpulse.ml.features import NUMERIC, Snapshot, snapshot, snapshot_reason
from cxpulse.ml.model import SatisfactionModel
from tests.ml.test_features import NO_HISTORY, PLAIN, at, change, comment, make_ticket
from tests.ml.test_model import make_snapshot

HOUR, DAY = 60, 24 * 60


def _snap(ticket, events, minutes):
    return snapshot(ticket, events, as_of=at(minutes), account=PLAIN, history=NO_HISTORY)


def test_an_open_ticket_counts_down_to_its_promise_then_past_it():
    ticket = make_ticket(due_at=at(2 * DAY))
    events = [comment(0, Role.CUSTOMER, "Where is my order?")]
    before = _snap(ticket, events, 2 * DAY - 2 * HOUR)
    assert before.value("due_in_minutes") == pytest.approx(2 * HOUR)
    assert before.value("past_due_minutes") == 0.0
    after = _snap(ticket, events, 5 * DAY)
    assert math.isnan(after.value("due_in_minutes"))
    assert after.value("past_due_minutes") == pytest.approx(3 * DAY)


def test_a_solved_ticket_is_as_late_as_it_was_at_its_solve():
    ticket = make_ticket(due_at=at(DAY), status="solved")
    events = [comment(0, Role.CUSTOMER, "Broken"), comment(60, Role.AGENT, "On it"),
              change(4 * DAY, EventKind.STATUS, "solved", "open")]
    later = _snap(ticket, events, 100 * DAY)
    assert later.value("past_due_minutes") == pytest.approx(3 * DAY)  # not 99 d: lateness stops at the solve
    assert math.isnan(later.value("due_in_minutes"))
    on_time = _snap(make_ticket(due_at=at(10 * DAY), status="solved"), events, 100 * DAY)
    assert on_time.value("past_due_minutes") == 0.0
    assert snapshot_reason(on_time, "past_due_minutes", 0.12) == \
        "solved by the promised date; 12% of the account's tickets are late"
    assert snapshot_reason(later, "past_due_minutes", 0.12) == \
        "solved 3 d past the promised date; 12% of the account's tickets are late"


def test_no_promise_is_unknown_not_on_time():
    s = _snap(make_ticket(), [comment(0, Role.CUSTOMER, "Hi")], DAY)
    assert math.isnan(s.value("due_in_minutes")) and math.isnan(s.value("past_due_minutes"))


def test_the_promise_in_force_at_t_counts_not_a_later_one():
    """A due date moved later is read as of t: before the move, the old promise."""
    ticket = make_ticket(due_at=at(10 * DAY))  # the current field: the moved promise
    events = [comment(0, Role.CUSTOMER, "Hi"),
              change(3 * DAY, EventKind.DUE, due_value(at(10 * DAY)), due_value(at(2 * DAY)))]
    before_move = _snap(ticket, events, 2.5 * DAY)
    assert before_move.value("past_due_minutes") == pytest.approx(0.5 * DAY)
    after_move = _snap(ticket, events, 4 * DAY)
    assert after_move.value("due_in_minutes") == pytest.approx(6 * DAY)


def _late_world(n: int = 1200, seed: int = 3) -> list[tuple[Snapshot, bool]]:
    """Tickets whose lateness decides their rating: 12% are late, and late ones are unhappy."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        late = rng.random() < 0.12
        past = float(rng.uniform(DAY, 6 * DAY)) if late else 0.0
        due_in = math.nan if late else float(rng.uniform(HOUR, 3 * DAY))
        snap = make_snapshot(f"D{i}", 0, rng, text="order status", past_due_minutes=past, due_in_minutes=due_in)
        rows.append((snap, bool(rng.random() < (0.1 if late else 0.9))))
    return rows


def test_a_late_ticket_says_how_late_beside_the_share_of_late_tickets():
    rows = _late_world()
    model = SatisfactionModel(learner="lgbm").fit(TrainingSet.build(rows))
    assert model.shares_["late"][1] == pytest.approx(np.mean([r[0].value("past_due_minutes") > 0 for r in rows]))
    late = [r[0] for r in rows if r[0].value("past_due_minutes") > 2 * DAY][:20]
    for s in model.score(late):
        assert s.score < 40
        said = [r for r in s.reasons if "promised date" in r]
        assert len(said) == 1, s.reasons
        assert said[0].startswith("past the promised date by ")
        assert said[0].endswith(f"{round(100 * model.shares_['late'][1])}% of the account's tickets are late")


def test_due_soon_is_said_as_time_left():
    rng = np.random.default_rng(9)
    rows = []
    for i in range(1200):  # the nearer the promise, the less happy (rushed)
        left = float(rng.uniform(10, 4 * DAY))
        snap = make_snapshot(f"S{i}", 0, rng, text="question", due_in_minutes=left, past_due_minutes=0.0)
        rows.append((snap, bool(rng.random() < (0.15 if left < 6 * HOUR else 0.9))))
    model = SatisfactionModel(learner="lgbm").fit(TrainingSet.build(rows))
    soon = [r[0] for r in rows if r[0].value("due_in_minutes") < 3 * HOUR][:10]
    texts = [r for s in model.score(soon) for r in s.reasons]
    assert any(t.startswith("due in ") for t in texts), texts
    assert not any("account median" in t for t in texts if t.startswith("due in "))


def test_due_features_are_one_reason_family():
    """Time left and time past say one fact: a ticket never gets both."""
    names = FAMILY_NAMES
    assert "due" in names and "due_in_minutes" not in names and "past_due_minutes" not in names
    assert {"due_in_minutes", "past_due_minutes"} <= set(NUMERIC)
