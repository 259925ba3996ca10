"""The error object of the API, ``{"error": {"code", "message"[, "details"]}}``, and the middleware producing it.

Every failure leaves as that object with a 4xx/5xx status: our own ``ApiError``, aiohttp's HTTP exceptions
(404, 405, 413 …), domain exceptions mapped by the packages, and — without internals — anything unexpected.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Collection, Mapping
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from hotline.web.jsonutil import json_response

log = logging.getLogger(__name__)

STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "too_many_requests",
    503: "unavailable",
}


class ApiError(Exception):
    """Raise from a handler to answer with the error object; ``message`` says what was wrong and what to do."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: Mapping[str, str] | None = None
) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return json_response({"error": body}, status=status, headers=dict(headers or {}))


def validation_error(where: str, exc: ValidationError) -> ApiError:
    """A 400 naming each invalid field; the offending input is not echoed (it may be personal data)."""
    details = [
        {"field": ".".join(str(part) for part in (where, *err["loc"])), "problem": err["msg"]}
        for err in exc.errors(include_url=False, include_input=False)
    ]
    summary = "; ".join(f"{d['field']}: {d['problem']}" for d in details)
    return ApiError(400, "invalid_input", f"invalid {where}: {summary}", details)


def _route_name(request: web.Request) -> str:
    # The route template (/api/calls/{id}), not the raw path: a path may carry personal data and this is logged.
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "<unmatched>"


def _from_http_exception(exc: web.HTTPException, request: web.Request) -> web.Response:
    default_text = f"{exc.status}: {exc.reason}"
    message = exc.text if exc.text and exc.text != default_text else {
        404: f"nothing at {request.path}; see /api/openapi.json for the routes",
        405: f"{request.method} is not allowed here; allowed: {exc.headers.get('Allow', 'see /api/openapi.json')}",
    }.get(exc.status, exc.reason)
    headers = {k: v for k, v in exc.headers.items() if k.lower() not in ("content-type", "content-length")}
    return error_response(exc.status, STATUS_CODES.get(exc.status, f"http_{exc.status}"), message, headers=headers)


def _internal_error(request: web.Request, what: str, exc_info: bool = True) -> web.Response:
    # a letter first: eight random hex digits can be all digits, which the log filter masks as a number
    reference = f"E{secrets.token_hex(4)}"
    log.error("%s (ref %s) in %s %s", what, reference, request.method, _route_name(request), exc_info=exc_info)
    return error_response(500, "internal_error", f"internal error; the service log has details under ref {reference}")


def make_error_middleware(error_map: Mapping[type[Exception], tuple[int, str]],
                          declared: Callable[[Any], Collection[int]] = lambda route: ()):
    """Middleware turning exceptions into error objects; ``error_map`` maps domain exceptions to (status, code).
    ``declared(route)``: the statuses a route's description declares (``hotline.web.statuses``); an error with
    any other status is a bug of the route's declaration, answered 500 (the spec is the contract)."""

    def undeclared(request: web.Request, response: web.Response, exc: Exception) -> web.Response:
        route = getattr(request.match_info.handler, "hotline_route", None)
        if route is None or request.match_info.http_exception is not None or response.status in declared(route):
            return response
        return _internal_error(request, f"status {response.status} ({type(exc).__name__}) not declared: add it to "
                                        "the route's statuses= or raises=", exc_info=False)

    @web.middleware
    async def error_middleware(request: web.Request, handler):
        try:
            return await handler(request)
        except ApiError as exc:
            headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
            return undeclared(request, error_response(exc.status, exc.code, exc.message, exc.details, headers), exc)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return undeclared(request, _from_http_exception(exc, request), exc)
        except Exception as exc:
            for exc_type, (status, code) in error_map.items():
                if isinstance(exc, exc_type):
                    return undeclared(request, error_response(status, code, str(exc)), exc)
            return _internal_error(request, "unhandled error")

    return error_middleware
