"""One recorded SIP call with speech on both legs, as the recordings tests place it: a caller through the trunk,
the IVR's consent announcement and menu, softphone 101 answering, the caller saying its phrase, the agent theirs
(``AGENT_LEAD_SECONDS`` after answering), then the caller's hang-up; the call as the API shows it once ended."""
from __future__ import annotations

import asyncio
import math

from core.policy import load_profile
from hotline.pbx.softphone import Behaviour
from tests.recording.recorded_calls import keep_finalised, wait_finalised
from tests.service_fixture import RunningService
from tests.sip.directory import employees
from tests.sip_network import AGENT_LEAD_SECONDS, agent_phrase_seconds


async def talk_call(running: RunningService, pbx, sip_network, sip_phones, caller_number: str) -> dict:
    profile = load_profile(pbx.settings.profile)
    await employees(running, "101")
    phones = await sip_phones.register(running.service, {"101": Behaviour(answer_after=1.0)})
    finalised = keep_finalised(running)
    seconds = running.service.ivr.prompts.seconds
    before_menu = seconds["greeting"] + seconds["consent"] + 1.0
    caller = await sip_network.call(profile.public_number, caller_number,
                                    dtmf="w" * math.ceil(before_menu / 0.5) + "1", talk=60)
    await phones["101"].wait_event("CALL_ESTABLISHED", timeout=60)
    await sip_network.speak(caller)
    await asyncio.sleep(AGENT_LEAD_SECONDS + agent_phrase_seconds(pbx.settings) + 1.5)
    await sip_network.box.action(Action="Hangup", Channel=await sip_network.channel(caller))
    await wait_finalised(finalised, 3)
    return await running.wait_call(finalised[0].call_id, lambda c: c["state"] == "ended")
