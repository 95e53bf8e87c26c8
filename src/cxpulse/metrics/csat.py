"""CSAT: the share of satisfied responses, in percent, with a Wilson 95% interval."""

from __future__ import annotations

from collections.abc import Mapping

from cxpulse.domain.types import Scale, is_satisfied
from cxpulse.metrics.stats import Estimate, check_counts, share


def satisfied_count(counts: Mapping[int, int], scale: Scale | str = "1-5") -> tuple[int, int]:
    """(satisfied, n) of a histogram; the satisfied rule is the domain's, not ours."""
    scale = check_counts(counts, scale)
    is_satisfied(scale, scale.bounds[0])  # refuses scales CSAT is not defined on, even if empty
    satisfied = sum(c for score, c in counts.items() if is_satisfied(scale, score))
    return satisfied, sum(counts.values())


def csat(counts: Mapping[int, int], scale: Scale | str = "1-5") -> Estimate:
    """CSAT = satisfied / n × 100 (1–5: satisfied is 4 or 5; binary: 1 = good).

    `counts` maps score -> number of responses. Interval: Wilson 95%.
    Worked example: 100 surveyed, 50 satisfied → CSAT 50%, interval 40.38–59.62.

    >>> e = csat({5: 30, 4: 20, 3: 10, 2: 15, 1: 25})
    >>> e.value, e.n, round(e.low, 2), round(e.high, 2)
    (50.0, 100, 40.38, 59.62)
    """
    satisfied, n = satisfied_count(counts, scale)
    return share(satisfied, n)


def csat_mixed(counts_by_scale: Mapping[str, Mapping[int, int]]) -> Estimate:
    """CSAT pooled over scales: each response is judged on its own scale, then all are counted.

    Lets an account that moved from binary to 1–5 ratings report one CSAT.

    >>> e = csat_mixed({"binary": {1: 30, 0: 20}, "1-5": {5: 10, 4: 10, 2: 30}})
    >>> e.value, e.n
    (50.0, 100)
    """
    satisfied = n = 0
    for scale, counts in counts_by_scale.items():
        s, m = satisfied_count(counts, scale)
        satisfied, n = satisfied + s, n + m
    return share(satisfied, n)
