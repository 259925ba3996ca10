"""Builds all of telephony from the shared dependencies (called once by the composition root).

Order: the call model first (its tracker is what rings and agents observe), then agents, then callbacks and
messages, then the opening hours' holiday flags and the recordings' mute. Everything subscribes to the bus and to
AMI here, before the bus starts and before AMI connects.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from core.deps import Dependencies
from core.events import CallState
from core.ports import EmployeeDirectory
from telephony.agents.setup import AgentServices
from telephony.agents.setup import setup as setup_agents
from telephony.agents.tracker import AgentView
from telephony.callbacks.setup import CallbackServices
from telephony.callbacks.setup import setup as setup_callbacks
from telephony.calls.setup import CallServices, restored_tracker
from telephony.calls.setup import setup as setup_calls
from telephony.hours.holiday_flags import HolidayFlags
from telephony.hours.setup import setup as setup_hours
from telephony.messages.service import MessageService
from telephony.messages.setup import setup as setup_messages
from telephony.phones.setup import PhoneServices
from telephony.phones.setup import setup as setup_phones
from telephony.recordings.mute import AmiRecordingMute
from telephony.recordings.setup import setup as setup_recordings
from telephony.rings.meter import RingMeter
from telephony.rings.setup import setup as setup_rings


@dataclass
class Telephony:
    """What telephony gives the root: its services, and the live views the push and the web need."""

    calls: CallServices
    rings: RingMeter
    agents: AgentServices
    callbacks: CallbackServices
    messages: MessageService
    phones: PhoneServices
    hours: HolidayFlags
    recordings: AmiRecordingMute   # core.ports.RecordingMute: the IVR mutes a recording during digit entry

    @property
    def active_calls(self) -> int:
        return self.calls.tracker.active_calls

    def live_calls(self) -> list[tuple[str, CallState, str | None]]:
        """Every live call as (call id, state, queue), as the queue view takes them after a resync."""
        return [(call.call_id, call.state, call.queue) for call in self.calls.tracker.calls.values()]

    def agent_views(self) -> list[AgentView]:
        return self.agents.tracker.snapshot()

    def queue_members(self) -> dict[str, set[str]]:
        """Queue name -> the extensions that are its members, as the agent tracker knows them."""
        return members_by_queue(self.agent_views())

    async def directory_changed(self) -> None:
        """After a directory change: queue membership, fallback numbers and the agents' SIP endpoints follow it."""
        await self.agents.queues.apply()
        await self.phones.endpoints.apply()

    def start(self) -> None:
        """Start dialling callbacks (after AMI is started)."""
        self.callbacks.start()

    async def stop_dialing(self) -> None:
        await self.callbacks.close()

    async def stop_intake(self) -> None:
        """No resync may publish into a stopping bus."""
        await self.calls.handler.close()

    async def flush(self) -> None:
        """Commit what the bus subscribers have buffered (after ``bus.drain()``)."""
        await self.calls.writer.flush()
        await self.callbacks.detector.flush()

    async def close(self) -> None:
        await self.calls.handler.close()
        await self.hours.close()
        await self.agents.close()
        await self.calls.writer.close()
        await self.callbacks.detector.close()


def members_by_queue(agents: Iterable[AgentView]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for agent in agents:
        for queue in agent.queues:
            out.setdefault(queue, set()).add(agent.extension)
    return out


async def setup(deps: Dependencies, directory: EmployeeDirectory, pbx_includes: Path,
                cdr_file: Path | None = None) -> Telephony:
    """``pbx_includes``: the directory the PBX includes as hotline/, where the agents' endpoints are written;
    ``cdr_file``: the PBX's own call records, read back after the first resync (``calls.backfill``)."""
    tracker = await restored_tracker(deps)
    rings = setup_rings(deps, tracker)
    agents = setup_agents(deps, directory)
    calls = setup_calls(deps, tracker, observers=[rings, *agents.observers], cdr_file=cdr_file)
    callbacks = setup_callbacks(deps, agents)
    messages = setup_messages(deps, callbacks.service)
    phones = setup_phones(deps, directory, pbx_includes)
    return Telephony(calls, rings, agents, callbacks, messages, phones, setup_hours(deps), setup_recordings(deps))
