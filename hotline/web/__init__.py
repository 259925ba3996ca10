"""The aiohttp web app: REST API with bearer-token roles, OpenAPI description, health, readiness and metrics.

How a package adds routes: see ``hotline.web.routes`` (``register_routes(router)`` passed to ``create_app``).
"""
from hotline.web.app import RouteRegistrar, create_app
from hotline.web.auth import principal_of, public, requires
from hotline.web.deps import DEPS_KEY, ReadinessCheck, WebDeps, deps_of
from hotline.web.errors import ApiError
from hotline.web.jsonutil import json_default, json_response
from hotline.web.masking import can_see_numbers, mask_number, present_number
from hotline.web.metrics import HotlineMetrics
from hotline.web.routes import ApiRoute, ApiRouter, body_of, path_of, query_of

__all__ = [
    "DEPS_KEY",
    "ApiError",
    "ApiRoute",
    "ApiRouter",
    "HotlineMetrics",
    "ReadinessCheck",
    "RouteRegistrar",
    "WebDeps",
    "body_of",
    "can_see_numbers",
    "create_app",
    "deps_of",
    "json_default",
    "json_response",
    "mask_number",
    "path_of",
    "present_number",
    "principal_of",
    "query_of",
    "public",
    "requires",
]
