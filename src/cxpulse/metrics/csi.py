"""CSI: importance-weighted satisfaction over attributes, with a priority quadrant each."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral
from statistics import fmean

from cxpulse.domain.types import Scale
from cxpulse.metrics.stats import (
    EMPTY,
    Estimate,
    moments_from_counts,
    parse_scale,
    t_estimate,
    t_quantile,
)

FIX_FIRST = "fix first"  # important, below-average satisfaction
KEEP_UP = "keep up"  # important, satisfying
LOW_PRIORITY = "low priority"  # less important, below-average satisfaction
MAINTAIN = "maintain"  # less important, satisfying
NO_DATA = "no data"  # no answers, or no importance ratings to place it by


@dataclass(frozen=True, slots=True)
class AttributeScore:
    """One attribute: satisfaction 0–100, mean importance (None if never rated), quadrant."""

    attribute: str
    satisfaction: Estimate
    importance: float | None
    n: int
    quadrant: str


@dataclass(frozen=True, slots=True)
class CsiResult:
    value: Estimate
    attributes: list[AttributeScore]


def csi(
    answers: Mapping[str, Mapping[tuple[int, int | None], int]],
    scale: Scale | str = "1-5",
    *,
    importance_scale: Scale | str = "1-5",
) -> CsiResult:
    """CSI = Σ wᵢsᵢ / Σ wᵢ, with sᵢ = (mean score − lo)/(hi − lo)·100 and wᵢ = mean importance.

    `answers[attribute][(score, importance)]` = count; importance None = not asked.
    An attribute without importance ratings weighs the mean of the others' wᵢ; with no
    importance at all, CSI is the plain mean of the sᵢ. sᵢ has a t(nᵢ−1) interval. CSI's
    interval combines the attributes' half-widths hᵢ as √Σ(wᵢ/Σw)²hᵢ² — attributes taken
    as independent and weights as fixed — and is None if any attribute has nᵢ = 1.
    n is the largest nᵢ. Quadrants split at the mean importance and mean satisfaction.

    Worked example on 1–5: speed rated 5, 5 (importance 5, 3) → s = 100, w = 4;
    price rated 1, 3 (importance 2, 2) → s = 25, w = 2; CSI = (4·100 + 2·25)/6 = 75.

    >>> r = csi({"speed": {(5, 5): 1, (5, 3): 1}, "price": {(1, 2): 1, (3, 2): 1}})
    >>> r.value.value, r.value.n, [(a.attribute, a.quadrant) for a in r.attributes]
    (75.0, 2, [('speed', 'keep up'), ('price', 'low priority')])
    """
    scale = parse_scale(scale)
    importance_scale = parse_scale(importance_scale)
    parts = [_attribute(name, counts, scale, importance_scale) for name, counts in answers.items()]
    rated = [p for p in parts if p.n > 0]
    if not rated:
        return CsiResult(EMPTY, [_score(p, NO_DATA) for p in parts])

    known_w = [p.importance for p in rated if p.importance is not None]
    fill = fmean(known_w) if known_w else 1.0
    weights = [fill if p.importance is None else p.importance for p in rated]
    total_w = math.fsum(weights)
    if total_w == 0:  # possible only on an importance scale starting at 0
        weights, total_w = [1.0] * len(rated), float(len(rated))
    value = math.fsum(w * p.value for w, p in zip(weights, rated)) / total_w
    low = high = None
    halves = [p.half for p in rated if p.half is not None]
    if len(halves) == len(rated):
        half = math.sqrt(math.fsum((w / total_w * h) ** 2 for w, h in zip(weights, halves)))
        low, high = max(0.0, value - half), min(100.0, value + half)
    estimate = Estimate(value, max(p.n for p in rated), low, high)

    mean_s = fmean(p.value for p in rated)
    mean_w = fmean(known_w) if known_w else None
    return CsiResult(estimate, [_score(p, _quadrant(p, mean_w, mean_s)) for p in parts])


@dataclass(frozen=True, slots=True)
class _Part:
    name: str
    n: int
    value: float  # satisfaction 0–100, meaningless when n == 0
    half: float | None  # half-width of the unclipped t-interval
    satisfaction: Estimate
    importance: float | None


def _attribute(
    name: str, counts: Mapping[tuple[int, int | None], int], scale: Scale, importance_scale: Scale
) -> _Part:
    lo, hi = scale.bounds
    ilo, ihi = importance_scale.bounds
    scores: dict[int, int] = {}
    imp_total = imp_n = 0
    for (score, importance), count in counts.items():
        if not isinstance(score, Integral) or not lo <= score <= hi:
            raise ValueError(
                f"{name}: score {score!r} is outside scale {scale.value}: allowed {lo}..{hi}"
            )
        valid_importance = isinstance(importance, Integral) and ilo <= importance <= ihi
        if importance is not None and not valid_importance:
            raise ValueError(f"{name}: importance {importance!r} is outside {ilo}..{ihi}")
        if count < 0:
            raise ValueError(f"{name}: count for {(score, importance)!r} is negative: {count!r}")
        scores[score] = scores.get(score, 0) + count
        if importance is not None:
            imp_total, imp_n = imp_total + importance * count, imp_n + count
    mean, var, n = moments_from_counts(scores)
    importance_mean = imp_total / imp_n if imp_n else None
    if mean is None:
        return _Part(name, 0, 0.0, None, EMPTY, importance_mean)
    unit = 100 / (hi - lo)
    value, var_s = (mean - lo) * unit, var * unit * unit
    half = t_quantile(0.975, n - 1) * math.sqrt(var_s / n) if n > 1 else None
    satisfaction = t_estimate(value, var_s, n, bounds=(0, 100))
    return _Part(name, n, value, half, satisfaction, importance_mean)


def _quadrant(p: _Part, mean_w: float | None, mean_s: float) -> str:
    if p.n == 0 or p.importance is None or mean_w is None:
        return NO_DATA
    if p.importance >= mean_w:
        return FIX_FIRST if p.value < mean_s else KEEP_UP
    return LOW_PRIORITY if p.value < mean_s else MAINTAIN


def _score(p: _Part, quadrant: str) -> AttributeScore:
    return AttributeScore(p.name, p.satisfaction, p.importance, p.n, quadrant)
