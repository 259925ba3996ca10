"""Values beyond what the store or the calendar can hold are the client's error, told as 400 with the error object,
never a server error: months and times outside 1900-9998, ids beyond BIGINT, offsets beyond any listing (the
cases an API fuzzer found; SQLite and PostgreSQL)."""
from __future__ import annotations

import functools

import pytest

from core.policy import load_profile
from hotline.web import HotlineMetrics, WebDeps, calls, create_app, sla
from hotline.web import callbacks as callback_routes
from hotline.web import messages as message_routes
from telephony.callbacks.admin import CallbackAdmin
from telephony.callbacks.service import CallbackService
from telephony.messages.service import MessageService
from tests.api_fixtures import auth

LT = load_profile("lt-employment-1883")
BEYOND_BIGINT = 2**63
HUGE_OFFSET = 10**12


@pytest.fixture
async def client(aiohttp_client, db_engine, tokens):
    callbacks = CallbackService(db_engine)
    deps = WebDeps.create(db_engine, HotlineMetrics().registry)
    return await aiohttp_client(create_app(deps, [
        calls.register_routes, functools.partial(sla.register_routes, profile=LT),
        functools.partial(callback_routes.register_routes, callbacks=callbacks, admin=CallbackAdmin(callbacks, LT)),
        functools.partial(message_routes.register_routes, messages=MessageService(db_engine, callbacks)),
    ]))


@pytest.mark.parametrize("path", [
    "/api/sla/export.csv?month=0000-01", "/api/sla/export.csv?month=1899-12", "/api/sla/export.csv?month=9999-12",
    "/api/sla?from=0001-01-01T00:00:00%2B00:00&to=2026-11-24T00:00:00%2B00:00",
    "/api/sla?from=2026-11-23T00:00:00%2B00:00&to=9999-12-31T23:59:59%2B00:00",
    "/api/calls?since=0001-01-01T00:00:00%2B00:00",
    f"/api/calls?offset={HUGE_OFFSET}", f"/api/callbacks?offset={HUGE_OFFSET}", f"/api/messages?offset={HUGE_OFFSET}",
    f"/api/callbacks/{BEYOND_BIGINT}",
])
async def test_out_of_range_values_are_a_400_with_the_error_object(client, tokens, path):
    response = await client.get(path, headers=auth(tokens["supervisor"]))
    assert response.status == 400, await response.text()
    error = (await response.json())["error"]
    assert error["code"] and error["message"]


@pytest.mark.parametrize("path", ["/api/sla/export.csv?month=1900-01", "/api/sla/export.csv?month=9998-12",
                                  "/api/callbacks/9223372036854775807", "/api/calls?offset=1000000000"])
async def test_the_edges_of_the_range_are_served(client, tokens, path):
    response = await client.get(path, headers=auth(tokens["supervisor"]))
    assert response.status in (200, 404), await response.text()   # served: found or not, never refused
