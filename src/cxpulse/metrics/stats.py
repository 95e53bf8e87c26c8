"""Shared statistics for the metrics: the Estimate type, Wilson and t intervals.

Pure stdlib. The Student t distribution is computed here (no scipy): its tail comes
from the regularized incomplete beta function (a continued fraction, as in Numerical
Recipes §6.4), and its quantile from a Cornish-Fisher guess refined by safeguarded
Newton steps, accurate to ~1e-10.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from numbers import Integral
from statistics import NormalDist

from cxpulse.domain.types import Scale

Z95 = 1.959963984540054  # two-sided 95% quantile of the standard normal


@dataclass(frozen=True, slots=True)
class Estimate:
    """A figure with its n and 95% interval; value, low and high are None when n == 0."""

    value: float | None
    n: int
    low: float | None
    high: float | None


EMPTY = Estimate(None, 0, None, None)


def parse_scale(scale: Scale | str) -> Scale:
    """Turn "1-5" into Scale.FIVE, with an error that lists the allowed scales."""
    try:
        return Scale(scale)
    except ValueError:
        allowed = ", ".join(s.value for s in Scale)
        raise ValueError(f"Unknown scale: {scale!r}, expected one of {allowed}") from None


def check_counts(counts: Mapping[int, int], scale: Scale | str) -> Scale:
    """Refuse scores off the scale and negative counts, so a bad rollup fails loudly."""
    scale = parse_scale(scale)
    lo, hi = scale.bounds
    for score, count in counts.items():
        if not isinstance(score, Integral) or not lo <= score <= hi:
            raise ValueError(f"score {score!r} is outside scale {scale.value}: allowed {lo}..{hi}")
        if count < 0:
            raise ValueError(f"count for score {score!r} is negative: {count!r}")
    return scale


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a share, in [0, 1]; (0, 1) when n == 0.

    Unlike p ± z·SE it never leaves [0, 1] and stays sensible for small n or p near 0/1.

    >>> low, high = wilson_interval(50, 100)
    >>> round(low, 4), round(high, 4)
    (0.4038, 0.5962)
    """
    _check_share(successes, n)
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = 0.0 if successes == 0 else max(0.0, min(p, centre - half))
    high = 1.0 if successes == n else min(1.0, max(p, centre + half))
    return low, high


def share(successes: int, n: int) -> Estimate:
    """Percent of n that succeeded (0..100) with its Wilson 95% interval.

    >>> e = share(50, 100)
    >>> e.value, round(e.low, 2), round(e.high, 2)
    (50.0, 40.38, 59.62)
    """
    _check_share(successes, n)
    if n == 0:
        return EMPTY
    low, high = wilson_interval(successes, n)
    return Estimate(100 * (successes / n), n, 100 * low, 100 * high)


def count_ratio(k: int, n: int, z: float = Z95) -> Estimate:
    """k per n counted events, in percent, when k is no part of n (tickets solved in a period
    against tickets created in it: over 100% when a backlog shrank). Interval: the ratio of
    two Poisson counts, exp(ln(k/n) ± z·√(1/k + 1/n)); k = 0 takes the upper bound of 0.5
    events (a continuity correction), so it is never empty.

    >>> e = count_ratio(262, 250)
    >>> round(e.value, 1), round(e.low, 1), round(e.high, 1)
    (104.8, 88.1, 124.6)
    """
    if k < 0 or n < 0:
        raise ValueError(f"need counts >= 0, got k={k}, n={n}")
    if n == 0:
        return Estimate(None, 0, None, None)
    value = 100.0 * k / n
    if k == 0:
        return Estimate(0.0, n, 0.0, 100.0 * math.exp(math.log(0.5 / n) + z * math.sqrt(1 / 0.5 + 1 / n)))
    spread = z * math.sqrt(1 / k + 1 / n)
    return Estimate(value, n, value * math.exp(-spread), value * math.exp(spread))


def _check_share(successes: int, n: int) -> None:
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")


def normal_two_sided_p(z: float) -> float:
    """P(|Z| >= |z|) for a standard normal Z."""
    return math.erfc(abs(z) / math.sqrt(2))


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        for aa in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1 + aa * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return front * _betacf(a, b, x) / a
    return 1 - front * _betacf(b, a, 1 - x) / b


def t_sf(t: float, df: float) -> float:
    """Upper tail P(T > t) of Student's t with df degrees of freedom (df may be fractional)."""
    if t < 0:
        return 1 - t_sf(-t, df)
    if t * t < df:  # near 0, use the small argument t²/(df+t²) so no precision is lost
        return 0.5 - 0.5 * _betainc(0.5, df / 2, t * t / (df + t * t))
    return 0.5 * _betainc(df / 2, 0.5, df / (df + t * t))


def _t_pdf(t: float, df: float) -> float:
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_c - (df + 1) / 2 * math.log1p(t * t / df))


@lru_cache(maxsize=1024)
def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t; t_quantile(0.975, 10) ≈ 2.228.

    >>> round(t_quantile(0.975, 1), 3), round(t_quantile(0.975, 30), 3)
    (12.706, 2.042)
    """
    if not 0 < p < 1 or not df > 0:
        raise ValueError(f"need 0 < p < 1 and df > 0, got p={p}, df={df}")
    if p < 0.5:
        return -t_quantile(1 - p, df)
    if p == 0.5:
        return 0.0
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    tail = 1 - p
    # Cornish-Fisher expansion (Abramowitz & Stegun 26.7.5) as the starting point.
    z = NormalDist().inv_cdf(p)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    t = z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4
    lo, hi = 0.0, max(t, 1.0)
    while t_sf(hi, df) > tail:  # bracket the root: t_sf falls as t grows
        lo, hi = hi, hi * 2
    if not lo < t < hi:
        t = (lo + hi) / 2
    for _ in range(100):
        excess = t_sf(t, df) - tail
        if excess > 0:
            lo = t
        else:
            hi = t
        step = excess / _t_pdf(t, df)
        t_new = t + step
        if not lo < t_new < hi:  # Newton left the bracket: bisect instead
            t_new = (lo + hi) / 2
        if abs(t_new - t) <= 1e-12 * (1 + abs(t)):
            return t_new
        t = t_new
    return t


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with df degrees of freedom."""
    return min(1.0, 2 * t_sf(abs(t), df))


def t_estimate(
    mean: float, sample_var: float, n: int, *, bounds: tuple[float, float] | None = None
) -> Estimate:
    """Mean ± t(0.975, n-1)·s/√n; no interval for n == 1; clipped to bounds when given."""
    if n == 0:
        return EMPTY
    if n == 1:
        return Estimate(mean, 1, None, None)
    half = t_quantile(0.975, n - 1) * math.sqrt(max(sample_var, 0.0) / n)
    low, high = mean - half, mean + half
    if bounds is not None:
        low, high = max(float(bounds[0]), low), min(float(bounds[1]), high)
    return Estimate(mean, n, low, high)


def moments_from_counts(counts: Mapping[int, int]) -> tuple[float | None, float, int]:
    """(mean, sample variance, n) of a histogram, two-pass so no precision is lost."""
    n = sum(counts.values())
    if n == 0:
        return None, 0.0, 0
    mean = math.fsum(score * c for score, c in counts.items()) / n
    if n == 1:
        return mean, 0.0, 1
    var = math.fsum(c * (score - mean) ** 2 for score, c in counts.items()) / (n - 1)
    return mean, var, n


def mean_interval(total: float, total_sq: float, n: int) -> Estimate:
    """Mean with its 95% t-interval from running sums (SQL's SUM(x), SUM(x*x), COUNT(*)).

    Sample variance = (Σx² − (Σx)²/n) / (n − 1), floored at 0 against rounding.

    >>> e = mean_interval(total=6, total_sq=14, n=3)  # values 1, 2, 3
    >>> e.value, round(e.low, 3), round(e.high, 3)
    (2.0, -0.484, 4.484)
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n == 0:
        return EMPTY
    mean = total / n
    var = (total_sq - total * total / n) / (n - 1) if n > 1 else 0.0
    return t_estimate(mean, var, n)
