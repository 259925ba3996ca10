"""Personal-code digits never recorded (issue 12 item 5), on the real sandbox Asterisk with the whole service: a
job seeker whose phone leaks its keys into the audio (each key's tones in-band, then RFC 4733) keys in the last
digits of their personal code; the digits reach the service, and no recording of the call holds their tones."""
from __future__ import annotations

import math

import pytest

from core.events import RecordingStarted
from core.policy import load_profile
from core.ports import PbxActionRefused
from tests.service_fixture import running_service
from tests.sip.audio import dtmf_tones

pytestmark = pytest.mark.pbx

CALLER = "+37060000071"   # made up
DIGITS = "4829"           # made up: the last digits of a personal code


def pause(seconds: float) -> str:
    return "w" * math.ceil(seconds / 0.5)


def queued(call: dict) -> bool:
    return any(s["step"] == "queued" for s in call["ivr"])


async def test_a_pre_verified_callers_digits_reach_the_service_and_no_recording_holds_their_tones(pbx, tmp_path):
    profile = load_profile(pbx.settings.profile)
    menu_key = next(queue.dtmf for queue in profile.queues if queue.needs_personal_data)
    assert menu_key not in DIGITS    # the menu key is keyed before the mute: the recording may hold it
    async with running_service(pbx, tmp_path, ivr=True) as running:
        seconds = running.service.ivr.prompts.seconds
        started: list[RecordingStarted] = []

        async def keep(event: RecordingStarted) -> None:
            started.append(event)

        running.service.bus.subscribe("test_recordings", keep, RecordingStarted)
        # the menu key 1 s into the menu; the digits 2 s into the pre-verification prompt; gone 3 s later
        dtmf = pause(seconds["greeting"] + seconds["consent"] + 1.0) + menu_key + pause(2.0) + "w".join(DIGITS)
        placed = await pbx.originate(profile.public_number, CALLER, dtmf=dtmf, talk=3, leaky_keys=True)
        call = await running.wait_call(placed.uniqueid, queued, timeout=60)
        digits = running.service.ivr.preverifications.take(placed.uniqueid)
        await running.wait_call(placed.uniqueid, lambda c: c["state"] == "ended")
        # a channel the PBX records nothing on: refused, which the IVR takes as "not muted"
        with pytest.raises(PbxActionRefused):
            await running.service.telephony.recordings.set_muted("PJSIP/nobody-00000000", True)

    assert digits == DIGITS
    assert ("preverify", "provided") in [(s["step"], s["outcome"]) for s in call["ivr"]]
    [recording] = [r for r in started if r.call_id == placed.uniqueid]
    files = {name: pbx.paths.recordings_dir / name
             for name in (recording.path, recording.caller_leg, recording.agent_leg)}
    tones = {name: [key for _, key in dtmf_tones(path)] for name, path in files.items()}
    # the caller's leg holds the menu key, keyed before the mute: the leak reaches the recording, the detector
    # hears it; of the personal code no file holds a single tone
    assert menu_key in tones[recording.caller_leg], tones
    assert all(not set(keys) & set(DIGITS) for keys in tones.values()), tones
