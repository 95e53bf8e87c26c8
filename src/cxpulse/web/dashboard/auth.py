"""Logging in with an account key, logging out, and an admin's account switcher.

    GET  /login     the form (a key, nothing else)
    POST /login     key → session cookie → back to where the browser was going; an admin key
                    starts on the busiest account (service.accounts.busiest_account)
    POST /logout    session cookie cleared
    POST /account   admin keys: show another account
    POST /language  the dashboard's language for this key (kept with the key; "" follows the browser)
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cxpulse.service.accounts import busiest_account
from cxpulse.service.keys import set_key_language, verify_key
from cxpulse.web import i18n
from cxpulse.web.dashboard.session import (
    LOGIN_COOKIE,
    AnyViewerDep,
    ViewerDep,
    checked_form,
    clear_session,
    field,
    home_of,
    login_token_ok,
    may_log_in,
    new_session,
    read_form,
    read_session,
    safe_next,
    set_login_token,
    set_session,
    with_account,
)
from cxpulse.web.pages import render

router = APIRouter(include_in_schema=False)


def _login_page(request: Request, *, next_path: str, error: str = "", status_code: int = 200) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(request, "dashboard/login.html", status_code=status_code, title=i18n.gettext("Log in to cxpulse"),
                      error=error, next_path=next_path, token=token)
    set_login_token(request, response, token)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    """The login form; a browser already logged in goes straight on."""
    if read_session(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_path=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    """Check the key once (service.keys.verify_key); keep only its id in the signed session."""
    data = await read_form(request)
    if data is None:
        return _login_page(request, next_path="/", error=i18n.gettext("That form was too large."), status_code=413)
    next_path = safe_next(field(data, "next"))
    if not login_token_ok(request, field(data, "token")):
        return _login_page(request, next_path=next_path, status_code=403,
                           error=i18n.gettext("The login form had expired. Please enter your key again."))
    key = field(data, "key").strip()
    info = await run_in_threadpool(verify_key, request.app.state.store, key) if key else None
    if info is None:
        return _login_page(request, next_path=next_path, status_code=401,
                           error=i18n.gettext("That key is unknown or has been revoked. Check it and try again."))
    if not may_log_in(info):
        return _login_page(request, next_path=next_path, status_code=403,
                           error=i18n.gettext("A %(role)s key does not open the dashboard. Log in with an account key.")
                           % {"role": info.role})
    if next_path == "/" or (not info.may("read") and not next_path.startswith("/quality")):
        next_path = home_of(info)  # a reviewer or a shopper starts on their own page
    response = RedirectResponse(next_path, status_code=303)
    # an admin starts on the account with the most going on lately, not the first in the alphabet
    start = await run_in_threadpool(busiest_account, request.app.state.store) if info.admin else None
    set_session(request, response, new_session(info, start))
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request, viewer: AnyViewerDep) -> Response:
    await checked_form(request, viewer)
    response = RedirectResponse("/login", status_code=303)
    clear_session(response)
    return response


@router.post("/account")
async def switch_account(request: Request, viewer: ViewerDep) -> Response:
    """An admin picks the account the pages show; an account key has only its own."""
    data = await checked_form(request, viewer)
    account = field(data, "account")
    response = RedirectResponse(safe_next(field(data, "next")), status_code=303)
    if viewer.key.admin and account in viewer.accounts:
        set_session(request, response, with_account(viewer.session, account))
    return response


@router.post("/language")
async def switch_language(request: Request, viewer: AnyViewerDep) -> Response:
    """The header's language switcher: kept with the key, so it holds in every session of it."""
    data = await checked_form(request, viewer)
    language = field(data, "language")
    response = RedirectResponse(safe_next(field(data, "next")), status_code=303)
    if language in i18n.LANGUAGES or language == "":
        await run_in_threadpool(set_key_language, request.app.state.store, viewer.key.id, language or None)
    return response
