"""Build the OpenAPI 3.1 document from the route registry; schemas come from the routes' pydantic models."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, TypeAdapter

from hotline.web.audit import MAX_PURPOSE, PURPOSE_HEADER, audited_action
from hotline.web.auth import SESSION_COOKIE
from hotline.web.routes import ApiRoute
from hotline.web.statuses import ERROR_BODY, Declared, declared_statuses

REF_TEMPLATE = "#/components/schemas/{model}"
ErrorMap = Mapping[type[Exception], tuple[int, str]]
_PATH_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")  # aiohttp's {name} and {name:regex}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "machine-readable, e.g. invalid_input, forbidden"},
                "message": {"type": "string", "description": "what was wrong and what to do"},
                "details": {"description": "per-field problems for invalid_input"},
            },
        }
    },
}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}
# what hotline/web/audit.py accepts: printable, at most MAX_PURPOSE characters once trimmed
_PURPOSE = {"name": PURPOSE_HEADER, "in": "header", "required": False,
            "schema": {"type": "string", "maxLength": MAX_PURPOSE, "pattern": r"^[^\x00-\x1f\x7f]*$"},
            "description": "why (kept in the audit trail; without it the route's summary is kept)"}
_QUERY_TOKEN = {"name": "token", "in": "query", "required": False, "schema": {"type": "string"},
                "description": "a bearer token, for clients that cannot send headers (browsers opening a page or "
                               "a WebSocket); a page trades it for its session cookie"}
_SECURITY = [{"bearerAuth": []}, {"sessionCookie": []}]


class _Schemas:
    """Collects component schemas (pydantic $defs) shared by every operation."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {"Error": ERROR_SCHEMA}

    def _add(self, name: str, schema: dict[str, Any]) -> None:
        # components are keyed by the model's class name: two different models of one name would silently share
        # the last one's schema, and clients (and the fuzz test) would check answers against the wrong one
        if self.components.get(name, schema) != schema:
            raise ValueError(f"two API models are named {name}: give one a name of its own")
        self.components[name] = schema

    def _add_defs(self, schema: dict[str, Any]) -> None:
        for name, definition in schema.pop("$defs", {}).items():
            self._add(name, definition)

    def of(self, annotation: Any) -> dict[str, Any]:
        schema = TypeAdapter(annotation).json_schema(ref_template=REF_TEMPLATE)
        self._add_defs(schema)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            self._add(annotation.__name__, schema)
            return {"$ref": REF_TEMPLATE.format(model=annotation.__name__)}
        return schema

    def parameters(self, model: type[BaseModel] | None, location: str) -> list[dict[str, Any]]:
        if model is None:
            return []
        schema = model.model_json_schema(ref_template=REF_TEMPLATE)
        self._add_defs(schema)
        required = set(schema.get("required", []))
        params = []
        for name, prop in schema.get("properties", {}).items():
            param = {"name": name, "in": location, "required": location == "path" or name in required, "schema": prop}
            if "description" in prop:
                param["description"] = prop["description"]
            params.append(param)
        return params


def _operation(route: ApiRoute, schemas: _Schemas, path_names: list[str], error_map: ErrorMap) -> dict[str, Any]:
    params = schemas.parameters(route.path_params, "path")
    declared = {p["name"] for p in params}
    params += [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in path_names
        if name not in declared
    ]
    params += schemas.parameters(route.query, "query")
    operation: dict[str, Any] = {
        "operationId": f"{route.method.lower()}_{re.sub(r'[^A-Za-z0-9]+', '_', route.path).strip('_')}",
        "summary": route.summary,
        "responses": {str(status): _response(declared, schemas)
                      for status, declared in declared_statuses(route, error_map).items()},
    }
    if route.description:
        operation["description"] = route.description
    if route.tags:
        operation["tags"] = list(route.tags)
    if route.access.query_token:
        params.append(_QUERY_TOKEN)
    if params:
        operation["parameters"] = params
    if route.body is not None:
        body_schema = schemas.of(route.body)
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body_schema}}}
    elif route.raw_body is not None:
        operation["requestBody"] = {"required": True, "content": {route.raw_body: {"schema": {"type": "string"}}}}
    if not route.access.public:
        operation["security"] = _SECURITY
        grants = route.access.grants
        operation["x-roles"] = sorted(role.value for role in grants)
        # the role matrix's decision: whose records each role sees and how callers' numbers appear
        operation["x-role-grants"] = {role.value: {"records": grant.records.value, "numbers": grant.numbers.value}
                                      for role, grant in sorted(grants.items())}
    if audited_action(route) is not None:
        operation["x-audited"] = True
        operation.setdefault("parameters", []).append(_PURPOSE)
    return operation


def _response(declared: Declared, schemas: _Schemas) -> dict[str, Any]:
    response: dict[str, Any] = {"description": declared.description}
    if declared.content_type is not None:
        schema = _ERROR_REF if declared.body == ERROR_BODY else {} if declared.body is None else \
            schemas.of(declared.body)
        response["content"] = {declared.content_type: {"schema": schema}}
    if declared.headers:
        response["headers"] = {name: {"description": text, "required": True, "schema": {"type": "string"}}
                               for name, text in declared.headers.items()}
    return response


def build_openapi(routes: list[ApiRoute], title: str, version: str, error_map: ErrorMap | None = None
                  ) -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        path_names = _PATH_PARAM.findall(route.path)
        openapi_path = _PATH_PARAM.sub(lambda m: "{" + m.group(1) + "}", route.path)
        operation = _operation(route, schemas, path_names, error_map or {})
        paths.setdefault(openapi_path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"},
                                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
                                                  "description": "a page session (GET /wallboard?token=...)"}},
        },
    }
