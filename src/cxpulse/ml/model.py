"""The satisfaction model: calibrated P(satisfied) for a ticket as of t, with its reasons.

Shape (DESIGN.md "Satisfaction prediction" and "Models, measured here"; STYLE.md: the
scikit-learn contract — settings in `__init__`, `fit` returns self, learned state ends
in `_`):

1. Text (`text_model`): the customer's words, and apart from them the agents'
   (`textvec.TextVectorizer`: hashed char n-grams + Snowball stems), go into a logistic
   regression (averaged SGD). Its *out-of-fold* margin (folds grouped by ticket, so no
   ticket is scored by a model that saw its label) is one stacked numeric input of the
   main learner. DESIGN.md measured this beats sparse n-grams in boosting, in AUC and 5×
   in time.
2. The main learner, chosen per data set ("auto", the default) among "lgbm" (LightGBM,
   depth ≤ 6, native categorical splits), "logreg" (log-scaled, standardised numbers
   with missing flags, one-hot categories) and "blend" (the mean of the two's log-odds):
   each is fitted on the older four fifths of the training tickets by creation and
   judged by its AUC on the newest fifth (`candidates_`); the best wins, and a blend
   within `TIE` of the best wins the tie (`learner_`). On data from elsewhere no one
   learner won everywhere (docs/prediction.md has the table for two generators).
   Rows are snapshots weighted 1/k per ticket.
3. Calibration: Platt scaling fitted on a random held-out fifth of the tickets (the
   chosen learner early-stopped and fitted without them); below 20,000 tickets it is
   then refitted on everything. Platt keeps the order of the scores: it never costs AUC.
4. Reasons (`explain`): each ticket's top contributions in margin units — for trees, the
   path contributions of the leaves it falls in (Saabas; exact in sum, ~50× cheaper than
   TreeSHAP's `pred_contrib`, which could not reach 20,000 tickets/s on 2 cores), for
   logreg weight × (value − training mean) — in plain words beside the training median
   (`features.snapshot_reason`), categories as "channel: web", the text as this
   ticket's words with the strongest weights in the text model (`features.text_reason`).
"""

from __future__ import annotations

import copy
import io
import math
import multiprocessing
import pickle
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.context import BaseContext

import numpy as np

from cxpulse.collector import collector_paused
from cxpulse.domain import OPEN_STATES, Ticket
from cxpulse.ml.evaluation import TrainingSet, roc_auc, ticket_weights
from cxpulse.ml.explain import (
    FAMILIES,
    FAMILY_NAMES,
    FEATURES,
    Reasons,
    linear_contributions,
    path_tables,
    tree_contributions,
)
from cxpulse.ml.features import CATEGORICAL, NUMERIC, SHARED, Snapshot, snapshot_batch
from cxpulse.ml.text_model import TextModel, logit, ticket_folds
from cxpulse.ml.textvec import TextVectorizer
from cxpulse.ml.trees import booster as _booster
from cxpulse.text import preload_model as preload_language_model

# Scoring imports numpy and LightGBM's C library only (`ml.trees`): scikit-learn, scipy
# and the lightgbm package (~1.5 s together) load when a model is fitted, never to score
# one ticket (`cxpulse score --ticket`: ≤ 1 s with start-up).

__all__ = ["LEARNERS", "SatisfactionModel", "Scored"]

LEARNERS = ("auto", "lgbm", "logreg", "blend")
CANDIDATES = ("lgbm", "logreg", "blend")  # what "auto" chooses among, on the newest fifth of the training tickets
VALIDATE_MAX = 25_000  # tickets: the newest this many of a larger training set choose the learner
TIE = 0.002  # validation AUCs this close are a tie, and a tie goes to the blend: two views err less than one
# of to_bytes; bump when the pickled state changes shape (2: logreg_ holds numpy arrays, `_Linear`; the learner
# chosen, `learner_`). Its classes are named by key (`_STORED`), not by module path: they may move.
FORMAT = 2
_N_NUM, _N_CAT = len(NUMERIC), len(CATEGORICAL)
_MIN_CATEGORY = 5  # a category value seen on fewer training tickets is "other"
_CYCLIC = frozenset({"created_hour", "created_weekday"})  # one-hot for logreg, not a slope
_SHARES = frozenset({"agent_csat", "customer_csat", "account_csat"})

LGBM_PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "max_depth": 6,  # DESIGN.md: per-ticket SHAP 3–10× cheaper at depth ≤ 6
    "min_data_in_leaf": 80,
    "min_sum_hessian_in_leaf": 1.0,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.7,
    "bagging_freq": 1,
    "lambda_l2": 5.0,
    "cat_smooth": 20.0,
    "cat_l2": 10.0,
    "max_cat_to_onehot": 8,
    "min_data_per_group": 30,
    "max_bin": 63,
    "verbosity": -1,
    # one thread: on a 2-core machine shared with the database and the web server,
    # OpenMP's spinning threads made training 20× slower under load (measured)
    "num_threads": 1,
}
MAX_ROUNDS = 600
REFIT_BELOW = 20_000  # tickets; above, the model fitted without the calibration fifth is shipped
EARLY_STOP = 30
CHUNK_MIN, CHUNK_MAX = 250, 4_000  # tickets per chunk of a shared batch

_PAST_DUE = NUMERIC.index("past_due_minutes")
_CREATED_BACK = NUMERIC.index("elapsed_minutes")
_UNSHARED = frozenset({"status"})  # a snapshot's status: no share of "the account's tickets"
_STATUS = CATEGORICAL.index("status")
_LANGUAGE = CATEGORICAL.index("language")


@dataclass(frozen=True, slots=True)  # slots: made 100,000 times a batch, in half the time
class Scored:
    """One ticket's score: round(100 × P(satisfied)), the probability and its reasons."""

    ticket_id: str
    score: int
    probability: float
    reasons: list[str]
    status: str = ""  # the ticket's status as of the time scored (`score_tickets(open_only=)` reads it)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -35.0, 35.0)))


def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    ok = ~np.isnan(x)
    if not ok.any():
        return math.nan
    x, w = x[ok], w[ok]
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cw, cw[-1] / 2.0)])


def _time_split(snaps: Sequence[Snapshot], share: float, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """(older, newest): rows of the newest `limit` tickets by creation (t − its age), cut
    so the newest `share` of them validate and the rest fit — whole tickets, at least one
    in each part. Beyond `limit` tickets the choice is made on the recent ones: it costs a
    fifth of the time at 100,000 tickets, and recent data is what the model will meet."""
    created: dict[str, float] = {}
    for s in snaps:
        back = s.numeric[_CREATED_BACK]
        at = s.as_of.timestamp() - (0.0 if math.isnan(back) else back * 60.0)
        if at < created.get(s.ticket_id, math.inf):
            created[s.ticket_id] = at
    order = sorted(created, key=lambda t: (created[t], t))[-limit:]
    n = min(len(order) - 1, max(1, round(len(order) * share)))
    newest = set(order[len(order) - n:])
    older = set(order[: len(order) - n])
    return (np.array([s.ticket_id in older for s in snaps], dtype=bool),
            np.array([s.ticket_id in newest for s in snaps], dtype=bool))


def _auc_or_none(y: np.ndarray, score: np.ndarray, w: np.ndarray) -> float | None:
    if len(np.unique(y)) < 2:
        return None
    return round(float(roc_auc(y, score, w)), 4)


def _choose(candidates: list[dict]) -> str:
    """The best validation AUC; within `TIE` of it, the blend. With no AUC to judge by (a
    validation fold of one kind of answer) the first candidate: LightGBM."""
    judged = [c for c in candidates if c["validation_auc"] is not None]
    if not judged:
        return candidates[0]["learner"]
    best = max(c["validation_auc"] for c in judged)
    for c in judged:
        if c["learner"] == "blend" and c["validation_auc"] >= best - TIE:
            return "blend"
    return next(c["learner"] for c in judged if c["validation_auc"] == best)


class _Linear:
    """A fitted logistic regression as plain arrays: scikit-learn's `coef_` (1 × n),
    `intercept_` (1,) and `decision_function`, the same product — so a stored model
    scores without importing scikit-learn, and its pickle does not depend on its version."""

    __slots__ = ("coef_", "intercept_")

    def __init__(self, coef: np.ndarray, intercept: np.ndarray) -> None:
        self.coef_ = np.asarray(coef, dtype=np.float64)
        self.intercept_ = np.asarray(intercept, dtype=np.float64)

    @classmethod
    def of(cls, fitted) -> _Linear:
        """The arrays of a fitted `sklearn.linear_model.LogisticRegression`."""
        return cls(fitted.coef_.copy(), fitted.intercept_.copy())

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        # sklearn's LinearClassifierMixin: X @ coef_.T + intercept_, one column raveled
        return (X @ self.coef_.T + self.intercept_).reshape(-1)

    def __getstate__(self) -> tuple:
        return (self.coef_, self.intercept_)

    def __setstate__(self, state: tuple) -> None:
        self.coef_, self.intercept_ = state



def _chunks(n: int) -> list[tuple[int, int]]:
    """(start, end) of the chunks of a shared batch: each an eighth of what is left, so
    the first are big (fewer calls, numpy's fixed costs spread) and the last small (the
    two processes finish within a small chunk of each other)."""
    out = []
    a = 0
    while a < n:
        size = min(CHUNK_MAX, max(CHUNK_MIN, (n - a) // 8))
        out.append((a, min(a + size, n)))
        a += size
    return out


def _taken(chunks: list[tuple[int, int]], counter) -> Iterator[tuple[int, int]]:
    """The chunks this process scores: each next free one of a shared batch (`counter`,
    a shared integer), or all of `chunks` when `counter` is None."""
    if counter is None:
        yield from chunks
        return
    while True:
        with counter.get_lock():
            k = counter.value
            counter.value = k + 1
        if k >= len(chunks):
            return
        yield chunks[k]


def _score_items(
    model: SatisfactionModel, items: Sequence[tuple], reasons: int, unquoted, open_only: bool, on_scored=None,
) -> list[Scored]:
    """One chunk of `score_tickets`: snapshots, the open ones only if asked, scores; then
    `on_scored(scores)`, in this process, when given."""
    scored = _score_snapshots(model, items, reasons, unquoted, open_only)
    if on_scored is not None:
        on_scored(scored)
    return scored


def _score_snapshots(
    model: SatisfactionModel, items: Sequence[tuple], reasons: int, unquoted, open_only: bool
) -> list[Scored]:
    snaps = snapshot_batch(items)
    tickets = [item[0] for item in items]
    if open_only:
        kept = [i for i, s in enumerate(snaps) if s.categorical[_STATUS] in OPEN_STATES]
        if len(kept) < len(snaps):
            snaps = [snaps[i] for i in kept]
            tickets = [tickets[i] for i in kept]
    if callable(unquoted):
        return model.score(snaps, reasons=reasons, unquoted_each=[unquoted(t, s) for t, s in zip(tickets, snaps)])
    return model.score(snaps, reasons=reasons, unquoted=unquoted)


def _score_part(
    model: SatisfactionModel, items: Sequence[tuple], chunks: list, counter, reasons: int, unquoted, open_only: bool,
    on_scored, send,
) -> None:
    """In the second process of `score_tickets`: score chunks of `items` (the next free
    one each time, from `counter`; or all of `chunks` when it is None), then send back
    `(start, columns)` per chunk (a list per field of `Scored`), at the end — a send while the parent is
    busy would fill the pipe and stall this process."""
    out: list | BaseException = []
    # Each text sent once: most reasons and every status repeat from ticket to ticket
    # ("created on a Monday; 14% of the account's tickets are"), and pickle writes a string
    # it has sent already as a reference to it — a quarter of the bytes at 50,000 scores,
    # read back by the parent (while nothing else runs) in half the time.
    said: dict[str, str] = {}
    same = said.setdefault
    try:
        with collector_paused():
            for a, b in _taken(chunks, counter):
                scored = _score_items(model, items[a:b], reasons, unquoted, open_only, on_scored)
                # a column per field: five lists pickle and read back faster than a tuple per score
                out.append((a, ([s.ticket_id for s in scored], [s.score for s in scored],
                                [s.probability for s in scored], [[same(r, r) for r in s.reasons] for s in scored],
                                [same(s.status, s.status) for s in scored])))
    except BaseException as exc:  # the parent re-raises it
        out = exc
    send.send(out)
    send.close()


class SatisfactionModel:
    """Calibrated P(satisfied) of a ticket as of t, and the reasons for it.

    learner: "auto" (the default: chosen per data set among `CANDIDATES` on a time-ordered
    validation fold inside the training window — `candidates_` has each one's validation
    AUC, `learner_` the choice), or one of them: "lgbm" (gradient-boosted trees), "logreg"
    (logistic regression), "blend" (the average of the two's calibrated log-odds); see
    docs/prediction.md for the measured comparison. `text=False` leaves the words out;
    `agent_text` None uses the agents' words below 20,000 training tickets only.
    """

    def __init__(
        self,
        *,
        learner: str = "auto",
        seed: int = 0,
        text: bool = True,
        text_alpha: float = 1e-5,
        ngram_range: tuple[int, int] = (3, 3),
        agent_text: bool | None = None,
        folds: int = 5,
        lgbm_params: dict | None = None,
    ) -> None:
        self.learner = learner
        self.seed = seed
        self.text = text
        self.text_alpha = text_alpha
        self.ngram_range = ngram_range
        self.agent_text = agent_text
        self.folds = folds
        self.lgbm_params = lgbm_params

    # --- the design matrix ---------------------------------------------------------------

    def _numeric(self, snaps: Sequence[Snapshot]) -> np.ndarray:
        return np.array([s.numeric for s in snaps], dtype=np.float64).reshape(len(snaps), _N_NUM)

    def _codes(self, snaps: Sequence[Snapshot]) -> np.ndarray:
        out = np.full((len(snaps), _N_CAT), np.nan)
        cats = [s.categorical for s in snaps]
        for j, vocab in enumerate(self.categories_):
            get = vocab.get
            out[:, j] = [get(c[j], 0.0) for c in cats]  # 0 = other / unseen; a column at once, not an item at a time
        return out

    def _text_margin(self, snaps: Sequence[Snapshot], quotes: list | None = None) -> np.ndarray:
        if self.text_model_ is None:
            return np.zeros(len(snaps))
        return self.text_model_.margin(snaps, quotes)

    def _tree_matrix(self, num: np.ndarray, codes: np.ndarray, text: np.ndarray) -> np.ndarray:
        return np.hstack([num, codes, text[:, None]])

    def _linear_matrix(self, num: np.ndarray, codes: np.ndarray, text: np.ndarray) -> np.ndarray:
        """Logreg inputs: log-scaled, median-imputed, standardised numbers; missing flags;
        one-hot categories (hour and weekday too); the text margin."""
        lin = self.linear_
        x = num.copy()
        pos = lin["log"]
        x[:, pos] = np.log1p(np.maximum(x[:, pos], 0.0))
        missing = np.isnan(x)
        x = np.where(missing, lin["median"], x)
        x = (x - lin["mean"]) / lin["scale"]
        x[:, lin["cyclic"]] = 0.0
        parts = [x, missing[:, lin["flagged"]].astype(np.float64)]
        for j, size in enumerate(lin["cat_sizes"]):
            oh = np.zeros((len(codes), size))
            oh[np.arange(len(codes)), codes[:, j].astype(np.int64)] = 1.0
            parts.append(oh)
        for j, size in lin["cyclic_sizes"]:
            v = np.nan_to_num(num[:, j], nan=0.0).astype(np.int64) % size
            oh = np.zeros((len(num), size))
            oh[np.arange(len(num)), v] = 1.0
            parts.append(oh)
        parts.append(text[:, None])
        return np.hstack(parts)

    def _prepare_linear(self, num: np.ndarray, w: np.ndarray) -> None:
        """Learn the logreg transforms from training rows, and which column is whose."""
        finite_min = np.nanmin(np.where(np.isnan(num), np.inf, num), axis=0)
        finite_max = np.nanmax(np.where(np.isnan(num), -np.inf, num), axis=0)
        log_cols = [
            j for j, name in enumerate(NUMERIC)
            if name not in _SHARES and name not in _CYCLIC and finite_min[j] >= 0 and finite_max[j] > 1
        ]
        x = num.copy()
        x[:, log_cols] = np.log1p(np.maximum(x[:, log_cols], 0.0))
        median = np.array([_weighted_median(x[:, j], w) for j in range(_N_NUM)])
        median = np.nan_to_num(median, nan=0.0)
        filled = np.where(np.isnan(x), median, x)
        mean = np.average(filled, axis=0, weights=w)
        scale = np.sqrt(np.average((filled - mean) ** 2, axis=0, weights=w))
        scale[scale < 1e-9] = 1.0
        cyclic = [j for j, name in enumerate(NUMERIC) if name in _CYCLIC]
        flagged = [j for j in range(_N_NUM) if np.isnan(num[:, j]).any()]
        self.linear_ = {
            "log": log_cols,
            "median": median,
            "mean": mean,
            "scale": scale,
            "cyclic": cyclic,
            "flagged": flagged,
            "cat_sizes": [len(v) + 1 for v in self.categories_],
            "cyclic_sizes": [(j, 24 if NUMERIC[j] == "created_hour" else 7) for j in cyclic],
        }
        owner = list(range(_N_NUM)) + flagged
        for j, size in enumerate(self.linear_["cat_sizes"]):
            owner += [_N_NUM + j] * size
        for j, size in self.linear_["cyclic_sizes"]:
            owner += [j] * size
        owner.append(_N_NUM + _N_CAT)
        self.linear_["owner"] = np.array(owner)

    # --- fitting ---------------------------------------------------------------------------

    def fit(self, training: TrainingSet) -> SatisfactionModel:
        """Learn from rated tickets' snapshots (weights 1/k per ticket); returns self."""
        # one BLAS thread, for the reason LightGBM gets one (LGBM_PARAMS["num_threads"])
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return self._fit(training)

    def _fit(self, training: TrainingSet) -> SatisfactionModel:
        if self.learner not in LEARNERS:
            raise ValueError(f"Unknown learner: {self.learner!r}, expected one of {', '.join(LEARNERS)}")
        snaps = training.snapshots
        y = training.labels.astype(bool)
        w = training.weights.astype(np.float64)
        if len(snaps) == 0:
            raise ValueError("no training snapshots: a model needs rated tickets")
        if y.all() or not y.any():
            raise ValueError("training needs both satisfied and unsatisfied tickets, got only one kind")
        ids = [s.ticket_id for s in snaps]
        folds = ticket_folds(ids, max(2, self.folds), self.seed)
        self.base_rate_ = float(np.average(y, weights=w))
        self.n_tickets_ = len(set(ids))
        self.n_snapshots_ = len(snaps)

        num = self._numeric(snaps)
        self.medians_ = {name: _weighted_median(num[:, j], w) for j, name in enumerate(NUMERIC)}
        self.shares_ = self._shares(snaps, num, w)
        # categories seen on enough tickets get a code (1…); the rest share 0 ("other")
        self.categories_: list[dict[str, float]] = []
        for j in range(_N_CAT):
            seen: dict[str, float] = {}
            for s, wi in zip(snaps, w):
                v = s.categorical[j]
                seen[v] = seen.get(v, 0.0) + wi
            kept = sorted(v for v, n in seen.items() if n >= _MIN_CATEGORY)
            self.categories_.append({v: float(i + 1) for i, v in enumerate(kept)})
        codes = self._codes(snaps)

        self.text_model_: TextModel | None = None
        if self.text:
            vectorizer = TextVectorizer(ngram_range=self.ngram_range)
            # the agents' words: +0.003 to +0.02 AUC on the demo, but twice the text work and
            # memory; by default used below 20,000 tickets, left out above (the 30 s / 2 GB
            # budget of 100,000 tickets)
            self.agent_text_ = self.n_tickets_ < REFIT_BELOW if self.agent_text is None else bool(self.agent_text)
            self.text_model_ = TextModel(vectorizer, alpha=self.text_alpha, seed=self.seed, agent=self.agent_text_)
            text = self.text_model_.fit_oof(snaps, y, w, folds)
        else:
            text = np.zeros(len(snaps))

        inputs: dict[str, np.ndarray] = {"tree": self._tree_matrix(num, codes, text)}
        if self.learner in ("auto", "logreg", "blend"):
            self._prepare_linear(num, w)
            inputs["linear"] = self._linear_matrix(num, codes, text)
        if self.learner == "auto":
            # judged on the newest fifth of the tickets by creation, fitted on the older four
            # fifths: as the model will be used, on later tickets than it learned from —
            # never on the test tickets, which `evaluate` keeps apart
            older, newest = _time_split(snaps, 1.0 / max(2, self.folds), VALIDATE_MAX)
            self.candidates_ = self._validate(inputs, y, w, older, newest)
            self.learner_ = _choose(self.candidates_)
            self.n_validation_ = len({s.ticket_id for s, h in zip(snaps, newest) if h})
        else:
            self.candidates_, self.learner_ = [], self.learner
        # then the chosen one is fitted as it ships: early-stopped and calibrated on a
        # random fifth of the tickets (a time-ordered fifth calibrated worse wherever the
        # base rate drifts: measured, docs/prediction.md), then refitted on everything
        hold = folds == 0
        rest = ~hold
        margin_hold = self._fit_chosen(inputs, y, w, rest, hold)
        self.platt_ = self._platt(margin_hold, y[hold], w[hold])
        # the shipped learner sees every ticket — unless there are so many that a fifth
        # more changes nothing but the time: then the held-out fit is kept as it is
        if self._uses("tree"):
            if self.n_tickets_ < REFIT_BELOW:
                self.booster_ = self._train_lgbm(inputs["tree"], y, w, rounds=self.rounds_)
            self.paths_ = path_tables(self.booster_)
        if self._uses("linear"):
            if self.n_tickets_ < REFIT_BELOW:
                self.logreg_ = self._fit_logreg(inputs["linear"], y, w)
            # each column's training mean: a logreg reason is weight × (value − this mean)
            self.linear_["col_mean"] = np.average(inputs["linear"], axis=0, weights=w)
        else:
            self.__dict__.pop("linear_", None)
        self.top_features_ = self._top_features(snaps, {k: v for k, v in inputs.items() if self._uses(k)}, w)
        self.numeric_ = NUMERIC  # what it was trained on: a cxpulse with other features refuses it (`from_bytes`)
        return self

    def _fit_chosen(self, inputs: dict[str, np.ndarray], y, w, rest, hold) -> np.ndarray:
        """Fit the chosen learner on `rest`; its margin on `hold`."""
        tree = linear = None
        if self._uses("tree"):
            tree, self.rounds_ = self._fit_lgbm(inputs["tree"], y, w, rest, hold)
        if self._uses("linear"):
            X = inputs["linear"]
            self.logreg_ = self._fit_logreg(X[rest], y[rest], w[rest])
            linear = self.logreg_.decision_function(X[hold])
        if tree is not None and linear is not None:
            return self._blend(tree, linear)
        return tree if tree is not None else linear

    def _validate(self, inputs: dict[str, np.ndarray], y, w, older, newest) -> list[dict]:
        """Each candidate fitted on the older tickets, its AUC on the newest."""
        X = inputs["tree"]
        booster = self._train_lgbm(X[older], y[older], w[older], rounds=MAX_ROUNDS,
                                   valid=(X[newest], y[newest], w[newest]))
        tree = booster.predict(X[newest], raw_score=True, num_threads=1,
                               num_iteration=booster.best_iteration or None)
        X = inputs["linear"]
        linear = self._fit_logreg(X[older], y[older], w[older]).decision_function(X[newest])
        yv, wv = y[newest], w[newest]
        margins = {"lgbm": tree, "logreg": linear, "blend": self._blend(tree, linear)}
        return [{"learner": name, "validation_auc": _auc_or_none(yv, margins[name], wv)} for name in CANDIDATES]

    def _uses(self, kind: str) -> bool:
        """Whether the chosen learner reads the "tree" or the "linear" inputs."""
        return self.learner_ == "blend" or self.learner_ == ("lgbm" if kind == "tree" else "logreg")

    @staticmethod
    def _blend(tree: np.ndarray, linear: np.ndarray) -> np.ndarray:
        """The blend's margin: the mean of the two learners' log-odds (each is one)."""
        return 0.5 * (tree + linear)

    @staticmethod
    def _shares(snaps: Sequence[Snapshot], num: np.ndarray, w: np.ndarray) -> dict[str, dict]:
        """Per category (and per hour and weekday): the share of the account's training
        tickets with each value, each ticket weighing once — a category's reason says
        "created on a Saturday; 9% of the account's tickets are", never a median."""
        total = float(w.sum()) or 1.0
        out: dict[str, dict] = {}
        for name in SHARED:
            col = num[:, NUMERIC.index(name)]
            ok = ~np.isnan(col)
            keys, inverse = np.unique(col[ok].astype(np.int64), return_inverse=True)
            sums = np.bincount(inverse, weights=w[ok], minlength=len(keys))
            out[name] = {int(k): float(v) / total for k, v in zip(keys, sums)}
        for j, name in enumerate(CATEGORICAL):
            if name in _UNSHARED:
                continue
            seen: dict[str, float] = {}
            for snap, wi in zip(snaps, w.tolist()):
                v = snap.categorical[j]
                seen[v] = seen.get(v, 0.0) + wi
            out[name] = {v: n / total for v, n in seen.items()}
        # "12% of the account's tickets are late": each ticket counts once, late if any
        # of its snapshots is past the promised date
        late: dict[str, float] = {}
        for snap, wi in zip(snaps, w.tolist()):
            v = snap.numeric[_PAST_DUE]
            if v > 0:
                late[snap.ticket_id] = 1.0
        n_tickets = len({s.ticket_id for s in snaps}) or 1
        out["late"] = {1: len(late) / n_tickets}
        return out

    def _params(self) -> dict:
        # many tickets carry a faster rate: same AUC (early-stopped), half the rounds
        rate = {"learning_rate": 0.1} if self.n_tickets_ >= REFIT_BELOW else {}
        return {**LGBM_PARAMS, **rate, "seed": self.seed, **(self.lgbm_params or {})}

    def _train_lgbm(self, X, y, w, *, rounds: int, valid=None):
        import lightgbm as lgb

        cat = list(range(_N_NUM, _N_NUM + _N_CAT))
        data = lgb.Dataset(X, label=y.astype(float), weight=w, categorical_feature=cat,
                           feature_name=list(FEATURES), free_raw_data=True)
        callbacks = []
        valid_sets = []
        if valid is not None:
            vX, vy, vw = valid
            valid_sets = [lgb.Dataset(vX, label=vy.astype(float), weight=vw, reference=data)]
            callbacks = [lgb.early_stopping(EARLY_STOP, verbose=False)]
        return lgb.train(self._params(), data, num_boost_round=rounds, valid_sets=valid_sets,
                         callbacks=callbacks)

    def _fit_lgbm(self, X, y, w, rest, hold) -> tuple[np.ndarray, int]:
        import lightgbm as lgb

        booster = self._train_lgbm(X[rest], y[rest], w[rest], rounds=MAX_ROUNDS,
                                   valid=(X[hold], y[hold], w[hold]))
        best = booster.best_iteration or booster.current_iteration()
        # kept without the rounds past the best, so every tree is one that predicts
        self.booster_ = lgb.Booster(model_str=booster.model_to_string(num_iteration=best))
        margin = self.booster_.predict(X[hold], raw_score=True, num_threads=1)
        # the refit sees a quarter more tickets: a few more rounds, as is usual
        return margin, max(1, int(round(best * 1.15)))

    def _fit_logreg(self, X, y, w) -> _Linear:
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=1.0, max_iter=500)
        return _Linear.of(lr.fit(X, y, sample_weight=w))

    @staticmethod
    def _platt(margin: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
        """(a, b) of P = sigmoid(a × margin + b), by weighted maximum likelihood."""
        if len(np.unique(y)) < 2:
            return 1.0, 0.0
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=1e4, max_iter=200)
        lr.fit(margin[:, None], y, sample_weight=w)
        a = float(lr.coef_[0, 0])
        if a <= 0:  # a held-out set too small to say anything: trust the learner's own scale
            return 1.0, 0.0
        return a, float(lr.intercept_[0])

    # --- predicting ------------------------------------------------------------------------

    def _check(self) -> None:
        if not hasattr(self, "platt_"):
            raise ValueError("This SatisfactionModel is not fitted yet: call fit(training) first")

    def _design(
        self, snaps: Sequence[Snapshot], quotes: list | None = None, num: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """The inputs the chosen learner reads: {"tree": …} and/or {"linear": …}."""
        if num is None:
            num = self._numeric(snaps)
        codes = self._codes(snaps)
        text = self._text_margin(snaps, quotes)
        out = {}
        if self._uses("tree"):
            out["tree"] = self._tree_matrix(num, codes, text)
        if self._uses("linear"):
            out["linear"] = self._linear_matrix(num, codes, text)
        return out

    def _margin(self, X: dict[str, np.ndarray]) -> np.ndarray:
        if self.learner_ == "lgbm":
            return self.booster_.predict(X["tree"], raw_score=True, num_threads=1)
        if self.learner_ == "logreg":
            return self.logreg_.decision_function(X["linear"])
        return self._blend(self.booster_.predict(X["tree"], raw_score=True, num_threads=1),
                           self.logreg_.decision_function(X["linear"]))

    def _calibrated(self, margin: np.ndarray) -> np.ndarray:
        a, b = self.platt_
        return _sigmoid(a * margin + b)

    def predict_proba(self, snapshots: Sequence[Snapshot]) -> np.ndarray:
        """Calibrated P(satisfied), one per snapshot."""
        self._check()
        if len(snapshots) == 0:
            return np.zeros(0)
        return self._calibrated(self._margin(self._design(snapshots)))

    def _contributions(self, X: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """(per-feature contributions in margin units, n × len(FEATURES); the margin), exact
        in sum: the trees' path contributions (`explain.tree_contributions`), logreg's
        weight × (value − training mean) (`explain.linear_contributions`); the blend the
        mean of the two."""
        if self.learner_ == "lgbm":
            return tree_contributions(self.booster_, self.paths_, X["tree"])
        lin = self.linear_
        if self.learner_ == "logreg":
            return linear_contributions(self.logreg_, lin["col_mean"], lin["owner"], X["linear"])
        ct, mt = tree_contributions(self.booster_, self.paths_, X["tree"])
        cl, ml = linear_contributions(self.logreg_, lin["col_mean"], lin["owner"], X["linear"])
        return 0.5 * (ct + cl), self._blend(mt, ml)

    def score(
        self, snapshots: Sequence[Snapshot], *, reasons: int = 3, unquoted: Collection[str] = (),
        unquoted_each: Sequence[Collection[str]] | None = None,
    ) -> list[Scored]:
        """Score 0–100 (round(100 × P)) and the top `reasons` in plain words, per snapshot.
        `unquoted`: words a reason never quotes (`name_words` of the help desk's people);
        `unquoted_each`, when given, one such collection per snapshot instead.

        A ticket scored below the account's base rate gets the reasons that pull it down,
        one above it those that hold it up (then the strongest others, to make up the
        number): an agent's at-risk queue reads why, not a list of what went well.
        """
        self._check()
        if len(snapshots) == 0:
            return []
        quotes: list[list] = []  # each snapshot's quotable words, collected with the text margin
        num = self._numeric(snapshots)
        X = self._design(snapshots, quotes, num)
        contrib, margin = self._contributions(X)
        p = self._calibrated(margin)
        words = self._reasons().each(snapshots, contrib, num, p, self.base_rate_, quotes, reasons, unquoted,
                                     unquoted_each)
        return [Scored(snap.ticket_id, int(round(100 * prob)), prob, said, snap.categorical[_STATUS])
                for snap, prob, said in zip(snapshots, p.tolist(), words)]

    def score_tickets(
        self, items: Sequence[tuple], *, reasons: int = 3, workers: int = 1, processes: BaseContext | None = None,
        unquoted: Collection[str] | Callable[[Ticket, Snapshot], Collection[str]] = (), open_only: bool = False,
        on_scored: Callable[[list[Scored]], None] | None = None,
    ) -> list[Scored]:
        """Tickets → snapshots → scores with reasons, in one call: each item is
        `(ticket, events, as_of, account, history)` as `features.snapshot_batch` takes it.
        The same figures and words as `score([snapshot(...)])` ticket by ticket. Every
        scoring of the product goes through here (`service.predict._score_account`).
        `items` is read a slice at a time (`items[a:b]`), by the process that scores that
        slice: a sequence that reads each slice from storage spreads the reading too.

        `unquoted`: words no reason quotes, or a function of (ticket, its snapshot) giving
        them per ticket — so a ticket's reasons never depend on the batch it came in.
        `open_only`: only the tickets open as of their time are scored and returned.
        `on_scored`: called with each chunk's scores in the process that scored it, as soon
        as they are made — the caller stores them while the rest is being scored, on both
        cores, instead of after all of it on one.

        `workers` 2 (or more) shares the batch with a second process, started from
        `processes` (a `multiprocessing` context; None: the platform's default). Whether a
        batch is worth it and how to start the process are the caller's to say (the
        service: from a few thousand tickets, forked when single-threaded, else by the
        forkserver). Forked, the tickets and the model are not copied over: both processes
        take chunks until none is left, and the second sends back its scores. Otherwise
        the second process gets half the batch, pickled, and `on_scored` is called here
        with its scores when they come back.
        """
        self._check()
        if workers <= 1 or len(items) < 2:
            with collector_paused():  # chunk by chunk: `items` may read each slice from storage as it is asked for
                return [s for a, b in _chunks(len(items)) for s in _score_items(self, items[a:b], reasons, unquoted,
                                                                                 open_only, on_scored)]
        ctx = processes if processes is not None else multiprocessing.get_context()
        n = len(items)
        receive, send = ctx.Pipe(duplex=False)
        if ctx.get_start_method() == "fork":
            # both processes take the next free chunk until none is left: they finish
            # together though the child runs slower (its first touch of each shared page
            # copies it) or the other core is busy. The language model is loaded once,
            # here, and shared: not once in each process
            preload_language_model()
            chunks = _chunks(n)
            counter = ctx.Value("i", 0)
            child = ctx.Process(target=_score_part,
                                args=(self, items, chunks, counter, reasons, unquoted, open_only, on_scored, send),
                                daemon=True)
        else:  # the child gets its half pickled: not the whole batch, nor `on_scored`
            cut = (n + 1) // 2
            chunks, counter = [(0, cut)], None
            child = ctx.Process(target=_score_part,
                                args=(self, items[cut:], [(0, n - cut)], None, reasons, unquoted, open_only, None, send),
                                daemon=True)
        child.start()
        send.close()
        parts: dict[int, list[Scored]] = {}
        try:
            with collector_paused():
                for a, b in _taken(chunks, counter):
                    parts[a] = _score_items(self, items[a:b], reasons, unquoted, open_only, on_scored)
                theirs = receive.recv()
        finally:
            receive.close()
            child.join()
        if isinstance(theirs, BaseException):
            raise theirs
        shift = 0 if counter is not None else (n + 1) // 2
        for a, columns in theirs:
            parts[a + shift] = got = list(map(Scored, *columns))
            if counter is None and on_scored is not None:  # a pickled child is given no callback: kept here
                on_scored(got)
        return [s for a in sorted(parts) for s in parts[a]]

    def _reasons(self) -> Reasons:
        """What the words of this model's reasons are said beside (`explain.Reasons`)."""
        # a model stored before shares has none: its reasons give no reference
        return Reasons(self.medians_, getattr(self, "shares_", None), self.text_model_, self.languages_)

    @property
    def languages_(self) -> frozenset[str]:
        """The languages of the account's training tickets (whose function words a reason never quotes)."""
        langs = self.__dict__.get("_languages")
        if langs is None:
            langs = self._languages = frozenset(v for v in self.categories_[_LANGUAGE] if v)
        return langs

    def _top_features(self, snaps: Sequence[Snapshot], X: dict[str, np.ndarray], w: np.ndarray) -> list[dict]:
        """Mean |contribution| per feature family on (a sample of) the training rows."""
        rng = np.random.default_rng(self.seed)
        idx = rng.choice(len(w), size=min(len(w), 3000), replace=False)
        contrib, _ = self._contributions({k: v[idx] for k, v in X.items()})
        fam = np.zeros((len(idx), len(FAMILY_NAMES)))
        np.add.at(fam.T, FAMILIES, contrib.T)
        imp = np.average(np.abs(fam), axis=0, weights=w[idx])
        total = imp.sum() or 1.0
        order = np.argsort(-imp, kind="stable")
        return [
            {"feature": FAMILY_NAMES[f], "importance": round(float(imp[f] / total), 4)}
            for f in order if imp[f] > 0
        ]

    # --- moving, saving ----------------------------------------------------------------------

    def shifted(self, base_rate: float, snapshots: Sequence[Snapshot]) -> SatisfactionModel:
        """A copy moved to another base rate: a logit shift so that the mean P over these
        snapshots (each ticket weighing once) equals `base_rate`. For an account with too
        few ratings to train its own model, applied to the pooled one."""
        self._check()
        if not 0.0 < base_rate < 1.0:
            raise ValueError(f"base_rate must be strictly between 0 and 1, got {base_rate}")
        out = copy.copy(self)
        out.base_rate_ = float(base_rate)
        if len(snapshots) == 0:
            a, b = self.platt_
            out.platt_ = (a, b + float(logit(np.array([base_rate]))[0] - logit(np.array([self.base_rate_]))[0]))
            return out
        a, b = self.platt_
        z = a * self._margin(self._design(snapshots)) + b
        w = ticket_weights([s.ticket_id for s in snapshots])
        lo, hi = -20.0, 20.0
        for _ in range(60):
            mid = (lo + hi) / 2
            if np.average(_sigmoid(z + mid), weights=w) < base_rate:
                lo = mid
            else:
                hi = mid
        out.platt_ = (a, b + (lo + hi) / 2)
        return out

    def to_bytes(self) -> bytes:
        """The fitted state, pickled (with the format number); `from_bytes` reads it back.
        cxpulse's own classes are named by key (`_STORED`), not by module path."""
        self._check()
        buf = io.BytesIO()
        _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump({"format": FORMAT, "model": self})
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> SatisfactionModel:
        state = _Unpickler(io.BytesIO(data)).load()
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            found = state.get("format") if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"model bytes of format {found!r} (another cxpulse version), this one reads format "
                             f"{FORMAT}: retrain the model")
        model = state["model"]
        made_on = _numeric_inputs(model)
        if made_on is not None and (len(made_on) != len(NUMERIC) or (isinstance(made_on, tuple) and made_on != NUMERIC)):
            raise ValueError(f"a model trained on {len(made_on)} numeric features by another cxpulse version (this "
                             f"one has {len(NUMERIC)}): retrain the model")
        return model

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_languages", None)
        if "booster_" in state:  # LightGBM's own text format: stable across pickles
            state["booster_"] = state["booster_"].model_to_string()
        return state

    def __setstate__(self, state: dict) -> None:
        if "platt_" in state and "learner_" not in state:  # fitted before the learner was chosen
            state["learner_"] = state.get("learner", "lgbm")
            state["candidates_"] = []
        if isinstance(state.get("booster_"), str):  # predicts through LightGBM's C library: `ml.trees`
            state["booster_"] = _booster(state["booster_"])
        self.__dict__.update(state)

    def __repr__(self) -> str:
        chosen = getattr(self, "learner_", None)
        said = f", chose {chosen!r}" if chosen and chosen != self.learner else ""
        return f"SatisfactionModel(learner={self.learner!r}, seed={self.seed}{said})"


def _numeric_inputs(model: SatisfactionModel) -> tuple[str, ...] | list[None] | None:
    """The numeric features a stored model was trained on: their names (stored since they
    are), else as many Nones as its tables have numeric columns; None when unknown."""
    names = model.__dict__.get("numeric_")
    if names is not None:
        return tuple(names)
    paths = model.__dict__.get("paths_")
    if paths is not None:  # one column per feature: the numeric ones, the categorical ones, the text
        return [None] * (paths[0].shape[1] - len(CATEGORICAL) - 1)
    linear = model.__dict__.get("linear_")
    if linear is not None:
        return [None] * len(linear["median"])
    return None


# A stored model names cxpulse's classes by these keys (pickle's persistent ids), not by
# module path: a class may move between modules, or be renamed, and the models stored
# before still load. Keys are never reused for another class. Models stored before the
# keys named the classes by the paths they had then: `_PATHS` reads those.
_STORED: dict[str, type] = {
    "SatisfactionModel": SatisfactionModel,
    "TextModel": TextModel,
    "Linear": _Linear,
    "TextVectorizer": TextVectorizer,
}
_KEY_OF = {cls: key for key, cls in _STORED.items()}
_PATHS: dict[tuple[str, str], type] = {
    ("cxpulse.ml.model", "SatisfactionModel"): SatisfactionModel,
    ("cxpulse.ml.model", "_TextModel"): TextModel,
    ("cxpulse.ml.model", "_Linear"): _Linear,
    ("cxpulse.ml.textvec", "TextVectorizer"): TextVectorizer,
}


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj: object) -> str | None:
        return _KEY_OF.get(obj) if isinstance(obj, type) else None


class _Unpickler(pickle.Unpickler):
    def persistent_load(self, key: str) -> type:
        cls = _STORED.get(key)
        if cls is None:
            raise ValueError(f"model bytes naming a class {key!r} this cxpulse does not know (a newer version?)")
        return cls

    def find_class(self, module: str, name: str):
        cls = _PATHS.get((module, name))
        return cls if cls is not None else super().find_class(module, name)
