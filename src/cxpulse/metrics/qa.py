"""QA review math: a review's score, IQS over reviews, reviewer agreement, IQS vs CSAT.

Pure functions, no I/O. The scoring follows Zendesk QA's documented calculation
("About the Zendesk QA Reviews dashboard calculations", support.zendesk.com article
7043701093786), which is what QA teams moving to cxpulse compare against:

- a criterion's score is (rating − scale minimum) / (scale maximum − scale minimum): on
  the 4-point scale 1 → 0, 2 → 1/3, 3 → 2/3, 4 → 1; pass/fail is 0 or 1;
- a review's score is Σ weightᵢ·scoreᵢ / Σ weightᵢ over the criteria rated, × 100;
  criteria marked N/A count in neither sum;
- a critical criterion rated below 50% (a fail; a 1 or a 2 on 1–4) makes the review 0;
- IQS is the mean of the review scores (here with a t-interval, DESIGN.md).

Agreement is Krippendorff's alpha, computed from the coincidence matrix as in
K. Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011, Annenberg School
for Communication, University of Pennsylvania).
"""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction
from collections.abc import Hashable, Iterable, Mapping, Sequence
from numbers import Real
from statistics import NormalDist

from cxpulse.domain.scorecards import Criterion, CriterionScale
from cxpulse.metrics.stats import EMPTY, Estimate, share, t_estimate

__all__ = [
    "LEVELS",
    "alpha_from_pairs",
    "check_review",
    "correlation_interval",
    "criterion_points",
    "criterion_score",
    "iqs",
    "iqs_from_sums",
    "krippendorff_alpha",
    "review_score",
    "unit_pairs",
]

Score = int | bool | None
LEVELS = ("nominal", "ordinal", "interval", "ratio")


def criterion_points(score: int | bool, criterion: Criterion) -> float:
    """The share of a criterion's points a rating earns, 0..1: (rating − min) / (max − min).

    >>> from cxpulse.domain.scorecards import Criterion
    >>> c = Criterion("tone", {"en": "Tone"})
    >>> [round(criterion_points(s, c), 4) for s in (1, 2, 3, 4)]
    [0.0, 0.3333, 0.6667, 1.0]
    """
    if criterion.scale is CriterionScale.PASS_FAIL:
        if isinstance(score, bool) or score in (0, 1):
            return float(score)
        raise ValueError(f"{criterion.key}: {score!r} is not a pass/fail rating — use true (pass) or false (fail)")
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 4:
        raise ValueError(f"{criterion.key}: {score!r} is outside the 1-4 scale — rate it 1, 2, 3 or 4, or N/A")
    return (score - 1) / 3


def _failed(points: float) -> bool:
    """A critical criterion fails below 50% of its points (Zendesk QA's rule)."""
    return points < 0.5


def check_review(scores: Mapping[str, Score], criteria: Sequence[Criterion]) -> None:
    """Refuse a review that does not fit its scorecard, naming the criterion and the fix.

    Every criterion needs a rating; None (N/A) only where the criterion allows it. A key the
    scorecard does not have is refused, so a typo never drops a rating silently.
    """
    known = {c.key for c in criteria}
    unknown = [k for k in scores if k not in known]
    if unknown:
        raise ValueError(f"no criterion {', '.join(map(repr, unknown))} on this scorecard — "
                         f"its criteria are {', '.join(sorted(known))}")
    for c in criteria:
        if c.key not in scores:
            raise ValueError(f"{c.key}: no rating — rate it" + (" or mark it N/A" if c.na_allowed else ""))
        value = scores[c.key]
        if value is None:
            if not c.na_allowed:
                raise ValueError(f"{c.key}: N/A is not allowed on this criterion — give it a rating")
        else:
            criterion_points(value, c)


def review_score(scores: Mapping[str, Score], criteria: Sequence[Criterion]) -> float | None:
    """A review's quality score, 0–100: the weighted share of the possible points.

    N/A criteria count in neither the points earned nor the points possible; a critical
    criterion rated below half its points makes the review 0; None when every criterion
    is N/A. Worked example (weights 2 and 1, ratings 4 and 2 on 1–4):
    (2·1 + 1·⅓) / (2 + 1) × 100 = 77.78.

    >>> from cxpulse.domain.scorecards import Criterion
    >>> card = [Criterion("solution", {"en": "Solution"}, weight=2), Criterion("tone", {"en": "Tone"})]
    >>> round(review_score({"solution": 4, "tone": 2}, card), 2)
    77.78
    >>> review_score({"solution": 4, "tone": None}, card)
    100.0
    >>> review_score({"solution": None, "tone": None}, card) is None
    True
    """
    check_review(scores, criteria)
    earned = possible = 0.0
    for c in criteria:
        value = scores[c.key]
        if value is None:
            continue
        points = criterion_points(value, c)
        if c.critical and _failed(points):
            return 0.0
        earned += c.weight * points
        possible += c.weight
    if possible == 0:
        return None
    return 100 * earned / possible


def criterion_score(counts: Mapping[int | bool, int], criterion: Criterion) -> Estimate:
    """One criterion's share of points over many reviews, 0–100, with its 95% interval.

    `counts` maps a rating to how many reviews gave it (N/A left out), as SQL counts them.
    Critical fails elsewhere on a review do not zero this figure: it shows how the agent
    did on this criterion alone, as Zendesk QA's "scores by category" does. Pass/fail is a
    share (Wilson interval); 1–4 is a mean of points (t-interval, clipped to 0–100).

    >>> from cxpulse.domain.scorecards import Criterion
    >>> e = criterion_score({4: 2, 1: 1}, Criterion("tone", {"en": "Tone"}))
    >>> round(e.value, 2), e.n
    (66.67, 3)
    """
    for rating, count in counts.items():
        criterion_points(rating, criterion)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"{criterion.key}: count for rating {rating!r} must be a whole number >= 0, got {count!r}")
    n = sum(counts.values())
    if n == 0:
        return EMPTY
    if criterion.scale is CriterionScale.PASS_FAIL:
        return share(sum(c for r, c in counts.items() if r), n)
    mean = math.fsum(100 * criterion_points(r, criterion) * c for r, c in counts.items()) / n
    var = (math.fsum(c * (100 * criterion_points(r, criterion) - mean) ** 2 for r, c in counts.items()) / (n - 1)
           if n > 1 else 0.0)
    return t_estimate(mean, var, n, bounds=(0.0, 100.0))


def iqs(review_scores: Iterable[float | None]) -> Estimate:
    """IQS: the mean review score (0–100) with a 95% t-interval clipped to 0–100.

    Reviews whose criteria were all N/A (score None) are left out.

    >>> e = iqs([100.0, 9.91, 63.96, 90.99, 0.0])  # Zendesk QA's published example: 52.97%
    >>> round(e.value, 2), e.n
    (52.97, 5)
    """
    values = [float(v) for v in review_scores if v is not None]
    for v in values:
        if not 0 <= v <= 100:
            raise ValueError(f"a review score must lie in 0..100, got {v!r}")
    n = len(values)
    if n == 0:
        return EMPTY
    mean = math.fsum(values) / n
    var = math.fsum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    return t_estimate(mean, var, n, bounds=(0.0, 100.0))


def iqs_from_sums(total: float, total_sq: float, n: int) -> Estimate:
    """IQS from SQL's SUM(score), SUM(score*score), COUNT(*): the same figure as `iqs`.

    >>> e = iqs_from_sums(total=150.0, total_sq=12500.0, n=2)  # scores 50 and 100
    >>> e.value, e.n, e.low, e.high
    (75.0, 2, 0.0, 100.0)
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n == 0:
        return EMPTY
    mean = total / n
    var = max(0.0, (total_sq - total * total / n) / (n - 1)) if n > 1 else 0.0
    return t_estimate(mean, var, n, bounds=(0.0, 100.0))


# --- Krippendorff's alpha -------------------------------------------------------------


def krippendorff_alpha(
    units: Sequence[Sequence[Hashable | None]],
    level: str = "nominal",
    *,
    order: Sequence[Hashable] | None = None,
    weights: Sequence[int] | None = None,
) -> float | None:
    """Krippendorff's alpha over `units`, each the values its coders gave (None = not coded).

    α = 1 − D_o / D_e, from the coincidence matrix o_ck = Σ_u (pairs c–k in unit u) / (m_u − 1)
    over units with m_u ≥ 2 values (Krippendorff 2011). With n_c = Σ_k o_ck and n = Σ_c n_c:
    α = 1 − (n − 1) · Σ o_ck δ²_ck / Σ n_c n_k δ²_ck, with the difference δ² of `level`:
    nominal 0 if equal else 1; ordinal (Σ_{g=c..k} n_g − (n_c + n_k)/2)²; interval (c − k)²;
    ratio ((c − k)/(c + k))². Units coded once carry no pair and drop out; so does the order
    of the coders within a unit.

    `weights`: how many times each unit occurs (units with the same values counted once, as a
    report over a million reviews reads them), None: once each.

    Values may be numbers or labels; ordinal labels need `order` (lowest first), interval and
    ratio need numbers. None when alpha is undefined: fewer than two pairable values, or no
    variation at all (every value the same: agreement cannot be told from chance).

    The paper's binary example (two observers, ten units) gives α = 0.095:

    >>> a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    >>> b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    >>> round(krippendorff_alpha(list(zip(a, b))), 3)
    0.095
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level of measurement {level!r}, expected one of {', '.join(LEVELS)}")
    pairs: dict[int, Counter] = {}
    for unit, w in zip(units, weights if weights is not None else [1] * len(units)):
        counts = Counter(v for v in unit if v is not None)
        m = counts.total()
        if m >= 2:
            into = pairs.setdefault(m, Counter())
            for pair, p in unit_pairs(counts).items():
                into[pair] += w * p
    return alpha_from_pairs(pairs, level, order=order)


def unit_pairs(counts: Mapping[Hashable, int]) -> dict[tuple[Hashable, Hashable], int]:
    """The pairable values of one unit, as ordered pairs: (c, c) n_c(n_c − 1) times, (c, k)
    n_c·n_k times. Its coincidences are these over (m_u − 1), m_u its number of values.

    >>> unit_pairs({1: 2, 3: 1})
    {(1, 1): 2, (1, 3): 2, (3, 1): 2}
    """
    return {(c, k): (nc * (nc - 1) if c == k else nc * nk) for c, nc in counts.items() for k, nk in counts.items()
            if (nc * (nc - 1) if c == k else nc * nk)}


def alpha_from_pairs(
    pairs: Mapping[int, Mapping[tuple[Hashable, Hashable], int]], level: str = "nominal", *,
    order: Sequence[Hashable] | None = None,
) -> float | None:
    """Krippendorff's alpha from the units' pairs summed per unit size m (`unit_pairs` of
    each unit with m values, added up): o_ck = Σ_m pairs_m(c, k) / (m − 1).

    Sums of whole numbers, so units may be added in any order and grouping — one by one, or
    counted in a database — and alpha is worked out exactly (whole numbers times the least
    common multiple of the m − 1), then rounded once to a float: the same units always give
    the very same float.

    >>> alpha_from_pairs({2: {(0, 0): 2, (0, 1): 1, (1, 0): 1}})  # units (0, 0) and (0, 1)
    0.0
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level of measurement {level!r}, expected one of {', '.join(LEVELS)}")
    sizes = [m for m, per in pairs.items() if m >= 2 and any(per.values())]
    if not sizes:
        return None
    scale = math.lcm(*(m - 1 for m in sizes))  # L·o_ck is a whole number: no rounding until the end
    o: dict[tuple, int | Fraction] = {}
    for m in sizes:
        for pair, p in pairs[m].items():
            if p:
                o[pair] = o.get(pair, 0) + _exact(p) * (scale // (m - 1))
    values = sorted({c for (c, _k), v in o.items() if v}, key=_sort_key(level, order))
    if level in ("interval", "ratio"):
        bad = [v for v in values if isinstance(v, bool) or not isinstance(v, Real) or not math.isfinite(v)]
        if bad:
            raise ValueError(f"{level} alpha needs finite numbers, got {bad[0]!r} — use level='nominal' for labels")
        if level == "ratio" and any(v < 0 for v in values):
            raise ValueError("ratio alpha needs values >= 0 (a ratio scale has a true zero) — use level='interval'")
    size = len(values)
    matrix = [[o.get((c, k), 0) for k in values] for c in values]
    marginals = [sum(row) for row in matrix]  # L·n_c
    n = sum(marginals)  # L·n
    if n < 2 * scale:
        return None
    delta = _differences(level, values, marginals)  # δ² times a constant, which cancels
    observed = sum(matrix[c][k] * delta[c][k] for c in range(size) for k in range(size))
    expected = sum(marginals[c] * marginals[k] * delta[c][k] for c in range(size) for k in range(size))
    if expected == 0:
        return None
    # α = 1 − (n − 1)·D_o/D_e = 1 − (Ln − L)·Σ(Lo)δ / Σ(Ln_c)(Ln_k)δ, rounded once
    part = (n - scale) * observed
    if isinstance(part, int) and isinstance(expected, int):
        return (expected - part) / expected  # int / int: correctly rounded
    return float(1 - Fraction(part) / expected)


def _exact(p) -> int | Fraction:
    return p if isinstance(p, int) else Fraction(p)


def _sort_key(level: str, order: Sequence[Hashable] | None):
    if order is not None:
        rank = {v: i for i, v in enumerate(order)}
        if len(rank) != len(order):
            raise ValueError("order lists a value twice — list each value once, lowest first")

        def by_order(v: Hashable) -> int:
            if v not in rank:
                raise ValueError(f"value {v!r} is not in order {list(order)!r} — add it where it ranks")
            return rank[v]

        return by_order
    if level == "ordinal":

        def by_value(v: Hashable):
            if isinstance(v, Real):  # bool is an int, hence a Real too
                return (0, float(v), "")
            raise ValueError(f"ordinal alpha on labels such as {v!r} needs order=[lowest, …, highest]")

        return by_value
    return lambda v: (type(v).__name__, repr(v))  # nominal: any stable order will do


def _differences(level: str, values: list, marginals: list) -> list[list]:
    """δ²_ck of the level of measurement for every pair of values (Krippendorff 2011), exact,
    times a constant: marginals are L·n_c, and ordinal differences come out times 4L²."""
    size = len(values)
    if level == "nominal":
        return [[0 if c == k else 1 for k in range(size)] for c in range(size)]
    if level == "ordinal":
        cum = [0]
        for m in marginals:
            cum.append(cum[-1] + m)
        # (Σ_{g=c..k} n_g − (n_c + n_k)/2)², c <= k, doubled inside to stay whole
        return [[(2 * (cum[max(c, k) + 1] - cum[min(c, k)]) - marginals[c] - marginals[k]) ** 2
                 for k in range(size)] for c in range(size)]
    x = [_exact(v) for v in values]
    if level == "interval":
        return [[(x[c] - x[k]) ** 2 for k in range(size)] for c in range(size)]
    return [[0 if x[c] == x[k] else Fraction(x[c] - x[k], x[c] + x[k]) ** 2 if isinstance(x[c] + x[k], int)
             else ((x[c] - x[k]) / (x[c] + x[k])) ** 2 for k in range(size)] for c in range(size)]


# --- IQS against CSAT -----------------------------------------------------------------


def correlation_interval(
    xs: Sequence[float], ys: Sequence[float], level: float = 0.95
) -> tuple[float, float, float] | None:
    """Pearson's r with its Fisher-z interval: (r, low, high).

    z = atanh(r), z ± q·1/√(n − 3) with q the normal quantile of `level`, back through tanh.
    None when n < 4 (no interval) or either side has no variance (r undefined).

    >>> r, low, high = correlation_interval([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])
    >>> round(r, 3), round(low, 3), round(high, 3)
    (0.8, -0.28, 0.986)
    """
    if len(xs) != len(ys):
        raise ValueError(f"xs and ys must pair up, got {len(xs)} and {len(ys)} values")
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")
    n = len(xs)
    if n < 4:
        return None
    x = [float(v) for v in xs]
    y = [float(v) for v in ys]
    if not all(math.isfinite(v) for v in (*x, *y)):
        raise ValueError("xs and ys must be finite numbers")
    mx, my = math.fsum(x) / n, math.fsum(y) / n
    sxx = math.fsum((a - mx) ** 2 for a in x)
    syy = math.fsum((b - my) ** 2 for b in y)
    if sxx == 0 or syy == 0:
        return None
    sxy = math.fsum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    r = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
    if abs(r) == 1:
        return r, r, r
    q = NormalDist().inv_cdf(0.5 + level / 2)
    z, half = math.atanh(r), q / math.sqrt(n - 3)
    return r, math.tanh(z - half), math.tanh(z + half)
