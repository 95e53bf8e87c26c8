"""Honest figures for a satisfaction model: weighted AUC, Brier score, calibration, the card,
and `evaluate`, which fits a model on older tickets and measures it on newer ones.

Every figure is weighted so that each ticket counts once however many snapshots it has
(DESIGN.md, "Satisfaction prediction"): a ticket with five agent replies must not weigh
five times a ticket answered in one. The base-rate baseline sits beside every figure
(STYLE.md: every model card shows the dumb baseline).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from cxpulse.ml.textvec import MAX_CHARS

if TYPE_CHECKING:
    from cxpulse.ml.features import Snapshot
    from cxpulse.ml.model import SatisfactionModel

__all__ = [
    "NO_BETTER_THAN_CHANCE", "ModelCard", "TrainingSet", "auc_interval", "better_than_chance", "brier",
    "calibration_table", "evaluate", "roc_auc", "ticket_weights", "verdict",
]


def _arrays(y, p, w) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float).ravel()
    p = np.asarray(p, dtype=float).ravel()
    w = np.ones_like(y) if w is None else np.asarray(w, dtype=float).ravel()
    if not (len(y) == len(p) == len(w)):
        raise ValueError(f"y, p and w differ in length: {len(y)}, {len(p)}, {len(w)}")
    return y, p, w


def roc_auc(y, p, w=None) -> float:
    """Weighted ROC AUC: P(a satisfied ticket scores above an unsatisfied one), ties half.

    NaN when only one class is present (no AUC exists then; the caller reports None).
    Example: y = [0, 0, 1, 1], p = [0.1, 0.4, 0.35, 0.8] → 0.75.
    """
    y, p, w = _arrays(y, p, w)
    pos = w[y > 0.5].sum()
    neg = w[y <= 0.5].sum()
    if pos <= 0 or neg <= 0:
        return math.nan
    from sklearn.metrics import roc_auc_score  # here, not at the top: scoring never loads scikit-learn

    return float(roc_auc_score(y > 0.5, p, sample_weight=w))


def auc_interval(y, p, w=None, groups: Sequence | None = None, level: float = 0.95) -> tuple[float, float, float]:
    """(AUC, low, high): the weighted AUC and its confidence interval by DeLong's method.

    Why: a test set of a few dozen tickets gives an AUC that can sit well above 0.5 by luck;
    the interval says whether the model beats chance on this data at all.

    DeLong, DeLong & Clarke-Pearson (1988): each satisfied ticket's share of unsatisfied
    ones it outscores (ties half), and each unsatisfied ticket's share of satisfied ones
    that outscore it; the AUC's variance is s²₁₀/m + s²₀₁/n over those m and n components.
    Rows of one ticket (`groups`: its id per row; the snapshots of one ticket share its
    label) are averaged into one component, weighted by `w`, so a ticket is one
    observation however many snapshots it has (each row its own ticket when None). The
    interval is AUC ± z·SE, clipped to [0, 1]. NaNs when only one class is present.

    >>> auc, low, high = auc_interval([0, 0, 0, 1, 1, 1], [0.1, 0.2, 0.6, 0.4, 0.7, 0.9])
    >>> round(auc, 4), round(low, 4), round(high, 4)
    (0.8889, 0.5809, 1.0)
    """
    from statistics import NormalDist

    y, p, w = _arrays(y, p, w)
    g = np.arange(len(y)) if groups is None else np.asarray(groups)
    if len(g) != len(y):
        raise ValueError(f"groups and y differ in length: {len(g)}, {len(y)}")
    pos, neg = y > 0.5, y <= 0.5
    wp, wn = w[pos].sum(), w[neg].sum()
    if wp <= 0 or wn <= 0:
        return math.nan, math.nan, math.nan

    def beaten(scores: np.ndarray, by: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Weighted share of `by` strictly below each score, plus half of the ties."""
        order = np.argsort(by, kind="stable")
        srt, cum = by[order], np.concatenate([[0.0], np.cumsum(weights[order])])
        below = cum[np.searchsorted(srt, scores, side="left")]
        upto = cum[np.searchsorted(srt, scores, side="right")]
        return (below + 0.5 * (upto - below)) / cum[-1]

    v10 = beaten(p[pos], p[neg], w[neg])  # each satisfied row: share of unsatisfied rows it beats
    v01 = 1.0 - beaten(p[neg], p[pos], w[pos])  # each unsatisfied row: share of satisfied rows beating it
    auc = float(np.dot(w[pos], v10) / wp)

    def variance(v: np.ndarray, weights: np.ndarray, keys: np.ndarray) -> float:
        _, idx = np.unique(keys, return_inverse=True)
        gw = np.bincount(idx, weights=weights)
        comp = np.bincount(idx, weights=weights * v) / np.where(gw > 0, gw, 1.0)
        k = len(gw)
        if k < 2:
            return 0.0
        share = gw / gw.sum()
        return float(np.sum(share**2 * (comp - auc) ** 2) * k / (k - 1))

    se = math.sqrt(variance(v10, w[pos], g[pos]) + variance(v01, w[neg], g[neg]))
    z = NormalDist().inv_cdf(0.5 + level / 2)
    return auc, max(0.0, auc - z * se), min(1.0, auc + z * se)


def better_than_chance(low: float | None, high: float | None) -> bool | None:
    """False when the AUC's interval holds 0.5 (or lies below it): no evidence the model
    ranks tickets better than a coin; True when it lies above; None when not measured."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return None
    return low > 0.5


NO_BETTER_THAN_CHANCE = "no better than chance on this account's data"


def verdict(auc: float | None, low: float | None, high: float | None, *, pooled: bool = False) -> str:
    """The card's sentence on whether the model beats a coin, with the interval it rests on;
    `pooled`: measured on every account's tickets (the model they share), and said so.

    >>> verdict(0.54, 0.41, 0.67)
    "no better than chance on this account's data: AUC 0.54, 95% interval 0.41–0.67 holds 0.5"
    >>> verdict(0.54, 0.41, 0.67, pooled=True)
    "no better than chance on all accounts' data: AUC 0.54, 95% interval 0.41–0.67 holds 0.5"
    >>> verdict(0.81, 0.74, 0.88)
    'better than chance: AUC 0.81, 95% interval 0.74–0.88'
    """
    chance = better_than_chance(low, high)
    if chance is None or auc is None:
        return ""
    figures = f"AUC {auc:.2f}, 95% interval {low:.2f}–{high:.2f}"
    if chance:
        return f"better than chance: {figures}"
    said = NO_BETTER_THAN_CHANCE.replace("this account's", "all accounts'") if pooled else NO_BETTER_THAN_CHANCE
    return f"{said}: {figures} " + ("holds 0.5" if high >= 0.5 else "lies below 0.5")


def brier(y, p, w=None) -> float:
    """Weighted mean squared error of the probability: Σw(p − y)² / Σw; 0 is perfect.

    The base-rate baseline predicts the base rate r for everyone and scores r(1 − r).
    Example: y = [1, 0], p = [0.8, 0.4] → (0.04 + 0.16) / 2 = 0.1.
    """
    y, p, w = _arrays(y, p, w)
    if w.sum() <= 0:
        return math.nan
    return float(np.average((p - y) ** 2, weights=w))


def calibration_table(y, p, w=None, bins: int = 10) -> list[dict]:
    """Predicted vs observed satisfaction in equal-width probability bins (empty bins left out).

    Each row: {"lo", "hi", "n" (snapshots), "weight" (tickets), "predicted", "observed"}, the
    last two weighted means. A calibrated model has predicted ≈ observed in every bin.
    """
    y, p, w = _arrays(y, p, w)
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    idx = np.minimum((np.clip(p, 0.0, 1.0) * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        m = idx == b
        wsum = w[m].sum()
        if not m.any() or wsum <= 0:
            continue
        rows.append({
            "lo": round(b / bins, 6),
            "hi": round((b + 1) / bins, 6),
            "n": int(m.sum()),
            "weight": round(float(wsum), 3),
            "predicted": round(float(np.average(p[m], weights=w[m])), 4),
            "observed": round(float(np.average(y[m], weights=w[m])), 4),
        })
    return rows


def ticket_weights(ticket_ids: Sequence[str]) -> np.ndarray:
    """1/k for each of a ticket's k snapshots, so every ticket sums to 1."""
    counts = Counter(ticket_ids)
    return np.array([1.0 / counts[t] for t in ticket_ids], dtype=float)


@dataclass
class TrainingSet:
    """Snapshots of rated tickets with their labels, each ticket weighing 1 in all."""

    snapshots: list[Snapshot]
    labels: np.ndarray  # bool, one per snapshot: the ticket's CSAT said satisfied
    weights: np.ndarray  # float, a ticket's snapshots sum to 1

    @classmethod
    def build(cls, rows: Iterable[tuple[Snapshot, bool]], *, max_text_chars: int | None = MAX_CHARS) -> TrainingSet:
        """From (snapshot, satisfied) pairs; weights are 1/k per ticket_id.

        Memory: 100,000 rated tickets make ~400,000 snapshots, and each carries the texts
        so far. Texts are cut to `max_text_chars` (the text model reads no further; their
        full lengths are numeric features already), and a text equal to the ticket's
        previous snapshot's is shared, not copied. Pass the rows as a generator and the
        full snapshots never pile up.
        """
        snapshots: list[Snapshot] = []
        labels: list[bool] = []
        last: dict[str, tuple[str, str]] = {}
        for snap, label in rows:
            if max_text_chars is not None:
                c, a = snap.customer_text[:max_text_chars], snap.agent_text[:max_text_chars]
                prev = last.get(snap.ticket_id)
                if prev is not None:
                    c = prev[0] if c == prev[0] else c
                    a = prev[1] if a == prev[1] else a
                last[snap.ticket_id] = (c, a)
                if c is not snap.customer_text or a is not snap.agent_text:
                    snap = replace(snap, customer_text=c, agent_text=a)
            snapshots.append(snap)
            labels.append(bool(label))
        weights = ticket_weights([s.ticket_id for s in snapshots])
        return cls(snapshots, np.array(labels, dtype=bool), weights)

    def __post_init__(self) -> None:
        self.labels = np.asarray(self.labels, dtype=bool)
        self.weights = np.asarray(self.weights, dtype=float)
        if not (len(self.snapshots) == len(self.labels) == len(self.weights)):
            raise ValueError(
                f"snapshots, labels and weights differ in length: "
                f"{len(self.snapshots)}, {len(self.labels)}, {len(self.weights)}"
            )

    def __len__(self) -> int:
        return len(self.snapshots)

    @property
    def ticket_ids(self) -> list[str]:
        return [s.ticket_id for s in self.snapshots]

    @property
    def n_tickets(self) -> int:
        return len({s.ticket_id for s in self.snapshots})

    @property
    def base_rate(self) -> float:
        """Share of satisfied tickets (weighted: each ticket once); NaN when empty."""
        total = self.weights.sum()
        return float(np.dot(self.weights, self.labels) / total) if total > 0 else math.nan


@dataclass
class ModelCard:
    """What a stored model is and how good it honestly is (DESIGN.md: each model keeps one)."""

    learner: str
    version: int
    trained_at: str  # ISO time
    window: tuple[str, str]  # first / last creation time of the training tickets
    n_tickets: int
    n_snapshots: int
    base_rate: float
    auc: float | None  # time-ordered split: trained on the older 80%, tested on the newest 20%
    brier: float | None
    baseline_brier: float | None  # the base rate predicted for every ticket
    calibration: list[dict] = field(default_factory=list)
    early_auc: dict[str, float | None] = field(default_factory=dict)
    top_features: list[dict] = field(default_factory=list)
    scope: str = "account"  # "account", "pooled" or "pooled-shifted"
    auc_low: float | None = None  # the AUC's 95% interval (DeLong, tickets as observations)
    auc_high: float | None = None
    better_than_chance: bool | None = None  # False: the interval holds 0.5, so no score is shown
    verdict: str = ""  # the sentence the card says about it
    early_auc_low: dict[str, float | None] = field(default_factory=dict)
    early_auc_high: dict[str, float | None] = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["window"] = list(self.window)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ModelCard:
        d = dict(d)
        d["window"] = tuple(d.get("window") or ("", ""))
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})


def evaluate(
    train: TrainingSet,
    test: TrainingSet,
    *,
    early: dict[str, TrainingSet] | None = None,
    learner: str = "auto",
    seed: int = 0,
    model: SatisfactionModel | None = None,
) -> dict:
    """Fit on `train` (the older tickets), measure on `test` (the newer ones).

    Returns the card's figures: auc with its 95% DeLong interval (auc_low, auc_high;
    tickets, not snapshots, are the observations) and better_than_chance (False when the
    interval holds 0.5), brier, base_rate (of the test tickets),
    baseline_brier (the training base rate predicted for everyone), calibration,
    early_auc (AUC on the `early` snapshot sets, e.g. before the first reply) with
    early_auc_low and early_auc_high, n_train,
    n_test (tickets), n_train_snapshots, n_test_snapshots, top_features. A figure that
    cannot be computed (one class only) is None.
    """
    if model is None:
        from cxpulse.ml.model import SatisfactionModel  # here: that module imports this one

        model = SatisfactionModel(learner=learner, seed=seed)
    m = model
    m.fit(train)
    p = m.predict_proba(test.snapshots)
    y, w = test.labels, test.weights

    def num(x: float) -> float | None:
        return None if x is None or math.isnan(x) else round(float(x), 4)

    def interval(ts: TrainingSet, probs: np.ndarray) -> tuple[float | None, float | None, float | None]:
        if not len(ts):
            return None, None, None
        auc, low, high = auc_interval(ts.labels, probs, ts.weights, groups=ts.ticket_ids)
        return num(auc), num(low), num(high)

    early_auc: dict[str, float | None] = {}
    early_low: dict[str, float | None] = {}
    early_high: dict[str, float | None] = {}
    for name, ts in (early or {}).items():
        probs = m.predict_proba(ts.snapshots) if len(ts) else np.array([])
        early_auc[name], early_low[name], early_high[name] = interval(ts, probs)
    auc, auc_low, auc_high = interval(test, p)
    baseline = np.full(len(y), m.base_rate_)
    return {
        "learner": m.learner,
        "chosen": m.learner_,
        "candidates": list(m.candidates_),
        "auc": auc,
        "auc_low": auc_low,
        "auc_high": auc_high,
        "better_than_chance": better_than_chance(auc_low, auc_high),
        "verdict": verdict(auc, auc_low, auc_high),
        "brier": num(brier(y, p, w)) if len(y) else None,
        "base_rate": num(test.base_rate) if len(y) else None,
        "baseline_brier": num(brier(y, baseline, w)) if len(y) else None,
        "calibration": calibration_table(y, p, w) if len(y) else [],
        "early_auc": early_auc,
        "early_auc_low": early_low,
        "early_auc_high": early_high,
        "n_train": train.n_tickets,
        "n_test": test.n_tickets,
        "n_train_snapshots": len(train),
        "n_test_snapshots": len(test),
        "top_features": m.top_features_[:10],
    }
