"""/api/v1/accounts/{account}/surveys: an account's survey definitions — list, create, change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from cxpulse.api.deps import ContextDep, KeyDep, account_for
from cxpulse.api.errors import ApiRoute
from cxpulse.api.schemas import SurveyCreate, SurveyPublic, SurveysPublic, SurveyUpdate
from cxpulse.service.survey_definitions import StoredSurvey, create_survey, get_survey, list_surveys, update_survey
from cxpulse.surveys.definitions import Survey

router = APIRouter(tags=["surveys"], route_class=ApiRoute)
Name = Annotated[str, Path(min_length=1, max_length=100)]


def _public(s: StoredSurvey) -> dict:
    return {**s.survey.to_dict(), "id": s.id, "created_at": s.created_at}


@router.get("/accounts/{account}/surveys", response_model=SurveysPublic)
def surveys(account: str, key: KeyDep, ctx: ContextDep) -> dict:
    """The account's surveys, active or not."""
    acc = account_for(key, account, ctx)
    rows = [_public(s) for s in list_surveys(ctx.store, acc.name)]
    return {"data": rows, "count": len(rows)}


@router.get("/accounts/{account}/surveys/{name}", response_model=SurveyPublic)
def survey(account: str, name: Name, key: KeyDep, ctx: ContextDep) -> dict:
    acc = account_for(key, account, ctx)
    return _public(get_survey(ctx.store, acc.name, name))


@router.post("/accounts/{account}/surveys", response_model=SurveyPublic, status_code=201)
def add_survey(account: str, body: SurveyCreate, key: KeyDep, ctx: ContextDep) -> dict:
    """A new survey; only tickets solved after now are surveyed. 422 `invalid_survey`
    names the field when a value is not allowed, or when the name is taken."""
    acc = account_for(key, account, ctx, "write")
    fields = body.model_dump(exclude_none=True)
    return _public(create_survey(ctx.store, acc.name, Survey(**fields)))


@router.patch("/accounts/{account}/surveys/{name}", response_model=SurveyPublic)
def change_survey(account: str, name: Name, body: SurveyUpdate, key: KeyDep, ctx: ContextDep) -> dict:
    """Change the fields given (`reminder_days: null` turns reminders off; `active: false` pauses it)."""
    acc = account_for(key, account, ctx, "write")
    return _public(update_survey(ctx.store, acc.name, name, **body.model_dump(exclude_unset=True)))
