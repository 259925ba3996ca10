"""The sandbox's phones as tests drive them (a mixin of ``PbxSandbox``): callers dialling in through the trunk,
the public phones at its far side, and the agents' desk phones (``hotline/pbx/desk_phones.py``). All of them are
real SIP played by the sandbox's network Asterisk (``PbxSandbox.network``)."""
from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from core import dialplan
from hotline.pbx import desk_phones
from hotline.pbx.network import PEER_ENDPOINT

NETWORK_CALLERS = "network-callers"      # the network's caller context (docker/asterisk-sandbox/network)
NETWORK_FAMILY = "network"               # its AstDB: network/talk, network/ring, network/phone/<number>
NETWORK_PHONES_FAMILY = f"{NETWORK_FAMILY}/phone"
REREGISTER_SECONDS = 25.0                # a PJSIPRegister takes effect 1-10 s later, then a digest round trip


@dataclass(frozen=True)
class OriginatedCall:
    """A call placed by the network through the trunk, as the hotline PBX sees it: ``uniqueid`` is its inbound
    channel's (also the call's Linkedid), ``caller_leg`` the same channel (the caller's leg on the hotline PBX),
    ``network_uniqueid`` the caller's channel on the network Asterisk."""

    uniqueid: str
    network_uniqueid: str

    @property
    def caller_leg(self) -> str:
        return self.uniqueid


class SandboxPhones:
    """Needs ``network``, ``events``, ``action``, ``_expect_success`` and ``_unregistered`` of ``PbxSandbox``."""

    async def originate(self, dialed: str, caller_id: str, *, talk: float = 10, dtmf: str = "",
                        timeout: float = 60, leaky_keys: bool = False) -> OriginatedCall:
        """A caller on the public network dials ``dialed`` through the trunk (real SIP, RTP, RFC 4733 DTMF);
        returns once the hotline PBX has the inbound channel.

        The caller talks ``talk`` seconds after being answered, sending ``dtmf`` first ("w" = 0.5 s pause);
        unanswered, it gives up after ``timeout`` seconds. ``leaky_keys``: each key also sounds in-band (its two
        tones) before its RFC 4733 event, as many phones and gateways leak them.
        """
        network_uniqueid, token = f"net-{uuid.uuid4().hex[:12]}", f"sbx-{uuid.uuid4().hex[:12]}"
        variables = [f"CALLER_TALK={talk:g}"] + ([f"CALLER_DTMF={dtmf}"] if dtmf else [])
        variables += ["CALLER_DTMF_LEAK=yes"] if leaky_keys else []
        async with self.events() as log:
            # the caller-ID name carries a token: the hotline side's Newchannel shows it, so the test learns
            # that PBX's unique id for the call (each Asterisk names its own channels)
            reply = await self.network.action(
                Action="Originate", Channel=f"PJSIP/{dialed}@{PEER_ENDPOINT}", Context=NETWORK_CALLERS,
                Exten="s", Priority="1", CallerID=f'"{token}" <{caller_id}>', Variable=variables, Async="true",
                Timeout=str(int(timeout * 1000)), ChannelId=network_uniqueid,
            )
            if reply.get("Response") != "Success":
                raise RuntimeError(f"Originate refused: {reply}")
            arrived = await log.wait_for("Newchannel", CallerIDName=token, timeout=15)
        return OriginatedCall(arrived["Uniqueid"], network_uniqueid)

    async def set_public_phone(self, number: str, behaviour: str) -> None:
        """How the public number ``number`` (a fallback number, a callback client) answers through the trunk:
        answers (the default), busy (486), never or failed (503)."""
        await self.network._expect_success(Action="DBPut", Family=NETWORK_PHONES_FAMILY, Key=number.lstrip("+"),
                                           Val=behaviour)

    async def set_public_phones(self, *, talk: float | None = None, ring: float | None = None) -> None:
        """Every public phone rings ``ring`` seconds (default 1) and, answered, talks ``talk`` seconds (default
        5) before it hangs up."""
        for key, value in (("talk", talk), ("ring", ring)):
            if value is not None:
                await self.network._expect_success(Action="DBPut", Family=NETWORK_FAMILY, Key=key, Val=f"{value:g}")

    async def set_agent(self, ext: str, *, answer_after: float | str = 2, talk: float = 5,
                        unreachable: bool = False) -> None:
        """How agent ``ext``'s desk phone behaves (hotline/pbx/desk_phones.py): seconds before answering (or
        "never") and seconds of talk; ``unreachable``: the phone is not registered (dialling it ends in
        CHANUNAVAIL). Other extensions have no phone: dialled, they are CHANUNAVAIL already."""
        if ext not in desk_phones.EXTENSIONS:
            raise ValueError(f"extension {ext} has no desk phone in the sandbox (those are {desk_phones.EXTENSIONS})")
        for key, value in ((dialplan.ASTDB_ANSWER_AFTER, answer_after), (dialplan.ASTDB_TALK, talk)):
            text = value if isinstance(value, str) else f"{value:g}"
            await self.network._expect_success(Action="DBPut", Family=f"{dialplan.ASTDB_AGENT_FAMILY}/{ext}",
                                               Key=key, Val=text)
        if unreachable and ext not in self._unregistered:
            await self.network._expect_success(Action="PJSIPUnregister", Registration=desk_phones.endpoint(ext))
            self._unregistered.add(ext)
            await self.wait_device(desk_phones.endpoint(ext), "UNAVAILABLE")
        elif not unreachable and ext in self._unregistered:
            await self._register_again(ext)

    async def _register_again(self, ext: str) -> None:
        await self.network._expect_success(Action="PJSIPRegister", Registration=desk_phones.endpoint(ext))
        self._unregistered.discard(ext)
        # PJSIPRegister schedules the REGISTER 1-10 s later (res_pjsip_outbound_registration spreads registrations
        # with a random delay), then the digest challenge adds a round trip: wait well past those 10 s
        await self.wait_device(desk_phones.endpoint(ext), "NOT_INUSE", timeout=REREGISTER_SECONDS)

    async def wait_desk_phones(self, timeout: float = 30.0) -> None:
        """Until every desk phone is registered (after a start: the network registers them within a second)."""
        for ext in desk_phones.EXTENSIONS:
            await self.wait_device(desk_phones.endpoint(ext), "NOT_INUSE", timeout)

    async def device_state(self, endpoint: str) -> str:
        reply = await self.action(Action="Getvar", Variable=f"DEVICE_STATE(PJSIP/{endpoint})")
        return reply.get("Value", "")

    async def wait_device(self, endpoint: str, state: str, timeout: float = 10.0) -> None:
        seen = ""
        try:
            async with asyncio.timeout(timeout):
                while (seen := await self.device_state(endpoint)) != state:
                    await asyncio.sleep(0.1)   # device state is polled: no event for a Getvar
        except TimeoutError:
            raise TimeoutError(f"PJSIP/{endpoint} still {seen or 'unknown'} after {timeout:g} s, not {state}") from None

    async def reset_network(self) -> None:
        """(On the network instance) every call hung up, every phone back to answering."""
        if await self.live_channels():
            await self.action(Action="Hangup", Channel="/.*/")
        await self.action(Action="DBDelTree", Family=NETWORK_FAMILY)

