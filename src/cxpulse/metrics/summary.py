"""Summaries of KPI values (first reply minutes, resolution time…): median, p90, mean."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import fmean

import numpy as np


@dataclass(frozen=True, slots=True)
class Summary:
    n: int
    median: float | None
    p90: float | None
    mean: float | None
    low: float | None = None  # 95% interval of the median (order statistics)
    high: float | None = None


def summarize(values: Iterable[float | None] | np.ndarray) -> Summary:
    """n, median, 90th percentile and mean of the values that are not None (in a float
    array: not NaN, which is how storage/queries.py hands NULLs over).

    None means "not happened yet" (no reply so far) and is left out rather than counted
    as zero. p90 interpolates linearly between order statistics at rank 0.9·(n − 1), as
    numpy's default 'linear' method does.

    The median's interval is distribution-free: the order statistics x(j), x(k) with
    j, k = n/2 ∓ 1.96·√n/2 (normal approximation to Binomial(n, ½)); None below n = 6,
    where no such pair reaches 95%.

    >>> summarize([10, None, 20, 30, 40])
    Summary(n=4, median=25.0, p90=37.0, mean=25.0, low=None, high=None)
    """
    if isinstance(values, np.ndarray):
        a = values[~np.isnan(values)]  # a copy: sorted below without touching the caller's
    else:
        kept = [v for v in values if v is not None]
        a = np.array(kept, dtype=np.float64)
    if not a.size:
        return Summary(0, None, None, None)
    # sorted by numpy (a year of tickets: ~20× faster than sorted()), then the same floats
    # as Python's: the figures below are computed exactly as before
    a.sort()
    xs = a.tolist()
    low, high = median_interval(xs)
    return Summary(len(xs), float(_median(xs)), _quantile(xs, 0.9), fmean(xs), low, high)


def median_interval(sorted_xs: list[float], z: float = 1.959963984540054) -> tuple[float | None, float | None]:
    """95% interval of the median from order statistics of already sorted values."""
    n = len(sorted_xs)
    if n < 6:
        return None, None
    half = z * math.sqrt(n) / 2
    j = max(math.floor(n / 2 - half), 1)  # 1-based ranks
    k = min(math.ceil(n / 2 + half) + 1, n)
    return sorted_xs[j - 1], sorted_xs[k - 1]


def _median(xs: list[float]) -> float:
    """statistics.median of values already sorted (it would sort a copy again)."""
    n = len(xs)
    if n % 2 == 1:
        return xs[n // 2]
    return (xs[n // 2 - 1] + xs[n // 2]) / 2


def _quantile(xs: list[float], q: float) -> float:
    rank = q * (len(xs) - 1)
    below = math.floor(rank)
    above = min(below + 1, len(xs) - 1)
    return xs[below] + (rank - below) * (xs[above] - xs[below])
