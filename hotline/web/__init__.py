"""The aiohttp web app: REST API with bearer-token roles (the role matrix: ``hotline.web.role_matrix``), OpenAPI
description, health, readiness and metrics.

How a package adds routes: see ``hotline.web.routes`` (``register_routes(router)`` passed to ``create_app``).
"""
from hotline.web.app import RouteRegistrar, create_app
from hotline.web.auth import grant_of, principal_of
from hotline.web.deps import DEPS_KEY, ReadinessCheck, WebDeps, deps_of
from hotline.web.errors import ApiError
from hotline.web.jsonutil import json_default, json_response
from hotline.web.masking import can_see_numbers, mask_number, present_number
from hotline.web.metrics import HotlineMetrics
from hotline.web.role_matrix import Grant, Numbers, Records, UndecidedRoute, grants_for
from hotline.web.routes import ApiRoute, ApiRouter, body_of, path_of, query_of

__all__ = [
    "ApiError",
    "ApiRoute",
    "ApiRouter",
    "DEPS_KEY",
    "Grant",
    "HotlineMetrics",
    "Numbers",
    "ReadinessCheck",
    "Records",
    "RouteRegistrar",
    "UndecidedRoute",
    "WebDeps",
    "body_of",
    "can_see_numbers",
    "create_app",
    "deps_of",
    "grant_of",
    "grants_for",
    "json_default",
    "json_response",
    "mask_number",
    "path_of",
    "present_number",
    "principal_of",
    "query_of",
]
