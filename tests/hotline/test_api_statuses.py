"""Every status a route can answer is declared in the API description, from data (``hotline.web.statuses``): the
route's own, its mapped domain errors, and what authentication, validation, the body limit and the audit add. A
route answering a status it does not declare is a bug: 500, and the log says what to declare."""
from __future__ import annotations

import functools
import logging

import pytest

from core.policy import load_profile
from hotline.auth.service import create_user
from hotline.web import (ApiRouter, HotlineMetrics, WebDeps, agents, audit_api, callbacks, callbacks_page, calls,
                         create_app, dpo_page, employees, listen_link, listen_sessions, listening, messages, pages,
                         recordings, session, sla, subject_requests, system, wallboard, ws)
from hotline.web.audit import audited_action
from hotline.web.openapi import build_openapi
from hotline.web.statuses import declared_statuses
from tests.hotline.web_test_app import matrix_with_test_routes, register_test_routes

LT = load_profile("lt-employment-1883")


def service_router() -> ApiRouter:
    """The service's routes as ``HotlineService._web_routes`` registers them; the services they would call are not
    needed to declare them."""
    router = ApiRouter()
    for register in [system.register_routes, session.register_routes, calls.register_routes,
                     functools.partial(sla.register_routes, profile=LT), ws.routes(None), pages.register_routes,
                     wallboard.routes(LT), functools.partial(employees.register_routes, directory=None, profile=LT),
                     functools.partial(agents.register_routes, agents=None, control=None),
                     functools.partial(callbacks.register_routes, callbacks=None, admin=None),
                     callbacks_page.routes(LT), functools.partial(messages.register_routes, messages=None),
                     audit_api.register_routes, functools.partial(recordings.register_routes, catalogue=None),
                     functools.partial(subject_requests.register_routes, requests=None), dpo_page.routes(LT),
                     functools.partial(listening.register_routes, catalogue=None, profile=LT),
                     functools.partial(listen_sessions.register_routes, sessions=None, profile=LT),
                     functools.partial(listen_link.register_routes, sessions=None, language="lt", timezone=None)]:
        register(router)
    return router


def test_every_route_declares_its_mapped_errors_and_what_the_cross_cutting_parts_answer():
    router = service_router()
    paths = build_openapi(router.routes, "hotline", "test", router.error_map)["paths"]
    assert len(router.routes) >= 36
    for route in router.routes:
        responses = paths[route.path][route.method.lower()]["responses"]
        expected = {route.status, 500, *(router.error_map[exc][0] for exc in route.raises)}
        if not route.access.public:
            expected |= {401, 403}
        if route.query or route.path_params or route.body:
            expected.add(400)
        if route.body:
            expected.add(413)
        if audited_action(route):
            expected |= {400, 503}
        assert expected <= {int(status) for status in responses}, f"{route.method} {route.path}"
        assert set(responses) == {str(status) for status in declared_statuses(route, router.error_map)}


def test_two_api_models_of_one_name_are_refused_not_silently_merged():
    # the service's description holds every model once (service_router's routes built above); a second model
    # under a taken name would make clients check answers against the wrong schema
    from pydantic import BaseModel

    from hotline.web.openapi import _Schemas

    def model(**fields):
        return type("ChangeOut", (BaseModel,), {"__annotations__": fields})

    schemas = _Schemas()
    schemas.of(model(extension=str))
    schemas.of(model(extension=str))   # the same model again is fine
    with pytest.raises(ValueError, match="two API models are named ChangeOut"):
        schemas.of(model(request_id=int))


def test_the_service_declares_what_its_handlers_answer_by_themselves():
    paths = build_openapi(service_router().routes, "hotline", "test", service_router().error_map)["paths"]
    created = paths["/api/callbacks"]["post"]["responses"]
    assert "201" in created and "200" not in created and {"409", "422"} <= set(created)
    exchange = paths["/wallboard"]["get"]["responses"]["303"]
    assert set(exchange["headers"]) == {"Location", "Set-Cookie"} and "content" not in exchange
    assert {"101", "400"} <= set(paths["/ws"]["get"]["responses"]) and "200" not in paths["/ws"]["get"]["responses"]
    ready = paths["/readyz"]["get"]["responses"]["503"]["content"]["application/json"]["schema"]
    assert ready == {"$ref": "#/components/schemas/Readiness"}
    assert {"404", "503"} <= set(paths["/api/agents/{extension}/pause"]["post"]["responses"])
    assert "404" in paths["/api/calls/{id}"]["get"]["responses"]


def test_a_route_raising_an_error_no_map_error_maps_is_refused_when_described():
    router = ApiRouter(matrix=matrix_with_test_routes)
    route = router.get("/api/missing", lambda request: None, summary="x", raises=[KeyError])
    with pytest.raises(ValueError, match="raises KeyError, which no map_error maps"):
        declared_statuses(route, router.error_map)


@pytest.fixture
async def client(aiohttp_client, db_engine):
    return await aiohttp_client(create_app(WebDeps.create(db_engine, HotlineMetrics().registry),
                                           [register_test_routes], matrix_with_test_routes))


async def test_a_mapped_error_the_route_does_not_declare_is_a_500_naming_what_to_declare(client, db_sessionmaker,
                                                                                          caplog):
    async with db_sessionmaker() as db:
        _, token = await create_user(db, "sup", "supervisor")
        await db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    declared = await client.get("/api/missing", headers=headers)     # the same error, declared by its route
    assert declared.status == 410
    with caplog.at_level(logging.ERROR, logger="hotline.web.errors"):
        response = await client.get("/api/undeclared", headers=headers)
    assert response.status == 500
    assert (await response.json())["error"]["code"] == "internal_error"
    assert any("status 410 (DomainMissing) not declared" in record.getMessage() for record in caplog.records)
