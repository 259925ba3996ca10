"""What hotline knows of a softphone's registration after missing its live ``ContactStatus``: a phone closed while
the service was stopped is unreachable after its start, and one opened while the service was cut off from the PBX
is available after the reconnect's resync (real baresip phones on the sandbox)."""
from __future__ import annotations

import asyncio

import pytest

from hotline.pbx.softphone import Behaviour
from tests.pbx_sandbox import free_tcp_ports
from tests.service_fixture import RunningService, running_service, until
from tests.sip.directory import employees
from tests.sip_network import REAL_PHONES

pytestmark = [pytest.mark.pbx, pytest.mark.sip]

AVAILABLE, UNREGISTERED = ("available", ""), ("unreachable", "softphone_unregistered")


class AmiLink:
    """The service's road to the PBX's AMI, through a relay the test can cut: every connection closed and new ones
    refused, as in a network outage, while the PBX and its phones carry on."""

    def __init__(self, pbx_port: int) -> None:
        self.pbx_port = pbx_port
        (self.port,) = free_tcp_ports(1)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in self._writers:
            writer.transport.abort()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        pbx_reader, pbx_writer = await asyncio.open_connection("127.0.0.1", self.pbx_port)
        self._writers |= {writer, pbx_writer}
        try:
            await asyncio.gather(_pipe(reader, pbx_writer), _pipe(pbx_reader, writer))
        finally:
            for end in (writer, pbx_writer):
                end.transport.abort()
                self._writers.discard(end)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.transport.abort()   # one side gone: the other with it, as a broken connection does


async def agent_states(running: RunningService) -> dict[str, tuple[str, str]]:
    _, agents = await running.get("/api/agents")
    return {agent["extension"]: (agent["state"], agent["reason"]) for agent in agents}


def states_are(running: RunningService, wanted: dict[str, tuple[str, str]]):
    async def check() -> bool:
        states = await agent_states(running)
        return all(states.get(extension) == state for extension, state in wanted.items())
    return check


def resynced(running: RunningService, count: int):
    async def check() -> bool:
        return running.service.telephony.calls.handler.resyncs >= count
    return check


@pytest.fixture
async def ami_link(pbx):
    link = AmiLink(pbx.ami_port)
    await link.open()
    try:
        yield link
    finally:
        await link.cut()


async def test_a_softphone_closed_while_the_service_was_stopped_is_unregistered_after_its_start(
        pbx, sip_network, sip_phones, tmp_path):
    async with running_service(pbx, tmp_path, **REAL_PHONES) as running:
        await employees(running, "101", "102")
        await sip_phones.register(running.service, {"101": Behaviour(), "102": Behaviour()})
        await until(states_are(running, {"101": AVAILABLE, "102": AVAILABLE}), timeout=10)
    await sip_phones.unregister("101")           # the agent closes their softphone while hotline is stopped

    async with running_service(pbx, tmp_path, **REAL_PHONES) as running:   # the same database: a restart
        await until(resynced(running, 1), timeout=15)
        states = await agent_states(running)
    assert (states["101"], states["102"]) == (UNREGISTERED, AVAILABLE)


async def test_a_softphone_opened_while_the_service_was_cut_off_is_available_after_the_resync(
        pbx, sip_network, sip_phones, ami_link, tmp_path):
    async with running_service(pbx, tmp_path, ami_port=ami_link.port, **REAL_PHONES) as running:
        await employees(running, "101")
        await sip_phones.register(running.service, {"101": Behaviour()})
        await sip_phones.unregister("101")
        await until(states_are(running, {"101": UNREGISTERED}), timeout=10)      # its live ContactStatus
        resyncs = running.service.telephony.calls.handler.resyncs

        await ami_link.cut()
        await until(lambda: _disconnected(running), timeout=10)
        await sip_phones.register_again("101")   # the PBX has it registered; hotline hears nothing of it
        before = (await agent_states(running))["101"]
        await ami_link.open()
        await until(resynced(running, resyncs + 1), timeout=15)
        after = (await agent_states(running))["101"]
    assert (before, after) == (UNREGISTERED, AVAILABLE)


async def _disconnected(running: RunningService) -> bool:
    return not running.service.ami.connected
