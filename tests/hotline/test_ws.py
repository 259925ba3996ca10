"""``/ws`` over real sockets: authentication before the upgrade, per-user routing, and a peer that stops reading
while another keeps up."""
from __future__ import annotations

import asyncio
import base64
import os
import socket

import aiohttp
import pytest
from yarl import URL

from core.bus import EventBus
from core.events import CallState, CallStateChanged, RingStarted, SlaAlert
from core.policy import load_profile
from hotline.auth.service import create_user
from hotline.push import setup as push_setup
from hotline.push.hub import Audience, Push, PushHub
from hotline.web import HotlineMetrics, WebDeps, create_app, ws
from tests.hotline.push_fixtures import at, ring


@pytest.fixture
async def service(aiohttp_client, db_engine, db_sessionmaker):
    """The web app with ``/ws`` and push wired to a bus, like the service; returns (client, bus, hub, tokens)."""
    tokens = {}
    async with db_sessionmaker() as session:
        for name, role, extension in [("a101", "agent", "101"), ("a102", "agent", "102"),
                                      ("sup", "supervisor", None), ("qa", "qa", None)]:
            _, tokens[name] = await create_user(session, name, role, extension=extension)
        await session.commit()
    bus, hub = EventBus(), PushHub(outbox_size=20)
    push = push_setup.setup(bus, db_engine, load_profile("lt-employment-1883"), hub=hub)
    await bus.start()
    push.start()
    client = await aiohttp_client(create_app(WebDeps.create(db_engine, HotlineMetrics().registry), [ws.routes(hub)]))
    yield client, bus, hub, tokens
    await push.close()
    await bus.stop()


async def open_socket(client, token: str, via: str = "query") -> aiohttp.ClientWebSocketResponse:
    if via == "query":
        socket_ = await client.ws_connect(f"/ws?token={token}")
    else:
        socket_ = await client.ws_connect("/ws", headers={"Authorization": f"Bearer {token}"})
    hello = await socket_.receive_json(timeout=5)   # once it arrives, the hub knows this client
    assert hello["type"] == "hello"
    return socket_


async def next_of(socket_, kind: str) -> dict:
    """The next message of type ``kind``, skipping queue_state pictures (they come whenever queues change)."""
    while True:
        message = await socket_.receive_json(timeout=5)
        if message["type"] == kind or message["type"] != "queue_state":
            return message


@pytest.mark.parametrize("headers, status", [({}, 401), ({"Authorization": "Bearer nope"}, 401)])
async def test_without_a_valid_token_the_upgrade_is_refused(service, headers, status):
    client, *_ = service
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/ws", headers=headers)
    assert refused.value.status == status
    async with client.get("/ws", headers={"Upgrade": "websocket", "Connection": "Upgrade", **headers}) as response:
        assert response.status == status and (await response.json())["error"]["code"] == "unauthenticated"


async def test_a_role_without_push_is_forbidden(service):
    client, _, _, tokens = service
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect(f"/ws?token={tokens['qa']}")
    assert refused.value.status == 403


@pytest.mark.parametrize("via", ["header", "query"])
async def test_hello_says_who_the_socket_belongs_to_token_in_header_or_query(service, via):
    client, _, _, tokens = service
    if via == "header":
        socket_ = await client.ws_connect("/ws", headers={"Authorization": f"Bearer {tokens['a101']}"})
    else:
        socket_ = await client.ws_connect(f"/ws?token={tokens['a101']}")
    hello = await socket_.receive_json(timeout=5)
    assert (hello["type"], hello["role"], hello["extension"]) == ("hello", "agent", "101") and hello["at"]
    await socket_.close()


async def test_agent_a_never_sees_agent_bs_screen_pop(service):
    client, bus, _, tokens = service
    a, b = await open_socket(client, tokens["a101"]), await open_socket(client, tokens["a102"], via="header")
    await bus.publish(ring("c1", "102"))
    await bus.publish(ring("c2", "101", seconds=4))
    pop_b = await next_of(b, "screen_pop")
    assert (pop_b["type"], pop_b["call_id"], pop_b["extension"]) == ("screen_pop", "c1", "102")
    first_of_a = await next_of(a, "screen_pop")   # pushes are ordered: B's pop would have come before this
    assert (first_of_a["type"], first_of_a["call_id"], first_of_a["extension"]) == ("screen_pop", "c2", "101")
    await a.close()
    await b.close()


async def test_supervisor_gets_call_state_and_sla_alert_the_agent_only_its_own(service):
    client, bus, _, tokens = service
    sup, agent = await open_socket(client, tokens["sup"]), await open_socket(client, tokens["a101"])
    await bus.publish(CallStateChanged(at=at(1), call_id="c1", state=CallState.QUEUED, queue="employers"))
    await bus.publish(SlaAlert(at=at(2), kind="ring_no_answer_pause", message="agent 101 paused", extension="101"))
    await bus.publish(RingStarted(at=at(3), call_id="c1", ring_id="r1", target="Local/101@sandbox-agents",
                                  extension="101", queue="employers"))
    state = await next_of(sup, "call_state")
    assert (state["type"], state["call_id"], state["state"]) == ("call_state", "c1", "queued")
    alert = await next_of(sup, "sla_alert")
    assert (alert["type"], alert["kind"], alert["extension"]) == ("sla_alert", "ring_no_answer_pause", "101")
    assert (await agent.receive_json(timeout=5))["type"] == "screen_pop"   # nothing before its own pop
    await sup.close()
    await agent.close()


async def stalled_socket(client, token: str) -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads again (a frozen peer)."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)   # small, so the server's writes back up sooner
    raw.setblocking(False)
    loop = asyncio.get_running_loop()
    url = URL(str(client.make_url("/ws")))
    await loop.sock_connect(raw, (url.host, url.port))
    key = base64.b64encode(os.urandom(16)).decode()
    await loop.sock_sendall(raw, (
        f"GET /ws?token={token} HTTP/1.1\r\nHost: {url.host}:{url.port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += await loop.sock_recv(raw, 1)   # byte by byte: read nothing past the handshake's end
    assert head.startswith(b"HTTP/1.1 101"), head[:40]
    return raw


async def test_a_client_that_stops_reading_does_not_delay_the_others(service):
    client, _, hub, tokens = service
    stalled = await stalled_socket(client, tokens["sup"])
    fast = await open_socket(client, tokens["sup"])
    assert (await next_of(fast, "queue_state"))["type"] == "queue_state"   # its greeting
    padding = "x" * 4000
    sent = 0
    try:
        # Rounds of messages to all supervisors until the stalled client has been cut off. The fast one must
        # get every message of every round, in order, however far behind the stalled one is.
        for _round in range(2000):
            for _ in range(10):
                hub.publish(Audience.supervising(), Push("call_state", {"n": sent, "pad": padding}))
                sent += 1
            for expected in range(sent - 10, sent):
                message = await fast.receive_json(timeout=5)
                assert (message["type"], message["n"]) == ("call_state", expected)
            if hub.stats.disconnected_slow:
                break
        assert hub.stats.overflows >= 2 and hub.stats.disconnected_slow == 1
        assert len(hub.clients) == 1   # only the fast client is left
    finally:
        stalled.close()
        await fast.close()
