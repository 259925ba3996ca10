"""Fixtures of the FastAGI tests: a server on a free loopback port with test-sized limits."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from ivr_flows import AgiLimits, AgiServer

# Short deadlines keep the tests quick; they are limits under test, not sleeps.
TEST_LIMITS = AgiLimits(session_timeout=5.0, command_timeout=2.0, command_margin=1.0, header_timeout=2.0,
                        fallback_timeout=2.0, handler_grace=0.2)


@pytest.fixture
async def start_agi() -> AsyncIterator[Callable]:
    """``server = await start_agi(limits=..., allowlist=..., routes={"ivr": handler})``; stopped afterwards."""
    servers: list[AgiServer] = []

    async def start(limits: AgiLimits = TEST_LIMITS, allowlist=("127.0.0.1", "::1"), routes=None) -> AgiServer:
        server = AgiServer(limits, allowlist)
        for script, handler in (routes or {}).items():
            server.add_route(script, handler)
        await server.start("127.0.0.1", 0)
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()
