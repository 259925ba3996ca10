"""``/ws``: the push socket of softphones and wallboards (token in ``Authorization`` or ``?token=``; the pages
send their session cookie instead).

Authentication happens before the upgrade (401/403 as JSON, like any route). Once open, the server only sends:
first ``{"type": "hello", "role", "extension"}``, then what the hub routes to this user (``hotline.push``).
Messages the client sends are ignored. A dead peer is noticed by WebSocket pings (``HEARTBEAT``).
"""
from __future__ import annotations

import asyncio
import json

from aiohttp import WSCloseCode, WSMsgType, web

from core.clock import utcnow
from hotline.push.hub import PushHub
from hotline.web.audit import record_now
from hotline.web.auth import principal_of
from hotline.web.routes import ApiRouter, Status

HEARTBEAT = 20.0        # seconds between pings; a peer that does not answer is closed
CLOSE_GRACE = 2.0       # a close frame that cannot be written in this time (peer not reading): drop the TCP link


def _hello(role: str, extension: str | None) -> str:
    return json.dumps({"type": "hello", "at": utcnow().isoformat(), "role": role, "extension": extension})


async def websocket(request: web.Request, hub: PushHub) -> web.WebSocketResponse:
    principal = principal_of(request)
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=4096)
    # screen pops carry callers' numbers: the opening is audited before the upgrade (503 if it cannot be)
    await record_now(request, 101)
    await ws.prepare(request)
    await ws.send_str(_hello(principal.role.value, principal.extension))
    pump: asyncio.Task | None = None

    async def close(reason: str) -> None:
        if pump is not None:
            pump.cancel()
        try:
            async with asyncio.timeout(CLOSE_GRACE):
                await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=reason.encode())  # "reconnect and reload"
        except TimeoutError:
            if request.transport is not None:
                request.transport.abort()

    client = hub.connect(principal.role, principal.extension, ws.send_str, close, token_hash=principal.token_hash)
    pump = asyncio.create_task(hub.pump(client), name=f"push-client-{client.id}")
    try:
        async for message in ws:
            if message.type is WSMsgType.ERROR:
                break
    finally:
        hub.disconnect(client)
        pump.cancel()
        await asyncio.gather(pump, return_exceptions=True)  # a send that failed on a broken socket ends here
    return ws


def routes(hub: PushHub):
    """The registrar of ``/ws`` bound to the service's hub."""

    async def ws_handler(request: web.Request) -> web.WebSocketResponse:
        return await websocket(request, hub)

    def register_routes(router: ApiRouter) -> None:
        router.get("/ws", ws_handler, summary="Push socket (WebSocket): screen pops, call and queue state, alerts",
                   query_token=True, tags=["push"], personal_data=True, status=101,
                   statuses={101: Status("the WebSocket is open (Switching Protocols)", body=None, content_type=None),
                             400: "not a WebSocket upgrade request"},
                   description="Upgrade to a WebSocket. Agents receive their own events (screen_pop); supervisors "
                               "and admins receive call_state, queue_state and sla_alert, wall screens (wallboard) "
                               "only those three. A client that falls "
                               "behind gets {\"type\": \"resync\"} and should reload state.")

    return register_routes
