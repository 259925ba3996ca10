"""The recordings catalogue on a real SIP call: a caller through the trunk, the IVR's consent announcement, a
registered softphone answering, both parties speaking: one entry per file (mix, caller's leg, agent's leg), each
ready with the call's recorded span as its duration, its checksum and format, linked to the call's agent, queue,
topic and consent step, and listed in the call's ``recording_ids``."""
from __future__ import annotations

import hashlib

import pytest

from core.policy import load_profile
from tests.recording.recorded_calls import catalogue_of, recorded_span
from tests.service_fixture import running_service
from tests.sip.audio import voiced_between, voiced_segments
from tests.sip.talk_call import talk_call
from tests.sip_network import REAL_PHONES

pytestmark = [pytest.mark.pbx, pytest.mark.sip]

CALLER = "+37060000093"  # made up


async def test_a_call_with_speech_on_both_legs_is_catalogued_as_three_ready_files_of_its_length(
        pbx, sip_network, sip_phones, tmp_path):
    profile = load_profile(pbx.settings.profile)
    async with running_service(pbx, tmp_path, ivr=True, **REAL_PHONES) as running:
        call = await talk_call(running, pbx, sip_network, sip_phones, CALLER)
        call_id = call["id"]
        entries = await catalogue_of(running, call)

    menu_queue = next(queue for queue in profile.queues if queue.dtmf == "1")
    assert len(call["recording_ids"]) == 3 and set(entries) == {"mix", "caller", "agent"}
    for kind, entry in entries.items():
        path = pbx.paths.recordings_dir / f"hotline-{call_id}{'' if kind == 'mix' else '-' + kind}.wav"
        assert entry["state"] == "ready" and entry["error"] is None, entry
        assert abs(entry["duration_seconds"] - recorded_span(call, entry)) <= 1.0, (kind, entry, call["ended_at"])
        assert entry["size"] == path.stat().st_size
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert (entry["file_format"], entry["codec"], entry["channels"], entry["sample_width"]) == (
            "wav", "pcm_s16le", 1, 2)
        assert (entry["agent_extension"], entry["queue"], entry["topic"], entry["consent"]) == (
            "101", menu_queue.name, menu_queue.topic, "played")
        assert [(h["before"], h["after"]) for h in entry["history"]] == [(None, "recording"), ("recording", "ready")]
    # speech on both legs: each party's own file holds their voice
    caller_leg = voiced_segments(pbx.paths.recordings_dir / f"hotline-{call_id}-caller.wav")
    agent_leg = voiced_segments(pbx.paths.recordings_dir / f"hotline-{call_id}-agent.wav")
    assert voiced_between(caller_leg, 0, 1e9) > 1.0 and voiced_between(agent_leg, 0, 1e9) > 1.0
