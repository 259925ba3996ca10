"""Who is calling and may they: bearer-token authentication and role checks for every route.

Default deny: a route is open only if the role matrix says ``PUBLIC``; otherwise an active user's token is needed,
and only the roles of its matrix entry pass. Tokens come in ``Authorization: Bearer …``; ``?token=`` is accepted
only on routes that opt in (WebSockets, where browsers cannot set headers) because query strings end up in access
logs. Without either, a page session's cookie (``hotline.web.session``) is accepted on any route, for its user's
role.

Cross-site requests with the cookie: SameSite=Strict keeps browsers from sending it from another site; on top of
that a request authenticated by the cookie is refused when its ``Origin`` is another host, and one that changes
something (not GET/HEAD/OPTIONS) must carry ``X-Hotline-Request: 1``, which a cross-site form cannot send and a
cross-site script may send only after a CORS preflight that hotline never grants.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import urlsplit

from aiohttp import web

from hotline.auth.models import Role
from hotline.auth.service import Principal, authenticate
from hotline.web.deps import deps_of, request_key
from hotline.web.errors import ApiError
from hotline.web.role_matrix import Grant, is_public

PRINCIPAL_KEY = request_key("hotline_principal", Principal)
SESSION_COOKIE = "hotline_session"
REQUEST_HEADER = "X-Hotline-Request"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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


def _check_cookie_request(request: web.Request) -> None:
    """Refuse a cookie-authenticated request that may come from another site (see the module's text)."""
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        raise ApiError(403, "forbidden", "a page session is accepted only from hotline's own pages (Origin)")
    if request.method not in SAFE_METHODS and request.headers.get(REQUEST_HEADER) != "1":
        raise ApiError(403, "forbidden",
                       f"a change made with a page session must carry the header {REQUEST_HEADER}: 1")


def _token_from(request: web.Request, access: Access) -> str | None:
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(
                401, "unauthenticated", "malformed Authorization header; send 'Authorization: Bearer <token>'"
            )
        return token.strip()
    if access.query_token and "token" in request.query:
        return request.query["token"]
    return None


@web.middleware
async def auth_middleware(request: web.Request, handler):
    if request.match_info.http_exception is not None:  # 404/405: nothing to protect, let it answer
        return await handler(request)
    access: Access = getattr(request.match_info.handler, "hotline_access", Access())   # none: nobody passes
    if access.public:
        return await handler(request)
    token = _token_from(request, access)
    cookie = token is None and bool(request.cookies.get(SESSION_COOKIE))
    if cookie:
        _check_cookie_request(request)
        token = request.cookies[SESSION_COOKIE]
    if not token:
        raise ApiError(
            401, "unauthenticated",
            "missing bearer token; send 'Authorization: Bearer <token>' (an admin creates one: hotline users create)",
        )
    async with deps_of(request).sessionmaker() as session:
        principal = await authenticate(session, token, cookie=cookie)
    if principal is None:
        what = "page session ended or expired; open the page again with a new token" if cookie else \
            "invalid or revoked token; ask an admin for a new one"
        raise ApiError(401, "unauthenticated", what)
    request[PRINCIPAL_KEY] = principal   # before the role check: a refused write is audited with its actor
    if principal.role not in access.grants:
        allowed = ", ".join(sorted(r.value for r in access.grants))
        raise ApiError(
            403, "forbidden",
            f"role {principal.role.value!r} may not {request.method} this resource; allowed roles: {allowed}",
        )
    return await handler(request)
