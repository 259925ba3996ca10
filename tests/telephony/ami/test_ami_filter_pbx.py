"""The AMI client asks the real PBX not to send the events nothing in hotline reads: a call's dialplan steps and
device states reach the sandbox's observer, never the client; the events the call model needs still arrive."""
from __future__ import annotations

import asyncio

import pytest

from core.policy import load_profile
from telephony import AmiClient, AmiConfig

pytestmark = pytest.mark.pbx


async def test_unread_events_are_filtered_on_the_pbx_and_the_call_events_still_arrive(pbx):
    seen: list[str] = []
    client = AmiClient(AmiConfig(pbx.ami_host, pbx.ami_port, pbx.ami_username, pbx.ami_secret))
    client.on_event(lambda event: seen.append(str(event.get("Event"))))
    await client.start()
    try:
        await client.wait_connected(10)
        await pbx.set_all_agents(answer_after=0.5, talk=1)
        async with pbx.events() as log:
            call = await pbx.originate(load_profile(pbx.settings.profile).public_number, "+37060000098", talk=2)
            await log.wait_for_agent_complete(call)
            await log.wait_for("Hangup", Uniqueid=call.uniqueid)
            await asyncio.sleep(0.5)
        observed = {event.get("Event") for event in log.events}
    finally:
        await client.stop()
    unread = set(AmiConfig.__dataclass_fields__["unread_events"].default)
    assert observed & unread                         # the PBX did send some, to a session that wants them
    assert not set(seen) & unread
    assert {"Newchannel", "QueueCallerJoin", "AgentConnect", "AgentComplete", "Hangup"} <= set(seen)
