"""The whole service (AMI, call model, storage, web) running in the test's event loop against the sandbox PBX."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from core.db import make_sessionmaker
from hotline.auth.models import Role
from hotline.auth.service import UserExists, create_user, issue_token
from hotline.service import HotlineService, build_service
from tests.pbx_sandbox import free_tcp_ports


class RunningService:
    def __init__(self, service: HotlineService, token: str) -> None:
        self.service = service
        self.token = token
        self.http = aiohttp.ClientSession(base_url=service.base_url,
                                          headers={"Authorization": f"Bearer {token}"})

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.http.get(path) as response:
            return response.status, await response.json()

    async def call(self, call_id: str) -> dict | None:
        status, body = await self.get(f"/api/calls/{call_id}")
        return body if status == 200 else None

    async def wait_call(self, call_id: str, predicate: Callable[[dict], bool], timeout: float = 40.0) -> dict:
        """Poll the API (as a client would) until the call satisfies ``predicate``."""
        async with asyncio.timeout(timeout):
            while True:
                call = await self.call(call_id)
                if call is not None and predicate(call):
                    return call
                await asyncio.sleep(0.2)


async def until(condition: Callable[[], Awaitable[bool]], timeout: float, every: float = 0.2) -> float:
    """Wait for an outside system (the PBX, the service) to reach a condition; returns the seconds it took."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(every)
    return loop.time() - started


@asynccontextmanager
async def running_service(pbx, tmp_path, *, ivr: bool = False, dialer: bool = False,
                          **overrides: Any) -> AsyncIterator[RunningService]:
    """The whole service against sandbox ``pbx`` (SQLite under ``tmp_path``), with a supervisor's HTTP session.

    ``ivr``: serve the IVR flow (greeting, consent, menu: tens of seconds per call); off, public calls go straight
    to the default queue as the dialplan's fallback, which is what tests of queues and rings want.
    ``dialer``: run the callback dialer (off, the callback tasks a test makes stay as they are). ``overrides``:
    more settings.
    """
    (http_port,) = free_tcp_ports(1)
    settings = pbx.settings.model_copy(update={
        "var_dir": tmp_path, "database_url": "", "http_port": http_port,
        "ami_ping_interval": 1.0, "ami_ping_timeout": 3.0, "ami_reconnect_max": 2.0, "ivr_enabled": ivr,
        "callback_dialer": dialer,
        # the analysis processes start on a test's first job, not with each of the suite's hundred service starts
        "analysis_warm_start": False, **overrides,
    })
    service = build_service(settings)
    await service.start()
    async with make_sessionmaker(service.engine)() as session:
        try:
            _, token = await create_user(session, "supervisor-1", Role.SUPERVISOR)
        except UserExists:   # a second run on the same database (a restart within one test)
            token = await issue_token(session, "supervisor-1")
        await session.commit()
    running = RunningService(service, token)
    try:
        await service.ami.wait_connected(15)
        yield running
    finally:
        await running.http.close()
        await service.stop()


@pytest.fixture
async def hotline_service(pbx, tmp_path) -> AsyncIterator[RunningService]:
    async with running_service(pbx, tmp_path) as running:
        yield running
