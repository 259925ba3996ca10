"""Push on the real sandbox PBX: a queue call rings an agent, whose socket (and only that agent's) gets the screen
pop with the caller's number and context; the supervisor's socket follows the call's states."""
from __future__ import annotations

import asyncio

import aiohttp
import pytest

from core.db import make_sessionmaker
from core.policy import load_profile
from hotline.auth.service import create_user
from hotline.pbx.render import DEMO_AGENTS

pytestmark = pytest.mark.pbx

CALLER = "+37060000088"   # made up


async def agent_tokens(service) -> dict[str, str]:
    tokens = {}
    async with make_sessionmaker(service.engine)() as session:
        for ext in DEMO_AGENTS:
            _, tokens[ext] = await create_user(session, f"agent-{ext}", "agent", extension=ext)
        await session.commit()
    return tokens


async def test_the_rung_agent_gets_the_screen_pop_and_the_supervisor_the_call_states(pbx, hotline_service):
    profile = load_profile(pbx.settings.profile)
    await pbx.set_all_agents(answer_after=2, talk=2)
    tokens = await agent_tokens(hotline_service.service)
    url = f"{hotline_service.service.base_url}/ws"
    async with aiohttp.ClientSession() as http:
        agents = {ext: await http.ws_connect(f"{url}?token={token}") for ext, token in tokens.items()}
        supervisor = await http.ws_connect(url, headers={"Authorization": f"Bearer {hotline_service.token}"})
        for socket_ in (*agents.values(), supervisor):
            assert (await socket_.receive_json(timeout=10))["type"] == "hello"   # registered with the hub

        placed = await pbx.originate(profile.public_number, CALLER, talk=2)

        # the first agent rung gets the pop; every agent's first message is a pop of its own extension
        receivers = {asyncio.ensure_future(s.receive_json(timeout=40)): ext for ext, s in agents.items()}
        done, pending = await asyncio.wait(receivers, return_when=asyncio.FIRST_COMPLETED)
        first = done.pop()
        pop, rung = first.result(), receivers.pop(first)
        assert (pop["type"], pop["call_id"], pop["extension"]) == ("screen_pop", placed.uniqueid, rung)
        assert pop["caller"] == CALLER and pop["queue"] == profile.default_queue
        assert pop["topic"] == next(q.topic for q in profile.queues if q.name == profile.default_queue)
        for receiver in receivers:
            receiver.cancel()
        history = await agents[rung].receive_json(timeout=10)   # the caller's history follows the pop
        while history["type"] != "screen_pop_history":
            history = await agents[rung].receive_json(timeout=10)
        assert (history["ring_id"], history["caller"]) == (pop["ring_id"], CALLER)
        assert history["previous_contacts"]["count"] == 0 and history["open_callbacks"] == []

        states = []
        while "ended" not in states:
            message = await supervisor.receive_json(timeout=40)
            if message["type"] == "call_state" and message["call_id"] == placed.uniqueid:
                states.append(message["state"])
        assert states == ["offered", "queued", "ringing", "answered", "ended"]
        for socket_ in (*agents.values(), supervisor):
            await socket_.close()
