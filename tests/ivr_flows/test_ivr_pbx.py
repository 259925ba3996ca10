"""The 1883 IVR on the real sandbox Asterisk, the whole service running: menu keys pick the queue and topic,
garbage and silence end in the default queue, a fault still queues the caller within 5 s, and recording starts
only after the consent announcement played to its end.

Calls run side by side so the file stays short: the LT prompts are real (greeting 3 s, consent 5.3 s, menu 11 s),
and the simulated caller sends its keys (``SANDBOX_DTMF``, ``w`` = 0.5 s) timed from those lengths.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import math
import wave
from collections.abc import AsyncIterator

import pytest

from core.events import IvrStep, IvrStepRecorded, RecordingStarted
from core.policy import load_profile
from tests.service_fixture import RunningService, running_service

pytestmark = pytest.mark.pbx

CALLER = "+37060000055"  # made up
FALLBACK_BOUND = 5.0


@pytest.fixture
async def ivr_service(pbx, tmp_path) -> AsyncIterator[RunningService]:
    async with running_service(pbx, tmp_path, ivr=True) as running:
        yield running


def pause(seconds: float) -> str:
    return "w" * math.ceil(seconds / 0.5)


def steps(call: dict) -> list[tuple[str, str, str]]:
    return [(s["step"], s["choice"], s["outcome"]) for s in call["ivr"]]


def wav_seconds(path) -> float:
    with wave.open(str(path)) as audio:
        return audio.getnframes() / audio.getframerate()


def queued(call: dict) -> bool:
    return any(s["step"] == "queued" for s in call["ivr"])


async def test_keys_silence_garbage_and_consent(pbx, ivr_service):
    profile = load_profile(pbx.settings.profile)
    seconds = ivr_service.service.ivr.prompts.seconds
    before_menu = seconds["greeting"] + seconds["consent"] + 1.0    # 1 s into the menu prompt
    recordings: list[RecordingStarted] = []

    async def keep(event):
        recordings.append(event)

    ivr_service.service.bus.subscribe("test_recordings", keep, RecordingStarted)
    await pbx.set_all_agents(answer_after=1, talk=2)
    async with pbx.events() as log:
        key_2, garbage, silent, hangs_up = await asyncio.gather(
            pbx.originate(profile.public_number, CALLER, talk=30, dtmf=pause(before_menu) + "2"),
            # a key no queue has, then another one in the second round
            pbx.originate(profile.public_number, CALLER, talk=50,
                          dtmf=pause(before_menu) + "9" + pause(seconds["invalid_choice"] + 2.0) + "7"),
            pbx.originate(profile.public_number, CALLER, talk=60),
            # gone 1 s into the 5.3 s consent announcement
            pbx.originate(profile.public_number, CALLER, talk=seconds["greeting"] + 1.0),
        )
        joins = await asyncio.gather(*(log.wait_for("QueueCallerJoin", timeout=60, Linkedid=c.uniqueid)
                                       for c in (key_2, garbage, silent)))
        await log.wait_for("Hangup", timeout=20, Uniqueid=hangs_up.uniqueid)
    assert [join["Queue"] for join in joins] == ["employers", profile.default_queue, profile.default_queue]

    call = await ivr_service.wait_call(key_2.uniqueid, queued)
    assert call["topic"] == "employer"
    assert steps(call) == [("entered", "", ""), ("greeting", "", ""), ("consent", "", ""),
                           ("menu", "2", "employers"), ("queued", "", "employers")]
    call = await ivr_service.wait_call(garbage.uniqueid, queued)
    assert steps(call)[3:] == [("menu", "9", "invalid"), ("menu", "7", "invalid"),
                               ("queued", "", profile.default_queue)]
    assert call["topic"] == "general"
    call = await ivr_service.wait_call(silent.uniqueid, queued)
    assert steps(call)[3:] == [("menu", "", "no_choice"), ("menu", "", "no_choice"),
                               ("queued", "", profile.default_queue)]

    # the caller who stayed: recorded (mix and both legs) from the end of the consent announcement on
    call = await ivr_service.wait_call(key_2.uniqueid, queued)
    consent_ended = dt.datetime.fromisoformat(next(s["at"] for s in call["ivr"] if s["step"] == "consent"))
    [started] = [r for r in recordings if r.call_id == key_2.uniqueid]
    assert started.at >= consent_ended
    monitor = pbx.paths.recordings_dir
    files = [monitor / name for name in (started.path, started.caller_leg, started.agent_leg)]
    assert all(path.is_file() for path in files), sorted(p.name for p in monitor.iterdir())
    # nothing before the end of the announcement is in the mix: it is no longer than the rest of the call
    call = await ivr_service.wait_call(key_2.uniqueid, lambda c: c["state"] == "ended")
    after_consent = (dt.datetime.fromisoformat(call["ended_at"]) - consent_ended).total_seconds()
    recorded = wav_seconds(files[0])
    assert 1.0 < recorded <= after_consent + 0.5, (recorded, after_consent)

    # the caller who left during the announcement: never recorded
    await ivr_service.service.bus.drain()
    call = await ivr_service.wait_call(hangs_up.uniqueid, lambda c: c["state"] == "ended")
    assert steps(call) == [("entered", "", ""), ("greeting", "", "")]
    assert not [r for r in recordings if r.call_id == hangs_up.uniqueid]
    assert not list(monitor.glob(f"*{hangs_up.uniqueid}*"))
    assert ivr_service.service.ivr.server.stats.fallbacks == {}


@pytest.mark.parametrize("fault", ["raises", "hangs"])
async def test_a_fault_in_the_flow_still_queues_the_caller_within_5_s(pbx, ivr_service, fault):
    profile = load_profile(pbx.settings.profile)
    flow = ivr_service.service.ivr.flow
    publish = flow.publish
    reached = asyncio.Event()

    async def faulty(event):
        await publish(event)
        if isinstance(event, IvrStepRecorded) and event.step == IvrStep.GREETING:   # mid-call, after a prompt
            reached.set()
            if fault == "raises":
                raise RuntimeError("injected fault")
            await asyncio.Event().wait()

    flow.publish = faulty
    await pbx.set_all_agents(answer_after=1, talk=1)
    async with pbx.events() as log:
        call = await pbx.originate(profile.public_number, CALLER, talk=8)
        await reached.wait()
        async with asyncio.timeout(FALLBACK_BOUND):
            fallback = await log.wait_for("VarSet", Linkedid=call.uniqueid, Variable="HOTLINE_FALLBACK")
            join = await log.wait_for("QueueCallerJoin", Linkedid=call.uniqueid)
    assert join["Queue"] == profile.default_queue
    assert fallback["Value"] == ("error" if fault == "raises" else "timeout")
