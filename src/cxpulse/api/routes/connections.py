"""/api/v1/connections and /api/v1/accounts/{account}/connection: the help desk connections
(`cxpulse connect`) and how their sync stands — read only; the token is masked (`…last4`).

An admin key sees every account's connection, an account key its own account's only
(another account's name is not found, as everywhere: `account_for`).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from cxpulse.api.deps import ContextDep, KeyDep, account_for, require_right
from cxpulse.api.errors import ApiError, ApiRoute
from cxpulse.service.sync_schedule import connection_states

router = APIRouter(tags=["connections"], route_class=ApiRoute)


class ConnectionPublic(BaseModel):
    account: str
    kind: str = Field(examples=["zendesk"], description="zendesk or freshdesk")
    url: str = Field(description="the help desk's base URL")
    email: str = Field(description="the agent the Zendesk token belongs to; empty for Freshdesk")
    token: str = Field(examples=["…9f3a"], description="never the token: `…` and its last 4 characters")
    last_sync_at: datetime | None = Field(description="when the last sync that stored its rows started")
    cursor: str = Field(description="where the next sync starts (JSON; empty before the first sync)")
    last_error: str = Field(description="why the last sync stopped; empty after a sync that went through")
    syncing_since: datetime | None = Field(description="a sync of this account running now (any process) began then")
    syncing_by: str | None = Field(description="who runs it: `serve:HOST:PID` or `cli:HOST:PID`")
    next_sync_at: datetime | None = Field(description="this server's next scheduled sync of it; null when the "
                                          "server does not sync on a schedule (`serve --sync-every 0`)")
    sync_every_minutes: float | None = Field(description="the schedule's period; null when off")
    created_at: datetime
    updated_at: datetime


class ConnectionsPublic(BaseModel):
    data: list[ConnectionPublic]
    count: int


@router.get("/connections", response_model=ConnectionsPublic)
def list_connections(key: KeyDep, ctx: ContextDep) -> dict:
    """Every connection (admin key), or the key's own account's, with its sync state."""
    require_right(key, "read")  # a reviewer's or shopper's key sees no help desk connection
    rows = connection_states(ctx, None if key.admin else {key.account or ""})
    return {"data": rows, "count": len(rows)}


@router.get("/accounts/{account}/connection", response_model=ConnectionPublic)
def get_connection(account: str, key: KeyDep, ctx: ContextDep) -> dict:
    """The account's connection and its sync state; 404 `not_found` when it has none."""
    acc = account_for(key, account, ctx)
    rows = connection_states(ctx, {acc.name})
    if not rows:
        raise ApiError(404, "not_found", f"account {acc.name!r} has no connection; `cxpulse connect` adds one")
    return rows[0]
