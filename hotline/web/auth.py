"""Who is calling and may they: bearer-token authentication and role checks for every route.

Default deny: a route is open only if marked ``public``; otherwise any active user's token is needed, and a role
list narrows it further. Tokens come in ``Authorization: Bearer …``; ``?token=`` is accepted only on routes that
opt in (WebSockets, where browsers cannot set headers) because query strings end up in access logs.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp import web

from hotline.auth.models import Role
from hotline.auth.service import Principal, authenticate, parse_role
from hotline.web.deps import deps_of, request_key
from hotline.web.errors import ApiError

PRINCIPAL_KEY = request_key("hotline_principal", Principal)


@dataclass(frozen=True, slots=True)
class Access:
    """Access rule of one handler. ``roles`` None = any authenticated user."""

    public: bool = False
    roles: frozenset[Role] | None = None
    query_token: bool = False

    @classmethod
    def for_roles(cls, roles: Iterable[Role | str] | None, **options) -> Access:
        return cls(roles=None if roles is None else frozenset(parse_role(r) for r in roles), **options)


def requires(*roles: Role | str, query_token: bool = False):
    """Decorator for a plain aiohttp handler: only these roles (any authenticated user when none are given)."""
    access = Access.for_roles(roles or None, query_token=query_token)

    def mark(handler):
        handler.hotline_access = access
        return handler

    return mark


def public(handler):
    """Decorator: this handler needs no token (health probes, metrics, the API description)."""
    handler.hotline_access = Access(public=True)
    return handler


def principal_of(request: web.Request) -> Principal:
    """The authenticated user of a request that passed the auth middleware."""
    return request[PRINCIPAL_KEY]


def _token_from(request: web.Request, access: Access) -> str | None:
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(
                401, "unauthenticated", "malformed Authorization header; send 'Authorization: Bearer <token>'"
            )
        return token.strip()
    if access.query_token:
        return request.query.get("token")
    return None


@web.middleware
async def auth_middleware(request: web.Request, handler):
    if request.match_info.http_exception is not None:  # 404/405: nothing to protect, let it answer
        return await handler(request)
    access: Access = getattr(request.match_info.handler, "hotline_access", Access())
    if access.public:
        return await handler(request)
    token = _token_from(request, access)
    if not token:
        raise ApiError(
            401, "unauthenticated",
            "missing bearer token; send 'Authorization: Bearer <token>' (an admin creates one: hotline users create)",
        )
    async with deps_of(request).sessionmaker() as session:
        principal = await authenticate(session, token)
    if principal is None:
        raise ApiError(401, "unauthenticated", "invalid or revoked token; ask an admin for a new one")
    request[PRINCIPAL_KEY] = principal   # before the role check: a refused write is audited with its actor
    if access.roles is not None and principal.role not in access.roles:
        allowed = ", ".join(sorted(r.value for r in access.roles))
        raise ApiError(
            403, "forbidden",
            f"role {principal.role.value!r} may not {request.method} this resource; allowed roles: {allowed}",
        )
    return await handler(request)
