"""Satisfaction prediction (DESIGN.md, "Satisfaction prediction").

`features` and `context` turn a ticket as of a time t into a `Snapshot` without leakage;
the models and their evaluation live beside them. Import the modules for their full
surface; the names below are the ones other layers need most.
"""

from cxpulse.ml.context import PastRating, RatingHistory, shrunk_share
from cxpulse.ml.features import (
    CATEGORICAL,
    NUMERIC,
    Snapshot,
    category_reason,
    early_times,
    reason,
    snapshot,
    snapshot_reason,
    snapshots,
    text_reason,
    training_times,
)

__all__ = [
    "CATEGORICAL",
    "NUMERIC",
    "PastRating",
    "RatingHistory",
    "Snapshot",
    "category_reason",
    "early_times",
    "reason",
    "shrunk_share",
    "snapshot",
    "snapshot_reason",
    "snapshots",
    "text_reason",
    "training_times",
]
