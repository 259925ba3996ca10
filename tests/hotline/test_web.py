"""The web skeleton over a real database (SQLite and PostgreSQL): auth, roles, errors, probes, metrics, OpenAPI."""
from __future__ import annotations

import asyncio
import logging

import pytest

from core.bus import EventBus
from hotline.auth.service import create_user
from hotline.web import ApiRouter, HotlineMetrics, UndecidedRoute, WebDeps, create_app
from tests.hotline.web_test_app import register_test_routes, matrix_with_test_routes, ws_like


@pytest.fixture
async def users(db_sessionmaker):
    tokens = {}
    async with db_sessionmaker() as session:
        for name, role in [("agent1", "agent"), ("sup", "supervisor"), ("qa1", "qa"), ("admin", "admin")]:
            _, tokens[role] = await create_user(session, name, role, extension="1001" if role == "agent" else None)
        await session.commit()
    return tokens


@pytest.fixture
def metrics():
    return HotlineMetrics()


@pytest.fixture
def make_client(aiohttp_client, db_engine, metrics):
    async def make(checks=None, timeout=5.0):
        deps = WebDeps.create(db_engine, metrics.registry, checks or {}, readiness_timeout=timeout)
        return await aiohttp_client(create_app(deps, [register_test_routes], matrix_with_test_routes))

    return make


@pytest.fixture
async def client(make_client, users):
    return await make_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def error_of(response, status: int) -> dict:
    assert response.status == status, await response.text()
    body = await response.json()
    assert set(body) == {"error"}
    return body["error"]


async def test_no_token_is_401_with_the_error_object(client):
    response = await client.get("/api/things")
    error = await error_of(response, 401)
    assert error["code"] == "unauthenticated"
    assert "Authorization: Bearer" in error["message"]
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("header", ["Bearer not-a-real-token", "Basic YWxpY2U6cHc=", "Bearer "])
async def test_bad_credentials_are_401(client, header):
    error = await error_of(await client.get("/api/me", headers={"Authorization": header}), 401)
    assert error["code"] == "unauthenticated"


async def test_wrong_role_is_403_naming_the_allowed_roles(client, users):
    error = await error_of(await client.post("/api/notes", json={"text": "x"}, headers=bearer(users["agent"])), 403)
    assert error["code"] == "forbidden"
    assert "'agent'" in error["message"] and "supervisor" in error["message"]


async def test_allowed_role_gets_validated_query(client, users):
    response = await client.get("/api/things?limit=5&queue=a&queue=b", headers=bearer(users["agent"]))
    assert response.status == 200
    assert await response.json() == {"limit": 5, "queue": ["a", "b"], "caller": "+37061234567"}


async def test_numbers_are_masked_for_roles_that_do_not_need_them(client, users):
    response = await client.get("/api/things", headers=bearer(users["qa"]))
    assert (await response.json())["caller"] == "+370****4567"


@pytest.mark.parametrize(("query", "field"), [("limit=0", "query.limit"), ("limit=abc", "query.limit"),
                                              ("colour=red", "query.colour")])
async def test_bad_query_is_400_naming_the_field(client, users, query, field):
    error = await error_of(await client.get(f"/api/things?{query}", headers=bearer(users["supervisor"])), 400)
    assert error["code"] == "invalid_input"
    assert [d["field"] for d in error["details"]] == [field]
    assert field in error["message"]


async def test_bad_body_is_400(client, users):
    headers = bearer(users["supervisor"])
    error = await error_of(await client.post("/api/notes", data=b"{not json", headers=headers), 400)
    assert error["code"] == "invalid_json"
    error = await error_of(await client.post("/api/notes", json={"text": ""}, headers=headers), 400)
    assert error["details"][0]["field"] == "body.text"


async def test_bad_path_parameter_is_400_and_missing_item_404(client, users):
    headers = bearer(users["agent"])
    error = await error_of(await client.get("/api/notes/abc", headers=headers), 400)
    assert error["details"][0]["field"] == "path.id"
    error = await error_of(await client.get("/api/notes/7", headers=headers), 404)
    assert error == {"code": "not_found", "message": "no note 7"}
    assert (await (await client.get("/api/notes/1", headers=headers)).json()) == {"id": 1}


async def test_response_times_carry_their_offset(client, users):
    response = await client.post("/api/notes", json={"text": "call back"}, headers=bearer(users["supervisor"]))
    assert response.status == 200
    assert await response.json() == {"id": 1, "text": "call back", "at": "2025-06-02T10:00:00+03:00"}


async def test_unknown_path_and_method_are_error_objects(client, users):
    error = await error_of(await client.get("/api/nothing-here"), 404)
    assert error["code"] == "not_found"
    response = await client.delete("/api/notes", headers=bearer(users["supervisor"]))
    error = await error_of(response, 405)
    assert error["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


async def test_unexpected_errors_are_500_without_internals(client, users, caplog):
    with caplog.at_level(logging.ERROR, logger="hotline.web.errors"):
        error = await error_of(await client.get("/api/broken", headers=bearer(users["admin"])), 500)
    assert error["code"] == "internal_error"
    assert "secret" not in error["message"] and "37061234567" not in error["message"]
    reference = error["message"].rsplit(" ", 1)[-1]
    assert any(reference in record.getMessage() for record in caplog.records)


async def test_naive_times_are_a_server_bug_not_a_guess(client, users):
    error = await error_of(await client.get("/api/naive", headers=bearer(users["admin"])), 500)
    assert error["code"] == "internal_error"


async def test_mapped_domain_errors_keep_their_message(client, users):
    error = await error_of(await client.get("/api/missing", headers=bearer(users["agent"])), 410)
    assert error == {"code": "gone", "message": "that callback is gone; refresh the list"}


async def test_query_token_only_where_the_route_allows_it(client, users):
    assert (await client.get(f"/ws-like?token={users['qa']}")).status == 200
    assert (await (await client.get(f"/ws-like?token={users['qa']}")).json()) == {"who": "qa1"}
    assert (await client.get(f"/api/me?token={users['qa']}")).status == 401


async def test_me_tells_who_and_what_they_may_see(client, users):
    response = await client.get("/api/me", headers=bearer(users["agent"]))
    assert await response.json() == {"name": "agent1", "role": "agent", "extension": "1001", "can_see_numbers": True}
    response = await client.get("/api/me", headers=bearer(users["admin"]))
    assert (await response.json())["can_see_numbers"] is False


async def test_healthz_needs_no_token(client):
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_readyz_is_200_when_every_check_passes(make_client):
    async def pbx():
        return True, "AMI connected"

    client = await make_client({"pbx": pbx})
    response = await client.get("/readyz")
    assert response.status == 200
    assert await response.json() == {
        "ready": True,
        "checks": {"database": {"ok": True, "detail": "ok"}, "pbx": {"ok": True, "detail": "AMI connected"}},
    }


async def test_readyz_is_503_with_each_checks_status(make_client):
    never = asyncio.Event()

    async def pbx_down():
        return False, "AMI not connected"

    async def crashing():
        raise ConnectionError("boom")

    async def frozen():
        await never.wait()
        return True, "unreachable"

    client = await make_client({"pbx": pbx_down, "crashing": crashing, "frozen": frozen}, timeout=0.2)
    response = await client.get("/readyz")
    assert response.status == 503
    body = await response.json()
    assert body["ready"] is False
    assert body["checks"] == {
        "database": {"ok": True, "detail": "ok"},
        "pbx": {"ok": False, "detail": "AMI not connected"},
        "crashing": {"ok": False, "detail": "check failed: ConnectionError"},
        "frozen": {"ok": False, "detail": "no answer within 0.2 s"},
    }


async def test_metrics_expose_the_service_counters(make_client, metrics):
    bus = EventBus()

    async def failing(event):
        raise RuntimeError("subscriber bug")

    bus.subscribe("wallboard", failing)
    metrics.watch_bus(bus)
    await bus.start()
    await bus.publish(object())
    await bus.drain()
    await bus.stop()
    metrics.ami_connected.set(1)
    metrics.ami_events.inc(3)
    metrics.ami_reconnects.inc()
    metrics.calls_active.set(2)

    client = await make_client()
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    for line in [
        "hotline_ami_connected 1.0",
        "hotline_ami_events_total 3.0",
        "hotline_ami_reconnects_total 1.0",
        "hotline_calls_active 2.0",
        'hotline_bus_subscriber_failures_total{subscriber="wallboard"} 1.0',
        'hotline_bus_events_dropped_total{subscriber="wallboard"} 0.0',
    ]:
        assert line in text.splitlines()


async def test_openapi_document_lists_routes_with_roles_and_schemas(client):
    response = await client.get("/api/openapi.json")
    assert response.status == 200
    doc = await response.json()
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["title"] == "hotline"
    assert {"/healthz", "/readyz", "/metrics", "/api/me", "/api/openapi.json", "/api/things", "/api/notes",
            "/api/notes/{id}"} <= set(doc["paths"])

    things = doc["paths"]["/api/things"]["get"]
    assert things["x-roles"] == ["agent", "qa", "supervisor"]
    assert things["security"] == [{"bearerAuth": []}, {"sessionCookie": []}]
    assert {p["name"]: (p["in"], p["required"]) for p in things["parameters"]} == {
        "limit": ("query", False), "queue": ("query", False)}
    assert set(things["responses"]) == {"200", "400", "401", "403", "500"}
    assert set(doc["paths"]["/api/notes/{id}"]["get"]["responses"]) == {"200", "400", "401", "403", "404", "500"}
    assert set(doc["paths"]["/api/missing"]["get"]["responses"]) == {"200", "401", "403", "410", "500"}
    assert set(doc["paths"]["/healthz"]["get"]["responses"]) == {"200", "500"}
    error = things["responses"]["403"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}

    notes = doc["paths"]["/api/notes"]["post"]
    assert notes["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/NoteIn"}
    success = notes["responses"]["200"]["content"]["application/json"]["schema"]
    assert success == {"$ref": "#/components/schemas/NoteOut"}
    assert doc["paths"]["/api/notes/{id}"]["get"]["parameters"][0]["in"] == "path"
    assert "security" not in doc["paths"]["/healthz"]["get"]

    schemas = doc["components"]["schemas"]
    assert {"Error", "NoteIn", "NoteOut", "Me"} <= set(schemas)
    assert schemas["NoteOut"]["properties"]["at"]["format"] == "date-time"
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    operation_ids = [op["operationId"] for path in doc["paths"].values() for op in path.values()]
    assert len(operation_ids) == len(set(operation_ids))


def test_a_route_cannot_be_declared_twice_or_without_a_decision_in_the_role_matrix():
    router = ApiRouter(matrix=matrix_with_test_routes)
    router.get("/api/naive", ws_like, summary="x")
    with pytest.raises(ValueError, match="declared twice"):
        router.get("/api/naive", ws_like, summary="x again")
    with pytest.raises(UndecidedRoute, match="GET /api/y has no entry in the role matrix"):
        router.get("/api/y", ws_like, summary="y")
