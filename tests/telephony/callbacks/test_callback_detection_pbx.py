"""Callback detection on the real sandbox PBX: a caller who gives up in the queue gets a pending callback task."""
from __future__ import annotations

import pytest

from telephony.ami.channels import extension_of
from tests.service_fixture import until

pytestmark = pytest.mark.pbx

CALLER = "+37060000088"   # made up
DROPPED_CALLER, NORMAL_CALLER, AGENT_SIDE_CALLER = "+37060000089", "+37060000090", "+37060000092"
NETWORK_OUT_OF_ORDER = 38   # Q.850 cause: a failure, not a normal clearing


async def test_a_caller_abandoning_the_queue_gets_a_pending_abandoned_task(pbx, hotline_service):
    await pbx.set_all_agents(answer_after="never")
    placed = await pbx.originate(hotline_service.service.profile.public_number, CALLER, timeout=4)

    async def task_exists() -> bool:
        status, tasks = await hotline_service.get("/api/callbacks?reason=abandoned")
        return status == 200 and any(t["number"] == CALLER for t in tasks)

    await until(task_exists, timeout=60)
    _, tasks = await hotline_service.get("/api/callbacks?reason=abandoned")
    [task] = [t for t in tasks if t["number"] == CALLER]
    assert (task["state"], task["reasons"], task["call_id"]) == ("pending", ["abandoned"], placed.uniqueid)


async def test_an_answered_call_cut_by_the_network_gets_a_dropped_task_a_normal_end_none(pbx, hotline_service):
    await pbx.set_all_agents(answer_after=0.5, talk=60)
    service = hotline_service.service
    async with pbx.events() as log:
        cut = await pbx.originate(service.profile.public_number, DROPPED_CALLER, talk=60)
        normal = await pbx.originate(service.profile.public_number, NORMAL_CALLER, talk=3)
        await log.wait_for("AgentConnect", Linkedid=cut.uniqueid)
        caller_leg = await log.wait_for("Newchannel", Uniqueid=cut.caller_leg)
        # the network side goes away mid-conversation: "network out of order" on the caller's leg
        await pbx.action(Action="Hangup", Channel=caller_leg["Channel"], Cause=str(NETWORK_OUT_OF_ORDER))
        await log.wait_for_agent_complete(normal)

    async def tasks_of(number: str) -> list[dict]:
        _, tasks = await hotline_service.get("/api/callbacks")
        return [task for task in tasks if task["number"] == number]

    await until(lambda: _nonempty(tasks_of(DROPPED_CALLER)), timeout=30)
    [dropped] = await tasks_of(DROPPED_CALLER)
    assert (dropped["reasons"], dropped["call_id"]) == (["dropped"], cut.uniqueid)
    await hotline_service.wait_call(normal.uniqueid, lambda call: call["state"] == "ended")
    assert await tasks_of(NORMAL_CALLER) == []


async def test_a_conversation_cut_on_the_agents_side_gets_a_dropped_task(pbx, hotline_service):
    await pbx.set_all_agents(answer_after=0.5, talk=60)
    service = hotline_service.service
    async with pbx.events() as log:
        cut = await pbx.originate(service.profile.public_number, AGENT_SIDE_CALLER, talk=60)
        connect = await log.wait_for("AgentConnect", Linkedid=cut.uniqueid)
        # the phone of the agent who answered (under load the queue may have rung another one first)
        answering = f"PJSIP/sim{extension_of(connect['Interface'])}-"
        phone = await log.wait_until(lambda e: e.get("Event") == "DialBegin" and e.get("Linkedid") == cut.uniqueid
                                     and e.get("DestChannel", "").startswith(answering), "the agent's phone")
        # the agent's phone (or its network) goes away mid-conversation; the caller is still there
        cut_off = await pbx.action(Action="Hangup", Channel=phone["DestChannel"], Cause=str(NETWORK_OUT_OF_ORDER))
        assert cut_off.get("Response") == "Success", cut_off
        await log.wait_for("Hangup", Uniqueid=cut.uniqueid)

    async def dropped() -> list[dict]:
        _, tasks = await hotline_service.get("/api/callbacks?reason=dropped")
        return [task for task in tasks if task["number"] == AGENT_SIDE_CALLER]

    call = await hotline_service.wait_call(cut.uniqueid, lambda call: call["state"] == "ended")
    assert call["ended_cause"] == "dropped", call["states"]   # the call model's view first: clearer when it fails
    await until(lambda: _nonempty(dropped()), timeout=30)
    [task] = await dropped()
    assert task["call_id"] == cut.uniqueid


async def test_an_anonymous_caller_who_abandons_gets_no_task_and_the_reason_is_recorded(pbx, hotline_service):
    await pbx.set_all_agents(answer_after="never")
    callbacks = hotline_service.service.telephony.callbacks.service
    placed = await pbx.originate(hotline_service.service.profile.public_number, "anonymous", timeout=4)

    async def skipped() -> bool:
        return bool(await callbacks.skips(placed.uniqueid))

    await until(skipped, timeout=60)
    [skip] = await callbacks.skips(placed.uniqueid)
    assert (skip.cause, skip.reason) == ("abandoned", "no_usable_number")
    _, tasks = await hotline_service.get("/api/callbacks")
    assert not [task for task in tasks if task["call_id"] == placed.uniqueid]


async def _nonempty(awaitable) -> bool:
    return bool(await awaitable)
