"""The catalogue on the sandbox PBX: a recorded caller hangs up while waiting in the queue - the three files are
finalised with the recording's real length; one of them deleted behind the catalogue's back is ``missing``, and the
API says so."""
from __future__ import annotations

import math

import pytest

from core.policy import load_profile
from tests.recording.recorded_calls import catalogue_of, keep_finalised, recorded_span, wait_finalised
from tests.service_fixture import running_service

pytestmark = pytest.mark.pbx

CALLER = "+37060000094"  # made up
QUEUED_SECONDS = 6.0     # the caller waits this long in the queue, then hangs up


async def test_a_caller_hanging_up_mid_recording_is_finalised_and_a_deleted_file_shows_missing(pbx, tmp_path):
    profile = load_profile(pbx.settings.profile)
    await pbx.set_all_agents(answer_after=30)   # nobody answers before the caller gives up
    async with running_service(pbx, tmp_path, ivr=True) as running:
        finalised = keep_finalised(running)
        seconds = running.service.ivr.prompts.seconds
        before_menu = seconds["greeting"] + seconds["consent"] + 1.0
        talk = before_menu + seconds["menu"] + QUEUED_SECONDS   # from the answer: the IVR, then the queue
        placed = await pbx.originate(profile.public_number, CALLER, dtmf="w" * math.ceil(before_menu / 0.5) + "1",
                                     talk=talk)
        await wait_finalised(finalised, 3, timeout=talk + 40)
        call = await running.wait_call(placed.uniqueid, lambda c: c["state"] == "ended")
        entries = await catalogue_of(running, call)

        (pbx.paths.recordings_dir / f"hotline-{placed.uniqueid}-caller.wav").unlink()
        status, caller_leg = await running.get(f"/api/recordings/{entries['caller']['id']}")

    assert set(entries) == {"mix", "caller", "agent"} and call["ended_cause"] == "abandoned"
    for entry in entries.values():
        assert entry["state"] == "ready", entry
        assert abs(entry["duration_seconds"] - recorded_span(call, entry)) <= 1.0, (entry, call["ended_at"])
    assert status == 200 and caller_leg["state"] == "missing"
    assert caller_leg["error"] == "the file is no longer in the store"
    assert [(h["before"], h["after"], h["actor"]) for h in caller_leg["history"]][-1] == ("ready", "missing", "check")
