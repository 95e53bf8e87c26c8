"""The REST API under /api/v1: per-account keys, ingest, metrics, tickets,
predictions, alerts, model cards, surveys, webhooks, help desk connections, quality reviews. `build_api(app)` adds it to the
app that `web.app.create_app` builds; docs/api.md describes it, /docs shows it."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request

from cxpulse.api.deps import KeyCache
from cxpulse.api.errors import CATCH_ALL, ApiRoute, install_error_handlers, not_found_or_method
from cxpulse.api.limits import BodyLimit, limiter_from_env
from cxpulse.api.routes import (
    accounts, connections, docs, employee, ingest, metrics, predictions, qa, sla, surveys, tickets, webhooks,
)
from cxpulse.api.schemas import ErrorBody

PREFIX = "/api/v1"
ERRORS = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "bad request (e.g. `invalid_cursor`)"),
        (401, "`unauthorized`: no key, or an unknown or revoked one"),
        (403, "`forbidden_for_role`: the key's role (reviewer, shopper) does not grant this"),
        (404, "`account_not_found` (also for another account's data), `ticket_not_found`, `not_found`"),
        (413, "`body_too_large` (over 5 MB) or `batch_too_large` (over 1000 items)"),
        (422, "`invalid_request`, `invalid_query`, `invalid_survey`, `invalid_scorecard`, `invalid_webhook`: "
              "details say which field"),
        (429, "`rate_limited`: wait Retry-After seconds"),
    )
}


def build_api(app: FastAPI) -> None:
    """Add the API's routes, error handlers and limits to `app`."""
    app.description = (
        "Customer satisfaction, service KPIs and predictions per account. Send an API key as "
        "`Authorization: Bearer <key>` (`cxpulse keys create --account NAME`); every error answers "
        '`{"error": {"code", "message", "details"}}`. docs/api.md has the whole guide.'
    )
    app.state.key_cache = KeyCache()
    app.state.rate_limiter = limiter_from_env(app.state.context.settings.rate_limit)
    install_error_handlers(app)
    app.add_middleware(BodyLimit)
    v1 = APIRouter(prefix=PREFIX, responses=ERRORS, route_class=ApiRoute)
    routers = [m.router for m in (metrics, accounts, tickets, predictions, surveys, ingest, webhooks, sla,
                                  connections, qa, employee)]
    for router in routers:
        v1.include_router(router)
    app.state.api_routers = [(PREFIX, router) for router in routers]  # for 405's Allow (api/errors.py)

    @v1.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"],
                  include_in_schema=False, name=CATCH_ALL)
    def unknown(request: Request) -> None:
        """Anything else under /api/: the error shape, never the pages' 404. OPTIONS (no
        CORS here) and HEAD are 405 with the path's methods in Allow, like any other."""
        raise not_found_or_method(request)

    app.include_router(v1)
    app.include_router(docs.router)
