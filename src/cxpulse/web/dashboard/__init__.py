"""The dashboard: server-rendered pages behind an account-key login.
`build_dashboard(app)` adds it to the app that `web.app.create_app` builds.

Pages (all GET, all behind the login; forms POST with the session's CSRF token):

    /              overview: CSAT, NPS, CES, CSI with intervals, trends, KPIs, response rate
    /agents        agents, sortable by any column      /groups   the same by group
    /responses     the answers behind a figure, /tickets the tickets: filtered, paged, sorted, ?format=csv
    /drivers       satisfaction by first-reply time, reopens, reassignments
    /sla           SLA policies, targets met / breached / running, CSAT by SLA
    /low-ratings   the lowest ratings with comments, over-represented terms
    /reviews       public reviews: stars, sentiment and replies by source, month, language;
                   the 1–2-star reviews and their themes
    /at-risk       open tickets by predicted satisfaction, with reasons
    /model         the model card: AUC, Brier vs base rate, calibration, early AUC
    /alerts        the early-warning log          /webhooks  endpoints and delivery log
    /surveys       survey settings; /surveys/{name} edits one
    /connections   the help desk connections and how their sync stands
    /quality       IQS by agent and criterion, reviewer agreement, IQS vs CSAT, mystery
                   reviews apart, the review queue, recent reviews and their disputes
    /quality/review/{ticket}  the review form beside the ticket's conversation
    /login, /logout, /account (an admin's account switcher), /language (the key's language)

Every page speaks the key's chosen language, else the browser's (Accept-Language), among
en, ru, el and lt (web/i18n.py); numbers and dates are formatted for it (format.py).

Thin like the CLI: every page parses its query, calls service functions and renders.
No JavaScript, no CDN, no web font: a deployment may be offline.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from cxpulse.metrics.direction import MIN_COMPARE_N
from cxpulse.web import i18n
from cxpulse.web.dashboard.format import FILTERS, GLOBALS, judged
from cxpulse.web.dashboard.reasons import reason_words
from cxpulse.web.dashboard.session import CsrfFailed, LoginRequired, RoleForbidden, home_of
from cxpulse.web.pages import render


def build_dashboard(app: FastAPI) -> None:
    """Add the dashboard's pages, its login and its error pages to `app`."""
    from cxpulse.web.dashboard import (
        auth,
        connections,
        insight,
        lists,
        overview,
        predictions,
        quality,
        reviews,
        settings,
        sla,
        tables,
        team,
    )

    app.state.templates.filters.update(FILTERS, reason=reason_words)
    app.state.templates.globals.update(judged=judged, min_compare_n=MIN_COMPARE_N)
    app.state.templates.globals.update(GLOBALS)
    app.state.overview_views = overview.Views()  # pages assembled from the app's kept reports
    for module in (auth, overview, tables, lists, insight, team, predictions, settings, sla, connections, quality,
                   reviews):
        app.include_router(module.router)
    app.add_exception_handler(LoginRequired, _to_login)
    app.add_exception_handler(CsrfFailed, _csrf_failed)
    app.add_exception_handler(RoleForbidden, _role_forbidden)
    app.add_middleware(BrowserLanguage)


class BrowserLanguage:
    """An ASGI middleware: each request starts in the browser's language (Accept-Language);
    a logged-in key's own choice replaces it when the session is read (session.any_viewer)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            i18n.use(i18n.negotiate(Headers(scope=scope).get("accept-language")))
        await self.app(scope, receive, send)


async def _to_login(request: Request, exc: Exception) -> Response:
    """Not logged in (or the key was revoked): to the login form, and back here after."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    nxt = target if request.method == "GET" and target != "/" else None
    return RedirectResponse("/login" + (f"?next={_quote(nxt)}" if nxt else ""), status_code=303)


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


async def _csrf_failed(request: Request, exc: Exception) -> HTMLResponse:
    _ = i18n.gettext
    return render(request, "dashboard/message.html", status_code=403, title=_("The form had expired"),
                  message=_("Nothing was changed: the form did not carry this session's token. Go back, reload the "
                            "page and try again."))


async def _role_forbidden(request: Request, exc: Exception) -> HTMLResponse:
    from cxpulse.web.dashboard.common import page

    viewer = exc.viewer  # type: ignore[attr-defined]
    home = home_of(viewer.key)
    _ = i18n.gettext
    return page(request, viewer, "message.html", status_code=403, title=_("Not for this key"), active="",
                message=_("A %(role)s key does not open this page.") % {"role": viewer.key.role}, home=home)
