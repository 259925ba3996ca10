"""Real SIP around the sandbox PBX: the public network (a second Asterisk at the trunk's far side, started with
the sandbox) and the agents' softphones (baresip, registered with the credentials hotline provisions).

``sip_network`` (session): callers that dial in through the trunk and the phones the hotline rings through it.
``sip_phones`` (per test): registers baresip softphones for the running service's employees and switches the
shared sandbox to dial them (``PJSIP/<ext>``, ``PJSIP/<number>@trunk``); after the test they are stopped, their
endpoints removed, and the sandbox's reset switches it back to its desk phones.
"""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from core import dialplan
from core.policy import load_profile
from core.settings import Settings
from hotline.pbx.network import PEER_ENDPOINT, speech_cache
from hotline.pbx.paths import includes_dir
from hotline.pbx.softphone import Behaviour, Softphone
from hotline.pbx.speech import PHRASES, phrase_seconds, phrase_wav
from telephony.phones.endpoints import endpoints_conf
from telephony.phones.sync import ENDPOINTS_FILE, PJSIP_MODULE
from tests.pbx_sandbox import PbxSandbox

PJSIP_DEVICE = "PJSIP/{extension}"
PJSIP_TRUNK = f"PJSIP/{{number}}@{dialplan.TRUNK_ENDPOINT}"
# settings a service under test needs to dial the real phones (give them to running_service)
REAL_PHONES = {"pbx_device_template": PJSIP_DEVICE, "pbx_trunk_template": PJSIP_TRUNK}
AGENT_LEAD_SECONDS = 6.0    # an agent says their phrase this long after answering (the caller speaks first)


@dataclass
class SipNetwork:
    """The sandbox's public network, driven over its own AMI."""

    box: PbxSandbox

    async def call(self, dialled: str, caller_id: str, *, dtmf: str = "", talk: float = 30) -> str:
        """A caller dials ``dialled`` through the hotline's trunk; returns the caller channel's unique id (on the
        network). Once answered it sends ``dtmf`` (RFC 4733) and stays silent until ``speak``."""
        uniqueid = f"net-{uuid.uuid4().hex[:12]}"
        variables = [f"CALLER_TALK={talk:g}"] + ([f"CALLER_DTMF={dtmf}"] if dtmf else [])
        reply = await self.box.action(
            Action="Originate", Channel=f"PJSIP/{dialled}@{PEER_ENDPOINT}", Context="network-callers", Exten="s",
            Priority="1", CallerID=f"<{caller_id}>", Variable=variables, Async="true", Timeout="60000",
            ChannelId=uniqueid)
        if reply.get("Response") != "Success":
            raise RuntimeError(f"Originate refused: {reply}")
        return uniqueid

    async def channel(self, uniqueid: str) -> str:
        for entry in await self.box.live_channels():
            if entry.get("Uniqueid") == uniqueid:
                return entry["Channel"]
        raise LookupError(f"no live caller channel {uniqueid}")

    async def speak(self, uniqueid: str) -> None:
        """The caller says their phrase now."""
        reply = await self.box.action(Action="Redirect", Channel=await self.channel(uniqueid),
                                      Context="network-speak", Exten="s", Priority="1")
        if reply.get("Response") != "Success":
            raise RuntimeError(f"Redirect refused: {reply}")

    async def set_phone(self, number: str, behaviour: str) -> None:
        """How the public number ``number`` answers: answers, busy (486), never or failed (503)."""
        await self.box.action(Action="DBPut", Family="network/phone", Key=number.lstrip("+"), Val=behaviour)

    async def reset(self) -> None:
        await self.box.reset_network()


@dataclass
class SipPhones:
    """baresip softphones registered for a running service's employees."""

    pbx: PbxSandbox
    workdir: Path
    phones: dict[str, Softphone] = field(default_factory=dict)
    closed: dict[str, Softphone] = field(default_factory=dict)   # unregistered, may register again

    async def register(self, service, behaviours: Mapping[str, Behaviour]) -> dict[str, Softphone]:
        """Provision SIP accounts (the service's own path: digest in the database, endpoints written and PJSIP
        reloaded), point the sandbox at the real phones, start one softphone per extension and wait until the
        PBX sees each registered."""
        phones = service.telephony.phones
        passwords = await phones.accounts.provision("test")
        await phones.endpoints.apply()
        await self.pbx.set_dial_globals(PJSIP_DEVICE, PJSIP_TRUNK)
        speech = agent_speech(self.pbx.settings)
        registrar = f"127.0.0.1:{self.pbx.settings.sip_port}"
        for extension, behaviour in behaviours.items():
            phone = Softphone(extension, passwords[extension], registrar, self.workdir / extension, speech,
                              behaviour)
            await phone.start()
            self.phones[extension] = phone
        for extension in behaviours:
            await self.wait_device(extension, "NOT_INUSE")
        return self.phones

    async def device_state(self, extension: str) -> str:
        return await self.pbx.device_state(extension)

    async def wait_device(self, extension: str, state: str, timeout: float = 10.0) -> None:
        await self.pbx.wait_device(extension, state, timeout)

    async def unregister(self, extension: str) -> None:
        phone = self.closed[extension] = self.phones.pop(extension)
        await phone.stop()
        await self.wait_device(extension, "UNAVAILABLE")

    async def register_again(self, extension: str) -> None:
        """The employee opens the softphone they closed (``unregister``): it registers with the same account,
        without the service's help (the service may be away)."""
        phone = self.phones[extension] = self.closed.pop(extension)
        await phone.start()
        await self.wait_device(extension, "NOT_INUSE")

    async def close(self) -> None:
        await asyncio.gather(*(phone.stop() for phone in self.phones.values()))
        self.phones.clear()
        await self.remove_endpoints()

    async def remove_endpoints(self) -> None:
        """Take the agents' endpoints the test's service provisioned off the shared sandbox: a later test's service
        would read their AORs, with no phone behind them, as unregistered softphones of its agents."""
        path = includes_dir(self.pbx.settings) / ENDPOINTS_FILE
        none = endpoints_conf([], {})
        if path.exists() and path.read_text() != none:
            path.write_text(none)
            reply = await self.pbx.action(Action="ModuleLoad", LoadType="reload", Module=PJSIP_MODULE)
            if reply.get("Response") != "Success":
                raise RuntimeError(f"PJSIP reload refused: {reply}")


def agent_speech(settings: Settings) -> Path:
    voice = load_profile(settings.profile).language
    return phrase_wav(speech_cache(settings), voice, PHRASES[voice]["agent"], lead_seconds=AGENT_LEAD_SECONDS,
                      pad_seconds=300)


def agent_phrase_seconds(settings: Settings) -> float:
    voice = load_profile(settings.profile).language
    return phrase_seconds(phrase_wav(speech_cache(settings), voice, PHRASES[voice]["agent"]))


def caller_phrase_seconds(settings: Settings) -> float:
    voice = load_profile(settings.profile).language
    return phrase_seconds(phrase_wav(speech_cache(settings), voice, PHRASES[voice]["caller"]))


@pytest.fixture(scope="session")
def sip_network(pbx: PbxSandbox) -> SipNetwork:
    return SipNetwork(pbx.network)


@pytest.fixture
async def sip_phones(pbx: PbxSandbox, sip_network: SipNetwork, tmp_path: Path) -> AsyncIterator[SipPhones]:
    await sip_network.reset()
    phones = SipPhones(pbx, tmp_path / "softphones")
    try:
        yield phones
    finally:
        await phones.close()
        await sip_network.reset()
