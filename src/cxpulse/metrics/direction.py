"""Which way is better for each report metric, and what a change between two periods says
in words: "better", "worse" or "no significant change" — one table for the CLI and the
dashboard, so a faster first reply is never shown like a slower one.

A change is called better or worse only when its test says it is significant and both
periods have at least MIN_COMPARE_N answers (tickets, for the KPIs): below that, a p-value
from a handful of answers is not worth a claim, and the words say so instead.

>>> verdict("first_reply_minutes", delta=-12.0, p_value=0.01, significant=True, n_previous=80, n_current=90)
'better'
>>> verdict("csat", delta=-20.2, p_value=0.0001, significant=True, n_previous=4, n_current=250)
'too few to tell'
"""

from __future__ import annotations

HIGHER = 1  # a higher value is better
LOWER = -1  # a lower value is better
NEITHER = 0  # a move either way is no judgement (e.g. a correlation)

MIN_COMPARE_N = 30  # answers (or tickets) each period needs before a change is called significant

BETTER = "better"
WORSE = "worse"
NO_CHANGE = "no significant change"
TOO_FEW = "too few to tell"
NOT_TESTED = "not tested"  # no test applies (a median): the change is shown, not judged
NO_PREVIOUS = "no previous data"
HIGHER_WORD, LOWER_WORD = "higher", "lower"  # significant, on a metric with no better side

DIRECTION: dict[str, int] = {
    # satisfaction
    "csat": HIGHER, "nps": HIGHER, "ces": HIGHER, "ces_easy": HIGHER,  # CES: higher is easier (docs/metrics.md)
    "csi": HIGHER, "csi_attribute": HIGHER, "response_rate": HIGHER,
    "csat_by_first_reply": HIGHER, "csat_by_reopens": HIGHER, "csat_by_reassignments": HIGHER,
    "csat_by_due": HIGHER, "csat_by_sla": HIGHER,
    # service KPIs: time and rework are costs
    "first_reply_minutes": LOWER, "full_resolution_minutes": LOWER, "requester_wait_minutes": LOWER,
    "agent_replies": LOWER, "reopens": LOWER, "reassignments": LOWER, "group_transfers": LOWER,
    "resolution_rate": HIGHER, "reopen_rate": LOWER, "one_touch_rate": HIGHER,
    "overdue_rate": LOWER, "overdue_minutes": LOWER,
    # SLA: the share of targets met
    "sla_first_reply": HIGHER, "sla_next_reply": HIGHER, "sla_resolution": HIGHER, "sla_requester_wait": HIGHER,
    # public reviews
    "reviews": HIGHER, "reviews_positive": HIGHER, "review_sentiment": HIGHER, "review_reply_rate": HIGHER,
    "review_reply_minutes": LOWER,
    # quality reviews and the employee survey
    "iqs": HIGHER, "iqs_criterion": HIGHER, "qa_agreement": HIGHER, "qa_vs_csat": HIGHER,
    "qa_vs_csat_correlation": NEITHER, "enps": HIGHER, "employee": HIGHER,
}


def direction(metric: str) -> int:
    """HIGHER, LOWER or NEITHER for a report metric; a metric not in the table judges nothing."""
    return DIRECTION.get(metric, NEITHER)


def verdict(
    metric: str,
    *,
    delta: float | None,
    p_value: float | None,
    significant: bool | None,
    n_previous: int | None,
    n_current: int | None,
    min_n: int = MIN_COMPARE_N,
) -> str:
    """A change in `metric` in words, from the comparison's figures (the report's `delta`,
    `p_value`, `significant` and the two periods' n): better, worse, no significant change,
    or why nothing is claimed (no previous data, too few to tell, not tested)."""
    if n_previous is None or delta is None:
        return NO_PREVIOUS
    if (n_previous or 0) < min_n or (n_current or 0) < min_n:
        return TOO_FEW
    if significant is None:
        return NOT_TESTED
    if not significant or delta == 0:
        return NO_CHANGE
    way = direction(metric)
    if way == NEITHER:
        return HIGHER_WORD if delta > 0 else LOWER_WORD
    return BETTER if (delta > 0) == (way == HIGHER) else WORSE
