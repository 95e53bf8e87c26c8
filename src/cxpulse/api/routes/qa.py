"""/api/v1/accounts/{account}/scorecards, /reviews, /queue, /disputes: quality reviews.

Each route names the right it needs (service/keys.py, RIGHTS): a reviewer key creates
reviews, reads the queue, the reviews and the scorecards, and resolves disputes; a
shopper key creates reviews — always mystery reviews — and reads the scorecards a review
form is built from; only account and admin keys change scorecards or open a dispute on
an agent's behalf. Another account's data is a 404, as everywhere.

A review form needs three calls: GET scorecards (the criteria, their scales and wording
in the reviewer's language), GET tickets/{id} (the conversation), POST reviews.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from cxpulse.api.deps import ContextDep, KeyDep, account_for
from cxpulse.api.errors import ApiError, ApiRoute
from cxpulse.api.schemas import DEFAULT_PAGE, MAX_ID, MAX_PAGE, cursor_int, decode_cursor, encode_cursor
from cxpulse.service import qa as service
from cxpulse.service.keys import KeyInfo

router = APIRouter(tags=["quality reviews"], route_class=ApiRoute)

MAX_TEXT = service.MAX_TEXT
MAX_ROW = 2**31 - 1
Name = Annotated[str, Path(min_length=1, max_length=100)]
ReviewId = Annotated[str, Path(min_length=1, max_length=MAX_ID)]


# ---- shapes ---------------------------------------------------------------------------------


class CriterionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=64, examples=["empathy"])
    labels: dict[str, str] = Field(max_length=50, examples=[{"en": "Empathy", "lt": "Empatija"}])
    questions: dict[str, str] = Field(default_factory=dict, max_length=50)
    weight: float = Field(1.0, examples=[1.0])
    scale: str = Field("1-4", description="1-4 or pass_fail", examples=["1-4"])
    na_allowed: bool = True
    critical: bool = Field(False, description="a fail (pass_fail: fail; 1-4: 1 or 2) makes the whole review 0")


class ScorecardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["Chat"])
    criteria: list[CriterionIn] = Field(min_length=1, max_length=100)


class CriterionPublic(BaseModel):
    key: str
    labels: dict[str, str]
    questions: dict[str, str]
    weight: float
    scale: str
    na_allowed: bool
    critical: bool


class ScorecardPublic(BaseModel):
    id: int
    name: str
    version: int
    criteria: list[CriterionPublic]
    created_at: datetime


class ScorecardApplied(ScorecardPublic):
    new_version: bool = Field(description="false when the same criteria were stored already (nothing changed)")


class ScorecardsPublic(BaseModel):
    data: list[ScorecardPublic]
    count: int


class ScoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: int | bool | None = Field(description="1-4, or true/false (pass/fail); null for N/A")
    comment: str = Field("", max_length=MAX_TEXT)


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(None, min_length=1, max_length=MAX_ID,
                           description="your id for it: sending it again changes nothing (or replaces it, changed)")
    ticket_id: str = Field(min_length=1, max_length=MAX_ID)
    conversation_id: str = Field("", max_length=MAX_ID, description="one conversation (event) of the ticket, or empty")
    reviewer: str | None = Field(None, min_length=1, max_length=MAX_ID,
                                 description="who reviews; default: the key's name (or its prefix)")
    agent_id: str = Field("", max_length=MAX_ID, description="the reviewed agent; default: the ticket's assignee")
    scorecard: str = Field("", max_length=100, description="default: the account's only scorecard, or the default one")
    scorecard_version: int | None = Field(None, ge=1, le=MAX_ROW, description="default: the newest")
    scores: dict[str, ScoreIn | int | bool | None] = Field(
        max_length=100, description="criterion key → score, or {score, comment}",
        examples=[{"competence": 4, "empathy": {"score": 2, "comment": "no apology"}, "speed": None}])
    root_cause: str = Field("", max_length=MAX_ID)
    comment: str = Field("", max_length=MAX_TEXT)
    mystery: bool | None = Field(None, description="a mystery shopper's test contact (a shopper key: always)")
    created_at: datetime | None = Field(None, description="default: now")


class ScorePublic(BaseModel):
    criterion: str
    score: int | None
    comment: str


class DisputePublic(BaseModel):
    id: int
    agent_id: str
    comment: str
    status: str = Field(description="open or resolved")
    resolver: str
    resolver_comment: str
    created_at: datetime
    resolved_at: datetime | None
    review_id: str | None = None


class ReviewPublic(BaseModel):
    review_id: str
    ticket_id: str
    conversation_id: str
    reviewer: str
    agent_id: str
    scorecard: str
    scorecard_version: int
    score: float | None = Field(description="the review's IQS 0-100; null when every criterion is N/A")
    root_cause: str
    comment: str
    mystery: bool
    created_at: datetime
    scores: list[ScorePublic]
    disputes: list[DisputePublic]


class ReviewWritten(ReviewPublic):
    written: str = Field(description="inserted, updated or unchanged")


class ReviewsPublic(BaseModel):
    data: list[ReviewPublic]
    count: int
    next_cursor: str | None


class QueueItem(BaseModel):
    id: int
    ticket_id: str
    subject: str
    agent_id: str
    assignee: str = Field(description="the reviewer; empty: anyone")
    strategy: str
    sample_id: str
    created_at: datetime
    done: bool


class QueuePublic(BaseModel):
    data: list[QueueItem]
    count: int


class DisputeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_id: str = Field(min_length=1, max_length=MAX_ID, description="the reviewed agent (only they may dispute)")
    comment: str = Field(min_length=1, max_length=MAX_TEXT)


class DisputeResolve(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field("", max_length=MAX_TEXT)
    resolver: str | None = Field(None, min_length=1, max_length=MAX_ID, description="default: the key's name")


# ---- scorecards -----------------------------------------------------------------------------


def _card(c: service.StoredScorecard) -> dict:
    d = c.as_dict()
    return {k: d[k] for k in ("id", "name", "version", "criteria", "created_at")}


@router.get("/accounts/{account}/scorecards", response_model=ScorecardsPublic)
def list_scorecards(
    account: str, key: KeyDep, ctx: ContextDep,
    all_versions: Annotated[bool, Query(description="every version, not the newest only")] = False,
) -> dict:
    """The account's scorecards, the newest version of each: what a review form is built from."""
    acc = account_for(key, account, ctx, "scorecards")
    rows = [_card(c) for c in service.scorecards(ctx.store, acc.name, every_version=all_versions)]
    return {"data": rows, "count": len(rows)}


@router.get("/accounts/{account}/scorecards/{name}", response_model=ScorecardPublic)
def get_scorecard(
    account: str, name: Name, key: KeyDep, ctx: ContextDep,
    version: Annotated[int | None, Query(ge=1, le=MAX_ROW, description="default: the newest")] = None,
) -> dict:
    """One scorecard (its newest version, or `version`)."""
    acc = account_for(key, account, ctx, "scorecards")
    cards = service.scorecards(ctx.store, acc.name, name=name, every_version=version is not None)
    found = [c for c in cards if version is None or c.scorecard.version == version]
    if not found:
        raise ApiError(404, "not_found", f"scorecard {name!r} has no version {version}")
    return _card(found[-1])


@router.post("/accounts/{account}/scorecards", response_model=ScorecardApplied)
def apply_scorecard(account: str, body: ScorecardCreate, key: KeyDep, ctx: ContextDep) -> dict:
    """Store a scorecard: changed criteria make a new version (reviews keep theirs); the same ones change
    nothing. 422 `invalid_scorecard` names every bad field."""
    acc = account_for(key, account, ctx, "write")
    card, made = service.apply_scorecard(ctx.store, acc.name, body.model_dump())
    return {**_card(card), "new_version": made}


# ---- reviews --------------------------------------------------------------------------------


def _who(key: KeyInfo) -> str:
    return key.name.strip() or key.prefix


@router.post("/accounts/{account}/reviews", response_model=ReviewWritten)
def create_review(account: str, body: ReviewCreate, key: KeyDep, ctx: ContextDep) -> dict:
    """Create (or, with the same `id`, replace) a review. A mystery review needs a key that may make
    one (account, admin, shopper); a shopper key's reviews are always mystery reviews. A mystery review's
    ticket leaves CSAT, NPS and CES before this answers."""
    shopper = not key.may("review")
    acc = account_for(key, account, ctx, "mystery" if shopper or body.mystery else "review")
    if shopper and body.mystery is False:
        raise ApiError(422, "invalid_query", "a shopper key's reviews are mystery reviews: leave out mystery or "
                       "send true", {"field": "mystery"})
    scores = {k: (v.model_dump() if isinstance(v, ScoreIn) else v) for k, v in body.scores.items()}
    review = service.ReviewInput(
        ticket_id=body.ticket_id, reviewer=body.reviewer or _who(key), scores=scores, id=body.id or "",
        agent_id=body.agent_id, conversation_id=body.conversation_id, scorecard=body.scorecard,
        scorecard_version=body.scorecard_version, comment=body.comment, root_cause=body.root_cause,
        mystery=bool(body.mystery) or shopper, created_at=body.created_at,
    )
    row = service.create_review(ctx.store, acc.name, review)
    if row["mystery"] and row["written"] != "unchanged":
        ctx.data_changed()  # a test contact left the CSAT figures: no kept report answers with it
    return row


@router.get("/accounts/{account}/reviews", response_model=ReviewsPublic)
def list_reviews(
    account: str, key: KeyDep, ctx: ContextDep,
    agent: Annotated[str | None, Query(max_length=MAX_ID, description="one agent's reviews: what they see")] = None,
    ticket: Annotated[str | None, Query(max_length=MAX_ID)] = None,
    reviewer: Annotated[str | None, Query(max_length=MAX_ID)] = None,
    mystery: Annotated[bool | None, Query(description="true: mystery reviews only; false: none")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> dict:
    """Reviews newest first, each with its criterion scores and its disputes."""
    acc = account_for(key, account, ctx, "reviews")
    after = decode_cursor(cursor)
    rows, nxt = service.list_reviews(ctx.store, acc.name, agent=agent, ticket=ticket, reviewer=reviewer,
                                     mystery=mystery, limit=limit, after=None if after is None else cursor_int(after))
    return {"data": rows, "count": len(rows), "next_cursor": None if nxt is None else encode_cursor(nxt)}


@router.get("/accounts/{account}/reviews/{review_id}", response_model=ReviewPublic)
def get_review(account: str, review_id: ReviewId, key: KeyDep, ctx: ContextDep) -> dict:
    """One review, by its id."""
    acc = account_for(key, account, ctx, "reviews")
    rows, _ = service.list_reviews(ctx.store, acc.name, review_id=review_id, limit=1)
    if not rows:
        raise ApiError(404, "not_found", f"no review {review_id!r} in account {acc.name!r}")
    return rows[0]


@router.get("/accounts/{account}/queue", response_model=QueuePublic)
def queue(
    account: str, key: KeyDep, ctx: ContextDep,
    reviewer: Annotated[str | None, Query(max_length=MAX_ID, description="one reviewer's queue")] = None,
    pending: Annotated[bool, Query(description="only the tickets not reviewed yet")] = False,
) -> dict:
    """The review queue (`cxpulse qa sample` fills it), oldest first."""
    acc = account_for(key, account, ctx, "queue")
    rows = service.review_queue(ctx.store, acc.name, assignee=reviewer, pending_only=pending)
    return {"data": rows, "count": len(rows)}


# ---- disputes -------------------------------------------------------------------------------


@router.post("/accounts/{account}/reviews/{review_id}/disputes", response_model=DisputePublic, status_code=201)
def open_dispute(account: str, review_id: ReviewId, body: DisputeCreate, key: KeyDep, ctx: ContextDep) -> dict:
    """The reviewed agent disputes a review with a comment (sent by the team's integration with an account key);
    shown beside the review until it is resolved."""
    acc = account_for(key, account, ctx, "dispute")
    return service.open_dispute(ctx.store, acc.name, review_id, agent_id=body.agent_id, comment=body.comment)


@router.post("/accounts/{account}/disputes/{dispute_id}/resolve", response_model=DisputePublic)
def resolve_dispute(
    account: str, dispute_id: Annotated[int, Path(ge=1, le=MAX_ROW)], body: DisputeResolve, key: KeyDep,
    ctx: ContextDep,
) -> dict:
    """The reviewer answers a dispute and closes it."""
    acc = account_for(key, account, ctx, "resolve")
    return service.resolve_dispute(ctx.store, acc.name, dispute_id, resolver=body.resolver or _who(key),
                                   comment=body.comment)
