"""Ring-count SLA on the real sandbox Asterisk: every offered ring is stored with its ring count and outcome.

Agents are the sandbox's simulated queue members; their behaviour is set per test with ``pbx.set_agent``. No
assumption is made about which member a queue rings first (strategy, member list): the test watches AMI for the
first ``AgentCalled`` of the call and then decides how the *other* agents behave, and checks rings by target.
"""
from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from core.policy import load_profile
from hotline.pbx.render import DEMO_AGENTS
from telephony.ami.channels import extension_of
from tests.pbx_lv import LV_PROFILE
from tests.service_fixture import until

pytestmark = pytest.mark.pbx

CALLER = "+37060000077"  # a made-up number


def ended(call: dict) -> bool:
    return call["state"] == "ended"


async def test_lt_agent_answering_after_2_s_is_ring_1_within_sla(pbx, hotline_service):
    await pbx.set_all_agents(answer_after=2, talk=1)
    placed = await pbx.originate(load_profile(pbx.settings.profile).public_number, CALLER, talk=3)

    call = await hotline_service.wait_call(placed.uniqueid, ended)

    [ring] = [r for r in call["rings"] if r["answered"]]
    assert ring["ring_count"] == 1 and ring["within_sla"]
    assert ring["extension"] in DEMO_AGENTS
    assert ring["started_at"].endswith("+00:00") and ring["ended_at"] > ring["started_at"]

    status, report = await hotline_service.get("/api/sla?by=agent")
    assert status == 200 and report["total"]["within_sla"] >= 1

    async def counted() -> bool:
        async with hotline_service.http.get("/metrics") as response:
            text = await response.text()
        return 'hotline_rings_total{answered="true",queue="general_info",within_sla="true"}' in text
    await until(counted, timeout=5)


async def test_lt_a_ring_of_12_s_moves_on_before_ring_3_and_the_next_agent_answers(pbx, hotline_service):
    await pbx.set_all_agents(answer_after=12, talk=1)
    async with pbx.events() as log:
        placed = await pbx.originate(load_profile(pbx.settings.profile).public_number, CALLER, talk=3)
        first = await log.wait_for("AgentCalled", Linkedid=placed.uniqueid)
        for ext in DEMO_AGENTS:  # whoever the queue rings next answers quickly
            if ext != extension_of(first["Interface"]):
                await pbx.set_agent(ext, answer_after=2, talk=1)

    call = await hotline_service.wait_call(placed.uniqueid, ended, timeout=60)

    timed_out = call["rings"][0]
    assert timed_out["target"] == first["Interface"]
    assert not timed_out["answered"] and not timed_out["within_sla"]
    assert timed_out["ring_count"] == 2  # LT member timeout 8 s: ring 2, before the 3rd ring starts at 10 s
    [answered] = [r for r in call["rings"] if r["answered"]]
    assert answered["target"] != first["Interface"] and answered["started_at"] >= timed_out["ended_at"]
    assert answered["ring_count"] == 1 and answered["within_sla"]
    assert [s["target"] for s in call["states"] if s["state"] == "answered"] == [answered["target"]]


async def test_lv_the_same_12_s_answer_is_ring_3_within_sla(pbx_lv, hotline_service_lv):
    await pbx_lv.set_all_agents(answer_after=12, talk=1)
    placed = await pbx_lv.originate(load_profile(LV_PROFILE).public_number, CALLER, talk=3)

    call = await hotline_service_lv.wait_call(placed.uniqueid, ended, timeout=60)

    [ring] = call["rings"]  # LV member timeout 15 s: the first agent keeps ringing until it answers
    assert ring["answered"] and ring["ring_count"] == 3 and ring["within_sla"]
    status, report = await hotline_service_lv.get("/api/sla?by=queue")
    assert status == 200 and report["max_ring_count"] == 4 and report["sla_seconds"] == 20.0
    assert report["groups"][0]["histogram"] == {"3": 1}


async def test_direct_lines_are_measured_the_same_way(pbx, hotline_service):
    await pbx.set_agent("101", answer_after=2, talk=1)
    await pbx.set_agent("102", answer_after=12, talk=1)
    quick, slow = await asyncio.gather(pbx.originate("101", CALLER, talk=2), pbx.originate("102", CALLER, talk=2))

    quick_call, slow_call = await asyncio.gather(hotline_service.wait_call(quick.uniqueid, ended),
                                                 hotline_service.wait_call(slow.uniqueid, ended))

    assert [(r["extension"], r["ring_count"], r["answered"], r["within_sla"]) for r in quick_call["rings"]] == [
        ("101", 1, True, True)]
    # a direct line rings the profile's 8 s, below LT's deadline: it rang out during ring 2, before the 3rd
    # ring (then the caller is told the employee cannot answer; without the IVR, the default queue takes them)
    direct = slow_call["rings"][0]
    assert (direct["extension"], direct["ring_count"], direct["answered"], direct["within_sla"]) == (
        "102", 2, False, False)
    rang = dt.datetime.fromisoformat(direct["ended_at"]) - dt.datetime.fromisoformat(direct["started_at"])
    assert rang.total_seconds() < hotline_service.service.profile.ring_sla.deadline_seconds
    status, report = await hotline_service.get("/api/sla?by=queue")
    assert status == 200 and {"(direct)"} <= {g["key"] for g in report["groups"]}
