"""Agents on the real sandbox Asterisk with the whole service: membership from the directory, agent states,
auto-pause after ring-outs with an SLA alert, and the fallback number of an agent whose softphone is unreachable.

Each test sets its own directory; the ``staff`` fixture puts the sandbox back (demo members, agent behaviour) for
the tests that run after it without the service.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from core import dialplan
from core.db import make_sessionmaker
from core.events import AgentState, AgentStateChanged, SlaAlert
from core.policy import load_profile
from core.ports import Employee
from hotline.auth.models import Role
from hotline.auth.service import create_user
from tests.service_fixture import until

pytestmark = pytest.mark.pbx

CALLER = "+37060000077"  # a made-up number
FALLBACK = "+37060009102"
QUEUE = "general_info"   # no AGI server runs in these tests: every call joins the profile's default queue


def public_number(pbx) -> str:
    return load_profile(pbx.settings.profile).public_number


def iface(ext: str) -> str:
    return f"Local/{ext}@agent-reach"


class BusProbe:
    """Every AgentStateChanged / SlaAlert the service publishes, with waiting for one that matches."""

    def __init__(self, bus) -> None:
        self.events: asyncio.Queue = asyncio.Queue()
        bus.subscribe("test-probe", self.events.put, AgentStateChanged, SlaAlert)
        self.seen: list = []

    async def wait_for(self, predicate, timeout: float = 45.0):
        for event in self.seen:
            if predicate(event):
                return event
        async with asyncio.timeout(timeout):
            while True:
                event = await self.events.get()
                self.seen.append(event)
                if predicate(event):
                    return event

    def states_of(self, extension: str) -> list[AgentState]:
        return [e.state for e in self.seen if isinstance(e, AgentStateChanged) and e.extension == extension]


@pytest.fixture
async def staff(pbx, hotline_service) -> AsyncIterator:
    """Sets the directory on the running service (and applies it); restores the sandbox afterwards."""
    service = hotline_service.service

    async def set_directory(*employees: Employee) -> None:
        await service.directory.upsert(list(employees))
        await service.telephony.agents.queues.apply()

    try:
        yield set_directory
    finally:
        for ext in ("101", "102", "103", "104"):
            await pbx.set_agent(ext)
        await pbx.action(Action="DBDel", Family="hotline/102", Key="fallback")
        await pbx.ensure_demo_members()


def employee(ext: str, *queues: str, fallback: str | None = None, active: bool = True) -> Employee:
    return Employee(ext, f"Agent {ext}", "Test", queues or (QUEUE,), fallback, active)


async def test_directory_decides_members_and_a_resync_repairs_them(pbx, hotline_service, staff):
    service = hotline_service.service
    async with make_sessionmaker(service.engine)() as session:
        _, admin = await create_user(session, "admin-1", Role.ADMIN)
        await session.commit()
    rows = [{"extension": "101", "name": "Ona", "competences": ["employers", QUEUE]},
            {"extension": "103", "name": "Jonas", "competences": [QUEUE], "active": False}]
    async with hotline_service.http.post("/api/employees", json=rows,
                                         headers={"Authorization": f"Bearer {admin}"}) as response:
        assert response.status == 200, await response.text()
        assert (await response.json())["applied_to_pbx"] is True

    members = await pbx.queue_members()
    assert set(members["employers"]) == set(members[QUEUE]) == {iface("101")}
    assert members["job_seekers"] == {} and members["e_services"] == {}
    assert members[QUEUE][iface("101")]["Name"] == "101"

    # someone changes the PBX behind hotline's back; the resync after a reconnect puts it right
    await pbx.action(Action="QueueRemove", Queue="employers", Interface=iface("101"))
    await pbx.action(Action="QueueAdd", Queue=QUEUE, Interface=iface("109"), MemberName="109")
    runs = service.telephony.agents.queues.runs
    await service.telephony.calls.handler.resync()

    async def repaired() -> bool:
        now = await pbx.queue_members()
        return (service.telephony.agents.queues.runs > runs and set(now["employers"]) == {iface("101")}
                and set(now[QUEUE]) == {iface("101")})

    await until(repaired, timeout=15)


async def test_answered_call_moves_the_agent_through_ringing_in_call_wrap_up_available(pbx, hotline_service, staff):
    tracker = hotline_service.service.telephony.agents.tracker
    await staff(employee("101"))
    await pbx.set_agent("101", answer_after=1, talk=1)

    async def available() -> bool:
        return tracker.state_of("101") is AgentState.AVAILABLE

    await until(available, timeout=10)
    probe = BusProbe(hotline_service.service.bus)
    await pbx.originate(public_number(pbx), CALLER, talk=10)
    await probe.wait_for(lambda e: isinstance(e, AgentStateChanged) and e.extension == "101"
                         and e.state is AgentState.AVAILABLE)
    assert probe.states_of("101") == [AgentState.RINGING, AgentState.IN_CALL, AgentState.WRAP_UP,
                                      AgentState.AVAILABLE]
    [view] = [v for v in tracker.snapshot() if v.extension == "101"]
    assert view.state is AgentState.AVAILABLE and view.queues == (QUEUE,)
    status, agents = await hotline_service.get("/api/agents")
    assert status == 200 and {"extension": "101", "state": "available"}.items() <= next(
        a for a in agents if a["extension"] == "101").items()


async def next_message_of_type(socket_, kind: str, timeout: float) -> dict:
    async with asyncio.timeout(timeout):
        while (message := await socket_.receive_json())["type"] != kind:
            pass
    return message


async def test_agent_who_lets_calls_ring_out_is_paused_and_supervisors_are_alerted(pbx, hotline_service, staff):
    probe = BusProbe(hotline_service.service.bus)
    await staff(employee("104"))
    await pbx.set_agent("104", answer_after=dialplan.NEVER_ANSWERS)
    limit = load_profile(pbx.settings.profile).ring_sla.pause_after_ring_outs
    async with aiohttp.ClientSession() as http, pbx.events() as log:
        supervisor = await http.ws_connect(f"{hotline_service.service.base_url}/ws",
                                           headers={"Authorization": f"Bearer {hotline_service.token}"})
        assert (await supervisor.receive_json(timeout=10))["type"] == "hello"
        call = await pbx.originate(public_number(pbx), CALLER, timeout=50)
        alert = await probe.wait_for(lambda e: isinstance(e, SlaAlert), timeout=50)
        pushed = await next_message_of_type(supervisor, "sla_alert", timeout=10)
        ring_outs = log.matching("AgentRingNoAnswer", Linkedid=call.uniqueid)
        await pbx.action(Action="Hangup", Channel=f"/^Local\\/{public_number(pbx)}@from-pstn-.*;2$/")
        await supervisor.close()
    assert (alert.kind, alert.extension, alert.queue) == ("ring_no_answer_pause", "104", QUEUE)
    assert (pushed["kind"], pushed["extension"], pushed["queue"]) == ("ring_no_answer_pause", "104", QUEUE)
    assert len(ring_outs) == limit and {e["Interface"] for e in ring_outs} == {iface("104")}
    member = (await pbx.queue_members())[QUEUE][iface("104")]
    assert (member["Paused"], member["PausedReason"]) == ("1", "ring_no_answer")
    paused = await probe.wait_for(lambda e: isinstance(e, AgentStateChanged) and e.state is AgentState.PAUSED)
    assert (paused.extension, paused.reason) == ("104", "ring_no_answer")
    # a supervisor lets them take calls again
    async with hotline_service.http.post("/api/agents/104/unpause") as response:
        assert response.status == 200
    assert (await pbx.queue_members())[QUEUE][iface("104")]["Paused"] == "0"


async def test_agent_with_unreachable_softphone_is_reached_on_the_fallback_number(pbx, hotline_service, staff):
    probe = BusProbe(hotline_service.service.bus)
    await staff(employee("102", fallback=FALLBACK))
    await pbx.set_agent("102", unreachable=True)
    await pbx.set_public_phones(talk=1)
    async with pbx.events() as log:
        call = await pbx.originate(public_number(pbx), CALLER, talk=10)
        reach = await log.wait_for("UserEvent", UserEvent=dialplan.USEREVENT_AGENT_REACH, Extension="102")
        mobile = await log.wait_for_trunk_dial(FALLBACK)
        await log.wait_for("Newstate", Uniqueid=mobile["DestUniqueid"], ChannelStateDesc="Up")
        connect = await log.wait_for("AgentConnect", Linkedid=call.uniqueid)
    assert reach["SoftphoneStatus"] == "CHANUNAVAIL"
    assert connect["Interface"] == iface("102")
    # once the call and its wrap-up are over, the agent shows as unreachable (not available)
    unreachable = await probe.wait_for(lambda e: isinstance(e, AgentStateChanged) and e.extension == "102"
                                       and e.state is AgentState.UNREACHABLE)
    assert unreachable.reason == "softphone_unreachable"


async def test_caller_waiting_too_long_overflows_to_the_profile_overflow_queue(pbx):
    # the dialplan reads the overflow from globals rendered from the profile; set them for the default queue here
    overflow = {f"{dialplan.GLOBAL_OVERFLOW_PREFIX}{QUEUE}": "employers",
                f"{dialplan.GLOBAL_OVERFLOW_AFTER_PREFIX}{QUEUE}": "2"}
    await pbx.set_all_agents(answer_after=dialplan.NEVER_ANSWERS)
    try:
        for name, value in overflow.items():
            await pbx.action(Action="Setvar", Variable=name, Value=value)
        async with pbx.events() as log:
            call = await pbx.originate(public_number(pbx), CALLER, timeout=20)
            first = await log.wait_for("QueueCallerJoin", Linkedid=call.uniqueid)
            leave = await log.wait_for("QueueCallerLeave", Linkedid=call.uniqueid)
            second = await log.wait_for("QueueCallerJoin", Linkedid=call.uniqueid, Queue="employers")
            await pbx.action(Action="Hangup", Channel=first["Channel"])
    finally:
        for name in overflow:
            await pbx.action(Action="Setvar", Variable=name, Value="")
        await pbx.set_all_agents()
    assert (first["Queue"], leave["Queue"], second["Queue"]) == (QUEUE, QUEUE, "employers")


async def test_an_agent_logged_out_through_the_api_leaves_every_queue_stays_out_after_a_resync_and_logs_in(
        pbx, hotline_service, staff):
    service = hotline_service.service
    await staff(employee("101", "employers", QUEUE), employee("102"))
    async with hotline_service.http.post("/api/agents/101/logout") as response:
        assert response.status == 200
    members = await pbx.queue_members()
    assert iface("101") not in members["employers"] and set(members[QUEUE]) == {iface("102")}
    runs = service.telephony.agents.queues.runs
    await service.telephony.calls.handler.resync()   # a reconnect's membership check keeps them out

    async def checked() -> bool:
        return service.telephony.agents.queues.runs > runs

    await until(checked, timeout=15)
    assert iface("101") not in (await pbx.queue_members())[QUEUE]
    async with hotline_service.http.post("/api/agents/101/login") as response:
        assert response.status == 200
    members = await pbx.queue_members()
    assert iface("101") in members["employers"] and iface("101") in members[QUEUE]

    async def available() -> bool:
        _, agents = await hotline_service.get("/api/agents")
        return any(a["extension"] == "101" and a["state"] == "available" for a in agents)

    await until(available, timeout=10)
