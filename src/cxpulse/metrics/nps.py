"""NPS: % promoters (9–10) − % detractors (0–6) on a 0–10 scale, in [−100, 100]."""

from __future__ import annotations

import math
from collections.abc import Mapping

from cxpulse.metrics.stats import EMPTY, Z95, Estimate, check_counts


def nps_parts(counts: Mapping[int, int]) -> tuple[float | None, float | None, int]:
    """(NPS, its standard error, n); the SE is what period comparisons combine."""
    check_counts(counts, "0-10")
    n = sum(counts.values())
    if n == 0:
        return None, None, 0
    p = sum(c for score, c in counts.items() if score >= 9) / n
    d = sum(c for score, c in counts.items() if score <= 6) / n
    se = 100 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    return 100 * (p - d), se, n


def nps(counts: Mapping[int, int]) -> Estimate:
    """NPS = 100·(p − d), SE = 100·√((p + d − (p − d)²)/n), interval ±1.96·SE clipped to ±100.

    p and d are the shares of promoters and detractors; `counts` maps score -> responses.
    Worked example: 100 respondents, 50 promoters, 20 detractors → NPS 30,
    SE = 100·√((0.5 + 0.2 − 0.3²)/100) = 7.81, interval 30 ± 15.31.

    >>> e = nps({10: 50, 8: 30, 3: 20})
    >>> round(e.value, 2), round(e.low, 2), round(e.high, 2)
    (30.0, 14.69, 45.31)
    """
    value, se, n = nps_parts(counts)
    if value is None or se is None:
        return EMPTY
    return Estimate(value, n, max(-100.0, value - Z95 * se), min(100.0, value + Z95 * se))
