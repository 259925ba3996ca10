"""Calls through the real sandbox dialplan: public number, IVR hand-off, queues, agents, DTMF, direct lines."""
from __future__ import annotations

import asyncio

import pytest

from core import dialplan
from core.policy import load_profile
from hotline.pbx.render import DEMO_AGENTS

pytestmark = pytest.mark.pbx

CALLER = "37060000001"  # a made-up number
AGENTS = {dialplan.agent_interface(ext) for ext in DEMO_AGENTS}


def public_number(pbx) -> str:
    return load_profile(pbx.settings.profile).public_number


async def test_public_number_call_reaches_an_agent_and_ends_with_the_contract_events(pbx):
    await pbx.set_all_agents(answer_after=0.5, talk=1)
    async with pbx.events() as log:
        call = await pbx.originate(public_number(pbx), CALLER, talk=5)
        join = await log.wait_for("QueueCallerJoin", Linkedid=call.uniqueid)
        connect = await log.wait_for("AgentConnect", Linkedid=call.uniqueid)
        complete = await log.wait_for_agent_complete(call)
        await log.wait_for("Hangup", Uniqueid=call.uniqueid)

    assert join["Queue"] == load_profile(pbx.settings.profile).default_queue
    assert join["CallerIDNum"] == CALLER  # the originated caller ID is what the from-pstn side sees
    assert connect["Interface"] in AGENTS
    # both ends are SIP: the caller came in on the trunk, the agent's desk phone was rung as a PJSIP device
    assert log.matching("Newchannel", Uniqueid=call.uniqueid)[0]["Channel"].startswith("PJSIP/trunk-")
    phones = [e["DestChannel"] for e in log.matching("DialBegin", Linkedid=call.uniqueid)]
    assert any(channel.startswith("PJSIP/sim") for channel in phones), phones
    ours = {call.uniqueid, call.caller_leg}
    # AgentComplete names the caller's channel only while it exists: when the caller hangs up first (or both at
    # once, as under load) it comes with the agent's side or with neither, as wait_for_agent_complete matches it
    seen = {event["Event"] for event in log.events
            if event.get("Linkedid") == call.uniqueid or event.get("Uniqueid") in ours} | {complete["Event"]}
    assert {
        "Newchannel", "Newstate", "DialBegin", "DialEnd", "BridgeEnter", "BridgeLeave", "Hangup",
        "QueueCallerJoin", "QueueCallerLeave", "AgentCalled", "AgentConnect", "AgentComplete",
    } <= seen


async def test_call_goes_on_to_the_queue_when_the_agi_service_is_down(pbx):
    await pbx.set_all_agents(answer_after=0, talk=1)
    async with pbx.events() as log:
        call = await pbx.originate(public_number(pbx), CALLER, talk=2)
        agi = await log.wait_for("VarSet", Uniqueid=call.caller_leg, Variable="AGISTATUS")
        await log.wait_for("QueueCallerJoin", Linkedid=call.uniqueid)
        await log.wait_for("Hangup", Uniqueid=call.uniqueid)
    assert agi["Value"] == "FAILURE"  # nothing listens on agi_port in this test


async def test_queue_chosen_by_the_agi_is_the_one_joined(pbx):
    profile = load_profile(pbx.settings.profile)
    chosen = next(q.name for q in profile.queues if q.name != profile.default_queue)
    requests: list[dict[str, str]] = []

    async def fake_ivr(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        headers = {}
        while (line := (await reader.readline()).decode().strip()):
            key, _, value = line.partition(": ")
            headers[key] = value
        requests.append(headers)
        writer.write(f"SET VARIABLE {dialplan.VAR_QUEUE} {chosen}\n".encode())
        await writer.drain()
        await reader.readline()  # 200 result=1
        writer.close()

    await pbx.set_all_agents(answer_after=0, talk=1)
    server = await asyncio.start_server(fake_ivr, "127.0.0.1", pbx.agi_port)
    try:
        async with pbx.events() as log:
            call = await pbx.originate(public_number(pbx), CALLER, talk=2)
            join = await log.wait_for("QueueCallerJoin", Linkedid=call.uniqueid)
            await log.wait_for("Hangup", Uniqueid=call.uniqueid)
    finally:
        server.close()
        await server.wait_closed()
    assert join["Queue"] == chosen
    assert requests[0]["agi_network_script"] == dialplan.AGI_IVR_PATH
    assert requests[0]["agi_callerid"] == CALLER


async def test_caller_dtmf_reaches_the_pbx_in_order(pbx):
    await pbx.set_all_agents(answer_after=0, talk=4)
    async with pbx.events() as log:
        call = await pbx.originate(public_number(pbx), CALLER, talk=1, dtmf="1w2")
        await log.wait_for("DTMFEnd", Uniqueid=call.caller_leg, Direction="Received", Digit="2")
        await log.wait_for("Hangup", Uniqueid=call.uniqueid)
    digits = [e["Digit"] for e in log.matching("DTMFEnd", Uniqueid=call.caller_leg, Direction="Received")]
    assert digits == ["1", "2"]


async def test_direct_line_rings_that_agent(pbx):
    await pbx.set_agent("102", answer_after=0.2, talk=1)
    async with pbx.events() as log:
        call = await pbx.originate("102", CALLER, talk=3)
        dial = await log.wait_for("DialBegin", Uniqueid=call.caller_leg)
        await log.wait_for("Hangup", Uniqueid=call.uniqueid)
    # through the same reach path as a queue member: the softphone, else the fallback number
    assert dial["DestChannel"].startswith(f"Local/102@{dialplan.CONTEXT_AGENT_REACH}")
    assert dial["Context"] == dialplan.CONTEXT_FROM_PSTN
    assert dial["CallerIDNum"] == CALLER


async def test_agents_that_never_answer_leave_the_caller_to_abandon(pbx):
    await pbx.set_all_agents(answer_after=dialplan.NEVER_ANSWERS)
    try:
        async with pbx.events() as log:
            call = await pbx.originate(public_number(pbx), CALLER, timeout=10)
            await log.wait_for("AgentRingNoAnswer", Linkedid=call.uniqueid)
            await log.wait_for("QueueCallerAbandon", Linkedid=call.uniqueid, timeout=20)
        assert not log.matching("AgentConnect", Linkedid=call.uniqueid)
    finally:
        await pbx.set_all_agents()


async def test_service_actions_and_mixmonitor_work_for_the_hotline_user(pbx):
    await pbx.set_all_agents(answer_after=0, talk=4)
    async with pbx.events() as log:
        call = await pbx.originate(public_number(pbx), CALLER, talk=2)
        connect = await log.wait_for("AgentConnect", Linkedid=call.uniqueid)
        recording = f"{call.uniqueid}.wav"
        started = await pbx.action(Action="MixMonitor", Channel=connect["Channel"], File=recording)
        channels = await log.manager.send_action({"Action": "CoreShowChannels"})
        queues = await log.manager.send_action({"Action": "QueueStatus"})
        status = await log.manager.send_action({"Action": "Status"})
        await log.wait_for("MixMonitorStart", Uniqueid=call.caller_leg)
        await log.wait_for("Hangup", Uniqueid=call.uniqueid)

    assert started["Response"] == "Success"
    assert any(m.get("Linkedid") == call.uniqueid for m in channels if m.get("Event") == "CoreShowChannel")
    assert any(m.get("Event") == "QueueStatusComplete" for m in queues)
    assert any(m.get("Event") == "StatusComplete" for m in status)
    # the file lands in the instance's spool (flushed by Asterisk after hangup; its content is recording's tests)
    assert (pbx.paths.recordings_dir / recording).exists()
