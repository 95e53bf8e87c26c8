"""Summaries of KPI values (first reply minutes, resolution time…): median, p90, mean."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import fmean, median


@dataclass(frozen=True, slots=True)
class Summary:
    n: int
    median: float | None
    p90: float | None
    mean: float | None


def summarize(values: Iterable[float | None]) -> Summary:
    """n, median, 90th percentile and mean of the values that are not None.

    None means "not happened yet" (no reply so far) and is left out rather than counted
    as zero. p90 interpolates linearly between order statistics at rank 0.9·(n − 1), as
    numpy's default 'linear' method does.

    >>> summarize([10, None, 20, 30, 40])
    Summary(n=4, median=25.0, p90=37.0, mean=25.0)
    """
    xs = sorted(float(v) for v in values if v is not None)
    if not xs:
        return Summary(0, None, None, None)
    return Summary(len(xs), float(median(xs)), _quantile(xs, 0.9), fmean(xs))


def _quantile(xs: list[float], q: float) -> float:
    rank = q * (len(xs) - 1)
    below = math.floor(rank)
    above = min(below + 1, len(xs) - 1)
    return xs[below] + (rank - below) * (xs[above] - xs[below])
