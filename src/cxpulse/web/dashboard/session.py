"""Who is looking: the dashboard's signed session cookie, its CSRF token, the viewer.

The cookie holds the key's id, a CSRF token, the account an admin chose and when it was
issued — never the key — signed with HMAC-SHA256 under a key derived from the store's
secret (`service.settings.secret`), so it verifies across processes sharing the
database and a survey token can never pass for a session. Every request looks the key
up again: a revoked key logs its sessions out at once. A session lasts SESSION_HOURS.

Which pages a key opens is its role's rights (service/keys.py, RIGHTS): `ViewerDep` asks
for `read` (every page but Quality's), `viewer_may(...)` for the rights a page names. A
reviewer key logs in to the Quality pages; a shopper key to the review form alone; any
other page answers it 403 (`RoleForbidden`), never a login loop.

Forms carry the session's CSRF token (`csrf`); the login form, before any session, a
random token also set as a short-lived cookie (double submit). SameSite=Lax keeps the
cookies off other sites' POSTs as a second line.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from cxpulse.service.accounts import account_names
from cxpulse.service.keys import KeyInfo, list_keys
from cxpulse.service.settings import secret
from cxpulse.storage import Store
from cxpulse.web import i18n

COOKIE = "cxpulse_session"
LOGIN_COOKIE = "cxpulse_login"
SESSION_HOURS = 12
LOGIN_FORM_MINUTES = 30
MAX_FORM_BYTES = 64 * 1024


class LoginRequired(Exception):
    """No valid session: the handler sends the browser to /login (and back after)."""


class CsrfFailed(Exception):
    """A form without the session's token: refused with 403, nothing changed."""


class RoleForbidden(Exception):
    """A logged-in key whose role does not grant the page: refused with 403, with where it may go."""

    def __init__(self, viewer: Viewer) -> None:
        super().__init__(viewer.key.role)
        self.viewer = viewer


# The rights that let a key log in to the dashboard at all, and the page each role lands on.
DASHBOARD_RIGHTS = ("read", "queue", "mystery")


def home_of(key: KeyInfo) -> str:
    """Where a role's key starts: the overview, the Quality page, or the review form."""
    if key.may("read"):
        return "/"
    return "/quality" if key.may("queue") else "/quality/review"


def may_log_in(key: KeyInfo) -> bool:
    return any(key.may(r) for r in DASHBOARD_RIGHTS)


@dataclass(frozen=True, slots=True)
class Session:
    key_id: int
    csrf: str
    account: str | None  # an admin's chosen account; an account key always sees its own
    issued: int  # unix seconds

    def encode(self) -> dict:
        return {"k": self.key_id, "c": self.csrf, "a": self.account, "t": self.issued}


@dataclass(frozen=True, slots=True)
class Viewer:
    """The logged-in key, its session, and the account the pages show (None: no accounts yet)."""

    key: KeyInfo
    session: Session
    account: str | None
    accounts: tuple[str, ...]  # what the switcher offers: every account for admin, else its own

    @property
    def csrf(self) -> str:
        return self.session.csrf

    def may(self, right: str) -> bool:
        return self.key.may(right)


def _signing_key(request: Request) -> bytes:
    key = getattr(request.app.state, "dashboard_signing_key", None)
    if key is None:
        ctx = request.app.state.context
        key = hmac.new(secret(ctx.store, ctx.settings), b"cxpulse dashboard session v1", hashlib.sha256).digest()
        request.app.state.dashboard_signing_key = key
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_session(request: Request, session: Session) -> str:
    payload = _b64(json.dumps(session.encode(), separators=(",", ":")).encode())
    mac = _b64(hmac.new(_signing_key(request), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{mac}"


def read_session(request: Request) -> Session | None:
    """The cookie's session if its signature holds and it has not expired, else None."""
    raw = request.cookies.get(COOKIE, "")
    payload, _, mac = raw.partition(".")
    if not payload or not mac or len(raw) > 4096:
        return None
    expected = _b64(hmac.new(_signing_key(request), payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, mac):
        return None
    try:
        d = json.loads(_unb64(payload))
        session = Session(int(d["k"]), str(d["c"]), d["a"] if isinstance(d["a"], str) else None, int(d["t"]))
    except (ValueError, KeyError, TypeError):
        return None
    if not 0 <= time.time() - session.issued < SESSION_HOURS * 3600:
        return None
    return session


def new_session(key: KeyInfo, account: str | None = None) -> Session:
    """A fresh session; `account` is where an admin key starts (None: the first account)."""
    return Session(key.id, secrets.token_urlsafe(24), account if key.admin else None, int(time.time()))


def set_session(request: Request, response: Response, session: Session) -> None:
    response.set_cookie(COOKIE, sign_session(request, session), max_age=SESSION_HOURS * 3600, httponly=True,
                        samesite="lax", secure=request.url.scheme == "https", path="/")


def clear_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


def set_login_token(request: Request, response: Response, token: str) -> None:
    """The login form's token as a cookie too: the POST must carry both, equal."""
    response.set_cookie(LOGIN_COOKIE, token, max_age=LOGIN_FORM_MINUTES * 60, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/login")


def login_token_ok(request: Request, posted: str) -> bool:
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), posted.encode())


def _key_by_id(store: Store, key_id: int) -> KeyInfo | None:
    return next((k for k in list_keys(store) if k.id == key_id and k.revoked_at is None), None)


def _viewer(store: Store, session: Session) -> Viewer | None:
    key = _key_by_id(store, session.key_id)
    if key is None or not may_log_in(key):
        return None
    if key.admin:
        names = tuple(account_names(store))
        account = session.account if session.account in names else (names[0] if names else None)
        return Viewer(key, session, account, names)
    return Viewer(key, session, key.account, (key.account,) if key.account else ())


async def any_viewer(request: Request) -> Viewer:
    """The logged-in viewer, whatever their role; raises LoginRequired (→ /login) otherwise."""
    session = read_session(request)
    if session is None:
        raise LoginRequired()
    viewer = await run_in_threadpool(_viewer, request.app.state.store, session)
    if viewer is None:
        raise LoginRequired()
    if viewer.key.language:  # the key's own choice over the browser's (web/i18n.py)
        i18n.use(viewer.key.language)
    return viewer


async def current_viewer(request: Request) -> Viewer:
    """The logged-in viewer whose key may read the account's figures (RoleForbidden if not)."""
    viewer = await any_viewer(request)
    if not viewer.may("read"):
        raise RoleForbidden(viewer)
    return viewer


def viewer_may(*rights: str):
    """A dependency: the logged-in viewer whose role grants any of `rights`."""

    async def dep(request: Request) -> Viewer:
        viewer = await any_viewer(request)
        if not any(viewer.may(r) for r in rights):
            raise RoleForbidden(viewer)
        return viewer

    return dep


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
AnyViewerDep = Annotated[Viewer, Depends(any_viewer)]


def with_account(session: Session, account: str) -> Session:
    return replace(session, account=account)


async def read_form(request: Request) -> FormData | None:
    """The posted form, or None when it is larger than any of the dashboard's forms."""
    size = request.headers.get("content-length", "")
    if size.isdigit() and int(size) > MAX_FORM_BYTES:
        return None
    if len(await request.body()) > MAX_FORM_BYTES:
        return None
    return await request.form()


def field(data: FormData, name: str) -> str:
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


async def checked_form(request: Request, viewer: Viewer) -> FormData:
    """The posted form if it carries the session's CSRF token; CsrfFailed otherwise."""
    data = await read_form(request)
    if data is None or not hmac.compare_digest(field(data, "csrf").encode(), viewer.csrf.encode()):
        raise CsrfFailed()
    return data


def safe_next(target: str) -> str:
    """Where to go after login: a path on this site only (never `//evil.example`)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and not target.startswith("/login"):
        return target
    return "/"
