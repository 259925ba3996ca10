"""Puts audited requests in the audit trail (``hotline/audit``): every authenticated write to ``/api/`` whatever
its answer, and every read of a route declared ``personal_data`` (``ApiRouter.add(..., personal_data=True)``).

Two middlewares share one state per request. The outer one (the app's first) sees every answer's final status,
the error object of a refusal too; after the handler, before anything is sent, it appends a read's row or a
write's result row. The inner one (after authentication) runs only for a user who may use the route, right before
the handler: it takes the purpose (the ``X-Hotline-Purpose`` header, else the route's summary) and appends a
write's *attempt* row. A write that reaches its handler therefore has two rows, the attempt (no status) and its
result (``attempt_of``): the change can never be made without a row saying who made it and why.

When a row cannot be written the client gets 503 and the error object: a read answers no data, a write's handler
does not run. Only a write's result row is let go (logged): the change is made and its attempt row stands, and a
503 would invite a client to make it twice. Without a valid token there is no actor: nothing is recorded (the
access log has the request, path only).

What a row holds of the request: the route template, the path parameters (shaped like ids; anything shaped like a
phone number masked), the NAMES of the query parameters, never their values, never the body or the answer.
"""
from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, field

from aiohttp import web

from hotline.audit import AuditRecord, AuditTrail, AuditUnavailable
from hotline.auth.service import Principal
from hotline.log_privacy import mask_numbers
from hotline.web.auth import PRINCIPAL_KEY
from hotline.web.deps import request_key
from hotline.web.errors import ApiError, error_response
from hotline.web.routes import ApiRoute

log = logging.getLogger(__name__)

PURPOSE_HEADER = "X-Hotline-Purpose"
MAX_PURPOSE = 200
MAX_QUERY_NAMES = 10
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,31}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
AUDIT_TRAIL_KEY = web.AppKey("hotline_audit_trail", AuditTrail)
UNAVAILABLE = "the audit trail cannot be written, so this request is not served; try again shortly"


@dataclass
class Audited:
    """The audit state of one request."""

    route: ApiRoute
    action: str            # read | write
    purpose: str | None = None
    attempt_id: int | None = None
    recorded: bool = False
    failed: bool = False   # an append failed and the client is told so: no second try
    made: dict[str, str] = field(default_factory=dict)   # what the handler made (a new session's id), by name


AUDIT_KEY = request_key("hotline_audit", Audited)


def audited_action(route: ApiRoute) -> str | None:
    """``write`` or ``read`` when requests of ``route`` are audited, else None (also for the API description)."""
    if route.access.public:
        return None
    if route.method not in READ_METHODS and route.path.startswith("/api/"):
        return "write"
    return "read" if route.personal_data and route.method in READ_METHODS else None


def _audited(request: web.Request) -> Audited | None:
    if request.match_info.http_exception is not None:
        return None
    route = getattr(request.match_info.handler, "hotline_route", None)
    action = None if route is None else audited_action(route)
    return None if action is None else Audited(route, action)


def _purpose(request: web.Request) -> str | None:
    value = request.headers.get(PURPOSE_HEADER, "").strip()
    if not value:
        return None
    if len(value) > MAX_PURPOSE or _CONTROL.search(value):
        raise ApiError(400, "invalid_purpose",
                       f"{PURPOSE_HEADER}: at most {MAX_PURPOSE} characters, no control characters")
    return mask_numbers(value)[:MAX_PURPOSE]   # a purpose may quote a number: it is not kept


def query_names(request: web.Request) -> list[str]:
    names = sorted({name if _NAME.fullmatch(name) else "[other]" for name in request.query.keys()})
    return names if len(names) <= MAX_QUERY_NAMES else [*names[:MAX_QUERY_NAMES], "[more]"]


def _record(request: web.Request, state: Audited, principal: Principal, status: int | None) -> AuditRecord:
    resources = {name: mask_numbers(value) if _SAFE_VALUE.fullmatch(value) else "[invalid]"
                 for name, value in request.match_info.items()} | state.made
    return AuditRecord(
        actor_id=principal.user_id, actor_name=principal.name, actor_role=principal.role.value,
        action=state.action, method=request.method, route=state.route.path,
        purpose=state.purpose or state.route.summary[:MAX_PURPOSE], resources=resources,
        query=query_names(request), status=status, attempt_of=state.attempt_id if status is not None else None,
    )


async def _append(request: web.Request, state: Audited, status: int | None) -> int:
    record = _record(request, state, request[PRINCIPAL_KEY], status)
    try:
        return await request.app[AUDIT_TRAIL_KEY].append(record)
    except AuditUnavailable as exc:
        state.failed = True
        log.error("audit: %s %s (%s) not recorded: %s", request.method, state.route.path,
                  "attempt" if status is None else status, exc)
        raise


def note_made(request: web.Request, **ids: str) -> None:
    """Name in the request's audit row what its handler made (ids, never personal data)."""
    state = request.get(AUDIT_KEY)
    if state is not None:
        state.made.update(ids)


async def record_now(request: web.Request, status: int) -> None:
    """Record an audited request before its handler answers by itself (a WebSocket: its data flows long before
    the handler returns). Raises ApiError 503 when the row cannot be written; nothing may be sent then."""
    state = request.get(AUDIT_KEY)
    if state is None or state.recorded:
        return
    try:
        await _append(request, state, status)
    except AuditUnavailable:
        raise ApiError(503, "audit_unavailable", UNAVAILABLE) from None
    state.recorded = True


@web.middleware
async def audit_outer(request: web.Request, handler):
    state = _audited(request)
    if state is None:
        return await handler(request)
    request[AUDIT_KEY] = state
    response = await handler(request)
    if request.get(PRINCIPAL_KEY) is None or state.recorded or state.failed:
        return response
    if state.purpose is None:   # refused before the inner half (the role): the purpose it was asked with still
        with contextlib.suppress(ApiError):
            state.purpose = _purpose(request)
    try:
        await _append(request, state, response.status)
    except AuditUnavailable:
        if state.attempt_id is not None:   # the change was made; its attempt row says who and why
            return response
        return error_response(503, "audit_unavailable", UNAVAILABLE)
    state.recorded = True
    return response


@web.middleware
async def audit_inner(request: web.Request, handler):
    state = request.get(AUDIT_KEY)
    if state is None:
        return await handler(request)
    state.purpose = _purpose(request)
    if state.action == "write":
        try:
            state.attempt_id = await _append(request, state, None)
        except AuditUnavailable:
            raise ApiError(503, "audit_unavailable", UNAVAILABLE + "; nothing was changed") from None
    return await handler(request)
