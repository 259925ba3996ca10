"""Ring SLA enforcement: an agent who lets N offered calls in a row ring out is paused and supervisors are told.

N is the profile's ``ring_sla.pause_after_ring_outs``. A ring-out is ``AgentRingNoAnswer`` (the member ring
timeout passed: the queue moved on to the next member); an answer (``AgentConnect``) starts the count again. On
the N-th ring-out the agent is paused in every queue over AMI (``QueuePause``, reason ``ring_no_answer``) and an
``SlaAlert(kind="ring_no_answer_pause")`` is published (``notifier``); a supervisor unpauses them. If the PBX
refuses the pause the alert says so (``ring_no_answer_pause_failed``) — supervisors must know either way.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping

from core.events import DomainEvent
from core.policy import PolicyProfile
from core.ports import PBX_ERRORS, AmiPort
from telephony.agents.notifier import AgentNotifier
from telephony.ami.channels import extension_of
from telephony.calls.resync import PbxSnapshot

log = logging.getLogger(__name__)

PAUSE_REASON = "ring_no_answer"


class RingOutCounter:
    """Consecutive ring-outs per member interface; says when one reaches the limit (and starts again)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.counts: dict[str, int] = {}

    def ring_out(self, interface: str) -> bool:
        count = self.counts.get(interface, 0) + 1
        if count >= self.limit:
            self.counts.pop(interface, None)
            return True
        self.counts[interface] = count
        return False

    def answered(self, interface: str) -> None:
        self.counts.pop(interface, None)


class RingOutEnforcer:
    """EventObserver: counts ring-outs on the AMI stream; pauses and alerts in the background (never blocks it)."""

    def __init__(self, profile: PolicyProfile, ami: AmiPort, notifier: AgentNotifier) -> None:
        self.counter = RingOutCounter(profile.ring_sla.pause_after_ring_outs)
        self.ami = ami
        self.notifier = notifier
        self._tasks: set[asyncio.Task] = set()

    def handle(self, event: Mapping) -> list[DomainEvent]:
        name = event.get("Event")
        if name == "AgentRingNoAnswer":
            interface = event.get("Interface") or ""
            if interface and self.counter.ring_out(interface):
                extension = event.get("MemberName") or extension_of(interface) or interface
                task = asyncio.get_running_loop().create_task(
                    self._pause(interface, extension, event.get("Queue")), name=f"ring-out-pause:{extension}")
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        elif name == "AgentConnect":
            self.counter.answered(event.get("Interface") or "")
        return []

    def reconcile(self, snapshot: PbxSnapshot, now: dt.datetime) -> list[DomainEvent]:
        return []  # counts are about this agent's recent calls; an outage does not answer them

    async def _pause(self, interface: str, extension: str, queue: str | None) -> None:
        limit = self.counter.limit
        try:
            await self.ami.action({"Action": "QueuePause", "Interface": interface, "Paused": "true",
                                   "Reason": PAUSE_REASON})
        except PBX_ERRORS as exc:
            log.error("agent %s not paused after %d ring-outs (%s)", extension, limit, type(exc).__name__)
            await self.notifier.pause_failed(extension, queue, limit, type(exc).__name__)
        else:
            log.info("agent %s paused after %d ring-outs in a row", extension, limit)
            await self.notifier.paused_for_ring_outs(extension, queue, limit, PAUSE_REASON)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
