"""Build the OpenAPI 3.1 document from the route registry; schemas come from the routes' pydantic models."""
from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, TypeAdapter

from hotline.web.audit import MAX_PURPOSE, PURPOSE_HEADER, audited_action
from hotline.web.routes import ApiRoute

REF_TEMPLATE = "#/components/schemas/{model}"
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
_PURPOSE = {"name": PURPOSE_HEADER, "in": "header", "required": False,
            "schema": {"type": "string", "maxLength": MAX_PURPOSE},
            "description": "why (kept in the audit trail; without it the route's summary is kept)"}
_ERRORS = {
    "400": "invalid input (the error's details name each field)",
    "401": "missing, invalid or revoked bearer token",
    "403": "the user's role may not use this route",
}


class _Schemas:
    """Collects component schemas (pydantic $defs) shared by every operation."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {"Error": ERROR_SCHEMA}

    def of(self, annotation: Any) -> dict[str, Any]:
        schema = TypeAdapter(annotation).json_schema(ref_template=REF_TEMPLATE)
        self.components.update(schema.pop("$defs", {}))
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            self.components[annotation.__name__] = schema
            return {"$ref": REF_TEMPLATE.format(model=annotation.__name__)}
        return schema

    def parameters(self, model: type[BaseModel] | None, location: str) -> list[dict[str, Any]]:
        if model is None:
            return []
        schema = model.model_json_schema(ref_template=REF_TEMPLATE)
        self.components.update(schema.pop("$defs", {}))
        required = set(schema.get("required", []))
        params = []
        for name, prop in schema.get("properties", {}).items():
            param = {"name": name, "in": location, "required": location == "path" or name in required, "schema": prop}
            if "description" in prop:
                param["description"] = prop["description"]
            params.append(param)
        return params


def _operation(route: ApiRoute, schemas: _Schemas, path_names: list[str]) -> dict[str, Any]:
    params = schemas.parameters(route.path_params, "path")
    declared = {p["name"] for p in params}
    params += [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in path_names
        if name not in declared
    ]
    params += schemas.parameters(route.query, "query")
    success: dict[str, Any] = {"description": route.summary}
    if route.response is not None:
        success["content"] = {route.content_type: {"schema": schemas.of(route.response)}}
    operation: dict[str, Any] = {
        "operationId": f"{route.method.lower()}_{re.sub(r'[^A-Za-z0-9]+', '_', route.path).strip('_')}",
        "summary": route.summary,
        "responses": {"200": success},
    }
    if route.description:
        operation["description"] = route.description
    if route.tags:
        operation["tags"] = list(route.tags)
    if params:
        operation["parameters"] = params
    if route.body is not None:
        body_schema = schemas.of(route.body)
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body_schema}}}
    if not route.access.public:
        operation["security"] = [{"bearerAuth": []}]
        grants = route.access.grants
        operation["x-roles"] = sorted(role.value for role in grants)
        # the role matrix's decision: whose records each role sees and how callers' numbers appear
        operation["x-role-grants"] = {role.value: {"records": grant.records.value, "numbers": grant.numbers.value}
                                      for role, grant in sorted(grants.items())}
        errors = _ERRORS
    else:
        errors = {"400": _ERRORS["400"]} if (route.query or route.body or route.path_params) else {}
    if audited_action(route) is not None:
        operation["x-audited"] = True
        operation.setdefault("parameters", []).append(_PURPOSE)
        errors = {**errors, "503": "the audit trail cannot be written: nothing is answered or changed"}
    for status, text in errors.items():
        operation["responses"][status] = {"description": text, "content": {"application/json": {"schema": _ERROR_REF}}}
    return operation


def build_openapi(routes: list[ApiRoute], title: str, version: str) -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        path_names = _PATH_PARAM.findall(route.path)
        openapi_path = _PATH_PARAM.sub(lambda m: "{" + m.group(1) + "}", route.path)
        paths.setdefault(openapi_path, {})[route.method.lower()] = _operation(route, schemas, path_names)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }
