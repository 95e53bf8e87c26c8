"""/api/v1/accounts/{account}/sla-policies: an account's SLA policies — read and write (docs/sla.md)."""

from __future__ import annotations

from fastapi import APIRouter

from cxpulse.api.deps import ContextDep, KeyDep, account_for
from cxpulse.api.errors import ApiRoute
from cxpulse.api.schemas import SlaPoliciesApplied, SlaPoliciesPublic, SlaPoliciesPut
from cxpulse.service.sla import policies_document, put_policies

router = APIRouter(tags=["sla"], route_class=ApiRoute)


@router.get("/accounts/{account}/sla-policies", response_model=SlaPoliciesPublic)
def sla_policies(account: str, key: KeyDep, ctx: ContextDep) -> dict:
    """The policies in force now, in match order, and every earlier version with its time."""
    acc = account_for(key, account, ctx)
    return policies_document(ctx.store, acc.name)


@router.put("/accounts/{account}/sla-policies", response_model=SlaPoliciesApplied)
def replace_sla_policies(account: str, body: SlaPoliciesPut, key: KeyDep, ctx: ContextDep) -> dict:
    """Store these policies as the account's from `effective_from` on (default: the first
    policies of an account cover its whole history, a change holds from now), checked as
    `cxpulse sla apply` checks a file: any problem answers 422 `invalid_query` naming each
    policy, field and fix, and stores nothing. Every ticket's SLA targets are derived again."""
    acc = account_for(key, account, ctx)
    data = body.model_dump(exclude_none=True)
    if "effective_from" in data:
        data["effective_from"] = data["effective_from"].isoformat()
    result = put_policies(ctx.store, acc.name, data)
    if result.changed:
        ctx.reports.invalidate()  # the SLA figures changed with the targets
    return {**policies_document(ctx.store, acc.name), "changed": result.changed, "tickets": result.tickets,
            "notes": result.notes}
