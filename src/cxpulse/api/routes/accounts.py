"""GET /api/v1/accounts: the accounts a key may read (admin: all; account key: its own)."""

from __future__ import annotations

from fastapi import APIRouter

from cxpulse.api.deps import KeyDep, StoreDep, account_for
from cxpulse.api.errors import ApiRoute
from cxpulse.api.schemas import AccountPublic, AccountsPublic
from cxpulse.service.accounts import account_overview, settings_row
from cxpulse.storage import Store

router = APIRouter(tags=["accounts"], route_class=ApiRoute)


def _accounts(store: Store, names: set[str] | None) -> list[dict]:
    counts = {row["name"]: row for row in account_overview(store)}
    out = []
    for acc in store.accounts():
        if names is not None and acc.name not in names:
            continue
        c = counts.get(acc.name, {})
        out.append({**settings_row(acc), **{k: c.get(k, 0) for k in ("tickets", "events", "responses")}})
    return out


@router.get("/accounts", response_model=AccountsPublic)
def list_accounts(key: KeyDep, store: StoreDep) -> dict:
    """Every account for an admin key; the key's own account for an account key."""
    rows = _accounts(store, None if key.admin else {key.account or ""})
    return {"data": rows, "count": len(rows)}


@router.get("/accounts/{account}", response_model=AccountPublic)
def get_account(account: str, key: KeyDep, store: StoreDep) -> dict:
    """One account's settings and how much data it holds."""
    acc = account_for(key, account, store)
    return _accounts(store, {acc.name})[0]
