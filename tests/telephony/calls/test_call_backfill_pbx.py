"""Calls made while hotline was down leave a trace (REQUIREMENTS §5): on the real sandbox PBX, hotline is stopped,
a caller rings the public number, waits in the queue and gives up; when hotline starts again the call is in its
history, from the PBX's own call records, and the caller is owed a `missed` callback, once."""
from __future__ import annotations

import asyncio

import pytest

from tests.service_fixture import running_service, until

pytestmark = pytest.mark.pbx

BEFORE, WHILE_DOWN = "+37060000101", "+37060000102"   # made up


async def test_a_call_that_came_and_went_while_hotline_was_down_is_backfilled_and_owed_once(pbx, tmp_path):
    await pbx.set_all_agents(answer_after=0.5, talk=1)
    async with running_service(pbx, tmp_path) as first:   # hotline knows some history
        known = await pbx.originate(first.service.profile.public_number, BEFORE, talk=3)
        await first.wait_call(known.uniqueid, lambda call: call["state"] == "ended")
        public = first.service.profile.public_number

    await pbx.set_all_agents(answer_after="never")   # hotline is down: nobody answers, the caller gives up
    async with pbx.events() as log:
        missed = await pbx.originate(public, WHILE_DOWN, talk=6, timeout=8)   # rings 8 s, gives up
        await log.wait_for("QueueCallerJoin", Linkedid=missed.uniqueid)
        await log.wait_for("Hangup", Uniqueid=missed.uniqueid, timeout=30)
    await asyncio.sleep(1)   # the PBX writes its record when the call's last channel is gone

    for _ in range(2):   # a second start finds nothing new: no call and no callback twice
        async with running_service(pbx, tmp_path) as again:
            call = await again.wait_call(missed.uniqueid, lambda call: call["state"] == "ended", timeout=30)

            async def owed() -> list[dict]:
                _, tasks = await again.get("/api/callbacks")
                return [task for task in tasks if task["number"] == WHILE_DOWN]

            await until(lambda: _nonempty(owed()), timeout=20)
            [task] = await owed()
            assert (task["reasons"], task["call_id"], task["queue"]) == (["missed"], missed.uniqueid,
                                                                        call["queue"])
            assert (call["caller"], call["ended_cause"], call["queue"]) == (WHILE_DOWN, "unanswered",
                                                                             "general_info")
            assert "backfilled" in call["states"][-1]["detail"]
            await asyncio.sleep(1)   # anything a second backfill would add would have come by now


async def _nonempty(awaitable) -> bool:
    return bool(await awaitable)
