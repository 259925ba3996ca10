"""Reaching agents and clients on real phones: an unregistered softphone's calls go to the employee's fallback
number through the trunk; an agent busy on a direct-line call is rung neither by the queue nor by the callback
dialer; callback clients behind the trunk are busy (486) or fail (503)."""
from __future__ import annotations

import pytest

from core.events import CallbackResult
from core.policy import load_profile
from hotline.pbx.softphone import Behaviour
from tests.profiles import always_open_profile
from tests.service_fixture import running_service, until
from tests.sip.directory import employees
from tests.sip_network import REAL_PHONES

pytestmark = [pytest.mark.pbx, pytest.mark.sip]

CALLER = "+37060000092"          # made up
SECOND_CALLER = "+37060000093"   # made up
FALLBACK = "+37060000101"        # made up: agent 101's mobile


async def test_an_unregistered_agents_queue_call_rings_their_fallback_number_through_the_trunk(
        pbx, sip_network, sip_phones, tmp_path):
    profile = load_profile(pbx.settings.profile)
    async with sip_network.box.events() as network, pbx.events() as log, \
            running_service(pbx, tmp_path, **REAL_PHONES) as running:
        await employees(running, "101", fallbacks={"101": FALLBACK})
        await sip_phones.register(running.service, {"101": Behaviour()})
        await sip_phones.unregister("101")              # the agent closed their softphone
        await sip_network.call(profile.public_number, CALLER, talk=8)

        reach = await log.wait_for("UserEvent", UserEvent="HotlineAgentReach", Extension="101")
        answered = await network.wait_for("UserEvent", UserEvent="NetworkPhoneAnswered", timeout=30)
        call = await running.wait_call((await log.wait_for("QueueCallerJoin"))["Linkedid"],
                                       lambda c: c["state"] == "ended", timeout=40)

    assert reach["SoftphoneStatus"] == "CHANUNAVAIL"
    assert answered["Number"] == FALLBACK.lstrip("+")
    [ring] = [r for r in call["rings"] if r["answered"]]
    assert ring["extension"] == "101"
    trunk_dial = await log.wait_until(lambda e: e.get("Event") == "DialBegin"
                                      and e.get("DestChannel", "").startswith("PJSIP/trunk-"), "a Dial on the trunk")
    assert trunk_dial["DialString"] == f"{FALLBACK}@trunk"


async def test_an_agent_on_a_direct_line_call_is_rung_by_neither_the_queue_nor_the_dialer(
        pbx, sip_network, sip_phones, tmp_path):
    profile = load_profile(pbx.settings.profile)
    async with pbx.events() as log, running_service(pbx, tmp_path, dialer=True, **REAL_PHONES,
                                                     profile=str(always_open_profile(tmp_path))) as running:
        await employees(running, "101", "102")
        phones = await sip_phones.register(running.service, {"101": Behaviour(answer_after=0.5),
                                                             "102": Behaviour(answer_after=0.5, talk=3)})
        await sip_network.call("101", CALLER, talk=60)              # someone rings 101's direct line
        await phones["101"].wait_event("CALL_ESTABLISHED")

        async def busy_on_the_pbx() -> bool:
            _, agents = await running.get("/api/agents")
            return any(a["extension"] == "101" and a["state"] == "in_call" for a in agents)

        await until(busy_on_the_pbx, timeout=10)
        await sip_network.call(profile.public_number, SECOND_CALLER, talk=30)
        await phones["102"].wait_event("CALL_ESTABLISHED")           # the queue found the free agent
        await phones["102"].wait_event("CALL_CLOSED")

        task_id = await running.service.telephony.callbacks.service.request_callback(SECOND_CALLER, "missed")
        callbacks = running.service.telephony.callbacks.service

        async def tried() -> bool:
            return (await callbacks.get(task_id)).state == "done"

        await until(tried, timeout=40)
        task = await callbacks.get(task_id)

    rung = {event.get("MemberName") for event in log.events if event.get("Event") == "AgentCalled"}
    assert rung == {"102"}, rung               # 101, on the direct-line call, was never offered a queue call
    assert task.agent == "102"                 # nor the callback
    assert phones["101"].answered == 1


BUSY_CLIENT, FAILING_CLIENT = "+37060000096", "+37060000097"   # made up


async def test_callbacks_through_the_trunk_meet_a_busy_and_a_failing_far_side(pbx, sip_network, sip_phones,
                                                                              tmp_path):
    await sip_network.set_phone(BUSY_CLIENT, "busy")
    await sip_network.set_phone(FAILING_CLIENT, "failed")
    async with running_service(pbx, tmp_path, dialer=True, **REAL_PHONES,
                               profile=str(always_open_profile(tmp_path))) as running:
        results: list[CallbackResult] = []

        async def keep(event: CallbackResult) -> None:
            results.append(event)

        running.service.bus.subscribe("test_results", keep, CallbackResult)
        await employees(running, "101")
        phones = await sip_phones.register(running.service, {"101": Behaviour(answer_after=0.5)})
        callbacks = running.service.telephony.callbacks.service
        await callbacks.request_callback(BUSY_CLIENT, "missed")
        await callbacks.request_callback(FAILING_CLIENT, "missed")

        async def both_tried() -> bool:
            return len(results) >= 2

        await until(both_tried, timeout=60)

    outcomes = {event.task_id: event.outcome for event in results}
    assert sorted(outcomes.values()) == ["busy", "failed"]
    assert phones["101"].answered == 2          # agent first: the agent's phone answered before each client rang
