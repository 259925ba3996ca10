"""Build the aiohttp application: middlewares, the system routes, and the routes each package registers."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from aiohttp import web

from hotline.audit import AuditTrail
from hotline.web import session, system
from hotline.web.audit import AUDIT_TRAIL_KEY, audit_inner, audit_outer
from hotline.web.auth import auth_middleware
from hotline.web.deps import DEPS_KEY, WebDeps
from hotline.web.errors import make_error_middleware
from hotline.web.role_matrix import grants_for
from hotline.web.routes import ApiRouter, RoleMatrix
from hotline.web.statuses import declared_statuses

RouteRegistrar = Callable[[ApiRouter], None]


def create_app(deps: WebDeps, registrars: Iterable[RouteRegistrar] = (),
               matrix: RoleMatrix = grants_for) -> web.Application:
    """The web application. Each registrar (``register_routes(router)`` of a package) declares its routes; who may
    call each is the role ``matrix``'s (the service's own, ``hotline.web.role_matrix``; tests' apps add theirs)."""
    router = ApiRouter(matrix=matrix)
    system.register_routes(router)
    session.register_routes(router)
    for register in registrars:
        register(router)
    # The audit's outer half outermost: it sees every final status, refusals' error objects too. Error handling
    # next, so authentication failures also leave as the error object; the audit's inner half after authentication.
    statuses = {id(route): frozenset(declared_statuses(route, router.error_map)) for route in router.routes}
    errors = make_error_middleware(router.error_map, lambda route: statuses[id(route)])
    app = web.Application(middlewares=[audit_outer, errors, auth_middleware, audit_inner])
    app[DEPS_KEY] = deps
    app[AUDIT_TRAIL_KEY] = AuditTrail(deps.engine)
    router.install(app)
    system.publish_openapi(app, router, deps.title, deps.version)
    return app
