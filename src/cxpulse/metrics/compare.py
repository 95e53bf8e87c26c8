"""Is the change between two periods real? Tests that say so, with the delta and p-value."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from cxpulse.domain.types import Scale
from cxpulse.metrics.csat import satisfied_count
from cxpulse.metrics.nps import nps, nps_parts
from cxpulse.metrics.stats import (
    EMPTY,
    Estimate,
    check_counts,
    moments_from_counts,
    normal_two_sided_p,
    share,
    t_estimate,
    t_two_sided_p,
)


@dataclass(frozen=True, slots=True)
class Change:
    """current − previous; z, p_value and significant are None when a period has too few answers.

    For means `z` holds Welch's t statistic and the p-value is from t with Welch's df.
    """

    previous: Estimate
    current: Estimate
    delta: float | None
    z: float | None
    p_value: float | None
    significant: bool | None


def _change(
    previous: Estimate, current: Estimate, se: float, alpha: float, df: float | None = None
) -> Change:
    assert previous.value is not None and current.value is not None
    delta = current.value - previous.value
    if se == 0:  # neither period has spread: a difference is certain, no difference is none
        if delta == 0:
            return Change(previous, current, 0.0, 0.0, 1.0, False)
        return Change(previous, current, delta, None, 0.0, True)
    z = delta / se
    p = normal_two_sided_p(z) if df is None else t_two_sided_p(z, df)
    return Change(previous, current, delta, z, p, p < alpha)


def _untested(previous: Estimate, current: Estimate) -> Change:
    delta = None
    if previous.value is not None and current.value is not None:
        delta = current.value - previous.value
    return Change(previous, current, delta, None, None, None)


def compare_shares(
    prev_successes: int, prev_n: int, cur_successes: int, cur_n: int, *, alpha: float = 0.05
) -> Change:
    """Two-proportion z-test with the pooled share; delta in percentage points.

    z = (p₂ − p₁) / √(p̄(1 − p̄)(1/n₁ + 1/n₂)), p̄ = (s₁ + s₂)/(n₁ + n₂).

    >>> c = compare_shares(50, 100, 70, 100)
    >>> round(c.delta, 1), round(c.z, 2), round(c.p_value, 4), c.significant
    (20.0, 2.89, 0.0039, True)
    """
    previous, current = share(prev_successes, prev_n), share(cur_successes, cur_n)
    if prev_n == 0 or cur_n == 0:
        return _untested(previous, current)
    pooled = (prev_successes + cur_successes) / (prev_n + cur_n)
    se = 100 * math.sqrt(pooled * (1 - pooled) * (1 / prev_n + 1 / cur_n))
    return _change(previous, current, se, alpha)


def compare_csat(
    prev_counts: Mapping[int, int],
    cur_counts: Mapping[int, int],
    *,
    scale: Scale | str = "1-5",
    alpha: float = 0.05,
) -> Change:
    """CSAT change between periods, tested with the two-proportion z-test (DESIGN.md)."""
    return compare_shares(
        *satisfied_count(prev_counts, scale), *satisfied_count(cur_counts, scale), alpha=alpha
    )


def compare_nps(
    prev_counts: Mapping[int, int], cur_counts: Mapping[int, int], *, alpha: float = 0.05
) -> Change:
    """NPS change, z = Δ / √(SE₁² + SE₂²) with each period's NPS standard error.

    >>> c = compare_nps({10: 50, 8: 30, 3: 20}, {10: 70, 8: 20, 3: 10})
    >>> round(c.delta, 1), round(c.z, 2), c.significant
    (30.0, 2.93, True)
    """
    (_, se1, _), (_, se2, _) = nps_parts(prev_counts), nps_parts(cur_counts)
    previous, current = nps(prev_counts), nps(cur_counts)
    if se1 is None or se2 is None:
        return _untested(previous, current)
    return _change(previous, current, math.sqrt(se1**2 + se2**2), alpha)


def compare_means(
    prev_counts: Mapping[int, int],
    cur_counts: Mapping[int, int],
    *,
    scale: Scale | str = "1-7",
    alpha: float = 0.05,
) -> Change:
    """Mean change (e.g. CES) by Welch's t-test: t = Δ / √(s₁²/n₁ + s₂²/n₂), Welch–Satterthwaite df.

    Needs at least two answers in each period; otherwise the change is not tested.

    >>> c = compare_means({7: 40, 6: 40, 5: 20}, {4: 50, 3: 50})
    >>> round(c.delta, 2), c.significant
    (-2.7, True)
    """
    scale = check_counts(prev_counts, scale)
    check_counts(cur_counts, scale)
    bounds = scale.bounds
    (m1, v1, n1), (m2, v2, n2) = moments_from_counts(prev_counts), moments_from_counts(cur_counts)
    previous = EMPTY if m1 is None else t_estimate(m1, v1, n1, bounds=bounds)
    current = EMPTY if m2 is None else t_estimate(m2, v2, n2, bounds=bounds)
    if n1 < 2 or n2 < 2:
        return _untested(previous, current)
    a, b = v1 / n1, v2 / n2
    se = math.sqrt(a + b)
    df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1)) if se > 0 else None
    return _change(previous, current, se, alpha, df)
