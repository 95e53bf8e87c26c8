"""/api/v1/accounts/{account}/alerts and /models: the early-warning log and the model cards."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from cxpulse.api.deps import ContextDep, KeyDep, account_for
from cxpulse.api.errors import ApiRoute
from cxpulse.api.schemas import (
    DEFAULT_PAGE,
    MAX_PAGE,
    AlertsPublic,
    ModelsPublic,
    bad_cursor,
    cursor_int,
    decode_cursor,
    encode_cursor,
)
from cxpulse.service import tickets as service

router = APIRouter(tags=["predictions"], route_class=ApiRoute)


@router.get("/accounts/{account}/alerts", response_model=AlertsPublic)
def alerts(
    account: str,
    key: KeyDep,
    ctx: ContextDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> dict:
    """Each time an open ticket's score crossed below the account's alert threshold, newest first."""
    acc = account_for(key, account, ctx)
    after = decode_cursor(cursor)
    if after is not None:
        try:
            at, aid = after
            after = (datetime.fromisoformat(at), cursor_int(aid))
        except (TypeError, ValueError):
            raise bad_cursor() from None
    rows, next_key = service.alert_log(ctx.store, acc, limit=limit, after=after)
    cursor_out = None if next_key is None else encode_cursor([next_key[0].isoformat(), next_key[1]])
    return {"data": rows, "count": len(rows), "next_cursor": cursor_out}


@router.get("/accounts/{account}/models", response_model=ModelsPublic)
def models(account: str, key: KeyDep, ctx: ContextDep) -> dict:
    """The account's trained models, newest first, each with its card (AUC, calibration, …)."""
    acc = account_for(key, account, ctx)
    rows = service.model_cards(ctx.store, acc)
    return {"data": rows, "count": len(rows)}
