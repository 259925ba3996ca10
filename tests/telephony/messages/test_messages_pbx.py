"""Employee unavailable on the real sandbox PBX (LT-2021 §12.18): a direct line nobody answers → the caller keys 1
and leaves a message → the voice file exists, the employee's socket gets ``message``, a callback task exists."""
from __future__ import annotations

from pathlib import PurePosixPath

import aiohttp
import pytest

from core.db import make_sessionmaker
from hotline.auth.service import create_user
from tests.service_fixture import running_service

pytestmark = pytest.mark.pbx

CALLER = "+37060000077"   # made up
EMPLOYEE = "150"          # a direct line that is no queue's agent, so queue tests elsewhere never ring it


async def test_unanswered_direct_line_takes_a_message_pushes_it_and_asks_for_a_callback(pbx, tmp_path):
    await pbx.set_agent(EMPLOYEE, answer_after="never")
    async with running_service(pbx, tmp_path, ivr=True) as running:
        service = running.service
        async with make_sessionmaker(service.engine)() as session:
            _, token = await create_user(session, f"agent-{EMPLOYEE}", "agent", extension=EMPLOYEE)
            await session.commit()
        async with aiohttp.ClientSession() as http:
            socket = await http.ws_connect(f"{service.base_url}/ws?token={token}")
            assert (await socket.receive_json(timeout=10))["type"] == "hello"

            # the line rings the profile's 8 s; then the caller keys 1 during "cannot answer", speaks, hangs up
            placed = await pbx.originate(EMPLOYEE, CALLER, dtmf="ww1", talk=6, timeout=60)

            seen = []   # the ringing line pops the call on the employee's screen first
            while (pushed := await socket.receive_json(timeout=50))["type"] != "message":
                seen.append(pushed["type"])
            assert set(seen) <= {"screen_pop", "screen_pop_history"}
            assert (pushed["extension"], pushed["caller"]) == (EMPLOYEE, CALLER)
            assert pushed["has_audio"] is True and pushed["call_id"] == placed.uniqueid
            await socket.close()

        [message] = await service.telephony.messages.list(extension=EMPLOYEE)
        assert message.id == pushed["message_id"] and message.caller == CALLER
        assert pbx.paths.host(PurePosixPath(message.audio_path)).is_file()   # the PBX recorded the voice

        status, tasks = await running.get("/api/callbacks?reason=message")
        assert status == 200
        [task] = [t for t in tasks if t["id"] == pushed["callback_id"]]
        assert (task["number"], task["state"], task["extension"], task["reasons"]) == (
            CALLER, "pending", EMPLOYEE, ["message"])
        _, messages = await running.get("/api/messages")
        assert [m["id"] for m in messages] == [message.id]
