"""Routes every deployment has: liveness, readiness, metrics, the API description and "who am I"."""
from __future__ import annotations

import asyncio

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from hotline.auth.service import renew_token
from hotline.web.auth import principal_of
from hotline.web.deps import ReadinessCheck, deps_of
from hotline.web.errors import ApiError
from hotline.web.masking import can_see_numbers
from hotline.web.openapi import build_openapi
from hotline.web.routes import ApiRouter, Status

OPENAPI_KEY = web.AppKey("hotline_openapi", dict)


class Health(BaseModel):
    status: str = Field(description="always 'ok' while the process serves requests")


class CheckResult(BaseModel):
    ok: bool
    detail: str


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, CheckResult]


class Me(BaseModel):
    name: str
    role: str
    extension: str | None
    can_see_numbers: bool = Field(description="whether this user gets callers' numbers unmasked")


class RenewedToken(BaseModel):
    token: str = Field(description="the new bearer token; the one this request came with no longer works")
    expires_at: str = Field(description="when the new token stops working (ISO 8601, UTC)")


async def renew(request: web.Request) -> RenewedToken:
    """Exchange a valid token for a fresh one (its holder's access lasts another token lifetime)."""
    if principal_of(request).session:   # a page's script must never hold a bearer token (the cookie is HttpOnly)
        raise ApiError(403, "forbidden", "a page session is not renewed into a token; open the page again with a "
                                         "new token")
    async with deps_of(request).sessionmaker() as session:
        token, expires_at = await renew_token(session, principal_of(request))
        await session.commit()
    return RenewedToken(token=token, expires_at=expires_at.isoformat())


async def healthz(request: web.Request) -> Health:
    return Health(status="ok")


async def _run_check(check: ReadinessCheck, timeout: float) -> CheckResult:
    try:
        ok, detail = await asyncio.wait_for(check(), timeout)
    except TimeoutError:
        return CheckResult(ok=False, detail=f"no answer within {timeout:g} s")
    except Exception as exc:  # a failing check means "not ready", never a 500
        return CheckResult(ok=False, detail=f"check failed: {type(exc).__name__}")
    return CheckResult(ok=bool(ok), detail=str(detail))


async def readyz(request: web.Request) -> web.Response:
    deps = deps_of(request)
    names = list(deps.readiness_checks)
    results = await asyncio.gather(
        *(_run_check(deps.readiness_checks[name], deps.readiness_timeout) for name in names)
    )
    report = Readiness(ready=all(r.ok for r in results), checks=dict(zip(names, results)))
    return web.json_response(report.model_dump(), status=200 if report.ready else 503)


async def metrics(request: web.Request) -> web.Response:
    response = web.Response(body=generate_latest(deps_of(request).registry))
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


async def openapi(request: web.Request) -> dict:
    return request.app[OPENAPI_KEY]


async def me(request: web.Request) -> Me:
    principal = principal_of(request)
    return Me(
        name=principal.name,
        role=principal.role.value,
        extension=principal.extension,
        can_see_numbers=can_see_numbers(principal.role),
    )


def register_routes(router: ApiRouter) -> None:
    router.get("/healthz", healthz, summary="The process is up", response=Health, tags=["system"])
    router.get(
        "/readyz", readyz, response=Readiness, tags=["system"],
        summary="Ready to serve: every dependency (PBX, database) answers; 503 with each check's status if not",
        statuses={503: Status("not ready: a dependency does not answer (each check's status)", Readiness)},
    )
    router.get(
        "/metrics", metrics, content_type="text/plain", tags=["system"],
        summary="Prometheus metrics (AMI connection, events, reconnects, active calls, bus failures)",
    )
    router.get("/api/openapi.json", openapi, summary="This API description (OpenAPI 3.1)", tags=["system"])
    router.get("/api/me", me, summary="The authenticated user and what they may see", response=Me, tags=["system"])
    router.post("/api/me/token", renew, response=RenewedToken, tags=["system"],
                summary="Renew the token: a fresh one for another lifetime; the old one is revoked")


def publish_openapi(app: web.Application, router: ApiRouter, title: str, version: str) -> None:
    app[OPENAPI_KEY] = build_openapi(router.routes, title, version, router.error_map)
