"""One error shape for the API: every 4xx/5xx under /api/ answers

    {"error": {"code": "machine_readable", "message": "what happened and what to do", "details": ...}}

Routes raise `ApiError` (or let a domain error through); `install_error_handlers` turns
each kind of failure into that shape once, so clients branch on `code`, never on text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import FastAPI, Request, Response, params
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from cxpulse.domain import AmbiguousTicket, CxpulseError, FormatError, InvalidQuery, NotFound, SurveyError
from cxpulse.domain.scorecards import ScorecardError
from cxpulse.storage.errors import StoreBusy

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
    if isinstance(exc, ScorecardError):
        return ApiError(422, "invalid_scorecard", str(exc))
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
    if isinstance(exc, StoreBusy):
        log.warning("storage unavailable: %s", exc)
        return error_response(503, "storage_unavailable", "the database is busy or unreachable; retry shortly",
                              headers={"Retry-After": "1"})
    return None


JSON_TYPES = ("application/json", "+json")
HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "body_too_large",
              415: "unsupported_media_type", 422: "invalid_request", 429: "rate_limited"}


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == JSON_TYPES[0] or media.endswith(JSON_TYPES[1])


def _is_body_parse_error(exc: StarletteHTTPException) -> bool:
    return exc.status_code == 400 and exc.detail == "There was an error parsing the body"


def _unreadable_body(exc: BaseException) -> ApiError:
    """FastAPI's "error parsing the body" (400 {"detail"}) told the way the API tells errors:
    invalid UTF-8 and JSON nested past the parser's depth each say what to send instead."""
    cause = exc.__cause__
    if isinstance(cause, UnicodeDecodeError):
        return ApiError(400, "invalid_json", f"the body is not UTF-8 (byte {cause.start}); send JSON encoded as UTF-8",
                        {"position": cause.start})
    if isinstance(cause, RecursionError):
        return ApiError(400, "invalid_json", "the body's JSON is nested too deeply; no request of this API nests "
                        "more than a few levels")
    return ApiError(400, "invalid_json", "the body could not be read as JSON")


class ApiRoute(APIRoute):
    """A route that answers every failure in the API's error shape, whatever handlers
    the rest of the app registers (the survey pages and the dashboard have their own).

    A route that takes a JSON body answers 415 `unsupported_media_type` to a non-empty body
    sent as anything else (a form, text/plain, no Content-Type): FastAPI would hand such a
    body on as bytes, which a route declared `Any` (the Zendesk receiver) cannot read."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_json = self.body_field is not None and not isinstance(self.body_field.field_info, params.Form)

        async def api_handler(request: Request) -> Response:
            try:
                if takes_json and not _is_json(request.headers.get("content-type", "")) and await request.body():
                    got = request.headers.get("content-type") or "none"
                    raise ApiError(415, "unsupported_media_type",
                                   f"the body must be JSON sent with Content-Type: application/json, not {got}",
                                   {"content_type": got, "expected": "application/json"})
                return await handler(request)
            except RequestValidationError as exc:
                if any(e.get("loc", ("",))[0] == "path" for e in exc.errors()):
                    # /webhooks/deliveries is not webhook "deliveries": a literal path of another route wins
                    routes = matching_routes(request.app, request.url.path)
                    if routes and all(r.endpoint is not self.endpoint for r in routes):
                        return to_response(method_error(request, routes))  # type: ignore[return-value]
                return to_response(exc)  # type: ignore[return-value]
            except StarletteHTTPException as exc:
                if _is_body_parse_error(exc):
                    return to_response(_unreadable_body(exc))  # type: ignore[return-value]
                raise
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


CATCH_ALL = "api_unknown"  # the name of the catch-all route under /api/v1 (api/__init__.py)


def _literal_segments(route: APIRoute) -> int:
    return sum(1 for part in route.path_format.split("/") if part and not part.startswith("{"))


def matching_routes(app: Any, path: str) -> list[APIRoute]:
    """The API routes whose path pattern fits `path`, the most literal ones only: for
    /webhooks/deliveries the GET route of that path, not DELETE /webhooks/{webhook_id}.
    The routers are those `build_api` keeps in `app.state.api_routers` as (prefix, router)."""
    fits = [r for prefix, router in getattr(app.state, "api_routers", ()) if path.startswith(prefix)
            for r in router.routes
            if isinstance(r, APIRoute) and r.name != CATCH_ALL and r.path_regex.match(path.removeprefix(prefix))]
    best = max((_literal_segments(r) for r in fits), default=0)
    return [r for r in fits if _literal_segments(r) == best]


def method_error(request: Request, routes: Sequence[APIRoute]) -> ApiError:
    """405 with every method of the path in `Allow` and `details.allowed` when `routes`
    (those that fit the path) exist, else 404."""
    path = request.url.path
    allowed = sorted({m for r in routes for m in r.methods})
    if not allowed:
        return ApiError(404, "not_found", f"no API route {path}; /docs lists them")
    return ApiError(405, "method_not_allowed", f"{request.method} is not allowed on {path}; use {', '.join(allowed)}",
                    {"allowed": allowed}, headers={"Allow": ", ".join(allowed)})


def not_found_or_method(request: Request) -> ApiError:
    """For the catch-all under /api/: 405 when API routes have this path with other
    methods (all of them in `Allow`), else 404."""
    return method_error(request, matching_routes(request.app, request.url.path))


def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """An HTTPException under /api/ (Starlette's router 405s, FastAPI's body parsing) in the
    error shape: clients never see `{"detail": …}`."""
    if exc.status_code == 405:
        return to_response(method_error(request, matching_routes(request.app, request.url.path)))  # type: ignore
    if _is_body_parse_error(exc):
        return to_response(_unreadable_body(exc))  # type: ignore[return-value]
    code = HTTP_CODES.get(exc.status_code, "internal_error" if exc.status_code >= 500 else "bad_request")
    message = exc.detail if isinstance(exc.detail, str) else "the request could not be answered"
    return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))
