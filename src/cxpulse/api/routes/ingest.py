"""POST /api/v1/accounts/{account}/{tickets|events|ratings|responses|users}: JSON batches,
and POST /api/v1/accounts/{account}/zendesk: Zendesk webhook and trigger bodies.

A batch is `{"items": [...]}`, each item one line of the JSON Lines format without its
`type` (docs/formats.md). The answer counts what was stored and lists each bad item
with its index, field and reason; the good items are stored whatever the bad ones.
Sending the same batch again answers `unchanged` for each item.
"""

# no `from __future__ import annotations`: each route's body type is built at run time, per kind
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from cxpulse.api.deps import ContextDep, KeyDep, account_for
from cxpulse.api.errors import ApiError, ApiRoute
from cxpulse.api.schemas import IngestBatch, IngestResult, ZendeskResult
from cxpulse.readers.base import RowError
from cxpulse.service.ingest import KINDS, MAX_ITEMS, ingest_batch, ingest_zendesk

router = APIRouter(tags=["ingest"], route_class=ApiRoute)

EXAMPLES = {
    "tickets": {"id": "t-1001", "created_at": "2026-03-02T09:15:00Z", "subject": "Refund not received",
                "status": "open", "channel": "email", "group": "Billing", "requester_id": "c-17",
                "assignee_id": "a-3"},
    "events": {"id": "e-5001", "ticket_id": "t-1001", "at": "2026-03-02T09:40:00Z", "kind": "comment",
               "author_id": "a-3", "author_role": "agent", "public": True, "body": "We are on it."},
    "ratings": {"id": "r-77", "ticket_id": "t-1001", "given_at": "2026-03-04T10:00:00Z", "score": "good",
                "comment": "Quick and kind"},
    "responses": {"id": "n-12", "kind": "nps", "score": 9, "given_at": "2026-03-04T10:00:00Z",
                  "customer_id": "c-17"},
    "users": {"id": "a-3", "role": "agent", "name": "Rūta", "email": "ruta@example.com"},
}


Wait = Annotated[bool, Query(description="answer after the derived data (KPIs, rollups, scores) is refreshed; "
                                        "by default it follows in the background within about a second")]


def _ingest_route(kind: str):
    Batch = Annotated[IngestBatch, Body(openapi_examples={"one": {"value": {"items": [EXAMPLES[kind]]}}})]

    def ingest(account: str, key: KeyDep, ctx: ContextDep, body: Batch, wait: Wait = False) -> dict:
        acc = account_for(key, account, ctx, "write")
        if len(body.items) > MAX_ITEMS:
            raise ApiError(413, "batch_too_large", f"{len(body.items)} items; send at most {MAX_ITEMS} per batch",
                           {"max_items": MAX_ITEMS, "items": len(body.items)})
        return ingest_batch(ctx, acc.name, kind, body.items, wait=wait, known=acc).as_dict()

    ingest.__name__ = f"ingest_{kind}"
    ingest.__doc__ = (f"Store a batch of {kind} (at most {MAX_ITEMS}), idempotent by `id`; the KPIs and rollups "
                      "they touch are refreshed and the open tickets they change rescored, in the background or "
                      "before the answer with `wait=true`.")
    return ingest


for _kind in KINDS:
    router.add_api_route(f"/accounts/{{account}}/{_kind}", _ingest_route(_kind), methods=["POST"],
                         response_model=IngestResult, summary=f"Ingest {_kind}")


@router.post("/accounts/{account}/zendesk", response_model=ZendeskResult, summary="Zendesk webhook receiver")
def zendesk(account: str, key: KeyDep, ctx: ContextDep, body: Annotated[Any, Body()], wait: Wait = False) -> dict:
    """Point a Zendesk webhook here (event-type webhooks for ticket events, or a trigger
    whose JSON body carries `{"ticket": {...}}` placeholders; docs/api.md has both), with
    the account's key as its bearer token. 422 `invalid_webhook` names the unreadable field."""
    acc = account_for(key, account, ctx, "write")
    try:
        result = ingest_zendesk(ctx, acc.name, body, wait=wait)
    except RowError as e:
        raise ApiError(422, "invalid_webhook", f"{e.field}: {e.reason}",
                       {"field": e.field, "reason": e.reason}) from None
    return {**result.stored.as_dict(), "ticket_id": result.ticket_id, "shape": result.shape, "mapped": result.mapped}
