"""GET /api/v1/accounts: the accounts a key may read (admin: all; account key: its own)."""

from __future__ import annotations

from fastapi import APIRouter

from cxpulse.api.deps import ContextDep, KeyDep, account_for, require_right
from cxpulse.api.errors import ApiRoute
from cxpulse.api.schemas import AccountPublic, AccountsPublic
from cxpulse.service.accounts import account_rows

router = APIRouter(tags=["accounts"], route_class=ApiRoute)


@router.get("/accounts", response_model=AccountsPublic)
def list_accounts(key: KeyDep, ctx: ContextDep) -> dict:
    """Every account for an admin key; the key's own account for an account key."""
    require_right(key, "read")
    rows = account_rows(ctx.store, None if key.admin else {key.account or ""})
    return {"data": rows, "count": len(rows)}


@router.get("/accounts/{account}", response_model=AccountPublic)
def get_account(account: str, key: KeyDep, ctx: ContextDep) -> dict:
    """One account's settings and how much data it holds."""
    acc = account_for(key, account, ctx)
    return account_rows(ctx.store, {acc.name})[0]
