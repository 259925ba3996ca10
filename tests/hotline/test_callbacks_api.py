"""``/api/callbacks`` and ``/api/messages`` over a real database: who sees what, masking, filters, marking read."""
from __future__ import annotations

import functools

import pytest

from hotline.auth.service import create_user
from hotline.web import HotlineMetrics, WebDeps, create_app
from hotline.web import callbacks as callback_routes, messages as message_routes
from telephony.callbacks import CallbackService
from telephony.messages import MessageService
from tests.api_fixtures import auth

NUMBER = "+37060000001"
OTHER = "+37061234567"


@pytest.fixture
async def stored(db_engine):
    callbacks = CallbackService(db_engine)
    messages = MessageService(db_engine, callbacks)
    ids = {
        "hold": await callbacks.request_callback(NUMBER, "hold_refused", queue="general_info"),
        "m101": await messages.leave_message(extension="101", caller=OTHER, audio_path="/spool/a.wav"),
        "m102": await messages.leave_message(extension="102", caller=None),
    }
    return callbacks, messages, ids


@pytest.fixture
async def agent_101(db_sessionmaker) -> str:
    async with db_sessionmaker() as session:
        _, token = await create_user(session, "agent-101", "agent", extension="101")
        await session.commit()
    return token


@pytest.fixture
async def client(aiohttp_client, db_engine, stored, tokens):
    callbacks, messages, _ = stored
    deps = WebDeps.create(db_engine, HotlineMetrics().registry)
    return await aiohttp_client(create_app(deps, [
        functools.partial(callback_routes.register_routes, callbacks=callbacks),
        functools.partial(message_routes.register_routes, messages=messages),
    ]))


async def test_supervisor_lists_every_callback_with_reasons_state_and_number(client, tokens, stored):
    response = await client.get("/api/callbacks", headers=auth(tokens["supervisor"]))
    assert response.status == 200
    tasks = {task["id"]: task for task in await response.json()}
    hold = tasks[stored[2]["hold"]]
    assert (hold["number"], hold["state"], hold["reason"], hold["reasons"], hold["attempts"]) == (
        NUMBER, "pending", "hold_refused", ["hold_refused"], 0)
    assert hold["due_at"].endswith("+00:00")
    message_task = next(task for task in tasks.values() if task["reason"] == "message")
    assert (message_task["number"], message_task["extension"]) == (OTHER, "101")


async def test_callback_filters_and_an_admin_sees_masked_numbers(client, tokens):
    response = await client.get("/api/callbacks?reason=message", headers=auth(tokens["admin"]))
    [task] = await response.json()
    assert task["reason"] == "message" and task["number"] != OTHER and task["number"].endswith(OTHER[-4:])
    bad = await client.get("/api/callbacks?state=sleeping", headers=auth(tokens["supervisor"]))
    assert bad.status == 400 and (await bad.json())["error"]["code"]
    assert (await client.get("/api/callbacks", headers=auth(tokens["qa"]))).status == 403


async def test_an_agent_sees_only_their_own_callbacks_and_messages(client, agent_101, tokens, stored):
    tasks = await (await client.get("/api/callbacks?extension=102", headers=auth(agent_101))).json()
    assert [task["extension"] for task in tasks] == ["101"]   # the filter cannot widen an agent's view
    messages = await (await client.get("/api/messages", headers=auth(agent_101))).json()
    assert [(m["id"], m["caller"], m["has_audio"], m["read"]) for m in messages] == [
        (stored[2]["m101"], OTHER, True, False)]
    # an agent without an extension has none
    assert await (await client.get("/api/messages", headers=auth(tokens["agent"]))).json() == []


async def test_supervisor_lists_all_messages_and_filters_one_employee(client, tokens, stored):
    everyone = await (await client.get("/api/messages", headers=auth(tokens["supervisor"]))).json()
    assert {m["extension"] for m in everyone} == {"101", "102"}
    only = await (await client.get("/api/messages?extension=102", headers=auth(tokens["supervisor"]))).json()
    assert [m["id"] for m in only] == [stored[2]["m102"]]


async def test_marking_read_own_messages_only(client, agent_101, stored):
    ids = stored[2]
    read = await client.post(f"/api/messages/{ids['m101']}/read", json={"read": True}, headers=auth(agent_101))
    assert read.status == 200 and (await read.json())["read"] is True
    unread = await (await client.get("/api/messages?unread=true", headers=auth(agent_101))).json()
    assert unread == []
    foreign = await client.post(f"/api/messages/{ids['m102']}/read", json={}, headers=auth(agent_101))
    assert foreign.status == 404
    missing = await client.post("/api/messages/99999/read", json={}, headers=auth(agent_101))
    assert missing.status == 404
