"""The demo use case: fill a store with the generated help desk and build its derived data
— KPIs and rollups, a model per account, and scores for the tickets still open — and its
surveys, whose invitations are the generated ones (service.demo_surveys)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from time import perf_counter

from cxpulse.demo import DEMO_END, generate, generate_reviews
from cxpulse.demo.qa import simulate_reviews
from cxpulse.demo.sla import demo_policy_files
from cxpulse.domain import ResponseKind
from cxpulse.readers import Record
from cxpulse.service.demo_surveys import KINDS as SURVEY_KINDS
from cxpulse.service.demo_surveys import InvitationLog, store_demo_surveys
from cxpulse.service.derive import rebuild
from cxpulse.service.load import load
from cxpulse.service.predict import score, train
from cxpulse.service import qa
from cxpulse.service.sla import apply_policies
from cxpulse.storage import Store

PROGRESS_EVERY = 5000  # records between two progress calls
DEMO_KEY_NAME = "demo"
DEMO_REVIEWERS = ("Rūta", "Nikos")  # two QA reviewers with a shared calibration set
DEMO_SHOPPER = "shopper-1"
DEMO_QUEUE = 12  # tickets left in each account's review queue


@dataclass
class DemoSummary:
    accounts: int
    tickets: int
    events: int
    responses: int  # survey answers and help-desk ratings
    seconds: float
    reviews: int = 0  # public reviews (cxpulse.demo.reviews)
    qa_reviews: int = 0  # QA reviews on the default scorecard (cxpulse.demo.qa), mystery ones included
    models: dict[str, float] = field(default_factory=dict)  # account -> AUC on its newest 20%
    open_scored: int = 0
    at_risk: int = 0  # open tickets scored below their account's alert_below
    login_key: str = ""  # an admin key for the dashboard and the API, shown once
    surveys: int = 0  # survey definitions (CSAT, CES, NPS, CSI per account)
    invitations: int = 0  # the survey invitations they sent over the year (`cxpulse surveys list`)


def run_demo(
    store: Store,
    *,
    seed: int = 7,
    tickets: int = 20_000,
    end: date = DEMO_END,
    progress: Callable[[int], None] | None = None,
    predict: bool = True,
) -> DemoSummary:
    """Store the demo help desk (`cxpulse.demo.generate`) and its public reviews
    (`generate_reviews`), and rebuild the derived tables.

    Same seed, same data: running it again on the same database changes nothing (but for
    a new model version when `predict`). Only the demo's accounts are rebuilt; other
    accounts in the store are left alone. With `predict`, each demo account gets a model
    and its open tickets a stored score, as `cxpulse train` and `cxpulse score --open`
    would give. `progress` is called with the number of records stored so far.
    """
    started = perf_counter()
    kinds: Counter[str] = Counter()
    log = InvitationLog()
    records = log.tap(chain(generate(seed, tickets=tickets, end=end), generate_reviews(seed, tickets=tickets, end=end)))
    result = load(store, _counted(records, kinds, progress))
    if progress:
        progress(kinds.total())
    policies = demo_policy_files(end)
    for name in result.summary.accounts:
        for i, text in enumerate(policies.get(name, ())):  # before the rebuild, which derives the targets
            apply_policies(store, name, text, path=f"demo/{name}-sla-{i + 1}.toml", derive=False)
        rebuild(store, name)
        _employee_round(store, name, seed, end)
    qa_reviews = sum(_qa_week(store, name, seed, end) for name in result.summary.accounts)
    store_demo_surveys(store, log, end)
    summary = DemoSummary(
        accounts=kinds["account"],
        tickets=kinds["ticket"],
        events=kinds["event"],
        responses=kinds["response"] - kinds["review"],
        seconds=0.0,
        reviews=kinds["review"],
        qa_reviews=qa_reviews,
        surveys=len(SURVEY_KINDS) * len(result.summary.accounts),
        invitations=kinds["invitation"],
    )
    if predict:
        for name in result.summary.accounts:
            (trained,) = train(store, name)
            summary.models[name] = trained.card.get("auc")
            threshold = store.account(name).account.alert_below
            scored = score(store, account=name, open_only=True)
            summary.open_scored += len(scored)
            summary.at_risk += sum(1 for row in scored if row["score"] < threshold)
    summary.login_key = _demo_key(store)
    summary.seconds = perf_counter() - started
    return summary


def _qa_week(store: Store, account: str, seed: int, end: date) -> int:
    """The account's default scorecard, a week of reviews by two reviewers plus a few
    mystery shops (`simulate_reviews`), and a review queue, so the Quality pages are filled.
    Same seed, same reviews (their ids are fixed); the queue is sampled only while empty."""
    card = qa.scorecard_for(store, account)  # stores the default scorecard on first use
    until = datetime.combine(end, time(), tzinfo=UTC)
    pool = qa.review_pool(store, account, until - timedelta(days=10))
    week = simulate_reviews(pool, DEMO_REVIEWERS, card.scorecard, Random(f"{seed}-{account}-qa"),
                            shopper=DEMO_SHOPPER, per_day=4)
    qa.write_reviews(store, account, [
        qa.ReviewInput(
            ticket_id=r["ticket_id"], reviewer=r["reviewer"], id=r["review_id"], agent_id=r["agent_id"],
            scores={k: {"score": v, "comment": r["comments"].get(k, "")} for k, v in r["scores"].items()},
            scorecard=card.scorecard.name, scorecard_version=card.scorecard.version,
            root_cause=r["root_cause"] or "", mystery=r["mystery"], created_at=r["reviewed_at"],
        )
        for r in week
    ])
    if not qa.review_queue(store, account):
        qa.sample(store, account, n=DEMO_QUEUE, strategy="low-csat", reviewers=DEMO_REVIEWERS, seed=seed,
                  now=until)
    return len(week)


def _employee_round(store: Store, account: str, seed: int, end: date) -> None:
    """A quarterly employee survey ("pulse") whose last round went to every agent, four in five
    of whom answered through their link. A rerun sends no new round, so it adds nothing."""
    import random

    from cxpulse.demo.employee import answer_for
    from cxpulse.domain import NotFound
    from cxpulse.service.employee import (
        create_employee_survey,
        get_employee_survey,
        record_employee_answer,
        send_employee_due,
    )
    from cxpulse.surveys.employee import EmployeeSurvey

    sent_at = datetime.combine(end, time(9, 0), tzinfo=UTC)
    try:
        get_employee_survey(store, account, "pulse")
    except NotFound:
        create_employee_survey(store, account, EmployeeSurvey(name="pulse"), now=sent_at)

    class _Links:
        def __init__(self) -> None:
            self.sent: list[tuple[str, str]] = []

        def send(self, to: str, email) -> None:
            self.sent.append((email.language, next(w for w in email.text.split() if "/e/" in w)))

    links = _Links()
    send_employee_due(store, links, account=account, now=sent_at)
    rng = random.Random(f"{seed}/{account}/employee")
    for i, (language, url) in enumerate(links.sent):
        picked = answer_for(rng, language)
        if picked is not None:
            enps, ratings, comment = picked
            record_employee_answer(store, url.rsplit("/", 1)[1], enps=enps, ratings=ratings, comment=comment,
                                   now=sent_at + timedelta(hours=1 + i % 48))


def _demo_key(store: Store) -> str:
    """A fresh admin key named "demo" (keys are kept as hashes, so an earlier one cannot be
    shown again); the demo keys of earlier runs are revoked."""
    from cxpulse.service.keys import create_key, list_keys, revoke_key

    for k in list_keys(store):
        if k.name == DEMO_KEY_NAME and k.revoked_at is None:
            revoke_key(store, k.prefix)
    key, _ = create_key(store, admin=True, name=DEMO_KEY_NAME)
    return key


def _counted(
    records: Iterable[Record], kinds: Counter[str], progress: Callable[[int], None] | None
) -> Iterator[Record]:
    for done, rec in enumerate(records, 1):
        kinds[rec.kind] += 1
        if rec.kind == "response" and rec.obj.kind is ResponseKind.REVIEW:
            kinds["review"] += 1
        if progress and done % PROGRESS_EVERY == 0:
            progress(done)
        yield rec
