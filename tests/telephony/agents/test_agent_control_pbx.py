"""Pause and unpause through the API on the real sandbox Asterisk: the PBX's queue members follow (QueueStatus),
the agent's state in ``/api/agents`` follows from the PBX's own events, and the agent's history says who did it."""
from __future__ import annotations

import pytest

from core import dialplan
from hotline.pbx.render import DEMO_AGENTS
from tests.service_fixture import until

pytestmark = pytest.mark.pbx

AGENT = sorted(DEMO_AGENTS)[2]   # a demo member of every queue


async def agent_state(service, extension: str) -> tuple[str, str]:
    _, agents = await service.get("/api/agents")
    view = next((agent for agent in agents if agent["extension"] == extension), None)
    return (view["state"], view["reason"]) if view else ("", "")


async def test_a_supervisor_pauses_and_unpauses_an_agent_in_every_queue_and_the_history_says_who(
        pbx, hotline_service):
    interface = dialplan.agent_interface(AGENT)
    async with hotline_service.http.post(f"/api/agents/{AGENT}/pause", json={"reason": "training"}) as response:
        assert response.status == 200, await response.text()
    paused = {queue: members[interface] for queue, members in (await pbx.queue_members()).items()
              if interface in members}
    assert paused and all((m["Paused"], m["PausedReason"]) == ("1", "training") for m in paused.values())

    async def shows(state: tuple[str, str]) -> bool:
        return await agent_state(hotline_service, AGENT) == state

    await until(lambda: shows(("paused", "training")), timeout=10)
    async with hotline_service.http.post(f"/api/agents/{AGENT}/unpause") as response:
        assert response.status == 200
    members = await pbx.queue_members()
    assert all(members[queue][interface]["Paused"] == "0" for queue in paused)
    await until(lambda: shows(("available", "")), timeout=10)
    status, history = await hotline_service.get(f"/api/agents/{AGENT}/history")
    assert status == 200 and [(c["action"], c["reason"], c["by"]) for c in history] == [
        ("pause", "training", "supervisor-1"), ("unpause", "", "supervisor-1")]
