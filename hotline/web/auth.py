"""Who is calling and may they: bearer-token authentication and role checks for every route.

Default deny: a route is open only if the role matrix says ``PUBLIC``; otherwise an active user's token is needed,
and only the roles of its matrix entry pass. Tokens come in ``Authorization: Bearer …``; ``?token=`` is accepted
only on routes that opt in (WebSockets, where browsers cannot set headers) because query strings end up in access
logs.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from aiohttp import web

from hotline.auth.models import Role
from hotline.auth.service import Principal, authenticate
from hotline.web.deps import deps_of, request_key
from hotline.web.errors import ApiError
from hotline.web.role_matrix import Grant, is_public

PRINCIPAL_KEY = request_key("hotline_principal", Principal)


@dataclass(frozen=True, slots=True)
class Access:
    """Access rule of one handler: the role matrix's grants of its route (``hotline.web.role_matrix``)."""

    public: bool = False
    grants: Mapping[Role, Grant] = field(default_factory=dict)
    query_token: bool = False

    @classmethod
    def of(cls, grants: Mapping[Role, Grant], **options) -> Access:
        return cls(public=is_public(grants), grants=MappingProxyType(dict(grants)), **options)


def grant_of(request: web.Request) -> Grant:
    """What the authenticated user's role may see on this request's route."""
    access: Access = request.match_info.handler.hotline_access
    return access.grants[principal_of(request).role]


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
    access: Access = getattr(request.match_info.handler, "hotline_access", Access())   # none: nobody passes
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
    if principal.role not in access.grants:
        allowed = ", ".join(sorted(r.value for r in access.grants))
        raise ApiError(
            403, "forbidden",
            f"role {principal.role.value!r} may not {request.method} this resource; allowed roles: {allowed}",
        )
    request[PRINCIPAL_KEY] = principal
    return await handler(request)
