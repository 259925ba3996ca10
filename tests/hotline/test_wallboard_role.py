"""The read-only ``wallboard`` role of wall screens (issue 12): it opens the wallboard and reads what the
wallboard reads (SLA figures, agents, the live picture over ``/ws``, numbers masked), nothing else, and changes
nothing; its socket never gets screen pops, messages or callbacks, whatever extension it says it has."""
from __future__ import annotations

import functools

import aiohttp
import pytest

from core.events import CallbackResult, CallOffered, CallState, CallStateChanged, MessageLeft, SlaAlert
from core.policy import load_profile
from hotline.auth.service import InvalidUser, authenticate, create_user
from hotline.push.hub import PushHub
from hotline.web import HotlineMetrics, WebDeps, callbacks_page, calls, create_app, pages, sla, wallboard, ws
from hotline.web import agents as agent_routes
from hotline.web import callbacks as callback_routes
from telephony.callbacks.admin import CallbackAdmin
from telephony.callbacks.service import CallbackService
from tests.api_fixtures import auth
from tests.hotline.push_fixtures import Connected, at, ring
from tests.hotline.test_auth_cli import hotline

LT = load_profile("lt-employment-1883")
CALLER = "+37060000093"   # made up


@pytest.fixture
async def client(aiohttp_client, db_engine):
    callbacks = CallbackService(db_engine)
    app = create_app(WebDeps.create(db_engine, HotlineMetrics().registry), [
        wallboard.routes(LT), callbacks_page.routes(LT), pages.register_routes, calls.register_routes,
        functools.partial(sla.register_routes, profile=LT), ws.routes(PushHub()),
        functools.partial(callback_routes.register_routes, callbacks=callbacks, admin=CallbackAdmin(callbacks, LT)),
        functools.partial(agent_routes.register_routes, agents=lambda: [], control=None),
    ])
    return await aiohttp_client(app, cookie_jar=aiohttp.DummyCookieJar())


@pytest.fixture
async def wall_token(db_sessionmaker) -> str:
    async with db_sessionmaker() as session:
        _, token = await create_user(session, "wall-1", "wallboard")
        await session.commit()
    return token


async def test_a_wallboard_user_reads_what_the_wallboard_reads_and_nothing_else(client, wall_token, db_engine):
    opened = await client.get(f"/wallboard?token={wall_token}", allow_redirects=False)
    assert opened.status == 303
    cookie = {"Cookie": opened.headers["Set-Cookie"].split(";")[0], "X-Hotline-Request": "1"}
    task = await CallbackService(db_engine).request_callback(CALLER, "missed")

    for credentials in (auth(wall_token), cookie):
        for path in ("/wallboard", "/api/sla", "/api/sla?by=agent", "/api/agents", "/api/me"):
            response = await client.get(path, headers=credentials)
            assert response.status == 200, (path, await response.text())
        me = await client.get("/api/me", headers=credentials)
        assert (await me.json())["can_see_numbers"] is False
        for path in ("/callbacks", "/api/callbacks", f"/api/callbacks/{task}", "/api/calls", "/api/sla/export.csv"
                     "?month=2026-01"):
            assert (await client.get(path, headers=credentials)).status == 403, path
        for path, body in ((f"/api/callbacks/{task}/cancel", None), ("/api/agents/101/pause", {"reason": "x"}),
                           ("/api/callbacks", {"number": CALLER})):
            response = await client.post(path, headers=credentials, json=body)
            assert response.status == 403, (path, await response.text())
            assert "role 'wallboard' may not POST" in (await response.json())["error"]["message"]
    assert (await CallbackService(db_engine).get(task)).state == "pending"


async def test_a_wallboard_socket_gets_the_live_picture_and_no_screen_pops_messages_or_callbacks(pushing):
    bus, hub = pushing
    wall, sup = Connected(hub, "wallboard", "101"), Connected(hub, "supervisor")   # 101: the hub ignores it
    try:
        assert (await wall.next())["type"] == "queue_state"   # greeted with the current picture
        await bus.publish(CallOffered(at=at(0), call_id="c1", caller=CALLER, dialed=LT.public_number,
                                      channel="PJSIP/trunk-1"))
        await bus.publish(ring("c1", "101"))   # a screen pop for extension 101
        await bus.publish(MessageLeft(at=at(3), message_id=1, extension="101", caller=CALLER, caller_name="Ona"))
        await bus.publish(CallbackResult(at=at(4), task_id=1, outcome="no_answer", state="pending",
                                         extension="101", call_id="c9", attempts=1))
        await bus.publish(CallStateChanged(at=at(5), call_id="c1", state=CallState.QUEUED, queue="employers"))
        await bus.publish(SlaAlert(at=at(6), kind="ring_no_answer_pause", message="agent 101 paused",
                                   extension="101", queue="employers"))
        await sup.next_of("sla_alert")   # the supervisor got everything by now, in order
        await bus.drain()
        kinds = []
        while not wall.socket.frames.empty() or wall.client.outbox:
            message = await wall.next()
            kinds.append(message["type"])
            assert CALLER[1:] not in str(message)
        assert {"call_state", "sla_alert"} <= set(kinds) <= {"call_state", "sla_alert", "queue_state"}
    finally:
        await wall.stop()
        await sup.stop()


async def test_users_create_makes_a_wallboard_user_without_an_extension(db_url, tmp_path, db_sessionmaker):
    code, out, err = await hotline(["users", "create", "--role", "wallboard", "hall-screen"], db_url, tmp_path)
    assert code == 0, err
    async with db_sessionmaker() as session:
        assert (await authenticate(session, out.strip())).role == "wallboard"
    code, _, err = await hotline(["users", "create", "--role", "wallboard", "--extension", "101", "tv"], db_url,
                                 tmp_path)
    assert code == 1 and "a wallboard user has no extension" in err
    async with db_sessionmaker() as session:
        with pytest.raises(InvalidUser):
            await create_user(session, "tv", "wallboard", extension="101")
