"""Real SIP calls end to end: a caller dials in through the trunk with RTP speech and RFC 4733 keys, the IVR
routes them, a registered softphone answers, and the recording's legs hold each party's own speech."""
from __future__ import annotations

import asyncio
import math
import time

import pytest

from core.events import RecordingStarted
from core.policy import load_profile
from hotline.pbx.softphone import Behaviour
from tests.service_fixture import running_service
from tests.sip.audio import voiced_between, voiced_segments
from tests.sip.directory import employees
from tests.sip_network import (AGENT_LEAD_SECONDS, REAL_PHONES, agent_phrase_seconds, caller_phrase_seconds)

pytestmark = [pytest.mark.pbx, pytest.mark.sip]

CALLER = "+37060000091"  # made up
TOLERANCE = 0.8          # MixMonitor joins leg files frame by frame: offsets drift a few hundred ms


async def test_a_caller_presses_a_key_a_registered_agent_answers_and_each_leg_holds_its_partys_speech(
        pbx, sip_network, sip_phones, tmp_path):
    profile = load_profile(pbx.settings.profile)
    async with running_service(pbx, tmp_path, ivr=True, **REAL_PHONES) as running:
        await employees(running, "101")
        phones = await sip_phones.register(running.service, {"101": Behaviour(answer_after=1.0)})
        started: list[tuple[float, RecordingStarted]] = []

        async def keep(event: RecordingStarted) -> None:
            started.append((time.monotonic(), event))

        running.service.bus.subscribe("test_recordings", keep, RecordingStarted)
        seconds = running.service.ivr.prompts.seconds
        before_menu = seconds["greeting"] + seconds["consent"] + 1.0
        caller = await sip_network.call(profile.public_number, CALLER,
                                        dtmf="w" * math.ceil(before_menu / 0.5) + "1", talk=60)

        answered_at = await phones["101"].wait_event("CALL_ESTABLISHED", timeout=60)
        await sip_network.speak(caller)
        await asyncio.sleep(AGENT_LEAD_SECONDS + agent_phrase_seconds(pbx.settings) + 1.5)
        await sip_network.box.action(Action="Hangup", Channel=await sip_network.channel(caller))

        [(recording_at, recording)] = started
        call = await running.wait_call(recording.call_id, lambda c: c["state"] == "ended")
        async with running.http.get("/metrics") as response:
            metrics = await response.text()

    menu_queue = next(queue.name for queue in profile.queues if queue.dtmf == "1")
    assert call["caller"] == CALLER and call["queue"] == menu_queue
    states = [s["state"] for s in call["states"]]
    assert states[0] == "offered" and "answered" in states and states[-1] == "ended"
    [ring] = [r for r in call["rings"] if r["answered"]]
    assert ring["extension"] == "101" and ring["within_sla"]
    stored = next(line for line in metrics.splitlines() if line.startswith("hotline_call_store_lag_seconds_count"))
    assert float(stored.split()[1]) >= len(states)      # every stored state was measured from its AMI event

    answer = answered_at - recording_at            # where the agent's answer falls in the recording
    caller_leg = voiced_segments(pbx.paths.recordings_dir / recording.caller_leg)
    agent_leg = voiced_segments(pbx.paths.recordings_dir / recording.agent_leg)
    caller_says, agent_says = caller_phrase_seconds(pbx.settings), agent_phrase_seconds(pbx.settings)
    agent_from = answer + AGENT_LEAD_SECONDS
    # the caller's leg: the caller's phrase after the answer, and nothing else (no prompts, no agent)
    assert caller_leg and caller_leg[0][0] >= answer - TOLERANCE, caller_leg
    assert abs(voiced_between(caller_leg, 0, 1e9) - caller_says) < 1.0, (caller_leg, caller_says)
    assert voiced_between(caller_leg, agent_from + TOLERANCE, agent_from + agent_says - TOLERANCE) == 0
    # the agent's leg: the agent's phrase where they said it, and silence while the caller spoke
    assert voiced_between(agent_leg, agent_from - TOLERANCE, agent_from + agent_says + TOLERANCE) > agent_says - 1.0
    caller_from, caller_to = caller_leg[0][0], caller_leg[-1][1]
    assert voiced_between(agent_leg, caller_from + TOLERANCE, caller_to - TOLERANCE) == 0, (agent_leg, caller_leg)
