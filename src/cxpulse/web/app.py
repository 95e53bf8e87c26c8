"""The FastAPI application factory: `create_app(store)` builds a fresh app around one Store.

Nothing happens at import time: a test passes its own store, `cxpulse serve` passes the
one named by --db. The app's state that lives as long as it does — store, settings,
report cache, background refresh, locks — is one `App` (service/context.py), made here
and kept as `app.state.context`; routes get it as a dependency (api/deps.py `ContextDep`).
The app serves the survey pages (web/surveys.py), /static and /healthz, and adds
security headers to every response.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cxpulse import __version__
from cxpulse.config import Settings
from cxpulse.service.context import App
from cxpulse.storage import Store
from cxpulse.web.pages import make_env

STATIC_DIR = Path(__file__).parent / "static"

# no page of ours may be framed by another site (clickjacking): CSP's
# frame-ancestors for today's browsers, X-Frame-Options for older ones
FRAME_ANCESTORS = b"frame-ancestors 'none'"
CSP = b"default-src 'self'; " + FRAME_ANCESTORS
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # the survey links carry their token in the path: never leak it to another site
    (b"referrer-policy", b"no-referrer"),
)


def _with_frame_ancestors(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A route's own CSP (e.g. /docs) keeps its sources but gains frame-ancestors 'none'."""
    return [
        (k, v + b"; " + FRAME_ANCESTORS if k.lower() == b"content-security-policy" and b"frame-ancestors" not in v else v)
        for k, v in headers
    ]


class SecurityHeaders:
    """A tiny ASGI middleware: adds SECURITY_HEADERS to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = _with_frame_ancestors(list(message.get("headers", [])))
                present = {k.lower() for k, _ in headers}
                message["headers"] = headers + [(k, v) for k, v in SECURITY_HEADERS if k not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(store: Store, *, clock: Callable[[], datetime] | None = None,
               settings: Settings | None = None) -> FastAPI:
    """A new app serving the survey pages over `store` (`app.state.store`), with its own
    App context (`app.state.context`).

    `clock` gives the current UTC time to the survey rules (15-minute window, expiry);
    tests pass their own, the server uses the real one. `settings` default to the
    environment's as it is now (cxpulse.config).
    """
    from cxpulse.web.surveys import broken_link
    from cxpulse.web.surveys import router as survey_router

    # /openapi.json describes the API (api/); /docs is served by api/routes/docs.py from
    # assets shipped in a package, not FastAPI's CDN page
    app = FastAPI(title="cxpulse", version=__version__, docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.context = App(store, settings)
    app.state.store = store
    app.state.templates = make_env()
    app.state.clock = clock or (lambda: datetime.now(UTC))
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(survey_router)
    from cxpulse.web.employee import router as employee_router

    app.include_router(employee_router)
    from cxpulse.api import build_api
    from cxpulse.api.errors import API_PREFIX
    from cxpulse.api.errors import http_error as api_http_error
    from cxpulse.web.dashboard import build_dashboard

    build_api(app)
    build_dashboard(app)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """A survey address that matches no route is a broken link: say so on a page."""
        if exc.status_code == 404 and request.url.path.startswith(("/s/", "/l/")):
            return broken_link(request)
        if request.url.path.startswith(API_PREFIX):
            return api_http_error(request, exc)  # the API's one error shape, never {"detail": …}
        return await http_exception_handler(request, exc)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    return app
