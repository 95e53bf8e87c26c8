"""Why a ticket scored as it did: each feature's share of the margin, and the reasons in words.

Contributions are in margin units, exact in sum. For trees they are the path
contributions of the leaves a row falls in (Saabas, "treeinterpreter": a split on feature
f from a node of value v to a child of value v' adds v' − v to f; `path_tables` reads them
once per model, and ~50× cheaper than TreeSHAP's `pred_contrib`, which could not reach
20,000 tickets/s on 2 cores); for logistic regression, weight × (value − training mean).

Reasons speak per family of features that say one fact (`family`): per row, the member
that weighed most speaks for its family (`voices`); a ticket below the account's base
rate hears what pulls it down, one above it what holds it up (`Reasons.each`). The words
themselves are `features.snapshot_reason` beside the training median (or the share of the
account's tickets), `features.category_reason`, and the ticket's own words with the
strongest weights in the text model (`features.text_reason`).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

import numpy as np

from cxpulse.ml.features import (
    CATEGORICAL,
    NUMERIC,
    SHARED,
    Snapshot,
    category_reason,
    snapshot_reason,
    text_reason,
)

if TYPE_CHECKING:
    from cxpulse.ml.text_model import TextModel

__all__ = [
    "FACT_KINDS", "FAMILIES", "FAMILY_MEMBERS", "FAMILY_NAMES", "FEATURES", "TEXT", "Reasons", "fact", "family",
    "linear_contributions", "path_tables", "tree_contributions", "voices",
]

TEXT = "text"  # the stacked text input's feature name
FEATURES: tuple[str, ...] = (*NUMERIC, *CATEGORICAL, TEXT)  # the learners' inputs, in column order
_N_NUM, _N_CAT = len(NUMERIC), len(CATEGORICAL)
_EPS = 1e-6
_FEW_ROWS = 64  # rows up to which `tree_contributions` adds the leaves' rows in numpy, without scipy.sparse
# trees up to which it does so for any number of rows, unless scipy.sparse is loaded: a
# tree at a time costs 5 ms per 100,000 rows, the import of scipy.sparse 300 ms
_FEW_TREES = 48

_REPLY = frozenset({"replied", "first_reply_minutes", "no_reply_minutes"})
_DUE = frozenset({"due_in_minutes", "past_due_minutes"})  # one fact: where the ticket stands against its promise
_DONE = frozenset({"solved", "closed"})
_REPLIED, _ELAPSED, _WAITING, _RESOLUTION = (
    NUMERIC.index(n) for n in ("replied", "elapsed_minutes", "customer_waiting_minutes", "resolution_minutes")
)
_STATUS = CATEGORICAL.index("status")
# Families whose reasons can say one fact twice ("customer kept waiting 71 d in all" beside
# "ticket opened 71 d ago"): `fact` names the fact, and a ticket says each fact once.
_FACT_KIND = {
    "elapsed_minutes": "age",
    "requester_wait_minutes": "age",  # total wait vs age: always one reason
    "first_reply": "reply",  # "no reply yet after X": X is the age, or the solve if solved
    "customer_waiting_minutes": "waiting",  # since the first message, nobody answering: the age
    "resolution_minutes": "solve",
}


def family(name: str) -> str:
    """Features that say one thing: whether and when the first reply came (calendar or
    business hours), a CSAT share and its n. Reasons merge them, so a ticket never
    gets the same reason twice ("no reply yet" beside "no reply yet after 2 d")."""
    name = name.replace("_bh_", "_")
    if name in _REPLY:
        return "first_reply"
    if name in _DUE:
        return "due"
    return name[:-2] if name.endswith("_csat_n") else name


_NAMES = [family(n) for n in FEATURES]
FAMILY_NAMES: list[str] = list(dict.fromkeys(_NAMES))  # in order of their first feature
FAMILIES = np.array([FAMILY_NAMES.index(n) for n in _NAMES])  # each feature's family
FAMILY_MEMBERS: list[list[int]] = [[j for j, n in enumerate(_NAMES) if n == u] for u in FAMILY_NAMES]
FACT_KINDS: list[str | None] = [_FACT_KIND.get(u) for u in FAMILY_NAMES]
del _NAMES


# --- contributions ---------------------------------------------------------------------------


def path_tables(booster) -> tuple[np.ndarray, np.ndarray, float]:
    """Per leaf of every tree, how each feature moved the value along the path to it.

    A split on feature f from a node of value v to a child of value v' adds v' − v to f
    (Saabas; "treeinterpreter"), so a row's contributions plus the trees' root values sum
    to its margin exactly. Returns (one row per leaf of all trees, each tree's first row,
    the sum of the root values).
    """
    rows: list[np.ndarray] = []
    offsets: list[int] = []
    bias = 0.0
    n_feat = len(FEATURES)
    for tree in booster.dump_model()["tree_info"]:
        offsets.append(len(rows))
        leaves: dict[int, np.ndarray] = {}
        root = tree["tree_structure"]
        if "split_feature" not in root:  # a tree of one leaf: LightGBM dumps it as {"leaf_value": …}, no index
            bias += float(root["leaf_value"])
            rows.append(np.zeros(n_feat))
            continue
        bias += float(root["internal_value"])
        stack = [(root, np.zeros(n_feat))]
        while stack:
            node, vec = stack.pop()
            value = node["internal_value"]
            for child in (node["left_child"], node["right_child"]):
                leaf = "leaf_index" in child
                moved = vec.copy()
                moved[node["split_feature"]] += (child["leaf_value"] if leaf else child["internal_value"]) - value
                if leaf:
                    leaves[child["leaf_index"]] = moved
                else:
                    stack.append((child, moved))
        rows.extend(leaves[i] for i in range(tree["num_leaves"]))
    table = np.array(rows) if rows else np.zeros((1, n_feat))
    return table, np.array(offsets, dtype=np.int64), bias


def tree_contributions(booster, paths: tuple[np.ndarray, np.ndarray, float], X: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """(per-feature contributions, n × len(FEATURES); the margin) of the trees' rows `X`,
    from the leaves each row falls in and the model's `path_tables`."""
    table, offsets, bias = paths
    # one OpenMP thread, as in training; and a process forked after OpenMP ran
    # (score_tickets' second one) hangs in libgomp on a parallel region
    leaves = booster.predict(X, pred_leaf=True, num_threads=1)
    n, trees = leaves.shape
    # int32 indices (LightGBM's and scipy's own) while they fit: no int64 copies
    index = np.int32 if n * trees < np.iinfo(np.int32).max else np.int64
    leaves = leaves.astype(index, copy=False)
    leaves += offsets.astype(index)
    if n <= _FEW_ROWS or (trees <= _FEW_TREES and "scipy.sparse" not in sys.modules):
        # a few tickets (`score --ticket`), or a model of few trees: the same sums in the
        # same order, a tree at a time in numpy — importing scipy.sparse (0.3 s) costs more
        out = np.zeros((n, table.shape[1]))
        row = np.empty_like(out)
        for t in range(trees):
            out += np.take(table, leaves[:, t], axis=0, out=row)
        return out, out.sum(axis=1) + bias
    from scipy import sparse

    # a row's leaves as a 0/1 sparse row times the table: the same sums, without
    # materialising rows × trees × features (3× faster)
    hit = sparse.csr_matrix(
        (np.ones(n * trees), leaves.ravel(), np.arange(0, n * trees + 1, trees, dtype=index)),
        shape=(n, len(table)),
    )
    out = np.asarray(hit @ table)
    return out, out.sum(axis=1) + bias


def linear_contributions(logreg, col_mean: np.ndarray, owner: np.ndarray, X: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray]:
    """(per-feature contributions, n × len(FEATURES); the margin) of the logistic
    regression's rows `X`: weight × (value − the column's training mean), each column
    added to the feature that `owner` says it came from."""
    coef = logreg.coef_.ravel()
    per_col = (X - col_mean) * coef
    out = np.zeros((len(X), len(FEATURES)))
    # each feature's columns added in column order, as np.add.at(out.T, owner, per_col.T)
    # adds them (the same sums, bit for bit), a column at a time instead of an element
    # at a time (add.at goes an element at a time)
    owned: dict[int, list[int]] = {}
    for j, f in enumerate(owner.tolist()):
        owned.setdefault(f, []).append(j)
    for f, cols in owned.items():
        col = out[:, f]
        for j in cols:
            col += per_col[:, j]
    return out, (X * coef).sum(axis=1) + logreg.intercept_[0]  # row by row: no BLAS rounding by batch size


# --- the words --------------------------------------------------------------------------------


def voices(contrib: np.ndarray, num: np.ndarray) -> list[list[int]]:
    """Per row, per family: the feature its reason speaks of — the member that weighed
    most, among those with a value (all of them when none has), the first of equals."""
    members = FAMILY_MEMBERS
    out = np.empty((len(contrib), len(members)), dtype=np.intp)
    for f, ms in enumerate(members):
        if len(ms) == 1:
            out[:, f] = ms[0]
            continue
        weight = np.abs(contrib[:, ms])
        unknown = np.zeros(weight.shape, dtype=bool)
        for c, m in enumerate(ms):
            if m < _N_NUM:
                unknown[:, c] = np.isnan(num[:, m])
        pick = np.where(unknown, -np.inf, weight).argmax(axis=1)
        none = unknown.all(axis=1)
        if none.any():
            pick[none] = weight[none].argmax(axis=1)
        out[:, f] = np.asarray(ms, dtype=np.intp)[pick]
    return out.tolist()


def fact(snap: Snapshot, family: int) -> str | None:
    """The fact a family's reason states, when another family can state it too
    (`_FACT_KIND`): "age" (how long the ticket has been open and waiting) or "solve"."""
    kind = FACT_KINDS[family]
    if kind is None or kind == "age" or kind == "solve":
        return kind
    num = snap.numeric
    if kind == "reply":  # "no reply yet after X" / "solved with no reply after X"
        if num[_REPLIED] >= 0.5:
            return None
        return "solve" if snap.categorical[_STATUS] in _DONE else "age"
    wait = num[_WAITING]  # "waiting X since the customer's last message"
    if abs(wait - num[_ELAPSED]) < 1.0:
        return "age"
    if abs(wait - num[_RESOLUTION]) < 1.0:
        return "solve"
    return None


class Reasons:
    """A fitted model's references for its reasons: the training medians, the shares of
    the account's tickets per category value (None for a model stored before shares), the
    text model (None without words) and the account's languages."""

    __slots__ = ("languages", "medians", "shares", "text")

    def __init__(self, medians: dict[str, float], shares: dict[str, dict] | None, text: TextModel | None,
                 languages: frozenset[str]) -> None:
        self.medians, self.shares, self.text, self.languages = medians, shares, text, languages

    def say(
        self, snap: Snapshot, j: int, direction: int, quoted: list | None = None, unquoted: Collection[str] = (),
    ) -> str:
        """The reason feature `j` (the voice of its family, `voices`) gives, in words."""
        name = FEATURES[j]
        shares = self.shares
        if j < _N_NUM:
            if name.endswith("_csat_n"):
                name = name[:-2]
            if name in SHARED:
                v = snap.numeric[j]
                ref = math.nan if shares is None or math.isnan(v) else shares[name].get(int(v), 0.0)
                return snapshot_reason(snap, name, ref)
            if name == "past_due_minutes":  # beside the share of the account's tickets that were late
                late = None if shares is None else shares.get("late")
                return snapshot_reason(snap, name, math.nan if late is None else late.get(1, 0.0))
            if name in ("due_in_minutes", "sla_due_in_minutes"):  # "due in 2 h": the time left says it all
                return snapshot_reason(snap, name, math.nan)
            return snapshot_reason(snap, name, self.medians.get(name, math.nan))
        if j < _N_NUM + _N_CAT:
            value = snap.categorical[j - _N_NUM]
            table = None if shares is None else shares.get(name)
            return category_reason(name, value, None if table is None else table.get(value, 0.0))
        if self.text is None:
            return ""
        return text_reason(self.text.words(snap, direction, quoted=quoted, unquoted=unquoted,
                                           languages=self.languages))

    def each(
        self, snapshots: Sequence[Snapshot], contrib: np.ndarray, num: np.ndarray, p: np.ndarray, base_rate: float,
        quotes: list[list], reasons: int, unquoted: Collection[str] = (),
        unquoted_each: Sequence[Collection[str]] | None = None,
    ) -> list[list[str]]:
        """The top `reasons` in words per snapshot: towards its side of `base_rate` (its
        calibrated `p` below it: what pulls it down; else what holds it up), the strongest
        first, then the strongest others to make up the number; no fact said twice.
        `quotes`: each snapshot's quotable words, as `TextModel.margin(..., quotes=)`
        collected them (or empty); `unquoted` / `unquoted_each`: as `SatisfactionModel.score`."""
        voice_of = voices(contrib, num)
        members = FAMILY_MEMBERS
        # each family's sum column by column: a row's figures never depend on the batch
        # it came in (a BLAS product could round differently for one row than for many)
        fam = np.empty((len(snapshots), len(members)))
        for f, cols in enumerate(members):
            col = fam[:, f]
            col[:] = contrib[:, cols[0]]
            for j in cols[1:]:
                col += contrib[:, j]
        direction = np.where(p < base_rate, -1, 1)
        fam *= direction[:, None]
        k = min(reasons + 4, fam.shape[1])  # room for the families a ticket skips (one fact, no words)
        top = np.argsort(-fam, axis=1, kind="stable")[:, :k]
        # towards the direction (the strongest first), else against it
        towards = (np.take_along_axis(fam, top, axis=1) > _EPS).tolist()
        top = top.tolist()
        direction = direction.tolist()
        say, fact_of, kinds = self.say, fact, FACT_KINDS
        out = []
        for i, snap in enumerate(snapshots):
            d = direction[i]
            names = unquoted if unquoted_each is None else unquoted_each[i]
            voice = voice_of[i]
            words: list[str] = []
            facts: list[str] = []  # no two reasons say one fact: the stronger (first) speaks
            for f, v in zip(top[i], towards[i]):
                if kinds[f] is not None:
                    said_fact = fact_of(snap, f)
                    if said_fact is not None:
                        if said_fact in facts:
                            continue
                        facts.append(said_fact)
                said = say(snap, voice[f], d if v else -d, quotes[i] if quotes else None, names)
                if said and said not in words:
                    words.append(said)
                    if len(words) >= reasons:
                        break
            out.append(words)
        return out
