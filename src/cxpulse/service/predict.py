"""Prediction use cases: train per-account models, score tickets with reasons,
evaluate honestly, keep the early-warning log.

Training data of an account: its rated tickets — those with a CSAT answer; the latest
answer on the account's CSAT scale decides the label (a ticket rated only on the other
CSAT scale, e.g. Zendesk's good/bad in a 1–5 account, by that one) — each seen at
several moments of its life (`features.training_times`, never after its first rating;
a ticket rated before its first reply or its solve is seen just before its rating, so
every rated ticket is learned from and tested), weighted so every ticket counts once.
The context inputs (agent's, customer's, account's recent CSAT) come from all the
account's CSAT answers, as of each moment.

An account with at least `min_rated_for_model` rated tickets gets its own model; the
others share one model trained across all accounts, shifted to their own base rate.
Models, predictions and alerts are derived: `train` and `score` make them again.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING

from cxpulse.domain import (
    OPEN_STATES,
    AmbiguousTicket,
    CxpulseError,
    InvalidQuery,
    NotFound,
    Scale,
    Ticket,
    TicketEvent,
    is_satisfied,
)
from cxpulse.ml.context import WINDOW_DAYS, PastRating, RatingHistory, shrunk_share
from cxpulse.ml.features import early_times, snapshots, training_times
from cxpulse.service.load import Touched
from cxpulse.service.processes import process_context, usable_cores
from cxpulse.storage import Store, StoredAccount
from cxpulse.storage import predictions as prediction_store
from cxpulse.storage.histories import ticket_histories, ticket_ids
from cxpulse.storage.locks import lock_account
from cxpulse.text import name_words

if TYPE_CHECKING:  # the learners (scikit-learn, LightGBM: ~1.5 s to import) load when a model is fitted; scoring never loads them
    from cxpulse.ml.evaluation import TrainingSet
    from cxpulse.ml.model import SatisfactionModel

LEARNER = "auto"  # chosen per account on a validation fold: docs/prediction.md
LEARNERS = ("auto", "lgbm", "logreg", "blend")  # ml.model.LEARNERS, named here so checking one loads no learner
TEST_SHARE = 0.2  # newest fifth of the rated tickets tests, the older four fifths train
MIN_RATED = 20  # below this (or with one kind of answer only) no model can be fitted
CSAT_SCALES = (Scale.FIVE, Scale.BINARY)
_POOLED_KEY = "\x1f"  # joins account and ticket id in pooled snapshots: ids repeat across accounts


# ---- an account's rated tickets ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rated:
    """One rated ticket: its history, its label, and when it was first rated."""

    ticket: Ticket
    events: list[TicketEvent]
    satisfied: bool
    rated_at: datetime  # nothing at or after the first rating is learned from


@dataclass
class AccountData:
    acc: StoredAccount
    history: RatingHistory
    rated: list[Rated]  # oldest ticket first: the order the time split cuts

    @property
    def enough_for_own_model(self) -> bool:
        labels = {r.satisfied for r in self.rated}
        return len(self.rated) >= max(self.acc.account.min_rated_for_model, MIN_RATED) and len(labels) == 2

    @property
    def base_rate(self) -> float:
        return sum(r.satisfied for r in self.rated) / len(self.rated) if self.rated else math.nan


def load_account(store: Store, acc: StoredAccount) -> AccountData:
    """The account's rating history and rated tickets with their events, from storage."""
    own_scale = str(acc.account.csat_scale)
    with store.engine.connect() as conn:
        ratings = [r for r in prediction_store.csat_ratings(conn, acc.id) if r.scale in CSAT_SCALES]
        # oldest first, so the last answer seen per (ticket, scale) is the latest
        label: dict[str, dict[bool, bool]] = {}
        first_at: dict[str, datetime] = {}
        for r in ratings:
            if not r.ticket_id:
                continue
            label.setdefault(r.ticket_id, {})[r.scale == own_scale] = is_satisfied(r.scale, r.score)
            first_at.setdefault(r.ticket_id, r.given_at)
        rated = [
            Rated(t, events, label[t.source_id].get(True, label[t.source_id].get(False)), first_at[t.source_id])
            for t, events in ticket_histories(conn, acc.id, label)
        ]
    rated.sort(key=lambda r: (r.ticket.created_at, r.ticket.source_id))
    return AccountData(acc, _history(ratings), rated)


def _history(ratings: Iterable[prediction_store.Rating]) -> RatingHistory:
    """The context inputs' view of CSAT answers read from storage (`csat_ratings`, already
    attributed to an agent and a customer): the CSAT-scale ones, each satisfied or not."""
    return RatingHistory(
        PastRating(r.given_at, r.ticket_id, r.agent_id, r.customer_id, is_satisfied(r.scale, r.score))
        for r in ratings if r.scale in CSAT_SCALES
    )


def _training_rows(data: AccountData, rated: Sequence[Rated], *, pooled: bool = False):
    a = data.acc.account
    for r in rated:
        times = training_times(r.ticket, r.events, until=r.rated_at)
        for snap in snapshots(r.ticket, r.events, times, account=a, history=data.history):
            yield (_pooled(snap, a.name) if pooled else snap), r.satisfied


def _pooled(snap, account: str):
    return replace(snap, ticket_id=f"{account}{_POOLED_KEY}{snap.ticket_id}")


def training_set(data: AccountData, rated: Sequence[Rated] | None = None, *, pooled: bool = False) -> TrainingSet:
    """Snapshots of these rated tickets (all the account's by default), each ticket weighing 1."""
    from cxpulse.ml.evaluation import TrainingSet

    return TrainingSet.build(_training_rows(data, data.rated if rated is None else rated, pooled=pooled))


def early_sets(data: AccountData, rated: Sequence[Rated], *, pooled: bool = False) -> dict[str, TrainingSet]:
    """Snapshots early in each ticket's life (before the first reply, half-way): what early AUC is measured on."""
    from cxpulse.ml.evaluation import TrainingSet

    rows: dict[str, list] = {}
    a = data.acc.account
    for r in rated:
        for name, at in early_times(r.ticket, r.events, until=r.rated_at).items():
            rows.setdefault(name, [])
            if at is None:
                continue
            (snap,) = snapshots(r.ticket, r.events, [at], account=a, history=data.history)
            rows[name].append((_pooled(snap, a.name) if pooled else snap, r.satisfied))
    return {name: TrainingSet.build(pairs) for name, pairs in rows.items()}


def _both_kinds(rated: Sequence[Rated]) -> bool:
    return len({r.satisfied for r in rated}) == 2


# ---- evaluation ----------------------------------------------------------------------------


def check_learner(learner: str) -> None:
    if learner not in LEARNERS:
        raise InvalidQuery(f"unknown learner {learner!r}; use one of {', '.join(LEARNERS)}")


def _evaluate_parts(parts: Sequence[tuple[AccountData, Sequence[Rated]]], *, pooled: bool, learner: str) -> dict:
    """The time-split figures over these accounts' rated tickets: train on the oldest 80%, test on the newest 20%."""
    from cxpulse.ml.evaluation import TrainingSet, verdict
    from cxpulse.ml.evaluation import evaluate as evaluate_split

    everything = [(d, r) for d, rated in parts for r in rated]
    everything.sort(key=lambda p: (p[1].ticket.created_at, p[1].ticket.source_id))
    n_test = max(1, round(len(everything) * TEST_SHARE)) if len(everything) > 1 else 0
    older, newer = everything[: len(everything) - n_test], everything[len(everything) - n_test :]

    def build(pairs):
        rows = []
        for d, r in pairs:
            rows += list(_training_rows(d, [r], pooled=pooled))
        return TrainingSet.build(rows)

    def early(pairs):
        sets: dict[str, list] = {}
        for d, r in pairs:
            for name, ts in early_sets(d, [r], pooled=pooled).items():
                sets.setdefault(name, []).extend(zip(ts.snapshots, ts.labels))
        return {name: TrainingSet.build(rows) for name, rows in sets.items()}

    if not _both_kinds([r for _d, r in older]):
        return {"auc": None, "auc_low": None, "auc_high": None, "better_than_chance": None, "verdict": "",
                "brier": None, "base_rate": None, "baseline_brier": None, "calibration": [],
                "early_auc": {}, "early_auc_low": {}, "early_auc_high": {},
                "rated": len(everything), "n_train": len(older), "n_test": len(newer), "learner": learner,
                "note": "the older 80% of rated tickets hold one kind of answer only: nothing to evaluate"}
    out = evaluate_split(build(older), build(newer), early=early(newer), learner=learner)
    if pooled:  # measured on every account's tickets: the sentence says so
        out["verdict"] = verdict(out["auc"], out["auc_low"], out["auc_high"], pooled=True)
    # every rated ticket has a snapshot (features.training_times), so it is fitted on or tested: n_train + n_test = rated
    out["rated"] = len(everything)
    out["window_test"] = [newer[0][1].ticket.created_at.isoformat(), newer[-1][1].ticket.created_at.isoformat()] if newer else []
    return out


def evaluate(store: Store, account: str, *, learner: str = LEARNER) -> dict:
    """The honest figures for one account: time-ordered split, AUC, Brier, calibration
    beside the base-rate baseline, and AUC early in the tickets' lives.

    An account with enough rated tickets is evaluated on its own; a smaller one is
    evaluated as it is served — by the pooled model, split by time across all accounts.
    `rated` counts the rated tickets the split cut (every account's, when pooled; the
    account's own are `account_rated`), and n_train + n_test = rated.
    """
    check_learner(learner)
    acc = store.account(account)
    data = load_account(store, acc)
    if data.enough_for_own_model:
        out = _evaluate_parts([(data, data.rated)], pooled=False, learner=learner)
        scope = "account"
    else:
        everyone = [data] + [load_account(store, a) for a in store.accounts() if a.id != acc.id]
        _check_pooled(everyone)
        out = _evaluate_parts([(d, d.rated) for d in everyone], pooled=True, learner=learner)
        scope = "pooled"
    return {"account": acc.name, "scope": scope, "rated": len(data.rated), "account_rated": len(data.rated), **out}


def evaluate_all(store: Store, *, learner: str = LEARNER) -> list[dict]:
    """`evaluate` for every account, in name order."""
    return [evaluate(store, a.name, learner=learner) for a in store.accounts()]


# ---- training ------------------------------------------------------------------------------


@dataclass
class Trained:
    """What `train` did for one account: the stored version and its card."""

    account: str
    version: int
    scope: str  # "account" | "pooled-shifted"
    card: dict


@dataclass
class Failed:
    """An account `train` could not give a model: its name, why, and the error itself
    (re-raised by `train` for a caller that wants all or nothing)."""

    account: str
    reason: str
    error: BaseException | None = None


@dataclass
class TrainRun:
    """Every account of one `train_accounts` run: those trained (stored) and those failed."""

    trained: list[Trained]
    failed: list[Failed]
    tasks: list = field(default_factory=list)  # on Spark: what each account's task cost (`spark.TaskFigures`)


@dataclass
class Fitted:
    """A model made for one account and not stored yet: its bytes and its card (version
    0 until stored). What `fit_account` returns — in this process, or in a Spark task."""

    account: str
    scope: str  # "account" | "pooled-shifted"
    blob: bytes
    card: dict


def _check_pooled(datas: Sequence[AccountData]) -> None:
    rated = [r for d in datas for r in d.rated]
    if len(rated) < MIN_RATED or not _both_kinds(rated):
        satisfied = sum(r.satisfied for r in rated)
        raise InvalidQuery(
            f"not enough rated tickets to train a model: {len(rated)} rated ({satisfied} satisfied) across "
            f"all accounts; need at least {MIN_RATED}, with both satisfied and unsatisfied ones — "
            "import tickets with their CSAT ratings first (`cxpulse import`)"
        )


def _window(rated: Sequence[Rated]) -> tuple[str, str]:
    if not rated:
        return ("", "")
    created = sorted(r.ticket.created_at for r in rated)
    return (created[0].isoformat(), created[-1].isoformat())


def _card(
    figures: dict, model: SatisfactionModel, full: TrainingSet, rated: Sequence[Rated], *,
    version: int, trained_at: datetime, scope: str, learner: str,
) -> dict:
    from cxpulse.ml.evaluation import ModelCard

    card = ModelCard(
        learner=learner,
        version=version,
        trained_at=trained_at.isoformat(),
        window=_window(rated),
        n_tickets=full.n_tickets,
        n_snapshots=len(full),
        base_rate=round(float(model.base_rate_), 4),
        auc=figures.get("auc"),
        brier=figures.get("brier"),
        baseline_brier=figures.get("baseline_brier"),
        calibration=figures.get("calibration", []),
        early_auc=figures.get("early_auc", {}),
        top_features=list(model.top_features_[:10]),
        scope=scope,
        auc_low=figures.get("auc_low"),
        auc_high=figures.get("auc_high"),
        better_than_chance=figures.get("better_than_chance"),
        verdict=figures.get("verdict", ""),
        early_auc_low=figures.get("early_auc_low", {}),
        early_auc_high=figures.get("early_auc_high", {}),
    ).to_dict()
    # the learner chosen for the stored model, each candidate's AUC on the newest fifth
    # of the training tickets; and the one the test figures above were measured on
    card["chosen"] = model.learner_
    card["candidates"] = list(model.candidates_)
    card["tested"] = figures.get("chosen")
    card["rated"] = figures.get("rated")
    card["n_train"] = figures.get("n_train")
    card["n_test"] = figures.get("n_test")
    return card


def fit_account(data: AccountData, *, learner: str, trained_at: datetime) -> Fitted:
    """An account's own model and its card, from its data alone: the time-split figures
    (fitted on the older 80%, tested on the newest 20%), then the model fitted on all its
    rated tickets. Pure — reads and writes nothing — so the same function runs here or in
    a Spark task (service/spark.py). Raises when the data cannot make a model."""
    from cxpulse.ml.model import SatisfactionModel

    if not data.enough_for_own_model:
        raise InvalidQuery(
            f"account {data.acc.name!r}: {len(data.rated)} rated tickets ({sum(r.satisfied for r in data.rated)} "
            f"satisfied); an own model needs at least {max(data.acc.account.min_rated_for_model, MIN_RATED)}, "
            "with both satisfied and unsatisfied ones"
        )
    figures = _evaluate_parts([(data, data.rated)], pooled=False, learner=learner)
    full = training_set(data)
    model = SatisfactionModel(learner=learner).fit(full)
    card = _card(figures, model, full, data.rated, version=0, trained_at=trained_at, scope="account", learner=learner)
    card["account"] = data.acc.name
    return Fitted(data.acc.name, "account", model.to_bytes(), card)


def shift_pooled(
    data: AccountData, pooled: tuple[SatisfactionModel, dict, int], *, learner: str, trained_at: datetime
) -> Fitted:
    """The pooled model moved to this account's base rate (shrunk towards the pooled one
    when it has few ratings; the pooled one when it has none), with the pooled card's figures."""
    base_model, pooled_card, pooled_version = pooled
    full = training_set(data)
    prior = float(base_model.base_rate_)
    rate = shrunk_share(len(data.rated), data.base_rate, prior) if data.rated else prior
    model = base_model.shifted(rate, full.snapshots)
    card = _card(pooled_card, model, full, data.rated, version=0, trained_at=trained_at, scope="pooled-shifted",
                 learner=learner)
    card["account"] = data.acc.name
    card["pooled_version"] = pooled_version
    card["pooled_n_tickets"] = pooled_card["n_tickets"]
    card["n_tickets"] = len(data.rated)
    return Fitted(data.acc.name, "pooled-shifted", model.to_bytes(), card)


def store_fitted(store: Store, acc: StoredAccount, fitted: Fitted, *, learner: str, trained_at: datetime) -> Trained:
    """Store a fitted model as the account's next version; an account whose new model
    gives no scores loses the older model's predictions (they would go on being shown)."""
    with store.engine.begin() as conn:
        lock_account(conn, acc.id)  # PostgreSQL: two trainers of the account would take the same version
        version = prediction_store.next_model_version(conn, acc.id)
        card = {**fitted.card, "version": version}
        prediction_store.insert_model(conn, account_id=acc.id, scope=fitted.scope, version=version, learner=learner,
                                      created_at=trained_at, card=card, blob=fitted.blob)
        if no_score_reason(card):
            prediction_store.delete_predictions(conn, acc.id)
    return Trained(acc.name, version, fitted.scope, card)


def failure(account: str, exc: BaseException) -> Failed:
    """An account's failure as the user reads it: the error's own words, or its kind when it has none."""
    said = str(exc) if isinstance(exc, CxpulseError) else f"{type(exc).__name__}: {exc}"
    return Failed(account, said, exc)


def to_train(store: Store, account: str | None) -> list[StoredAccount]:
    """The accounts to train: this one, or all."""
    targets = [store.account(account)] if account else store.accounts()
    if not targets:
        raise NotFound("no accounts yet — import data first (`cxpulse import` or `cxpulse demo`)")
    return targets


def train_pooled_shifted(
    store: Store, targets: Sequence[StoredAccount], datas: dict[int, AccountData], *, learner: str, now: datetime,
    on_done: Callable[[Trained | Failed], None],
) -> None:
    """The accounts among `targets` too small for an own model (their data in `datas`):
    the pooled model (trained once, across every account: the others are read again)
    shifted to each one's base rate, stored. When the pooled model cannot be trained, each
    of them fails with that reason."""
    pooled: tuple[SatisfactionModel, dict, int] | BaseException | None = None
    for acc in targets:
        data = datas[acc.id]
        try:
            if pooled is None:
                everyone = list(datas.values()) + [load_account(store, a) for a in store.accounts() if a.id not in datas]
                try:
                    pooled = _train_pooled(store, everyone, learner=learner, now=now)
                except Exception as exc:  # noqa: BLE001 — tried once: every small account fails with it
                    pooled = exc
            if isinstance(pooled, BaseException):
                raise pooled
            fitted = shift_pooled(data, pooled, learner=learner, trained_at=now)
        except Exception as exc:  # noqa: BLE001 — one account's failure is reported, the others go on
            on_done(failure(acc.name, exc))
            continue
        on_done(store_fitted(store, acc, fitted, learner=learner, trained_at=now))


def train_accounts(
    store: Store,
    account: str | None = None,
    *,
    learner: str = LEARNER,
    progress: Callable[[int], None] | None = None,
) -> TrainRun:
    """Train and store a new model version for one account (or every account); an
    account that fails is reported in `failed`, the others are trained and stored.

    Each own model's card carries the time-split figures (fitted on the older 80%, tested
    on the newest 20%); the stored model is then fitted on all rated tickets. Accounts
    with fewer rated tickets than their `min_rated_for_model` get the pooled model (trained
    once, across all accounts, stored with its own card) shifted to their base rate.
    `progress(done)` counts accounts. service/spark.py runs the same steps on Spark.
    """
    check_learner(learner)
    targets = to_train(store, account)
    now = datetime.now(UTC)
    run = TrainRun([], [])

    def done(result: Trained | Failed) -> None:
        (run.trained if isinstance(result, Trained) else run.failed).append(result)
        if progress:
            progress(len(run.trained) + len(run.failed))

    small, datas = [], {}
    for acc in targets:  # one account's data in memory at a time (and the small ones', for the pooled model)
        data = load_account(store, acc)
        if not data.enough_for_own_model:
            small.append(acc)
            datas[acc.id] = data
            continue
        try:
            fitted = fit_account(data, learner=learner, trained_at=now)
        except Exception as exc:  # noqa: BLE001 — one account's failure is reported, the others go on
            done(failure(acc.name, exc))
            continue
        done(store_fitted(store, acc, fitted, learner=learner, trained_at=now))
    train_pooled_shifted(store, small, datas, learner=learner, now=now, on_done=done)
    return in_order(run, targets)


def in_order(run: TrainRun, targets: Sequence[StoredAccount]) -> TrainRun:
    """The run's accounts in the order of `targets` (name order): the same table whatever finished first."""
    rank = {a.name: i for i, a in enumerate(targets)}
    run.trained.sort(key=lambda t: rank[t.account])
    run.failed.sort(key=lambda f: rank[f.account])
    return run


def train(
    store: Store,
    account: str | None = None,
    *,
    learner: str = LEARNER,
    progress: Callable[[int], None] | None = None,
) -> list[Trained]:
    """`train_accounts`, all or nothing: the accounts trained, or the first failure's error
    raised (the accounts that did train are stored all the same)."""
    run = train_accounts(store, account, learner=learner, progress=progress)
    if run.failed:
        first = run.failed[0]
        if isinstance(first.error, Exception):
            raise first.error
        raise InvalidQuery(f"account {first.account!r}: {first.reason}")
    return run.trained


def _train_pooled(
    store: Store, everyone: Sequence[AccountData], *, learner: str, now: datetime
) -> tuple[SatisfactionModel, dict, int]:
    """One model across every account's rated tickets, with its own card and version."""
    from cxpulse.ml.evaluation import TrainingSet
    from cxpulse.ml.model import SatisfactionModel

    _check_pooled(everyone)
    figures = _evaluate_parts([(d, d.rated) for d in everyone], pooled=True, learner=learner)
    rows = [row for d in everyone for row in _training_rows(d, d.rated, pooled=True)]
    full = TrainingSet.build(rows)
    model = SatisfactionModel(learner=learner).fit(full)
    rated = [r for d in everyone for r in d.rated]
    with store.engine.begin() as conn:
        version = prediction_store.next_model_version(conn, None)
        card = _card(figures, model, full, rated, version=version, trained_at=now, scope="pooled", learner=learner)
        card["accounts"] = sorted(d.acc.name for d in everyone if d.rated)
        prediction_store.insert_model(conn, account_id=None, scope="pooled", version=version, learner=learner,
                       created_at=now, card=card, blob=model.to_bytes())
    return model, card, version


def model_card(store: Store, account: str) -> dict:
    """The card of the account's newest model."""
    acc = store.account(account)
    with store.engine.connect() as conn:
        stored = prediction_store.latest_model(conn, acc.id, with_blob=False)
    if stored is None:
        raise NotFound(_no_model(acc.name))
    return stored.card


# ---- scoring -------------------------------------------------------------------------------


def no_score_reason(card: dict) -> str | None:
    """Why the model behind this card gives no scores, or None when it gives them.

    A model whose test AUC's 95% interval holds 0.5 is not shown to rank tickets better
    than a coin: its scores and alerts would send people after tickets at random. So it
    scores nothing, raises no alert, and the pages that would show scores say this instead
    (docs/prediction.md, "When it cannot predict"). A card from before the intervals (no
    `better_than_chance`) scores as it did.
    """
    if card.get("better_than_chance") is not False:
        return None
    name = card.get("account") or "this account"
    said = card.get("verdict") or "no better than chance on this account's data"
    shared = " (the model shared by all accounts)" if card.get("scope") == "pooled-shifted" else ""
    return (f"No scores for {name}: its model{shared}, version {card.get('version')}, is {said}. "
            "Its scores would rank tickets at random, so none is shown and no alert is raised; "
            "`cxpulse train` tries again as more rated tickets come in.")


def _no_model(name: str) -> str:
    return f"account {name!r} has no trained model yet — run `cxpulse train --account {name}` first"


def _targets(store: Store, account: str | None, ticket: str | None) -> list[StoredAccount]:
    if ticket is None:
        return [store.account(account)] if account else store.accounts()
    with store.engine.connect() as conn:
        holders = prediction_store.accounts_with_ticket(conn, ticket)
    names = [name for _id, name in holders]
    if account is not None:
        acc = store.account(account)
        if acc.name not in names:
            raise NotFound(f"no ticket {ticket!r} in account {acc.name!r}" + (f" (it is in {', '.join(names)})" if names else ""))
        return [acc]
    if not names:
        raise NotFound(f"no ticket {ticket!r} in any account")
    if len(names) > 1:
        raise AmbiguousTicket(
            f"ticket {ticket!r} exists in several accounts: {', '.join(names)} — pass --account to pick one"
        )
    return [store.account(names[0])]


def score(
    store: Store,
    *,
    account: str | None = None,
    open_only: bool = False,
    ticket: str | None = None,
    as_of: datetime | None = None,
) -> list[dict]:
    """Score tickets 0–100 with their top 3 reasons, lowest first.

    `ticket` is the help desk's id; `open_only` keeps the tickets open at that time.
    Scoring now (`as_of` None) stores each ticket's prediction with the model version and
    logs an alert when an open ticket crosses below the account's `alert_below`; scoring
    as of an explicit time only reads.
    """
    out: list[dict] = []
    if open_only and ticket is None and as_of is None:
        for acc, stored, model, ids in _open_now(store, account):
            out += _score_account(store, acc, stored, ids, as_of=None, open_only=True, model=model)
        return sort_scores(out)
    for acc, stored, ids in score_targets(store, account=account, open_only=open_only, ticket=ticket, as_of=as_of):
        out += _score_account(store, acc, stored, ids, as_of=as_of, open_only=open_only and ticket is None,
                              asked_for_it=ticket is not None)
    return sort_scores(out)


def _open_now(
    store: Store, account: str | None,
) -> list[tuple[StoredAccount, prediction_store.StoredModel, SatisfactionModel | None, list[str]]]:
    """`score_targets` of `score --open` (now), with the first scoring account's model read
    back: the open tickets' ids are read in a thread while that model is read back here
    (the learners' imports and unpickling, ~0.13 s) — SQLite answers the ids in one step
    with the GIL released (`open_ticket_ids`), so the two overlap instead of adding up
    before scoring. The other accounts' models are read when each is scored, not all held
    at once. The thread is joined before any scoring, which forks only a single-threaded process."""
    import threading

    targets = [(acc, stored) for acc, stored, _ in score_targets(store, account=account, open_only=True,
                                                                 ticket=None, as_of=None, ids=False)]
    found: dict[int, list[str]] = {}
    failed: list[BaseException] = []

    def read() -> None:
        try:
            with store.engine.connect() as conn:
                for acc, _stored in targets:
                    found[acc.id] = prediction_store.open_ticket_ids(conn, acc.id)
        except BaseException as e:  # raised again by the caller's thread
            failed.append(e)

    reader = threading.Thread(target=read, name="cxpulse-open-ids")
    reader.start()
    try:
        models: list[SatisfactionModel | None] = [None] * len(targets)
        first = next((i for i, (_acc, stored) in enumerate(targets) if not no_score_reason(stored.card)), None)
        if first is not None:
            models[first] = _model(*targets[first])
    finally:
        reader.join()
    if failed:
        raise failed[0]
    return [(acc, stored, model, found[acc.id]) for (acc, stored), model in zip(targets, models)]


def sort_scores(rows: list[dict]) -> list[dict]:
    """Lowest score first, then by account and ticket: the order `score` answers in.

    Three stable sorts, the last key first: the order of one sort by the three-key tuple,
    but each compares plain strings or integers (CPython's fast paths) instead of tuples,
    and the rows come mostly in ticket order already — a third of the time at 100,000 rows."""
    rows.sort(key=itemgetter("ticket_id"))
    rows.sort(key=itemgetter("account"))
    rows.sort(key=itemgetter("score"))
    return rows


def score_targets(
    store: Store, *, account: str | None, open_only: bool, ticket: str | None, as_of: datetime | None,
    ids: bool = True,
) -> list[tuple[StoredAccount, prediction_store.StoredModel, list[str]]]:
    """Each account to score with its newest model and the ids of the tickets to score:
    the one named, the open ones (scoring now), or all (`ids` False: none read, the
    caller reads them). An account without a model stops it all."""
    targets = _targets(store, account, ticket)
    out = []
    with store.engine.connect() as conn:
        for acc in targets:
            stored = prediction_store.latest_model(conn, acc.id)
            if stored is None:
                raise NotFound(_no_model(acc.name))
            out.append((acc, stored))
    if not ids:
        return [(acc, stored, []) for acc, stored in out]
    picked = []
    for acc, stored in out:
        with store.engine.connect() as conn:
            if ticket is not None:
                ids = [ticket]
            elif open_only and as_of is None:
                ids = prediction_store.open_ticket_ids(conn, acc.id)
            else:
                ids = ticket_ids(conn, acc.id)
        picked.append((acc, stored, list(ids)))
    return picked


SPLIT_AT = 4_000  # tickets: from here `_score_account` shares a batch with a second process


def _score_account(
    store: Store, acc: StoredAccount, stored: prediction_store.StoredModel, ids: Collection[str], *,
    as_of: datetime | None, open_only: bool = False, asked_for_it: bool = False, model: SatisfactionModel | None = None,
) -> list[dict]:
    """Score these tickets as of `as_of` (now when None, and then store the predictions).
    `open_only`: those open at that time; `asked_for_it`: one ticket named by the user, who
    hears why when it did not exist yet.

    The one scoring path of the product — `cxpulse score` (--open, --ticket), the rescore
    after an import or an API batch (the server's at-risk list) — and what
    bench/bench_score_cli.py measures: the tickets with their events, the rating history
    and the people's names are read once, then `SatisfactionModel.score_tickets` scores the
    batch (snapshots, scores, reasons; shared with a second process when large).
    """
    if not ids or no_score_reason(stored.card):
        return []  # a model no better than chance scores nothing: `no_scores` says why
    if model is None:  # else read back already (`_open_now`)
        model = _model(acc, stored)
    inputs = score_inputs(store, acc, ids, as_of=as_of, asked_for_it=asked_for_it)
    if inputs is None:
        return []
    keep = _Keep(store, acc, stored.version, inputs.at) if as_of is None else None
    # a large batch is shared with a second process, when there is a second core
    workers = min(2, usable_cores()) if len(inputs.items) >= SPLIT_AT else 1
    if keep is not None and workers > 1:
        # what `_Keep` imports on its first alert, imported before the batch is shared with
        # a forked process: once, not once in each
        import cxpulse.service.webhooks  # noqa: F401
    scored = score_items(model, inputs, open_only=open_only, on_scored=keep, workers=workers)
    return _rows(acc.name, stored.version, inputs.at, scored)


@dataclass
class ScoreInputs:
    """What scoring an account's tickets reads from storage: the `score_tickets` items
    (each ticket with its events, the time, the account, the rating history), the words
    its reasons never quote, and the time scored."""

    at: datetime
    items: Sequence[tuple]
    unquoted: _Unquoted


def score_inputs(
    store: Store, acc: StoredAccount, ids: Collection[str], *, as_of: datetime | None, asked_for_it: bool = False,
    in_memory: bool = False,
) -> ScoreInputs | None:
    """Read what scoring these tickets as of `as_of` (now when None) needs; None when none
    of them existed yet. A large batch is read a slice at a time by the process scoring
    it (`_Stored`), unless `in_memory` asks for it all now (to ship elsewhere: Spark)."""
    at = datetime.now(UTC) if as_of is None else (as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)).astimezone(UTC)
    a = acc.account
    with store.engine.connect() as conn:
        if len(ids) > _FEW_TICKETS:  # each process scoring a slice reads that slice: `_Stored`
            history = _rating_history(conn, acc.id, at, None)
            unquoted = _Unquoted(*prediction_store.people_names(conn, acc.id, None))
            items: Sequence[tuple] = _Stored(store, acc.id, ids, at, a, history)
            if in_memory:
                items = items[0 : len(items)]
        else:
            histories = []
            for t, events in ticket_histories(conn, acc.id, ids):
                if t.created_at >= at:
                    if asked_for_it:  # `score --ticket X --as-of T`: say why, not an empty list
                        raise InvalidQuery(f"ticket {t.source_id} was created at {t.created_at.isoformat()}, after "
                                           f"the as-of time {at.isoformat()}: give an --as-of after its creation")
                    continue  # not yet created at that time
                histories.append((t, events))
            if not histories:
                return None
            requesters = {t.requester_id for t, _ in histories}
            history = _rating_history(conn, acc.id, at, requesters)
            # a reason never quotes a person: the agents' names, the customer's own
            unquoted = _Unquoted(*prediction_store.people_names(conn, acc.id, requesters))
            items = [(t, events, at, a, history) for t, events in histories]
    return ScoreInputs(at, items, unquoted)


def score_items(
    model: SatisfactionModel, inputs: ScoreInputs, *, open_only: bool, on_scored=None, workers: int = 1,
) -> list:
    """Score the tickets of `inputs` with their top 3 reasons (`SatisfactionModel.score_tickets`):
    pure, so the same call runs here or in a Spark task."""
    return model.score_tickets(inputs.items, reasons=3, unquoted=inputs.unquoted, open_only=open_only,
                               on_scored=on_scored, workers=workers,
                               processes=process_context() if workers > 1 else None)


def store_scores(store: Store, acc: StoredAccount, version: int, at: datetime, scored: Sequence, *, keep: bool) -> list[dict]:
    """Scores made elsewhere (a Spark task) as `score` answers them; `keep` (scored now):
    stored as the tickets' predictions, with their alerts, as `_score_account` stores its own."""
    if keep:
        _Keep(store, acc, version, at)(scored)
    return _rows(acc.name, version, at, scored)


def _rows(account: str, version: int, at: datetime, scored: Iterable) -> list[dict]:
    """Each score as `score` answers it: account, ticket_id, score, probability (4 places),
    reasons, model_version, as_of, status — for the answer and for `_Keep` alike."""
    return [
        {"account": account, "ticket_id": s.ticket_id, "score": s.score, "probability": round(s.probability, 4),
         "reasons": list(s.reasons), "model_version": version, "as_of": at, "status": s.status}
        for s in scored
    ]


class _Keep:
    """Stores a chunk of scores made now as the tickets' current predictions, logs the
    alerts of the open ones that crossed below the account's threshold and queues their
    webhooks — in the process that scored the chunk, while the rest is being scored
    (`score_tickets(on_scored=)`): storing 100,000 predictions after the scoring took a
    tenth of `cxpulse score --open` on one core. Each chunk commits on its own."""

    def __init__(self, store: Store, acc: StoredAccount, version: int, at: datetime) -> None:
        self.store, self.acc, self.version, self.at = store, acc, version, at
        self._pid = os.getpid()

    def __call__(self, scored) -> None:
        if not scored:
            return
        if os.getpid() != self._pid:  # a forked process: its own connections, never the parent's
            self.store.engine.dispose(close=False)
            self._pid = os.getpid()
        acc, at = self.acc, self.at
        rows = _rows(acc.name, self.version, at, scored)
        open_ids = {r["ticket_id"] for r in rows if r["status"] in OPEN_STATES}
        with self.store.engine.begin() as conn:
            new_alerts = prediction_store.record_predictions(
                conn, acc.id, rows, threshold=acc.account.alert_below, alert_on=open_ids, scored_at=at,
            )
        if new_alerts:  # webhooks out: queued once the alerts are committed
            from cxpulse.service.webhooks import queue_alerts

            queue_alerts(self.store, acc.id, new_alerts)


_FEW_TICKETS = 500  # up to this many, read at once, and the rating history cut to what their context needs


class _Stored(Sequence):
    """The tickets to score as `score_tickets` items, read from storage a slice at a time
    by the process that scores the slice: both processes of a large batch read their
    share of the tickets and events at once, instead of one reading all before either
    scores. Tickets created after the scoring time are left out."""

    def __init__(self, store: Store, account_id: int, ids: Collection[str], at: datetime, account, history) -> None:
        self.store, self.account_id, self.ids = store, account_id, sorted(ids)
        self.at, self.account, self.history = at, account, history
        self._pid = os.getpid()

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        if os.getpid() != self._pid:  # a forked process: its own connections, never the parent's
            self.store.engine.dispose(close=False)
            self._pid = os.getpid()
        at, account, history = self.at, self.account, self.history
        with self.store.engine.connect() as conn:
            return [(t, events, at, account, history)
                    for t, events in ticket_histories(conn, self.account_id, self.ids[index]) if t.created_at < at]


def _rating_history(conn, account_id: int, at: datetime, customers: Collection[str] | None) -> RatingHistory:
    """The account's CSAT outcomes a snapshot as of `at` can count: given before `at`; for
    a few tickets (`customers` named), only the last `WINDOW_DAYS` (the agent's and the
    account's window) and their customers' own older ones — the same figures as from
    every rating, read in a fraction of the time (`score --ticket`)."""
    few = customers is not None and len(customers) <= _FEW_TICKETS
    ratings = prediction_store.csat_ratings(conn, account_id, before=at,
                             since=at - timedelta(days=WINDOW_DAYS) if few else None, customers=customers if few else None)
    return _history(ratings)


class _Either:
    """Two word sets read as one (`in` either), without building their union per ticket."""

    __slots__ = ("first", "second")

    def __init__(self, first: frozenset[str], second: frozenset[str]) -> None:
        self.first, self.second = first, second

    def __contains__(self, word: object) -> bool:
        return word in self.first or word in self.second


class _Unquoted:
    """The words a ticket's reasons never quote: each part of the agents' names and of its
    own customer's name, as written and stemmed in the ticket's language (and the first
    four, `text.name_words`). Per ticket, so its reasons never depend on the batch it is
    scored in: `score --ticket X` says what `score --open` says of X."""

    def __init__(self, agents: Sequence[str], customers: dict[str, str]) -> None:
        self.agents = list(agents)
        self.customers = customers
        self._agents: dict[str, frozenset[str]] = {}
        self._own: dict[tuple[str, str], _Either] = {}
        # a name's words per language, whoever bears it: stemming a name in five languages
        # was a seventh of scoring 100,000 tickets, one customer seldom has two tickets,
        # and many customers share a name
        self._names: dict[tuple[str, str], frozenset[str]] = {}

    def __call__(self, ticket: Ticket, snap) -> _Either:
        lang = snap.language
        key = (ticket.requester_id, lang)
        hit = self._own.get(key)
        if hit is None:
            agents = self._agents.get(lang)
            if agents is None:
                agents = self._agents[lang] = name_words(self.agents, [lang])
            name = self.customers.get(ticket.requester_id)
            words = frozenset()
            if name:
                words = self._names.get((name, lang))
                if words is None:
                    words = self._names[name, lang] = name_words([name], [lang])
            hit = self._own[key] = _Either(agents, words)
        return hit


def _model(acc: StoredAccount, stored: prediction_store.StoredModel) -> SatisfactionModel:
    """The stored model, read back; one stored by an older cxpulse says to train again."""
    from cxpulse.ml.model import SatisfactionModel

    try:
        return SatisfactionModel.from_bytes(stored.blob)
    except ValueError as e:
        raise InvalidQuery(
            f"the model of account {acc.name!r} (version {stored.version}) cannot be read: {e} "
            f"with `cxpulse train --account {acc.name}`"
        ) from None


def no_scores(store: Store, account: str | None = None) -> list[str]:
    """The sentence for each account (this one, or all) whose newest model gives no scores."""
    targets = [store.account(account)] if account else store.accounts()
    out = []
    with store.engine.connect() as conn:
        for acc in targets:
            stored = prediction_store.latest_model(conn, acc.id, with_blob=False)
            reason = no_score_reason({"account": acc.name, **stored.card}) if stored is not None else None
            if reason:
                out.append(reason)
    return out


def rescore(store: Store, touched: dict[str, Touched]) -> int:
    """After an import: score again, now, the open tickets it touched, in accounts that
    have a model (storing the predictions and logging crossings). Returns how many."""
    n = 0
    for name, what in touched.items():
        if not what.tickets:
            continue
        acc = store.account(name)
        with store.engine.connect() as conn:
            stored = prediction_store.latest_model(conn, acc.id)
            ids = prediction_store.open_ticket_ids(conn, acc.id, what.tickets) if stored is not None else []
        if ids:
            n += len(_score_account(store, acc, stored, ids, as_of=None, open_only=True))
    return n


# ---- alerts ---------------------------------------------------------------------------------


def alerts(store: Store, account: str | None = None) -> list[dict]:
    """The early-warning log, newest first: each time a ticket's score crossed below the threshold."""
    ids = [store.account(account).id] if account else None
    with store.engine.connect() as conn:
        return prediction_store.read_alerts(conn, ids)
