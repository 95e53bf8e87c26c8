"""CES: the mean ease answer with a t-interval, and the share of "easy" answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cxpulse.domain.types import Scale
from cxpulse.metrics.stats import (
    EMPTY,
    Estimate,
    check_counts,
    moments_from_counts,
    share,
    t_estimate,
)

CES_SCALES = (Scale.SEVEN, Scale.TEN)


@dataclass(frozen=True, slots=True)
class CesResult:
    """The mean answer (on the survey's scale) and the percent of top-3-box answers."""

    mean: Estimate
    easy: Estimate


def ces(counts: Mapping[int, int], scale: Scale | str = "1-7") -> CesResult:
    """Mean = Σ score·count / n with a t(n−1) 95% interval; easy = top 3 boxes / n × 100.

    Top 3 boxes are 5–7 on 1–7 and 8–10 on 1–10; "easy" has a Wilson interval. The mean's
    interval is clipped to the scale (a mean cannot leave it) and is None when n == 1.
    Scales never mix: one call, one scale.

    >>> r = ces({7: 2, 5: 1, 3: 1})  # answers 7, 7, 5, 3
    >>> r.mean.value, round(r.mean.low, 2), round(r.mean.high, 2), r.easy.value
    (5.5, 2.45, 7.0, 75.0)
    """
    scale = check_counts(counts, scale)
    if scale not in CES_SCALES:
        allowed = ", ".join(s.value for s in CES_SCALES)
        raise ValueError(f"CES is reported on scales {allowed}, not {scale.value}")
    lo, hi = scale.bounds
    mean, var, n = moments_from_counts(counts)
    mean_estimate = EMPTY if mean is None else t_estimate(mean, var, n, bounds=(lo, hi))
    easy = sum(c for score, c in counts.items() if score >= hi - 2)
    return CesResult(mean=mean_estimate, easy=share(easy, n))
