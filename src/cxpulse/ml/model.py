"""The satisfaction model: calibrated P(satisfied) for a ticket as of t, with its reasons.

Shape (DESIGN.md "Satisfaction prediction" and "Models, measured here"; STYLE.md: the
scikit-learn contract — settings in `__init__`, `fit` returns self, learned state ends
in `_`):

1. Text: the customer's words, and apart from them the agents' (`textvec.TextVectorizer`:
   hashed char n-grams + Snowball stems), go into a logistic regression (averaged SGD).
   Its *out-of-fold* margin (folds grouped by ticket, so no ticket is scored by a model
   that saw its label) is one stacked numeric input of the main learner. DESIGN.md
   measured this beats sparse n-grams in boosting, in AUC and 5× in time.
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
4. Reasons: each ticket's top contributions in margin units — for trees, the path
   contributions of the leaves it falls in (Saabas; exact in sum, and ~50× cheaper than
   TreeSHAP's `pred_contrib`, which could not reach 20,000 tickets/s on 2 cores), for
   logreg weight × (value − training mean) — in plain words beside the training median
   (`features.snapshot_reason`), categories as "channel: web", the text as this
   ticket's words with the strongest weights in the text model (`features.text_reason`).
"""

from __future__ import annotations

import copy
import io
import math
import pickle
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter, itemgetter

import numpy as np

from cxpulse.collector import collector_paused
from cxpulse.domain import OPEN_STATES, Ticket
from cxpulse.ml.evaluation import (
    TrainingSet,
    auc_interval,
    better_than_chance,
    brier,
    calibration_table,
    roc_auc,
    ticket_weights,
    verdict,
)
from cxpulse.ml.features import (
    CATEGORICAL,
    NUMERIC,
    SHARED,
    Snapshot,
    category_reason,
    snapshot_batch,
    snapshot_reason,
    text_reason,
)
from cxpulse.ml.textvec import TextVectorizer
from cxpulse.ml.trees import booster as _booster
from cxpulse.text import is_function_word_in

# Scoring imports numpy and LightGBM's C library only (`ml.trees`): scikit-learn, scipy
# and the lightgbm package (~1.5 s together) load when a model is fitted, never to score
# one ticket (`cxpulse score --ticket`: ≤ 1 s with start-up).

__all__ = ["LEARNERS", "SatisfactionModel", "Scored", "evaluate"]

LEARNERS = ("auto", "lgbm", "logreg", "blend")
CANDIDATES = ("lgbm", "logreg", "blend")  # what "auto" chooses among, on the newest fifth of the training tickets
VALIDATE_MAX = 25_000  # tickets: the newest this many of a larger training set choose the learner
TIE = 0.002  # validation AUCs this close are a tie, and a tie goes to the blend: two views err less than one
FORMAT = 2  # of to_bytes; bump when the pickled state changes shape (2: logreg_ holds numpy arrays, `_Linear`; the learner chosen, `learner_`)
TEXT = "text"  # the stacked text input's feature name
FEATURES: tuple[str, ...] = (*NUMERIC, *CATEGORICAL, TEXT)
_N_NUM, _N_CAT = len(NUMERIC), len(CATEGORICAL)
_MIN_CATEGORY = 5  # a category value seen on fewer training tickets is "other"
_CYCLIC = frozenset({"created_hour", "created_weekday"})  # one-hot for logreg, not a slope
_SHARES = frozenset({"agent_csat", "customer_csat", "account_csat"})
_EPS = 1e-6
_CHUNK_LIMIT = 400_000  # text chunks remembered per language before the table starts afresh
_WEIGHT = itemgetter(0)

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
SPLIT_AT = 4_000  # tickets: from here `score_tickets` shares a batch with a second process
_FEW_ROWS = 64  # rows up to which `_contributions` adds the leaves' rows in numpy, without scipy.sparse
CHUNK_MIN, CHUNK_MAX = 250, 4_000  # tickets per chunk of a shared batch


_REPLY = frozenset({"replied", "first_reply_minutes", "no_reply_minutes"})
_DUE = frozenset({"due_in_minutes", "past_due_minutes"})  # one fact: where the ticket stands against its promise
_PAST_DUE = NUMERIC.index("past_due_minutes")
_CREATED_BACK = NUMERIC.index("elapsed_minutes")
_UNSHARED = frozenset({"status"})  # a snapshot's status: no share of "the account's tickets"
_DONE = frozenset({"solved", "closed"})
_REPLIED, _ELAPSED, _WAITING, _RESOLUTION = (
    NUMERIC.index(n) for n in ("replied", "elapsed_minutes", "customer_waiting_minutes", "resolution_minutes")
)
_STATUS = CATEGORICAL.index("status")
_LANGUAGE = CATEGORICAL.index("language")
# Families whose reasons can say one fact twice ("customer kept waiting 71 d in all" beside
# "ticket opened 71 d ago"): `_fact` names the fact, and a ticket says each fact once.
_FACT_KIND = {
    "elapsed_minutes": "age",
    "requester_wait_minutes": "age",  # total wait vs age: always one reason
    "first_reply": "reply",  # "no reply yet after X": X is the age, or the solve if solved
    "customer_waiting_minutes": "waiting",  # since the first message, nobody answering: the age
    "resolution_minutes": "solve",
}


def _family(name: str) -> str:
    """Features that say one thing: whether and when the first reply came (calendar or
    business hours), a CSAT share and its n. Reasons merge them, so a ticket never
    gets the same reason twice ("no reply yet" beside "no reply yet after 2 d")."""
    name = name.replace("_bh_", "_")
    if name in _REPLY:
        return "first_reply"
    if name in _DUE:
        return "due"
    return name[:-2] if name.endswith("_csat_n") else name


@dataclass(frozen=True)
class Scored:
    """One ticket's score: round(100 × P(satisfied)), the probability and its reasons."""

    ticket_id: str
    score: int
    probability: float
    reasons: list[str]
    status: str = ""  # the ticket's status as of the time scored (`score_tickets(open_only=)` reads it)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -35.0, 35.0)))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    ok = ~np.isnan(x)
    if not ok.any():
        return math.nan
    x, w = x[ok], w[ok]
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cw, cw[-1] / 2.0)])


def _path_tables(booster) -> tuple[np.ndarray, np.ndarray, float]:
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


def _folds(ticket_ids: Sequence[str], k: int, seed: int) -> np.ndarray:
    """Fold of each row, whole tickets per fold (GroupKFold by ticket, shuffled)."""
    uniq, inverse = np.unique(np.asarray(ticket_ids, dtype=object).astype(str), return_inverse=True)
    rng = np.random.default_rng(seed)
    fold_of_ticket = rng.permutation(len(uniq)) % k
    return fold_of_ticket[inverse]


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


class _TextModel:
    """Logistic regression on hashed text; fitted out of fold so its margin can be stacked."""

    def __init__(self, vectorizer: TextVectorizer, *, alpha: float, seed: int, agent: bool) -> None:
        self.vectorizer = vectorizer
        self.agent = agent
        self.alpha = alpha
        self.seed = seed
        self.coef_: np.ndarray | None = None
        self.intercept_ = 0.0

    def _fit_one(self, X, y, w) -> tuple[np.ndarray, float]:
        # averaged SGD on the log loss: measured on the demo, as good as liblinear's exact
        # solution (AUC within ±0.005) at a fraction of the time on 100k tickets
        from sklearn.linear_model import SGDClassifier

        lr = SGDClassifier(loss="log_loss", alpha=self.alpha, max_iter=5, tol=None, average=True,
                           random_state=self.seed)
        lr.fit(X, y, sample_weight=w)
        return lr.coef_.ravel().copy(), float(lr.intercept_[0])

    def fit_oof(self, snaps: Sequence[Snapshot], y: np.ndarray, w: np.ndarray, folds: np.ndarray) -> np.ndarray:
        """Out-of-fold margins for every snapshot; the kept model averages the fold models.

        A ticket's snapshots that share one text are vectorised and learned once, their
        weights added: same fit, a fraction of the work.
        """
        keys: dict[tuple[str, str, str], int] = {}
        row_of = np.empty(len(snaps), dtype=np.int64)
        texts, agent, langs, first = [], [], [], []
        for i, s in enumerate(snaps):
            key = (s.ticket_id, s.customer_text, s.agent_text if self.agent else "")
            j = keys.get(key)
            if j is None:
                j = keys[key] = len(texts)
                texts.append(s.customer_text)
                agent.append(s.agent_text)
                langs.append(s.language)
                first.append(i)
            row_of[i] = j
        first_idx = np.array(first, dtype=np.int64)
        ufold = folds[first_idx]
        # rows grouped by fold, so each fold is one slice
        order = np.argsort(ufold, kind="stable")
        X = self.vectorizer.transform([texts[i] for i in order], [langs[i] for i in order],
                                      agent_texts=[agent[i] for i in order] if self.agent else None)
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        row_of = rank[row_of]
        first_idx, ufold = first_idx[order], ufold[order]
        uy = y[first_idx].astype(int)
        uw = np.bincount(row_of, weights=w, minlength=len(texts))
        bounds = np.searchsorted(ufold, np.arange(int(folds.max()) + 2))
        oof = np.zeros(len(texts))
        coefs, intercepts = [], []
        for f in range(len(bounds) - 1):
            a, b = int(bounds[f]), int(bounds[f + 1])
            if a == b:
                continue
            train = np.r_[0:a, b:len(texts)]
            if len(np.unique(uy[train])) < 2:
                oof[a:b] = _logit(np.array([uy[train].mean()]))[0]
                continue
            # the held-out fold stays in the matrix with weight 0: no copy of X per fold
            # (at 100k tickets that copy was half a gigabyte)
            fold_w = uw.copy()
            fold_w[a:b] = 0.0
            c, b0 = self._fit_one(X, uy, fold_w)
            oof[a:b] = X[a:b] @ c + b0
            coefs.append(c)
            intercepts.append(b0)
        if coefs:
            self.coef_ = np.mean(coefs, axis=0)
            self.intercept_ = float(np.mean(intercepts))
        else:
            self.coef_ = np.zeros(self.vectorizer.n_features)
            self.intercept_ = float(_logit(np.array([np.average(uy, weights=uw)]))[0])
        return oof[row_of]

    # Scoring reads each whitespace chunk of a text through the fitted weights once per
    # process: its share of the margin (Σ value × weight, Σ value²) and its quotable words
    # with their weights. A row's margin is then Σ shares / √Σ values² + intercept — the
    # L2-normalised product `transform(...) @ coef_`, without building the sparse rows.
    # Like the vectorizer's chunk cache this is a speed-up, not state: out of pickles.

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_chunks", None)
        return state

    def _chunk_table(self, key: str) -> dict:
        tables = self.__dict__.setdefault("_chunks", {})
        table = tables.get(key)
        if table is None or len(table) > _CHUNK_LIMIT:
            table = tables[key] = {}
        return table

    def _share(self, chunk: str, lang: str, salt: int) -> tuple[float, float, tuple[tuple[float, str, str], ...]]:
        """A chunk's (Σ value × weight, Σ value², its quotable words with their weights)."""
        vec = self.vectorizer
        coef = self.coef_
        cols, words = vec._analyse(chunk, lang, salt)
        val = np.where(cols >= vec.stem_offset, vec.stem_weight, 1.0)
        quotable = tuple((float(coef[col]), stem, word) for word, stem, col in words) if salt == 0 else ()
        return float(val @ coef[cols]), float(val @ val), quotable

    def margin(self, snaps: Sequence[Snapshot], quotes: list | None = None) -> np.ndarray:
        """Each snapshot's text margin; `quotes`, when given, receives per snapshot the
        quotable words its customer text hit, for `words(..., quoted=)` — so scoring with
        reasons reads each text once."""
        sides = [("customer_text", "", 0)] + ([("agent_text", "#agent", 1)] if self.agent else [])
        dot = np.zeros(len(snaps))
        sq = np.zeros(len(snaps))
        limit = self.vectorizer.max_chars
        for attr, suffix, salt in sides:
            get = attrgetter(attr)
            by_lang: dict[str, dict] = {}
            for i, s in enumerate(snaps):
                lang = s.language
                table = by_lang.get(lang)
                if table is None:
                    table = by_lang[lang] = self._chunk_table(lang + suffix)
                d = q = 0.0
                hits: list = []
                for chunk in get(s)[:limit].casefold().split():
                    hit = table.get(chunk)
                    if hit is None:
                        hit = table[chunk] = self._share(chunk, lang, salt)
                    d += hit[0]
                    q += hit[1]
                    if hit[2]:
                        hits.append(hit[2])
                if quotes is not None and salt == 0:
                    quotes.append(hits)
                dot[i] += d
                sq[i] += q
        return dot / np.maximum(np.sqrt(sq), 1e-12) + self.intercept_

    def words(
        self, snap: Snapshot, direction: int, top: int = 3, *, quoted: list | None = None,
        unquoted: Collection[str] = (), languages: frozenset[str] = frozenset(),
    ) -> list[str]:
        """This ticket's words with the strongest weights in `direction` (−1: towards unsatisfied).
        `quoted`: what `margin(..., quotes=)` collected for this snapshot, if it did;
        `unquoted`: words and stems never to quote (people's names: see `name_words`);
        `languages`: the account's, whose function words are never quoted either (the
        ticket's own language's are left out already; `text.is_function_word_in`)."""
        # A stem has one column, so one weight: the first word of each stem with a weight
        # in `direction`, strongest first, ties in order of appearance.
        found: list[tuple[float, str, str]] = []
        if quoted is None:
            # the chunks' table `margin` filled (customer side: salt 0): no text is analysed twice
            lang = snap.language
            table = self._chunk_table(lang)
            quoted = []
            for chunk in snap.customer_text[: self.vectorizer.max_chars].casefold().split():
                hit = table.get(chunk)
                if hit is None:
                    hit = table[chunk] = self._share(chunk, lang, 0)
                if hit[2]:
                    quoted.append(hit[2])
        for q in quoted:
            found.extend(q)
        if direction > 0:
            ranked = sorted((e for e in found if e[0] > 0), key=_WEIGHT, reverse=True)
        else:
            ranked = sorted((e for e in found if e[0] < 0), key=_WEIGHT)
        out: list[str] = []
        stems: set[str] = set()
        for _, stem, word in ranked:
            if (stem not in stems and word not in unquoted and stem not in unquoted
                    and not is_function_word_in(word, languages)):
                stems.add(stem)
                out.append(word)
                if len(out) == top:
                    break
        return out

    def margin_reference(self, snaps: Sequence[Snapshot]) -> np.ndarray:
        """`margin` the slow way, through the sparse rows (tests compare the two)."""
        X = self.vectorizer.transform([s.customer_text for s in snaps], [s.language for s in snaps],
                                      agent_texts=[s.agent_text for s in snaps] if self.agent else None)
        return X @ self.coef_ + self.intercept_

    def words_reference(
        self, snap: Snapshot, direction: int, top: int = 3, *, languages: frozenset[str] = frozenset()
    ) -> list[str]:
        """`words` the slow way (tests compare the two)."""
        best: dict[str, tuple[float, str]] = {}
        for word, stem, col in self.vectorizer.words(snap.customer_text, snap.language):
            if is_function_word_in(word, languages):
                continue
            c = float(self.coef_[col]) * direction
            if c > 0 and (stem not in best or c > best[stem][0]):
                best[stem] = (c, word)
        ranked = sorted(best.values(), key=lambda t: -t[0])
        return [w for _, w in ranked[:top]]


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
    `(start, rows)` per chunk as plain tuples, at the end — a send while the parent is
    busy would fill the pipe and stall this process."""
    out: list | BaseException = []
    try:
        with collector_paused():
            for a, b in _taken(chunks, counter):
                out.append((a, [(s.ticket_id, s.score, s.probability, s.reasons, s.status)
                                for s in _score_items(model, items[a:b], reasons, unquoted, open_only, on_scored)]))
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
        for j, vocab in enumerate(self.categories_):
            col = out[:, j]
            for i, s in enumerate(snaps):
                col[i] = vocab.get(s.categorical[j], 0.0)  # 0 = other / unseen
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
        folds = _folds(ids, max(2, self.folds), self.seed)
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

        self.text_model_: _TextModel | None = None
        if self.text:
            vectorizer = TextVectorizer(ngram_range=self.ngram_range)
            # the agents' words: +0.003 to +0.02 AUC on the demo, but twice the text work and
            # memory; by default used below 20,000 tickets, left out above (the 30 s / 2 GB
            # budget of 100,000 tickets)
            self.agent_text_ = self.n_tickets_ < REFIT_BELOW if self.agent_text is None else bool(self.agent_text)
            self.text_model_ = _TextModel(vectorizer, alpha=self.text_alpha, seed=self.seed, agent=self.agent_text_)
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
            self.paths_ = _path_tables(self.booster_)
        if self._uses("linear"):
            if self.n_tickets_ < REFIT_BELOW:
                self.logreg_ = self._fit_logreg(inputs["linear"], y, w)
        else:
            self.__dict__.pop("linear_", None)
        self.top_features_ = self._top_features(snaps, {k: v for k, v in inputs.items() if self._uses(k)}, w)
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
        """(per-feature contributions in margin units, n × len(FEATURES); the margin).

        Trees: each leaf's path contributions (tables from `_path_tables`), looked up by
        the leaves a row falls in — exact in sum (bias + Σ = the margin), ~50× cheaper
        than TreeSHAP's `pred_contrib`, which could not reach 20,000 tickets/s here.
        Logreg: weight × (value − training mean). The blend: the mean of the two — still
        exact in sum.
        """
        if self.learner_ == "lgbm":
            return self._tree_contributions(X["tree"])
        if self.learner_ == "logreg":
            return self._linear_contributions(X["linear"])
        ct, mt = self._tree_contributions(X["tree"])
        cl, ml = self._linear_contributions(X["linear"])
        return 0.5 * (ct + cl), self._blend(mt, ml)

    def _tree_contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        table, offsets, bias = self.paths_
        # one OpenMP thread, as in training; and a process forked after OpenMP ran
        # (score_tickets' second one) hangs in libgomp on a parallel region
        leaves = self.booster_.predict(X, pred_leaf=True, num_threads=1)
        n, trees = leaves.shape
        # int32 indices (LightGBM's and scipy's own) while they fit: no int64 copies
        index = np.int32 if n * trees < np.iinfo(np.int32).max else np.int64
        leaves = leaves.astype(index, copy=False)
        leaves += offsets.astype(index)
        if n <= _FEW_ROWS:  # a few tickets (`score --ticket`): the same sums in the same order, no scipy
            out = np.zeros((n, table.shape[1]))
            for t in range(trees):
                out += table[leaves[:, t]]
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

    def _linear_contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lr = self.logreg_
        coef = lr.coef_.ravel()
        per_col = (X - self.linear_["col_mean"]) * coef
        out = np.zeros((len(X), len(FEATURES)))
        # each feature's columns added in column order, as np.add.at(out.T, owner, per_col.T)
        # adds them (the same sums, bit for bit), a column at a time instead of an element
        # at a time (add.at goes an element at a time)
        owned: dict[int, list[int]] = {}
        for j, f in enumerate(self.linear_["owner"].tolist()):
            owned.setdefault(f, []).append(j)
        for f, cols in owned.items():
            col = out[:, f]
            for j in cols:
                col += per_col[:, j]
        return out, (X * coef).sum(axis=1) + lr.intercept_[0]  # row by row: no BLAS rounding by batch size

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
        voices = self._voices(contrib, num)
        p = self._calibrated(margin)
        members = self.family_members_
        # each family's sum column by column: a row's figures never depend on the batch
        # it came in (a BLAS product could round differently for one row than for many)
        fam = np.empty((len(snapshots), len(members)))
        for f, cols in enumerate(members):
            col = fam[:, f]
            col[:] = contrib[:, cols[0]]
            for j in cols[1:]:
                col += contrib[:, j]
        direction = np.where(p < self.base_rate_, -1, 1)
        fam *= direction[:, None]
        k = min(reasons + 4, fam.shape[1])  # room for the families a ticket skips (one fact, no words)
        top = np.argsort(-fam, axis=1, kind="stable")[:, :k]
        # towards the direction (the strongest first), else against it
        towards = (np.take_along_axis(fam, top, axis=1) > _EPS).tolist()
        top = top.tolist()
        direction = direction.tolist()
        probs = p.tolist()
        say, fact, kinds = self._say, self._fact, self._fact_kinds
        out = []
        for i, snap in enumerate(snapshots):
            d = direction[i]
            names = unquoted if unquoted_each is None else unquoted_each[i]
            voice = voices[i]
            words: list[str] = []
            facts: list[str] = []  # no two reasons say one fact: the stronger (first) speaks
            for f, v in zip(top[i], towards[i]):
                if kinds[f] is not None:
                    said_fact = fact(snap, f)
                    if said_fact is not None:
                        if said_fact in facts:
                            continue
                        facts.append(said_fact)
                said = say(snap, voice[f], d if v else -d, quotes[i] if quotes else None, names)
                if said and said not in words:
                    words.append(said)
                    if len(words) >= reasons:
                        break
            prob = probs[i]
            out.append(Scored(snap.ticket_id, int(round(100 * prob)), prob, words, snap.categorical[_STATUS]))
        return out

    def score_tickets(
        self, items: Sequence[tuple], *, reasons: int = 3, workers: int | None = None,
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

        A batch of `SPLIT_AT` tickets or more is shared with a second process when this
        one may use two cores (`workers` None; 1 never splits): forked, so the tickets and
        the model are not copied over, both take chunks until none is left, and it sends
        back its scores (the project's rule, `service.processes.process_context`: fork
        when single-threaded, else forkserver — then the child gets half, pickled).
        """
        self._check()
        if workers is None:
            from cxpulse.service.processes import usable_cores

            workers = min(2, usable_cores()) if len(items) >= SPLIT_AT else 1
        if workers <= 1 or len(items) < 2:
            with collector_paused():  # chunk by chunk: `items` may read each slice from storage as it is asked for
                return [s for a, b in _chunks(len(items)) for s in _score_items(self, items[a:b], reasons, unquoted,
                                                                                 open_only, on_scored)]
        from cxpulse.service.processes import process_context

        ctx = process_context()
        n = len(items)
        receive, send = ctx.Pipe(duplex=False)
        if ctx.get_start_method() == "fork":
            # both processes take the next free chunk until none is left: they finish
            # together though the child runs slower (its first touch of each shared page
            # copies it) or the other core is busy
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
        for a, rows in theirs:
            parts[a + shift] = got = [Scored(*row) for row in rows]
            if counter is None and on_scored is not None:  # a pickled child is given no callback: kept here
                on_scored(got)
        return [s for a in sorted(parts) for s in parts[a]]

    def _voices(self, contrib: np.ndarray, num: np.ndarray) -> list[list[int]]:
        """Per row, per family: the feature its reason speaks of — the member that weighed
        most, among those with a value (all of them when none has), the first of equals."""
        members = self.family_members_
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

    def _say(
        self, snap: Snapshot, j: int, direction: int, quoted: list | None = None, unquoted: Collection[str] = (),
    ) -> str:
        """The reason feature `j` (the voice of its family, `_voices`) gives, in words."""
        name = FEATURES[j]
        shares = getattr(self, "shares_", None)  # a model stored before shares: no reference
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
            if name == "due_in_minutes":  # "due in 2 h": the time left says it all
                return snapshot_reason(snap, name, math.nan)
            return snapshot_reason(snap, name, self.medians_.get(name, math.nan))
        if j < _N_NUM + _N_CAT:
            value = snap.categorical[j - _N_NUM]
            table = None if shares is None else shares.get(name)
            return category_reason(name, value, None if table is None else table.get(value, 0.0))
        if self.text_model_ is None:
            return ""
        return text_reason(self.text_model_.words(snap, direction, quoted=quoted, unquoted=unquoted,
                                                  languages=self.languages_))

    @property
    def languages_(self) -> frozenset[str]:
        """The languages of the account's training tickets (whose function words a reason never quotes)."""
        langs = self.__dict__.get("_languages")
        if langs is None:
            langs = self._languages = frozenset(v for v in self.categories_[_LANGUAGE] if v)
        return langs

    def _fact(self, snap: Snapshot, family: int) -> str | None:
        """The fact a family's reason states, when another family can state it too
        (`_FACT_KIND`): "age" (how long the ticket has been open and waiting) or "solve"."""
        kind = self._fact_kinds[family]
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

    @property
    def families_(self) -> np.ndarray:
        if not hasattr(self, "_families"):
            names = [_family(n) for n in FEATURES]
            uniq = list(dict.fromkeys(names))
            self._families = np.array([uniq.index(n) for n in names])
            self._family_names = uniq
            self._family_members = [[j for j, n in enumerate(names) if n == u] for u in uniq]
            self._fact_kinds = [_FACT_KIND.get(u) for u in uniq]
        return self._families

    @property
    def family_names_(self) -> list[str]:
        self.families_
        return self._family_names

    @property
    def family_members_(self) -> list[list[int]]:
        self.families_
        return self._family_members

    def _top_features(self, snaps: Sequence[Snapshot], X: dict[str, np.ndarray], w: np.ndarray) -> list[dict]:
        """Mean |contribution| per feature family on (a sample of) the training rows."""
        if "linear" in X:
            self.linear_["col_mean"] = np.average(X["linear"], axis=0, weights=w)
        rng = np.random.default_rng(self.seed)
        idx = rng.choice(len(w), size=min(len(w), 3000), replace=False)
        contrib, _ = self._contributions({k: v[idx] for k, v in X.items()})
        fam = np.zeros((len(idx), len(self.family_names_)))
        np.add.at(fam.T, self.families_, contrib.T)
        imp = np.average(np.abs(fam), axis=0, weights=w[idx])
        total = imp.sum() or 1.0
        order = np.argsort(-imp, kind="stable")
        return [
            {"feature": self.family_names_[f], "importance": round(float(imp[f] / total), 4)}
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
            out.platt_ = (a, b + float(_logit(np.array([base_rate]))[0] - _logit(np.array([self.base_rate_]))[0]))
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
        """The fitted state, pickled (with the format number); `from_bytes` reads it back."""
        self._check()
        buf = io.BytesIO()
        pickle.dump({"format": FORMAT, "model": self}, buf, protocol=pickle.HIGHEST_PROTOCOL)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> SatisfactionModel:
        state = pickle.loads(data)
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            found = state.get("format") if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"model bytes of format {found!r} (another cxpulse version), this one reads format "
                             f"{FORMAT}: retrain the model")
        return state["model"]

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for k in ("_families", "_family_names", "_family_members", "_fact_kinds", "_languages"):
            state.pop(k, None)
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
    m = model if model is not None else SatisfactionModel(learner=learner, seed=seed)
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
