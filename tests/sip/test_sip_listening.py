"""A data subject listens to their own real SIP call (GDPR-LT §14, §24.1): a caller through the trunk speaks, a
registered softphone's agent answers and speaks; the DPO opens a listen-only session with one segment to bleep.
Measured on the streamed samples: where the agent spoke the stream is silent (the mix is not), the caller's speech
is there, the segment is a 1 kHz tone; no route gives the file (LT: no copy), and the link expires (410)."""
from __future__ import annotations

import asyncio
import datetime as dt
import math
import wave

import aiohttp
import pytest
from sqlalchemy import update

from core.clock import utcnow
from core.db import make_sessionmaker
from core.policy import load_profile
from hotline.auth.service import create_user
from hotline.pbx.softphone import Behaviour
from recording.listening import BLEEP_HZ, ListenSessionRow
from tests.recording.listening.test_listening_redaction import share_at
from tests.recording.recorded_calls import keep_finalised, wait_finalised
from tests.service_fixture import running_service
from tests.sip.audio import voiced_between, voiced_segments
from tests.sip.directory import employees
from tests.sip_network import AGENT_LEAD_SECONDS, REAL_PHONES, agent_phrase_seconds

pytestmark = [pytest.mark.pbx, pytest.mark.sip]

CALLER = "+37060000094"  # made up


async def test_the_subjects_stream_of_a_real_call_has_the_agent_silent_the_caller_speaking_and_the_bleep(
        pbx, sip_network, sip_phones, tmp_path):
    profile = load_profile(pbx.settings.profile)
    async with running_service(pbx, tmp_path, ivr=True, **REAL_PHONES) as running:
        await employees(running, "101")
        phones = await sip_phones.register(running.service, {"101": Behaviour(answer_after=1.0)})
        finalised = keep_finalised(running)
        seconds = running.service.ivr.prompts.seconds
        before_menu = seconds["greeting"] + seconds["consent"] + 1.0
        caller = await sip_network.call(profile.public_number, CALLER,
                                        dtmf="w" * math.ceil(before_menu / 0.5) + "1", talk=60)
        await phones["101"].wait_event("CALL_ESTABLISHED", timeout=60)
        await sip_network.speak(caller)
        await asyncio.sleep(AGENT_LEAD_SECONDS + agent_phrase_seconds(pbx.settings) + 1.5)
        await sip_network.box.action(Action="Hangup", Channel=await sip_network.channel(caller))
        await wait_finalised(finalised, 3)
        ids = {event.kind: event.recording_id for event in finalised}
        legs = {event.kind: pbx.paths.recordings_dir / event.key for event in finalised}
        async with make_sessionmaker(running.service.engine)() as session:
            _, dpo = await create_user(session, "dpo-1", "dpo")
            await session.commit()
        caller_speech = voiced_segments(legs["caller"])
        start = caller_speech[0][0]
        bleep = (start + 0.2, start + 0.8)   # inside the caller's first phrase
        async with aiohttp.ClientSession(base_url=running.service.base_url) as http:
            async with http.post("/api/listen-sessions", headers={"Authorization": f"Bearer {dpo}"},
                                 json={"recording_ids": [ids["mix"]], "bleeps": [list(bleep)]}) as response:
                made = await response.json()
                assert response.status == 201, made
            async with http.get(made["link"]) as page:
                assert page.status == 200 and made["audio"] in await page.text()
            async with http.get(made["audio"]) as streamed:
                assert streamed.status == 200 and streamed.headers["Content-Disposition"].startswith("inline")
                (tmp_path / "streamed.wav").write_bytes(await streamed.read())
            token = made["link"].removeprefix("/listen/")
            refusals = [await _status(http, "GET", made["audio"] + "?download=1"),
                        await _status(http, "GET", f"/api/listen-sessions/{made['id']}/copy", dpo),
                        await _status(http, "GET", f"/api/recordings/{ids['caller']}/audio", token),
                        await _status(http, "GET", f"/api/recordings/{ids['caller']}/audio?download=1", dpo)]
            async with running.service.engine.begin() as conn:
                await conn.execute(update(ListenSessionRow).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
            expired = await _status(http, "GET", made["audio"])

    stream = voiced_segments(tmp_path / "streamed.wav")
    agent_speech = voiced_segments(legs["agent"])
    mix_speech = voiced_segments(legs["mix"])
    late = [(a, b) for a, b in agent_speech if a > bleep[1] + 1.0 and b - a > 0.5]   # the agent's phrase
    assert late, agent_speech
    for a, b in late:
        assert voiced_between(mix_speech, a, b) > 0.5 * (b - a), "the agent's speech is in the mix"
        assert voiced_between(stream, a, b) < 0.2, f"the agent is audible in the stream at {a:.1f}-{b:.1f} s"
    assert voiced_between(stream, 0, 1e9) > 1.0 and voiced_between(stream, bleep[1], caller_speech[0][1]) > 0.3
    with wave.open(str(tmp_path / "streamed.wav")) as audio:
        rate = audio.getframerate()
        audio.setpos(int(bleep[0] * rate) + 1)
        tone = memoryview(audio.readframes(int((bleep[1] - bleep[0]) * rate) - 2)).cast("h")
    assert share_at(tone, BLEEP_HZ, rate) > 0.95
    assert refusals == [403, 403, 401, 403]   # the link gives no copy; LT gives none; no user's; staff get none
    assert expired == 410


async def _status(http: aiohttp.ClientSession, method: str, url: str, token: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.request(method, url, headers=headers) as response:
        return response.status
