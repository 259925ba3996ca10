"""The analysis on a real SIP call: a caller through the trunk says its phrase, the registered softphone answering
says the agent's; after the hang-up the catalogue holds the three files, the queue has analysed the call's legs in
the service's worker processes from the agent's answer on, and each party's stored talk time is its phrase's speech,
measured from the source audio the sandbox plays, within 10 %."""
from __future__ import annotations

import datetime as dt

import pytest

from core.policy import load_profile
from hotline.pbx.network import speech_cache
from hotline.pbx.speech import PHRASES, phrase_wav
from recording.analysis.audio import read_leg
from recording.analysis.synthetic import labels
from tests.recording.recorded_calls import catalogue_of
from tests.service_fixture import running_service, until
from tests.sip.talk_call import talk_call
from tests.sip_network import REAL_PHONES

pytestmark = [pytest.mark.pbx, pytest.mark.sip]

CALLER = "+37060000092"  # made up


def speech_seconds(settings, party: str) -> float:
    """The labelled speech of the phrase ``party`` says (the file the sandbox plays, before the line)."""
    voice = load_profile(settings.profile).language
    pcm = read_leg(phrase_wav(speech_cache(settings), voice, PHRASES[voice][party])).pcm
    return sum(end - start for start, end in labels(pcm))


async def test_a_sip_calls_legs_are_analysed_with_each_partys_talk_time(pbx, sip_network, sip_phones, tmp_path):
    async with running_service(pbx, tmp_path, ivr=True, **REAL_PHONES) as running:
        call = await talk_call(running, pbx, sip_network, sip_phones, CALLER)
        entries = await catalogue_of(running, call)

        async def analysed() -> bool:
            status, body = await running.get(f"/api/recordings/{entries['caller']['id']}")
            return body["analysis"] is not None and body["analysis"]["state"] not in ("queued", "running")
        await until(analysed, 60)
        entries = await catalogue_of(running, call)
        async with running.http.get(f"/api/recordings/{entries['agent']['id']}/timeline.png") as response:
            timeline = response.status, response.content_type, await response.read()

    assert set(entries) == {"mix", "caller", "agent"}
    assert timeline[:2] == (200, "image/png") and timeline[2].startswith(b"\x89PNG")
    analysis = entries["caller"]["analysis"]
    assert analysis["state"] == "done" and entries["mix"]["analysis"] == analysis, analysis
    result = analysis["result"]
    # the analysis covers the conversation, from the agent's answer (before it the agent's leg holds the IVR's
    # prompts): each party's talk is their phrase
    answered = dt.datetime.fromisoformat(call["rings"][0]["ended_at"])
    assert dt.datetime.fromisoformat(entries["agent"]["answered_at"]) == answered
    assert result["caller_talk_seconds"] == pytest.approx(speech_seconds(pbx.settings, "caller"), rel=0.10), result
    assert result["agent_talk_seconds"] == pytest.approx(speech_seconds(pbx.settings, "agent"), rel=0.10), result
    assert result["long_monologue"] is False and result["caller_detector"] == "webrtcvad"
