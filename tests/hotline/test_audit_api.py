"""The audit trail through the real web app (SQLite and PostgreSQL): writes, refused writes, reads of personal
data with and without a purpose, the push socket's opening; who, route and status in every row, never a number;
no data and no change without a row; ``GET /api/audit`` for the DPO."""
from __future__ import annotations

import functools
import json

import pytest
from sqlalchemy import text

from hotline.audit import AuditTrail, AuditUnavailable, verify
from hotline.push.hub import PushHub
from hotline.web import HotlineMetrics, WebDeps, audit_api, calls, create_app, ws
from hotline.web import callbacks as callback_routes
from hotline.web import messages as message_routes
from hotline.web.audit import AUDIT_TRAIL_KEY, PURPOSE_HEADER
from telephony.callbacks.admin import CallbackAdmin
from telephony.callbacks.service import CallbackService
from telephony.messages.service import MessageService
from tests.api_fixtures import auth
from tests.hotline.audit_fixtures import audit_rows, tamper
from tests.telephony.callbacks.task_fixtures import PROFILE, business_time

NUMBER, OTHER, NEW = "+37060000001", "+37061234567", "+37069999999"
WHO = ("actor_name", "actor_role", "action", "method", "route", "status")


def _app(db_engine, callbacks: CallbackService):
    return create_app(WebDeps.create(db_engine, HotlineMetrics().registry), [
        calls.register_routes, audit_api.register_routes, ws.routes(PushHub()),
        functools.partial(callback_routes.register_routes, callbacks=callbacks,
                          admin=CallbackAdmin(callbacks, PROFILE)),
        functools.partial(message_routes.register_routes, messages=MessageService(db_engine, callbacks)),
    ])


@pytest.fixture
async def callbacks(db_engine) -> CallbackService:
    service = CallbackService(db_engine)
    await service.request_callback(NUMBER, "hold_refused", queue="general_info")
    await MessageService(db_engine, service).leave_message(extension="101", caller=OTHER)
    return service


@pytest.fixture
async def client(aiohttp_client, db_engine, tokens, callbacks):
    return await aiohttp_client(_app(db_engine, callbacks))


def assert_no_numbers(rows: list[dict]) -> None:
    blob = json.dumps(rows, default=str)
    for number in (NUMBER, OTHER, NEW):
        assert number[1:] not in blob and number[-7:] not in blob, "a phone number in the audit trail"


async def test_the_api_description_marks_audited_operations_and_their_purpose_header(client):
    paths = (await (await client.get("/api/openapi.json")).json())["paths"]
    for path, method in [("/api/callbacks", "post"), ("/api/calls", "get"), ("/ws", "get")]:
        operation = paths[path][method]
        assert operation["x-audited"] is True and "503" in operation["responses"]
        assert PURPOSE_HEADER in [p["name"] for p in operation["parameters"] if p["in"] == "header"]
    assert "x-audited" not in paths["/api/me"]["get"] and "x-audited" in paths["/api/me/token"]["post"]


def callback_in(**fields) -> dict:
    return {"number": NEW, "agreed_at": business_time().isoformat(), "note": f"call {NEW} back", **fields}


async def test_a_write_is_an_attempt_before_its_handler_then_its_result(client, tokens, db_engine):
    response = await client.post("/api/callbacks", json=callback_in(), headers=auth(tokens["supervisor"]))
    assert response.status == 201
    attempt, result = rows = await audit_rows(db_engine)
    assert [tuple(row[k] for k in WHO) for row in rows] == [
        ("supervisor-1", "supervisor", "write", "POST", "/api/callbacks", None),
        ("supervisor-1", "supervisor", "write", "POST", "/api/callbacks", 201)]
    assert (attempt["attempt_of"], result["attempt_of"]) == (None, attempt["id"])
    assert result["purpose"] == "Promise a callback at an agreed time (201)"   # the route's summary
    assert_no_numbers(rows)
    assert (await verify(db_engine)).intact


async def test_reads_of_personal_data_say_who_why_which_ids_and_query_names_never_values(client, tokens,
                                                                                         db_engine):
    headers = {**auth(tokens["supervisor"]), PURPOSE_HEADER: f"client {OTHER} asked to be called"}
    assert (await client.get("/api/calls?limit=5&since=2026-01-01T00:00:00%2B00:00", headers=headers)).status == 200
    listed = await client.get("/api/callbacks?state=pending", headers=auth(tokens["supervisor"]))
    assert NUMBER in await listed.text()   # the answer holds numbers; the trail does not
    assert (await client.get(f"/api/calls/{OTHER[1:]}", headers=auth(tokens["dpo"]))).status == 404
    assert (await client.get("/api/sla", headers=auth(tokens["supervisor"]))).status == 404   # not here: no row
    calls_read, callbacks_read, one_call = rows = await audit_rows(db_engine)
    assert [tuple(row[k] for k in WHO) for row in rows] == [
        ("supervisor-1", "supervisor", "read", "GET", "/api/calls", 200),
        ("supervisor-1", "supervisor", "read", "GET", "/api/callbacks", 200),
        ("dpo-1", "dpo", "read", "GET", "/api/calls/{id}", 404)]
    assert calls_read["purpose"] == "client [number] asked to be called"
    assert json.loads(calls_read["query"]) == ["limit", "since"] and json.loads(callbacks_read["query"]) == ["state"]
    assert json.loads(one_call["resources"]) == {"id": "[number]"}
    assert_no_numbers(rows)


async def test_refused_writes_are_recorded_with_their_actor_and_status_anonymous_ones_not(client, tokens,
                                                                                          db_engine):
    invalid = await client.post("/api/callbacks", json={"number": OTHER}, headers=auth(tokens["agent"]))
    forbidden = await client.post("/api/callbacks/1/cancel", headers=auth(tokens["qa"]))
    too_long = await client.post("/api/callbacks/1/cancel", headers={**auth(tokens["supervisor"]),
                                                                    PURPOSE_HEADER: "x" * 201})
    anonymous = await client.post("/api/callbacks", json=callback_in())
    assert (invalid.status, forbidden.status, too_long.status, anonymous.status) == (400, 403, 400, 401)
    assert (await too_long.json())["error"]["code"] == "invalid_purpose"
    rows = await audit_rows(db_engine)
    assert [tuple(row[k] for k in WHO) for row in rows] == [
        ("agent-1", "agent", "write", "POST", "/api/callbacks", None),   # validation runs in the handler
        ("agent-1", "agent", "write", "POST", "/api/callbacks", 400),
        ("qa-1", "qa", "write", "POST", "/api/callbacks/{id}/cancel", 403),   # refused before any handler
        ("supervisor-1", "supervisor", "write", "POST", "/api/callbacks/{id}/cancel", 400)]
    assert json.loads(rows[2]["resources"]) == {"id": "1"}
    assert rows[3]["purpose"] == "Cancel a pending or dialing callback"
    assert_no_numbers(rows)


async def test_opening_the_push_socket_is_a_read_with_its_actor(client, tokens, db_engine):
    socket = await client.ws_connect(f"/ws?token={tokens['supervisor']}")
    assert (await socket.receive_json(timeout=5))["type"] == "hello"
    await socket.close()
    [row] = await audit_rows(db_engine)
    assert tuple(row[k] for k in WHO) == ("supervisor-1", "supervisor", "read", "GET", "/ws", 101)
    assert json.loads(row["query"]) == ["token"] and tokens["supervisor"] not in json.dumps(row, default=str)


async def test_without_an_audit_row_a_read_answers_no_data_and_a_write_changes_nothing(client, tokens, db_engine):
    tasks = "SELECT count(*) FROM callback_tasks"
    async with db_engine.connect() as conn:
        before = await conn.scalar(text(tasks))
    await tamper(db_engine, "DROP TABLE audit_head")   # every append fails from here on
    read = await client.get("/api/callbacks", headers=auth(tokens["supervisor"]))
    assert read.status == 503 and NUMBER not in await read.text()
    assert (await read.json())["error"]["code"] == "audit_unavailable"
    write = await client.post("/api/callbacks", json=callback_in(), headers=auth(tokens["supervisor"]))
    assert write.status == 503 and "nothing was changed" in (await write.json())["error"]["message"]
    socket = await client.get(f"/ws?token={tokens['supervisor']}")
    assert socket.status == 503
    async with db_engine.connect() as conn:
        assert await conn.scalar(text(tasks)) == before


class FailingResults(AuditTrail):
    """A trail that writes attempts and reads but not the result of a write."""

    async def append(self, record):
        if record.action == "write" and record.status is not None:
            raise AuditUnavailable("the audit trail could not be written (test)")
        return await super().append(record)


async def test_a_write_whose_result_row_fails_keeps_its_answer_and_its_attempt_row(aiohttp_client, db_engine,
                                                                                   tokens, callbacks):
    app = _app(db_engine, callbacks)
    app[AUDIT_TRAIL_KEY] = FailingResults(db_engine)
    client = await aiohttp_client(app)
    response = await client.post("/api/callbacks", json=callback_in(), headers=auth(tokens["supervisor"]))
    assert response.status == 201   # the change is made: a 503 would have it made twice
    [attempt] = await audit_rows(db_engine)
    assert (attempt["action"], attempt["status"], attempt["actor_name"]) == ("write", None, "supervisor-1")


async def test_the_dpo_reads_the_trail_newest_first_and_that_read_is_audited_too(client, tokens, db_engine):
    await client.get("/api/callbacks", headers=auth(tokens["supervisor"]))
    first = await client.get("/api/audit", headers=auth(tokens["dpo"]))
    assert first.status == 200
    [row] = await first.json()
    assert (row["actor_name"], row["route"], row["status"], row["query"]) == (
        "supervisor-1", "/api/callbacks", 200, [])
    again = await (await client.get("/api/audit?actor=dpo-1&action=read&limit=10",
                                    headers=auth(tokens["dpo"]))).json()
    assert [(r["actor_name"], r["route"], r["status"]) for r in again] == [("dpo-1", "/api/audit", 200)]
    assert (await client.get("/api/audit", headers=auth(tokens["admin"]))).status == 403
    for query in ("limit=1001", f"offset={10**9 + 1}", "since=0001-01-01T00:00:00%2B00:00", "action=delete",
                  "actor=%2B3706"):
        bad = await client.get(f"/api/audit?{query}", headers=auth(tokens["dpo"]))
        assert bad.status == 400 and (await bad.json())["error"]["code"] == "invalid_input", query
    window = await client.get("/api/audit?since=2026-01-02T00:00:00%2B00:00&until=2026-01-01T00:00:00%2B00:00",
                              headers=auth(tokens["dpo"]))
    assert window.status == 422 and (await window.json())["error"]["code"] == "invalid_range"
    verdict = await verify(db_engine)
    assert verdict.intact and verdict.count == len(await audit_rows(db_engine))
