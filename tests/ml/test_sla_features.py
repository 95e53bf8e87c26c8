"""SLA targets as features (issue 16 §1): time to the nearest running deadline and the
breaches so far, as of t, with reasons a person can check ("SLA deadline in 40 min",
"2 SLA targets breached"). The leakage property test (test_features.py) runs them too."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from cxpulse.domain.sla import Policy, PolicySet, SlaTarget
from cxpulse.domain.types import Account, EventKind, Role
from cxpulse.ml.explain import FAMILY_NAMES
from cxpulse.ml.features import NUMERIC, reason, snapshot, snapshot_reason
from tests.ml.test_features import NO_HISTORY, PLAIN, T0, at, change, comment, make_ticket

POLICIES = (PolicySet(T0 - timedelta(days=1), (
    Policy("All", targets=(SlaTarget("first_reply", 60), SlaTarget("next_reply", 30), SlaTarget("resolution", 600))),
)),)
ACCOUNT = Account("sla", sla=POLICIES)


def _snap(ticket, events, minutes, account=ACCOUNT):
    return snapshot(ticket, events, as_of=at(minutes), account=account, history=NO_HISTORY)


def test_an_open_ticket_counts_down_to_its_nearest_deadline():
    events = [comment(0, Role.CUSTOMER, "Where is my order?")]
    s = _snap(make_ticket(), events, 20)
    assert s.value("sla_due_in_minutes") == pytest.approx(40)  # first reply due at 60
    assert s.value("sla_breaches") == 0.0
    late = _snap(make_ticket(), events, 90)  # the first reply is breached; resolution due at 600
    assert late.value("sla_breaches") == 1.0
    assert late.value("sla_due_in_minutes") == pytest.approx(510)


def test_a_next_reply_clock_starts_with_the_customers_message():
    events = [comment(0, Role.CUSTOMER, "Hi"), comment(10, Role.AGENT, "Hello"), comment(100, Role.CUSTOMER, "And?")]
    s = _snap(make_ticket(), events, 110)
    assert s.value("sla_due_in_minutes") == pytest.approx(20)  # next reply due at 130
    assert s.value("sla_breaches") == 0.0


def test_a_solved_ticket_has_no_deadline_and_keeps_its_breaches():
    events = [comment(0, Role.CUSTOMER, "Hi"), comment(120, Role.AGENT, "Sorry"),
              change(700, EventKind.STATUS, "solved", "open")]
    s = _snap(make_ticket(status="solved"), events, 800)
    assert math.isnan(s.value("sla_due_in_minutes"))
    assert s.value("sla_breaches") == 2.0  # first reply at 120 > 60, resolution at 700 > 600


def test_without_policies_both_are_unknown():
    s = _snap(make_ticket(), [comment(0, Role.CUSTOMER, "Hi")], 20, account=PLAIN)
    assert math.isnan(s.value("sla_due_in_minutes")) and math.isnan(s.value("sla_breaches"))
    assert snapshot_reason(s, "sla_breaches", 0.0) == "no SLA policy"
    assert snapshot_reason(s, "sla_due_in_minutes", math.nan) == "no SLA deadline running"


def test_reasons_say_the_deadline_and_the_breaches_in_plain_words():
    assert reason("sla_due_in_minutes", 40, math.nan) == "SLA deadline in 40 min"
    assert reason("sla_breaches", 2, 0) == "2 SLA targets breached; account median 0"
    assert reason("sla_breaches", 0, 0) == "no SLA target breached; account median 0"
    assert {"sla_due_in_minutes", "sla_breaches"} <= set(NUMERIC) & set(FAMILY_NAMES)  # each its own reason


def test_a_model_says_breaches_and_a_near_deadline_as_reasons():
    import numpy as np

    from cxpulse.ml.evaluation import TrainingSet
    from cxpulse.ml.model import SatisfactionModel
    from tests.ml.test_model import make_snapshot

    rng = np.random.default_rng(5)
    rows = []
    for i in range(1200):  # breached tickets are unhappy; so are those whose deadline is close
        breached = float(rng.random() < 0.2)
        left = float(rng.uniform(5, 300))
        snap = make_snapshot(f"S{i}", 0, rng, text="question", sla_breaches=breached, sla_due_in_minutes=left)
        happy = 0.1 if breached else (0.2 if left < 60 else 0.9)
        rows.append((snap, bool(rng.random() < happy)))
    model = SatisfactionModel(learner="lgbm").fit(TrainingSet.build(rows))
    bad = [r[0] for r in rows if r[0].value("sla_breaches") == 1.0][:15]
    said = [r for s in model.score(bad) for r in s.reasons]
    assert any(r.startswith("1 SLA target breached") for r in said), said
    near = [r[0] for r in rows if r[0].value("sla_breaches") == 0.0 and r[0].value("sla_due_in_minutes") < 30][:10]
    texts = [r for s in model.score(near) for r in s.reasons]
    assert any(t.startswith("SLA deadline in ") and "median" not in t for t in texts), texts
