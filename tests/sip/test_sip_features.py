"""Feature codes from an agent's real phone: *62 logs out, *61 logs in, *632 pauses for lunch, *64 unpauses; each
change is on the PBX (QueueStatus), in /api/agents and in the agent's history as done from the phone."""
from __future__ import annotations

import pytest

from hotline.pbx.softphone import Behaviour
from tests.service_fixture import running_service, until
from tests.sip.directory import employees
from tests.sip_network import REAL_PHONES

pytestmark = [pytest.mark.pbx, pytest.mark.sip]


async def test_feature_codes_from_the_agents_phone_change_their_availability(pbx, sip_network, sip_phones,
                                                                             tmp_path):
    async with running_service(pbx, tmp_path, ivr=True, **REAL_PHONES) as running:
        await employees(running, "101", "102")
        phones = await sip_phones.register(running.service, {"101": Behaviour(), "102": Behaviour()})

        async def member_101() -> list[dict]:
            return [entry for queue in (await pbx.queue_members()).values() for entry in queue.values()
                    if entry.get("Name") == "101" or entry.get("MemberName") == "101"]

        async def dial(code: str) -> None:
            since = len(phones["101"].events)
            await phones["101"].dial(code)
            await phones["101"].wait_event("CALL_CLOSED", after=phones["101"].events[since - 1][0] if since else 0)

        await dial("*62")
        await until(lambda: _none(member_101), timeout=10)
        await dial("*61")
        await until(lambda: _some(member_101), timeout=10)
        await dial("*632")

        async def paused_for_lunch() -> bool:
            _, agents = await running.get("/api/agents")
            return any(a["extension"] == "101" and a["state"] == "paused" and a["reason"] == "lunch" for a in agents)

        await until(paused_for_lunch, timeout=10)
        assert all(entry["Paused"] == "1" for entry in await member_101())
        await dial("*64")
        await until(lambda: _all_unpaused(member_101), timeout=10)
        await dial("*69")          # not a code: refused, nothing changes
        history = await running.service.telephony.agents.control.history("101")
        others = [entry for queue in (await pbx.queue_members()).values() for entry in queue.values()
                  if entry.get("Name") == "102"]

    assert [(change.action, change.reason, change.by) for change in history] == [
        ("logout", "", "phone:101"), ("login", "", "phone:101"), ("pause", "lunch", "phone:101"),
        ("unpause", "", "phone:101")]
    assert others and all(entry["Paused"] == "0" for entry in others)   # 101's codes change 101 alone


async def _none(members) -> bool:
    return not await members()


async def _some(members) -> bool:
    return bool(await members())


async def _all_unpaused(members) -> bool:
    entries = await members()
    return bool(entries) and all(entry["Paused"] == "0" for entry in entries)
