"""/api/v1/accounts/{account}/webhooks: an account's endpoints and their delivery log.

An account key sees and changes its own account's webhooks only: another account's
account name is not found (404, by `account_for`), and so is another account's webhook
id under one's own account name.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from cxpulse.api.deps import ContextDep, KeyDep, account_for
from cxpulse.api.errors import ApiError, ApiRoute
from cxpulse.service import webhooks as service

router = APIRouter(tags=["webhooks"], route_class=ApiRoute)  # answers every failure in the API shape

Event = Literal["alert", "low_rating"]
Status = Literal["pending", "retrying", "delivered", "failed"]
MAX_ID = 2**31 - 1  # the ids are 32-bit integers in the tables


class WebhookCreate(BaseModel):
    url: str = Field(max_length=service.MAX_URL, examples=["https://hooks.example.com/cxpulse"])
    events: list[Event] = Field(default=list(service.EVENTS), min_length=1, max_length=len(service.EVENTS))


class WebhookPublic(BaseModel):
    id: int
    account: str
    url: str
    events: list[str]
    active: bool
    created_at: datetime
    deliveries: dict[str, int] = Field(description="deliveries per status")


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="signs every delivery (X-Cxpulse-Signature); shown only in this answer")


class WebhooksPublic(BaseModel):
    data: list[WebhookPublic]
    count: int


class DeliveryPublic(BaseModel):
    id: int
    account: str
    webhook_id: int
    url: str
    event: str
    event_key: str
    status: str
    attempts: int
    next_at: datetime | None
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]


class DeliveriesPublic(BaseModel):
    data: list[DeliveryPublic]
    count: int
    next_cursor: str | None = Field(description="pass as `cursor` for the next (older) page; null at the end")


def _public(w: service.Webhook) -> dict:
    return {"id": w.id, "account": w.account, "url": w.url, "events": list(w.events), "active": w.active,
            "created_at": w.created_at, "deliveries": w.deliveries}


def _cursor(text: str | None) -> int | None:
    """The opaque cursor is the last id of the previous page, encoded."""
    if not text:
        return None
    try:
        kind, value = base64.urlsafe_b64decode(text.encode() + b"==").decode().split(":", 1)
        if kind != "d" or not 1 <= int(value) <= MAX_ID:
            raise ValueError(text)
        return int(value)
    except ValueError:
        raise ApiError(400, "invalid_cursor", "the cursor is not one this API gave out") from None


def _next(rows: list[dict], limit: int) -> str | None:
    if len(rows) < limit:
        return None
    return base64.urlsafe_b64encode(f"d:{rows[-1]['id']}".encode()).decode().rstrip("=")


@router.get("/accounts/{account}/webhooks", response_model=WebhooksPublic)
def list_webhooks(account: str, key: KeyDep, ctx: ContextDep) -> dict:
    """The account's active webhooks (never their secrets), with their deliveries per status."""
    acc = account_for(key, account, ctx)
    rows = [_public(w) for w in service.list_webhooks(ctx.store, acc.name)]
    return {"data": rows, "count": len(rows)}


@router.post("/accounts/{account}/webhooks", response_model=WebhookCreated, status_code=201)
def add_webhook(account: str, body: WebhookCreate, key: KeyDep, ctx: ContextDep) -> dict:
    """Add a webhook; the answer carries its signing secret, shown only this once.

    Local names and loopback, private, link-local and reserved addresses are refused, here
    and again on the resolved address at each delivery, unless the operator allows the host
    (CXPULSE_WEBHOOKS_ALLOW_HOSTS=host,… or CXPULSE_WEBHOOKS_ALLOW_PRIVATE=1; docs/webhooks.md).
    """
    acc = account_for(key, account, ctx, "write")
    secret, hook = service.add_webhook(ctx.store, acc.name, body.url, events=body.events,
                                       allow_private=service.private_targets_allowed())
    return {**_public(hook), "secret": secret}


@router.delete("/accounts/{account}/webhooks/{webhook_id}", status_code=204)
def remove_webhook(account: str, webhook_id: Annotated[int, Path(ge=1, le=MAX_ID)], key: KeyDep,
                   ctx: ContextDep) -> Response:
    """Stop posting to a webhook; what it still had to send is marked failed, its log stays."""
    acc = account_for(key, account, ctx, "write")
    service.remove_webhook(ctx.store, webhook_id, account=acc.name)
    return Response(status_code=204)


@router.get("/accounts/{account}/webhooks/deliveries", response_model=DeliveriesPublic)
def list_deliveries(
    account: str,
    key: KeyDep,
    ctx: ContextDep,
    status: Status | None = None,
    webhook_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> dict:
    """The delivery log, newest first: event, status, attempts, last status code or error, payload."""
    acc = account_for(key, account, ctx)
    rows = service.deliveries(ctx.store, acc.name, status=status, webhook_id=webhook_id, before_id=_cursor(cursor),
                              limit=limit)
    return {"data": rows, "count": len(rows), "next_cursor": _next(rows, limit)}
