"""Public review figures: mean stars, the share of 4–5 stars, and the channel's replies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cxpulse.metrics.stats import EMPTY, Estimate, check_counts, moments_from_counts, share, t_estimate
from cxpulse.metrics.summary import Summary, summarize


@dataclass(frozen=True, slots=True)
class ReviewRating:
    """Mean stars (1–5, t-interval) and the percent of 4- and 5-star reviews (Wilson interval)."""

    stars: Estimate
    positive: Estimate


def review_rating(counts: Mapping[int, int]) -> ReviewRating:
    """Mean = Σ stars·count / n with a t(n−1) 95% interval clipped to 1–5; positive =
    (4★ + 5★) / n × 100 with a Wilson interval (DESIGN.md: public review rating).

    >>> r = review_rating({5: 2, 4: 1, 1: 1})  # stars 5, 5, 4, 1
    >>> r.stars.value, round(r.stars.low, 2), r.stars.high, r.positive.value
    (3.75, 1.0, 5.0, 75.0)
    """
    check_counts(counts, "1-5")
    mean, var, n = moments_from_counts(counts)
    stars = EMPTY if mean is None else t_estimate(mean, var, n, bounds=(1, 5))
    return ReviewRating(stars, share(sum(c for s, c in counts.items() if s >= 4), n))


def reply_rate(replied: int, reviews: int) -> Estimate:
    """Percent of reviews the company answered in public, with a Wilson interval.

    >>> reply_rate(3, 4).value
    75.0
    """
    return share(replied, reviews)


def reply_minutes(waits: Iterable[float | None]) -> Summary:
    """Minutes from a review to the company's reply: median (with its order-statistics
    interval), p90 and mean over the answered reviews; a reply dated before its review
    (an edited review keeps its first time in some exports) counts as 0.

    >>> reply_minutes([30, 90, None, -5]).median
    30.0
    """
    return summarize(None if w is None else max(w, 0.0) for w in waits)


def mean_score(values: Iterable[float]) -> Estimate:
    """Mean of per-review scores (sentiment in −1…1) with a t-interval.

    >>> e = mean_score([1.0, 0.0, -1.0]); e.value, e.n
    (0.0, 3)
    """
    xs = list(values)
    n = len(xs)
    if n == 0:
        return EMPTY
    mean = sum(xs) / n
    var = sum((x - mean) ** 2 for x in xs) / (n - 1) if n > 1 else 0.0
    return t_estimate(mean, var, n, bounds=(-1, 1))
