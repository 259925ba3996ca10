"""Every status a route can answer, from data: the route's own (its success status, ``statuses=`` for what its
handler answers itself, ``raises=`` for the domain errors it lets the router map) and what the cross-cutting parts
add (authentication, input validation, the body limit, the audit trail, the error middleware's 500).

The API description declares exactly these (``hotline.web.openapi``), and the error middleware answers nothing
else: a route raising an error whose status it does not declare is a bug, answered 500 and logged with what to
declare (``hotline.web.errors``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hotline.web.audit import PURPOSE_HEADER, audited_action
from hotline.web.routes import ApiRoute, Status

ERROR = "application/json"
ERROR_BODY = "Error"   # the error object's schema (hotline.web.openapi's Error component)


@dataclass(frozen=True)
class Declared:
    """One status of one route: what it means, its body's media type (None: no body) and schema (a model, the
    error object, or None: any)."""

    description: str
    body: Any = ERROR_BODY
    content_type: str | None = ERROR
    headers: Mapping[str, str] = field(default_factory=dict)   # name: description (always sent)


def _merge(into: dict[int, Declared], status: int, description: str) -> None:
    known = into.get(status)
    if known is None:
        into[status] = Declared(description)
    elif description not in known.description:
        into[status] = Declared(f"{known.description}; {description}", known.body, known.content_type, known.headers)


def _own(status: Status | str) -> Declared:
    if isinstance(status, str):
        return Declared(status)
    return Declared(status.description, status.body, status.content_type, status.headers)


def declared_statuses(route: ApiRoute, error_map: Mapping[type[Exception], tuple[int, str]]) -> dict[int, Declared]:
    """Status -> what it means, for every answer ``route`` can give."""
    success = Declared(route.summary, route.response, route.content_type)
    statuses: dict[int, Declared] = {route.status: success}
    for status, own in route.statuses.items():
        statuses[status] = _own(own)
    audited = audited_action(route)
    if route.query or route.body or route.path_params:
        _merge(statuses, 400, "invalid input (the error's details name each field)")
    if route.body is not None or route.raw_body is not None:
        _merge(statuses, 413, "request body too large")
    if not route.access.public:
        _merge(statuses, 401, "missing, invalid or revoked bearer token (or page session)")
        _merge(statuses, 403, "the user's role may not use this route, or a page session's request came from "
                              "another site")
    if audited is not None:
        _merge(statuses, 400, f"{PURPOSE_HEADER} too long or with control characters")
        _merge(statuses, 503, "the audit trail cannot be written: nothing is answered or changed")
    for exc_type in route.raises:
        if exc_type not in error_map:
            raise ValueError(f"{route.method} {route.path} raises {exc_type.__name__}, which no map_error maps")
        status, code = error_map[exc_type]
        _merge(statuses, status, f"{code}: {(exc_type.__doc__ or exc_type.__name__).strip().splitlines()[0]}")
    _merge(statuses, 500, "internal error (a bug): the error's message gives a log reference")
    return dict(sorted(statuses.items()))
