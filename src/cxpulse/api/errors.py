"""One error shape for the API: every 4xx/5xx under /api/ answers

    {"error": {"code": "machine_readable", "message": "what happened and what to do", "details": ...}}

Routes raise `ApiError` (or let a domain error through); `install_error_handlers` turns
each kind of failure into that shape once, so clients branch on `code`, never on text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import OperationalError

from cxpulse.domain import AmbiguousTicket, CxpulseError, FormatError, InvalidQuery, NotFound, SurveyError

log = logging.getLogger("cxpulse.api")

API_PREFIX = "/api/"


class ApiError(Exception):
    """A client-facing failure: HTTP `status`, a stable `code`, a human `message`."""

    def __init__(
        self, status: int, code: str, message: str, details: dict | list | None = None,
        *, headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers


def error_body(code: str, message: str, details: Any = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details}}


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def _domain_error(exc: CxpulseError) -> ApiError:
    """The domain's error tree → status and code, in one place."""
    if isinstance(exc, NotFound):
        return ApiError(404, "not_found", str(exc))
    if isinstance(exc, AmbiguousTicket):
        return ApiError(409, "ambiguous_ticket", str(exc))
    if isinstance(exc, SurveyError):
        return ApiError(422, "invalid_survey", str(exc))
    if isinstance(exc, FormatError):
        return ApiError(422, "invalid_format", str(exc))
    if isinstance(exc, InvalidQuery):
        return ApiError(422, "invalid_query", str(exc))
    return ApiError(400, "bad_request", str(exc))


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _validation_details(exc: RequestValidationError) -> list[dict]:
    return [
        {"loc": list(e.get("loc", ())), "reason": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]


def to_response(exc: Exception) -> JSONResponse | None:
    """The API's answer to an exception a route raised; None for one it does not know."""
    if isinstance(exc, ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)
    if isinstance(exc, CxpulseError):
        e = _domain_error(exc)
        return error_response(e.status, e.code, e.message, e.details)
    if isinstance(exc, RequestValidationError):
        return error_response(422, "invalid_request", "the request does not match the API's schema; see details",
                              _validation_details(exc))
    if isinstance(exc, OperationalError):
        log.warning("storage unavailable: %s", exc)
        return error_response(503, "storage_unavailable", "the database is busy or unreachable; retry shortly",
                              headers={"Retry-After": "1"})
    return None


class ApiRoute(APIRoute):
    """A route that answers every failure in the API's error shape, whatever handlers
    the rest of the app registers (the survey pages and the dashboard have their own)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def api_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                response = to_response(exc)
                if response is None:
                    raise
                return response

        return api_handler


def install_error_handlers(app: FastAPI) -> None:
    """App-wide handlers for routes that are not ApiRoutes (another part's router under
    /api/): ApiError anywhere, validation errors and crashes in the shape under /api/,
    and the usual answers elsewhere."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return to_response(exc)  # type: ignore[return-value]

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return to_response(exc)  # type: ignore[return-value]
        return await request_validation_exception_handler(request, exc)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            known = to_response(exc)
            if known is not None:
                return known
            log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
            return error_response(500, "internal_error", "the server failed to answer; the error is logged")
        return PlainTextResponse("Internal Server Error", status_code=500)


def not_found_or_method(routers: Sequence[Any], prefix: str, request: Request) -> ApiError:
    """For the catch-all under /api/: 405 when a route of `routers` (mounted at `prefix`)
    has this path with another method, else 404."""
    path = request.url.path
    sub = path.removeprefix(prefix)
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.path_regex.match(sub) and request.method not in route.methods:
                return ApiError(405, "method_not_allowed", f"{request.method} is not allowed on {path}",
                                {"allowed": sorted(route.methods)}, headers={"Allow": ", ".join(sorted(route.methods))})
    return ApiError(404, "not_found", f"no API route {path}; /docs lists them")
