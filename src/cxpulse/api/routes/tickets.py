"""/api/v1/accounts/{account}/tickets and /at-risk: tickets with their KPIs and current score."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from cxpulse.api.deps import ContextDep, KeyDep, account_for
from cxpulse.api.errors import ApiError, ApiRoute
from cxpulse.api.schemas import (
    DEFAULT_PAGE,
    MAX_ID,
    MAX_PAGE,
    AtRiskPublic,
    TicketPublic,
    TicketsPublic,
    bad_cursor,
    cursor_int,
    cursor_time,
    decode_cursor,
    encode_cursor,
)
from cxpulse.domain import OPEN_STATES
from cxpulse.service import tickets as service
from cxpulse.service.predict import no_scores

router = APIRouter(tags=["tickets"], route_class=ApiRoute)

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"page size, at most {MAX_PAGE}")]
Cursor = Annotated[str | None, Query(max_length=1000, description="`next_cursor` of the previous page")]


def _page(rows: list[dict], next_key) -> dict:
    return {"data": rows, "count": len(rows), "next_cursor": None if next_key is None else encode_cursor(next_key)}


@router.get("/accounts/{account}/tickets", response_model=TicketsPublic)
def list_tickets(
    account: str,
    key: KeyDep,
    ctx: ContextDep,
    status: Annotated[str | None, Query(max_length=32, description="new, open, pending, hold, solved, closed")] = None,
    open: Annotated[bool | None, Query(description="true: open tickets only; false: solved or closed only")] = None,
    agent: Annotated[str | None, Query(max_length=MAX_ID, description="the assigned agent's id")] = None,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> dict:
    """The account's tickets, newest first, each with its KPIs and current score and reasons."""
    acc = account_for(key, account, ctx, "tickets")
    after = decode_cursor(cursor)
    after = None if after is None else cursor_int(after)
    rows, next_key = service.list_tickets(ctx.store, acc, status=status, open_only=open, agent=agent, limit=limit,
                                          after=after)
    return _page(rows, next_key)


@router.get("/accounts/{account}/tickets/{ticket_id}", response_model=TicketPublic)
def get_ticket(account: str, ticket_id: Annotated[str, Path(max_length=MAX_ID)], key: KeyDep, ctx: ContextDep) -> dict:
    """One ticket, by the help desk's id."""
    acc = account_for(key, account, ctx, "tickets")
    row = service.get_ticket(ctx.store, acc, ticket_id)
    if row is None:
        raise ApiError(404, "ticket_not_found", f"no ticket {ticket_id!r} in account {acc.name!r}")
    return row


@router.get("/accounts/{account}/at-risk", response_model=AtRiskPublic)
def at_risk(
    account: str,
    key: KeyDep,
    ctx: ContextDep,
    below: Annotated[int | None, Query(ge=0, le=101, description="only scores below this, e.g. 40")] = None,
    status: Annotated[str | None, Query(max_length=32, description="one open status: new, open, pending, hold; "
                                        "or `breaching`: an SLA deadline within the hour")] = None,
    agent: Annotated[str | None, Query(max_length=MAX_ID, description="the assigned agent's id")] = None,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> dict:
    """Open tickets that have a score, lowest score (most at risk) first, equal scores by the
    earliest promise to the customer (`due_at`; none last); none, and `no_score` saying why,
    when the account's model is no better than chance."""
    if status is not None and status.lower() not in OPEN_STATES | {service.BREACHING}:
        raise ApiError(422, "invalid_query", f"status {status!r} is not an open status; use one of "
                       f"{', '.join(sorted(OPEN_STATES))}, or {service.BREACHING} (an SLA deadline within the hour)",
                       {"field": "status"})
    status = None if status is None else status.lower()
    acc = account_for(key, account, ctx)
    after = decode_cursor(cursor)
    if after is not None:
        if not (isinstance(after, list) and len(after) == 3 and isinstance(after[2], str)
                and (after[1] is None or isinstance(after[1], str))):
            raise bad_cursor()
        after = (cursor_int(after[0]), cursor_time(after[1]), after[2])
    unscored = no_scores(ctx.store, acc.name)
    if unscored:
        return {**_page([], None), "no_score": unscored[0]}
    rows, next_key = service.at_risk(ctx.store, acc, below=below, limit=limit, after=after, status=status,
                                     agent=agent)
    return {**_page(rows, next_key), "no_score": None}
