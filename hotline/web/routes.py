"""The route registry: every API route declared once — method, path, handler, roles, inputs, response model.

From one declaration the router installs the aiohttp route (with input validation and JSON output), the auth
rule, and the OpenAPI operation. A package adds its routes with a ``register_routes(router)`` function that the
composition root passes to ``create_app``::

    class CallsQuery(BaseModel):
        model_config = ConfigDict(extra="forbid")
        state: str | None = None

    class CallPath(BaseModel):
        id: int

    async def list_calls(request):            # validated input: query_of / path_of / body_of(request)
        query: CallsQuery = query_of(request)
        grant = grant_of(request)               # e.g. to mask numbers: present_number(n, grant)
        return [CallOut(...), ...]              # models, dicts, lists: serialised as JSON (times with offset)

    def register_routes(router: ApiRouter) -> None:
        router.get("/api/calls", list_calls, summary="List calls", query=CallsQuery, response=list[CallOut])
        router.get("/api/calls/{id}", get_call, summary="One call", path_params=CallPath, response=CallOut)

Who may call a route, and what each role sees there, is not declared here but in the role matrix
(``hotline.web.role_matrix``): a route it has no entry for cannot be added. A handler reads its reader's grant with
``grant_of(request)`` and their records' scope with ``hotline.web.scopes.scope_of``.

Handlers that need services receive them by closure (``functools.partial`` or a factory) from the root.
"""
from __future__ import annotations

import json
import typing
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from hotline.auth.models import Role
from hotline.web.auth import Access
from hotline.web.deps import request_key
from hotline.web.errors import ApiError, validation_error
from hotline.web.jsonutil import json_response
from hotline.web.role_matrix import Grant, grants_for

RoleMatrix = Callable[[str, str], Mapping[Role, Grant]]   # (method, path) -> grants; raises UndecidedRoute

Handler = Callable[[web.Request], Awaitable[Any]]
MAX_JSON_BODY = 1 << 20

QUERY_KEY = request_key("hotline_query", BaseModel)
PATH_KEY = request_key("hotline_path", BaseModel)
BODY_KEY = request_key("hotline_body", BaseModel)


def query_of(request: web.Request) -> Any:
    """The route's validated ``query`` model instance."""
    return request[QUERY_KEY]


def path_of(request: web.Request) -> Any:
    """The route's validated ``path_params`` model instance."""
    return request[PATH_KEY]


def body_of(request: web.Request) -> Any:
    """The route's validated ``body`` model instance."""
    return request[BODY_KEY]


@dataclass(frozen=True)
class Status:
    """A status a handler answers by itself besides its success (``ApiRouter.add(..., statuses={303: Status(...)})``;
    a plain string there is an error object with that description)."""

    description: str
    body: Any = "Error"                # a pydantic model, "Error" (the error object) or None (any)
    content_type: str | None = "application/json"   # None: no body
    headers: Mapping[str, str] = field(default_factory=dict)   # name: description, always sent


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    handler: Handler
    summary: str
    access: Access
    query: type[BaseModel] | None = None
    path_params: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: Any = None  # a pydantic model or any type pydantic can describe (list[Model]); None = no schema
    content_type: str = "application/json"
    description: str = ""
    tags: tuple[str, ...] = ()
    personal_data: bool = False   # a read of callers' numbers, texts and the like: audited (hotline/web/audit.py)
    status: int = 200             # the success status (JSON results are sent with it)
    statuses: Mapping[int, Status | str] = field(default_factory=dict)   # what the handler answers by itself
    raises: tuple[type[Exception], ...] = ()   # the mapped domain errors (ApiRouter.map_error) it may raise
    raw_body: str | None = None   # the media type of a body the handler reads itself (not JSON: a CSV)
    head: bool = False            # a GET answered to HEAD too (the same handler and access; an audio stream's size)


def _query_input(request: web.Request, model: type[BaseModel], drop_token: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in request.query.keys():
        if drop_token and key == "token":
            continue
        field_info = model.model_fields.get(key)
        many = field_info is not None and typing.get_origin(field_info.annotation) in (list, set, tuple)
        values[key] = request.query.getall(key) if many else request.query[key]
    return values


async def _json_body(request: web.Request) -> Any:
    if request.content_length and request.content_length > MAX_JSON_BODY:
        raise ApiError(413, "payload_too_large", f"request body over {MAX_JSON_BODY} bytes")
    raw = await request.read()
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_json", f"request body is not valid JSON: {exc}") from None


def _endpoint(route: ApiRoute) -> Handler:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        # Only input parsing turns ValidationError into 400; one raised later is our bug and must be a 500.
        try:
            if route.path_params is not None:
                where = "path"
                request[PATH_KEY] = route.path_params.model_validate(dict(request.match_info))
            if route.query is not None:
                where = "query"
                request[QUERY_KEY] = route.query.model_validate(
                    _query_input(request, route.query, route.access.query_token)
                )
            if route.body is not None:
                where = "body"
                request[BODY_KEY] = route.body.model_validate(await _json_body(request))
        except ValidationError as exc:
            raise validation_error(where, exc) from None
        result = await route.handler(request)
        if isinstance(result, web.StreamResponse):
            return result
        return json_response(result, status=route.status)

    endpoint.hotline_access = route.access  # read by the auth middleware
    endpoint.hotline_route = route          # read by the audit middleware
    endpoint.__name__ = getattr(route.handler, "__name__", "endpoint")
    return endpoint


@dataclass
class ApiRouter:
    """Collects ApiRoutes and domain-error mappings, then installs them on an aiohttp application."""

    routes: list[ApiRoute] = field(default_factory=list)
    error_map: dict[type[Exception], tuple[int, str]] = field(default_factory=dict)
    matrix: RoleMatrix = grants_for

    def add(
        self,
        method: str,
        path: str,
        handler: Handler,
        *,
        summary: str,
        query_token: bool = False,
        query: type[BaseModel] | None = None,
        path_params: type[BaseModel] | None = None,
        body: type[BaseModel] | None = None,
        response: Any = None,
        content_type: str = "application/json",
        description: str = "",
        tags: Iterable[str] = (),
        personal_data: bool = False,
        status: int = 200,
        statuses: Mapping[int, Status | str] | None = None,
        raises: Iterable[type[Exception]] = (),
        raw_body: str | None = None,
        head: bool = False,
    ) -> ApiRoute:
        """Declare a route; who may call it comes from the role matrix (UndecidedRoute if it has no entry). Every
        status it can answer is declared (``hotline.web.statuses``): ``statuses`` for what the handler answers by
        itself (an ``ApiError``, a redirect), ``raises`` for the mapped domain errors it lets through."""
        method = method.upper()
        if any(r.method == method and r.path == path for r in self.routes):
            raise ValueError(f"route {method} {path} declared twice")
        access = Access.of(self.matrix(method, path), query_token=query_token)
        route = ApiRoute(method=method, path=path, handler=handler, summary=summary, access=access, query=query,
                         path_params=path_params, body=body, response=response, content_type=content_type,
                         description=description, tags=tuple(tags), personal_data=personal_data, status=status,
                         statuses=dict(statuses or {}), raises=tuple(raises), raw_body=raw_body,
                         head=head and method == "GET")
        self.routes.append(route)
        return route

    def get(self, path: str, handler: Handler, **options: Any) -> ApiRoute:
        return self.add("GET", path, handler, **options)

    def post(self, path: str, handler: Handler, **options: Any) -> ApiRoute:
        return self.add("POST", path, handler, **options)

    def put(self, path: str, handler: Handler, **options: Any) -> ApiRoute:
        return self.add("PUT", path, handler, **options)

    def patch(self, path: str, handler: Handler, **options: Any) -> ApiRoute:
        return self.add("PATCH", path, handler, **options)

    def delete(self, path: str, handler: Handler, **options: Any) -> ApiRoute:
        return self.add("DELETE", path, handler, **options)

    def map_error(self, exc_type: type[Exception], status: int, code: str) -> None:
        """Answer ``exc_type`` raised by any handler with ``status`` and ``code``; its message is shown as is."""
        self.error_map[exc_type] = (status, code)

    def install(self, app: web.Application) -> None:
        for route in self.routes:
            endpoint = _endpoint(route)
            app.router.add_route(route.method, route.path, endpoint)
            if route.head:
                app.router.add_route("HEAD", route.path, endpoint)
