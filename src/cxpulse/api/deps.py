"""Dependencies named once (the full-stack-fastapi-template shape): the app's context
(its store, settings and caches: service/context.py), the store, the caller's key, and
the account a path names — checked against that key.

`account_for` answers 404 both for an unknown account and for another tenant's: a key
of account A cannot even learn whether account B exists.
"""

from __future__ import annotations

import threading
import time
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cxpulse.api.errors import ApiError
from cxpulse.api.limits import check_rate
from cxpulse.service.accounts import StoredAccount, find_account
from cxpulse.service.context import App
from cxpulse.service.keys import KeyInfo, verify_key
from cxpulse.storage import Store

KEY_CACHE_SECONDS = 5.0  # a revoked key keeps working at most this long in one process
_KEY_CACHE_MAX = 10_000


async def get_context(request: Request) -> App:
    """The App the app factory made (app.state.context). Async on purpose: nothing to
    wait for, so no thread-pool hop."""
    return request.app.state.context


ContextDep = Annotated[App, Depends(get_context)]


async def get_store(request: Request) -> Store:
    """Async on purpose: nothing to wait for, so no thread-pool hop."""
    return request.app.state.context.store


StoreDep = Annotated[Store, Depends(get_store)]


class KeyCache:
    """Verified keys for a few seconds: one indexed read per key per few seconds
    instead of one per request. Per app (app.state), so tests never share it."""

    def __init__(self, ttl: float = KEY_CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._items: dict[str, tuple[float, KeyInfo]] = {}
        self._lock = threading.Lock()

    def get(self, store: Store, key: str) -> KeyInfo | None:
        now = time.monotonic()
        hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        info = verify_key(store, key)
        with self._lock:
            if info is None:
                self._items.pop(key, None)
            else:
                if len(self._items) >= _KEY_CACHE_MAX:
                    self._items.clear()
                self._items[key] = (now + self.ttl, info)
        return info

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def bearer_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    return key.strip()


# declares the scheme in the OpenAPI (Swagger UI's Authorize button); the header is read below
_bearer = HTTPBearer(auto_error=False, scheme_name="apiKey",
                     description="an API key: `cxpulse keys create --account NAME` prints one")


async def current_key(
    request: Request, _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
) -> KeyInfo:
    """The request's `Authorization: Bearer <key>` → its KeyInfo, else 401; then the
    key's rate limit (429), so every route that needs a key is limited by it.

    Async on purpose: a cache hit answers without a thread-pool hop; a miss reads the
    database once (a fast indexed read)."""
    key = bearer_key(request)
    if key is None:
        raise _unauthorized("send an API key as `Authorization: Bearer <key>` (`cxpulse keys create --account NAME`)")
    cache: KeyCache | None = getattr(request.app.state, "key_cache", None)
    if cache is None:
        cache = request.app.state.key_cache = KeyCache()
    info = cache.get(request.app.state.context.store, key)
    if info is None:
        raise _unauthorized("the API key is unknown or revoked")
    check_rate(request, info)
    request.state.key = info
    return info


KeyDep = Annotated[KeyInfo, Depends(current_key)]


def _lookup(ctx: App, name: str) -> StoredAccount | None:
    """The stored account of that name, kept a few seconds in the App (`App.accounts`)."""
    acc = find_account(ctx.store, name)
    ctx.accounts.put(name, acc)
    return acc


def cached_account(ctx: App, name: str) -> StoredAccount | None | bool:
    """The kept lookup of `name` without touching the database: an account, None (no such
    account), or False when nothing is kept (the caller looks it up in a thread)."""
    return ctx.accounts.kept(name)


def account_for(key: KeyInfo, account: str, ctx: App, right: str = "read") -> StoredAccount:
    """The account named in the path, if `key` may use it; 404 otherwise — the same
    answer for 'no such account' and 'someone else's account'. Then the key's role must
    grant `right` there (service/keys.py, RIGHTS), else 403: a reviewer or shopper key
    reaches only the routes that name a right its role has."""
    if not key.admin and key.account != account:
        raise ApiError(404, "account_not_found", f"no account named {account!r} for this key")
    acc = ctx.accounts.kept(account)
    if acc is False:
        acc = _lookup(ctx, account)
    if acc is None or not key.can_read(acc.id):
        raise ApiError(404, "account_not_found", f"no account named {account!r} for this key")
    require_right(key, right)
    return acc


def require_right(key: KeyInfo, right: str) -> None:
    """403 unless the key's role grants `right` (RIGHTS in service/keys.py)."""
    if not key.may(right):
        raise ApiError(403, "forbidden_for_role", f"a {key.role} key cannot do this ({right}); "
                       "`cxpulse keys create --account NAME` makes a key with the account's rights",
                       {"role": key.role, "right": right})


def require_admin(key: KeyInfo) -> None:
    if not key.admin:
        raise ApiError(403, "admin_only", "this needs an admin key (`cxpulse keys create --admin`)")
