"""Calls cut by an outage are owed a callback (REQUIREMENTS §5): a PBX restart on the real sandbox with one caller
in conversation and one waiting in the queue leaves a ``dropped`` and a ``missed`` task, once each."""
from __future__ import annotations

import pytest

from tests.service_fixture import until

pytestmark = pytest.mark.pbx

TALKING, WAITING = "+37060000096", "+37060000097"   # made up


async def test_a_pbx_restart_owes_the_talking_caller_a_dropped_and_the_waiting_one_a_missed_callback(
        pbx, hotline_service):
    service = hotline_service.service
    await pbx.set_all_agents(answer_after="never")
    await pbx.set_agent("101", answer_after=0.5, talk=120)   # one agent takes the first call and keeps talking
    async with pbx.events() as log:
        talking = await pbx.originate(service.profile.public_number, TALKING, talk=120)
        await log.wait_for("AgentConnect", Linkedid=talking.uniqueid, timeout=30)
        waiting = await pbx.originate(service.profile.public_number, WAITING, talk=120)
        await log.wait_for("QueueCallerJoin", Linkedid=waiting.uniqueid)
    await hotline_service.wait_call(waiting.uniqueid, lambda call: call["state"] in ("queued", "ringing"))

    await pbx.acli("core restart now")

    for placed in (talking, waiting):
        lost = await hotline_service.wait_call(placed.uniqueid, lambda call: call["state"] == "ended", timeout=60)
        assert lost["ended_cause"] == "lost_during_outage"

    async def owed() -> dict[str, list[dict]]:
        _, tasks = await hotline_service.get("/api/callbacks")
        return {number: [t for t in tasks if t["number"] == number] for number in (TALKING, WAITING)}

    async def both_owed() -> bool:
        return all((await owed()).values())

    await until(both_owed, timeout=30)
    tasks = await owed()
    assert [(t["reasons"], t["call_id"]) for t in tasks[TALKING]] == [(["dropped"], talking.uniqueid)]
    assert [(t["reasons"], t["call_id"]) for t in tasks[WAITING]] == [(["missed"], waiting.uniqueid)]
    await pbx.wait_ready()
