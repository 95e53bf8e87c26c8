"""Honest figures for a satisfaction model: weighted AUC, Brier score, calibration, the card.

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
from sklearn.metrics import roc_auc_score

from cxpulse.ml.textvec import MAX_CHARS

if TYPE_CHECKING:
    from cxpulse.ml.features import Snapshot

__all__ = ["ModelCard", "TrainingSet", "brier", "calibration_table", "roc_auc", "ticket_weights"]


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
    return float(roc_auc_score(y > 0.5, p, sample_weight=w))


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

    def subset(self, indices: Sequence[int] | np.ndarray) -> TrainingSet:
        """These rows, weights kept as they are (take whole tickets to keep them summing to 1)."""
        idx = np.asarray(indices)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        return TrainingSet([self.snapshots[i] for i in idx], self.labels[idx], self.weights[idx])


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
