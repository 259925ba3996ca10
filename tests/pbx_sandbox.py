"""The real-PBX test fixture: one sandbox Asterisk instance per test session, on free ports, with helpers.

``pbx`` (session scope) builds the cached root if needed (about a minute, once per machine), starts instance
``test-<pid>`` and stops and deletes it at the end. Its helpers need no service of ours: calls are placed and
agents configured over AMI with the sandbox's own one-shot client; events are watched through panoramisk.
"""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import AsyncIterator, Iterator

import pytest
from panoramisk import Manager

from core import dialplan
from core.policy import load_profile
from core.settings import Settings
from hotline import pbx as sandbox
from hotline.pbx.lifecycle import wait_ready
from hotline.pbx.network import network_settings
from hotline.pbx.render import DEMO_AGENTS, SANDBOX_OBSERVER, dial_globals
from tests.pbx_events import EventLog
from tests.sandbox_phones import SandboxPhones


def free_tcp_ports(count: int) -> list[int]:
    """Ports nobody listens on right now (held open together so they differ)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def instance_settings(instance: str, **overrides) -> Settings:
    """A sandbox instance on free ports. Everything around it is real SIP played by the network Asterisk at the
    trunk's far side: callers, public phones, and the agents' desk phones (``PJSIP/sim<ext>``, registered; their
    answer delay, set per test, is the ring-count tests' clock). The tests that need real softphones register
    baresip ones for employees (``sip_phones``, tests/sip_network.py)."""
    ami_port, agi_port, sip_port, network_sip, network_ami = free_tcp_ports(5)
    wanted = dict(pbx_instance=instance, ami_port=ami_port, agi_port=agi_port, ami_secret="", sip_port=sip_port,
                  sandbox_network_sip_port=network_sip, sandbox_network_ami_port=network_ami,
                  pbx_device_template=dialplan.SANDBOX_DEVICE_TEMPLATE)
    return Settings(**{**wanted, **overrides})


@dataclass
class PbxSandbox(SandboxPhones):
    """A running sandbox instance and what tests do with it (its phones and callers: ``SandboxPhones``)."""

    settings: Settings  # points at this instance, ami_secret filled in
    _network: PbxSandbox | None = field(default=None, repr=False, compare=False)
    _unregistered: set[str] = field(default_factory=set, repr=False, compare=False)   # desk phones

    @property
    def network(self) -> PbxSandbox:
        """The sandbox's public network: the second Asterisk at the far side of the trunk (callers, the phones
        of fallback numbers and callback clients)."""
        if self._network is None:
            own = network_settings(self.settings)
            self._network = PbxSandbox(own.model_copy(update={"ami_secret": sandbox.ami_credentials(own).secret}))
        return self._network

    @property
    def paths(self) -> sandbox.InstancePaths:
        return sandbox.instance_paths(self.settings)

    @property
    def credentials(self) -> sandbox.AmiCredentials:
        return sandbox.ami_credentials(self.settings)

    ami_host = property(lambda self: self.settings.ami_host)
    ami_port = property(lambda self: self.settings.ami_port)
    ami_username = property(lambda self: self.settings.ami_username)
    ami_secret = property(lambda self: self.settings.ami_secret)
    agi_port = property(lambda self: self.settings.agi_port)

    def _cli_command(self, command: str) -> list[str]:
        return ["chroot", str(self.paths.root), "/usr/sbin/asterisk", "-C", str(self.paths.asterisk_conf),
                "-rx", command]

    def cli(self, command: str) -> str:
        """Run one Asterisk CLI command (``asterisk -rx``) and return its output."""
        result = subprocess.run(self._cli_command(command), capture_output=True, text=True, timeout=15)
        return result.stdout

    async def acli(self, command: str) -> str:
        """``cli`` without blocking the event loop."""
        process = await asyncio.create_subprocess_exec(
            *self._cli_command(command), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
        stdout, _ = await asyncio.wait_for(process.communicate(), 15)
        return stdout.decode()

    def pid(self) -> int | None:
        return sandbox.running_pid(self.paths)

    def freeze(self) -> None:
        os.kill(self._require_pid(), signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self._require_pid(), signal.SIGCONT)

    def _require_pid(self) -> int:
        pid = self.pid()
        if pid is None:
            raise RuntimeError(f"sandbox instance {self.paths.name} is not running")
        return pid

    async def wait_ready(self, timeout: float = 30.0) -> None:
        """Until AMI accepts a login again (e.g. after ``core restart now``)."""
        await wait_ready(self.credentials, self.paths, timeout)

    async def action(self, **fields: str | list[str]) -> dict[str, str]:
        """Send one AMI action on a fresh connection; return its Response."""
        return await sandbox.send_action(self.credentials, fields)

    async def set_all_agents(self, *, answer_after: float | str = 2, talk: float = 5) -> None:
        """The same behaviour for every demo queue member (which one a queue rings first is the strategy's)."""
        for ext in DEMO_AGENTS:
            await self.set_agent(ext, answer_after=answer_after, talk=talk)

    async def queue_members(self) -> dict[str, dict[str, dict[str, str]]]:
        """What QueueStatus shows now: queue -> member interface -> its QueueMember entry."""
        async with self.events() as log:
            replies = await log.manager.send_action({"Action": "QueueStatus"})
        members: dict[str, dict[str, dict[str, str]]] = {}
        for message in replies if isinstance(replies, list) else [replies]:
            if message.get("Event") == "QueueParams":
                members.setdefault(message["Queue"], {})
            elif message.get("Event") == "QueueMember":
                entry = {key: str(value) for key, value in message.items()}
                members.setdefault(entry["Queue"], {})[entry.get("Location") or entry["Interface"]] = entry
        return members

    async def ready_for_tests(self) -> None:
        """After a start: the desk phones registered, the demo agents queue members."""
        await self.wait_desk_phones()
        await self.ensure_demo_members()

    async def ensure_demo_members(self) -> None:
        """Every profile queue has exactly the demo agents as unpaused dynamic members, with the interface hotline
        gives them (``agent_interface_template``) watching their desk phone — what hotline itself sets up
        for the demo directory. Queues are
        rendered without members (hotline owns membership), so tests that run without the service need this."""
        wanted = {self.settings.agent_interface_template.format(extension=ext): ext for ext in DEMO_AGENTS}
        actual = await self.queue_members()
        for queue in load_profile(self.settings.profile).queues:
            present = actual.get(queue.name, {})
            for interface in set(present) - set(wanted):
                await self._expect_success(Action="QueueRemove", Queue=queue.name, Interface=interface)
            for interface, ext in wanted.items():
                if interface in present and present[interface].get("StateInterface") != self.device(ext):
                    # a test with real softphones left the member watching its SIP device
                    await self._expect_success(Action="QueueRemove", Queue=queue.name, Interface=interface)
                    del present[interface]
                if interface not in present:
                    await self._expect_success(Action="QueueAdd", Queue=queue.name, Interface=interface,
                                               MemberName=ext, Paused="false", StateInterface=self.device(ext))
                elif present[interface].get("Paused") == "1":
                    await self._expect_success(Action="QueuePause", Queue=queue.name, Interface=interface,
                                               Paused="false")

    def device(self, extension: str) -> str:
        """What the agent's queue memberships watch (their StateInterface): the hint of their softphone."""
        return dialplan.STATE_INTERFACE_TEMPLATE.format(extension=extension)

    async def live_channels(self) -> list[dict[str, str]]:
        """The channels the PBX has right now (``CoreShowChannels``)."""
        async with self.events() as log:
            replies = await log.manager.send_action({"Action": "CoreShowChannels"})
        return [{key: str(value) for key, value in message.items()}
                for message in (replies if isinstance(replies, list) else [replies])
                if message.get("Event") == "CoreShowChannel"]

    async def reset(self, timeout: float = 10.0) -> None:
        """A quiet PBX for the next test: every call left by an earlier test hung up (their ends would otherwise
        land in this test's events), desk and public phones back to their defaults, the demo members
        unpaused."""
        if await self.live_channels():
            await self.action(Action="Hangup", Channel="/.*/")
            deadline = asyncio.get_running_loop().time() + timeout
            while await self.live_channels():
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError("the sandbox PBX still has channels after hanging them all up")
                await asyncio.sleep(0.2)
        await self.network.reset_network()   # every desk and public phone back to its defaults
        for ext in sorted(self._unregistered):
            await self._register_again(ext)
        await self.set_dial_globals(self.settings.pbx_device_template, self.settings.pbx_trunk_template)
        await self.ensure_demo_members()

    async def set_dial_globals(self, device_template: str, trunk_template: str) -> None:
        """What the dialplan dials softphones and public numbers with, changed on the running PBX (the globals
        ``hotline pbx`` renders): the real-SIP tests switch the shared sandbox to PJSIP and back."""
        for line in dial_globals(device_template, trunk_template).splitlines():
            name, _, value = line.partition(" = ")
            await self._expect_success(Action="Setvar", Variable=name, Value=value)

    async def _expect_success(self, **fields: str) -> None:
        reply = await self.action(**fields)
        if reply.get("Response") != "Success":
            raise RuntimeError(f"{fields.get('Action')} failed: {reply}")

    @asynccontextmanager
    async def events(self, timeout: float = 10.0) -> AsyncIterator[EventLog]:
        """A panoramisk session logged in as the sandbox's observer (the hotline user's secret, every event class:
        the dialplan's own steps too), recording every event until the block ends."""
        loop = asyncio.get_running_loop()
        logged_in = loop.create_future()
        manager = Manager(
            loop=loop, host=self.ami_host, port=self.ami_port, username=SANDBOX_OBSERVER, secret=self.ami_secret,
            ping_delay=3600, on_login=lambda _m: logged_in.done() or logged_in.set_result(True),
        )
        log = EventLog(manager)
        manager.on_disconnect = log.on_disconnect
        manager.register_event("*", log.on_event)
        try:
            await manager.connect()
            await asyncio.wait_for(logged_in, timeout)
            yield log
        finally:
            manager.close()


def start_sandbox(instance: str) -> PbxSandbox:
    """Build if needed and start ``instance`` on free ports (blocking: for session fixtures)."""
    settings = instance_settings(instance)
    asyncio.run(sandbox.up(settings))
    secret = sandbox.ami_credentials(settings).secret
    box = PbxSandbox(settings.model_copy(update={"ami_secret": secret}))
    asyncio.run(box.ready_for_tests())
    return box


def stop_sandbox(box: PbxSandbox) -> None:
    asyncio.run(sandbox.down(box.settings, purge=True))


@pytest.fixture(autouse=True)
async def _quiet_pbx(request: pytest.FixtureRequest) -> None:
    """Before every test that uses a sandbox PBX: ``PbxSandbox.reset`` (tests never see each other's calls)."""
    for name in ("pbx", "pbx_lv"):
        if name in request.fixturenames:
            await request.getfixturevalue(name).reset()


@pytest.fixture(scope="session")
def pbx() -> Iterator[PbxSandbox]:
    """A real Asterisk for this test session (instance ``test-<pid>``, free ports); stopped and deleted after."""
    box = start_sandbox(f"test-{os.getpid()}")
    try:
        yield box
    finally:
        stop_sandbox(box)
