"""Ring-out enforcement: N ring-outs in a row pause the agent (QueuePause, ring_no_answer) and raise an SlaAlert."""
from __future__ import annotations

import asyncio

from core.events import SlaAlert
from core.policy import load_profile
from telephony.agents.enforcement import RingOutCounter, RingOutEnforcer
from telephony.agents.notifier import AgentNotifier
from telephony.ami.exceptions import AmiActionError

LT = load_profile("lt-employment-1883")
IFACE = "Local/104@agent-reach"


class FakeAmi:
    def __init__(self, fail: bool = False) -> None:
        self.actions: list[dict] = []
        self.fail = fail

    async def action(self, action: dict, *, timeout: float | None = None) -> dict:
        self.actions.append(action)
        if self.fail:
            raise AmiActionError("Interface not found")
        return {"Response": "Success"}


def ring_out(queue: str = "general_info") -> dict:
    return {"Event": "AgentRingNoAnswer", "Interface": IFACE, "MemberName": "104", "Queue": queue,
            "RingTime": "8000"}


def answer() -> dict:
    return {"Event": "AgentConnect", "Interface": IFACE, "MemberName": "104", "Queue": "general_info"}


def test_counter_counts_in_a_row_and_starts_again():
    counter = RingOutCounter(3)
    assert [counter.ring_out("a"), counter.ring_out("a")] == [False, False]
    counter.answered("a")
    assert [counter.ring_out("a"), counter.ring_out("b"), counter.ring_out("a"), counter.ring_out("a")] == [
        False, False, False, True]
    assert counter.ring_out("a") is False  # after a pause the count starts from zero


async def test_third_ring_out_in_a_row_pauses_and_alerts():
    assert LT.ring_sla.pause_after_ring_outs == 3
    ami, alerts = FakeAmi(), asyncio.Queue()
    enforcer = RingOutEnforcer(LT, ami, AgentNotifier(alerts.put))
    for event in (ring_out(), ring_out(), ring_out("employers")):
        assert enforcer.handle(event) == []
    alert: SlaAlert = await asyncio.wait_for(alerts.get(), 5)
    assert ami.actions == [{"Action": "QueuePause", "Interface": IFACE, "Paused": "true", "Reason": "ring_no_answer"}]
    assert (alert.kind, alert.extension, alert.queue) == ("ring_no_answer_pause", "104", "employers")
    assert "ring_no_answer" in alert.message
    await enforcer.close()


async def test_an_answer_in_between_prevents_the_pause():
    ami, alerts = FakeAmi(), asyncio.Queue()
    enforcer = RingOutEnforcer(LT, ami, AgentNotifier(alerts.put))
    for event in (ring_out(), ring_out(), answer(), ring_out(), ring_out()):
        enforcer.handle(event)
    await enforcer.close()
    assert ami.actions == [] and alerts.empty()


async def test_a_refused_pause_still_alerts_the_supervisors():
    alerts = asyncio.Queue()
    enforcer = RingOutEnforcer(LT, FakeAmi(fail=True), AgentNotifier(alerts.put))
    for _ in range(3):
        enforcer.handle(ring_out())
    alert = await asyncio.wait_for(alerts.get(), 5)
    assert alert.kind == "ring_no_answer_pause_failed" and "by hand" in alert.message
    await enforcer.close()

