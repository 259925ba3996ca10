"""Agent state from the AMI stream: logged in / available, paused (with reason), ringing, in call, wrap-up,
unreachable — one state per queue member interface, announced as ``AgentStateChanged`` only when it changes.

Sources: ``QueueMemberAdded/Removed`` (logged in = member of at least one queue), ``QueueMemberStatus`` and
``QueueMemberPause`` (paused, reason, device status), ``AgentCalled`` → ``AgentConnect`` / ``AgentRingNoAnswer``
→ ``AgentComplete`` (ringing, in call, then wrap-up for the queue's ``wrapup_seconds``), ``Hangup`` of a ringing
or talking member channel (a ring the caller abandoned), the ``agent-reach`` dialplan's UserEvent (softphone
unreachable: the call went to the fallback number), ``ContactStatus`` (the softphone registered or went away) and
the device state of the member's hint (its phone on a call the queue did not give: ``in_call``). After a reconnect
the state is rebuilt from ``QueueStatus`` and the PJSIP registrations (``reconcile``), never guessed. Wrap-up ends
without any PBX event: ``expire(now)`` ends it, driven by a timer (``run_wrapup_timer``) that sleeps until
``next_deadline()``.
"""
from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from core import dialplan
from core.clock import utcnow
from core.events import AgentState, AgentStateChanged, DomainEvent
from core.policy import PolicyProfile
from telephony.ami.channels import extension_of
from telephony.ami.timestamps import event_time
from telephony.agents.state import (CONTACT_DOWN, CONTACT_UP, DEVICE_INVALID, DEVICE_OCCUPIED, DEVICE_RINGING,
                                    DEVICE_RINGINUSE, DEVICE_UNAVAILABLE, RESYNCED_CALL, UNREACHABLE_DIAL_STATUSES,
                                    AgentRecord)
from telephony.calls.resync import PbxSnapshot

@dataclass(frozen=True)
class AgentView:
    """One agent as the wallboard shows it."""

    extension: str
    interface: str
    state: AgentState
    reason: str
    queues: tuple[str, ...]
    since: dt.datetime


class AgentTracker:
    """EventObserver (see ``telephony.calls.handlers``) keeping every queue member's state; pure, no I/O."""

    def __init__(self, profile: PolicyProfile, on_deadline: Callable[[], None] = lambda: None) -> None:
        self.wrapup = {queue.name: queue.wrapup_seconds for queue in profile.queues}
        self.on_deadline = on_deadline  # told when a new wrap-up deadline exists (wakes the timer)
        self.agents: dict[str, AgentRecord] = {}          # by interface
        self._by_channel: dict[str, str] = {}         # member channel Uniqueid -> interface
        self._handlers: dict[str, Callable[[Mapping], AgentRecord | None]] = {
            "QueueMemberAdded": self._on_member_status,
            "QueueMemberStatus": self._on_member_status,
            "QueueMemberPause": self._on_pause,
            "QueueMemberRemoved": self._on_removed,
            "AgentCalled": self._on_called,
            "AgentConnect": self._on_connect,
            "AgentRingNoAnswer": self._on_ring_end,
            "AgentDump": self._on_ring_end,
            "AgentComplete": self._on_complete,
            "Hangup": self._on_hangup,
            "UserEvent": self._on_user_event,
            "ContactStatus": self._on_contact_status,
        }

    # --- EventObserver ---------------------------------------------------------------------------------------
    def handle(self, event: Mapping) -> list[DomainEvent]:
        handler = self._handlers.get(event.get("Event", ""))
        if handler is None:
            return []
        agent = handler(event)
        if agent is None:
            return []
        return self._announce(agent, event_time(event))

    def reconcile(self, snapshot: PbxSnapshot, now: dt.datetime) -> list[DomainEvent]:
        """Rebuild membership, pause and call state from QueueStatus ``QueueMember`` entries, and the softphones'
        registrations from the PJSIP AORs."""
        seen: dict[str, AgentRecord] = {}
        for entry in snapshot.queue_members:
            interface = entry.get("Location") or entry.get("Interface") or ""
            if not interface:
                continue
            agent = self.agents.get(interface) or self._new(interface, entry.get("Name") or entry.get("MemberName"))
            if interface not in seen:
                agent.queues, agent.ringing, agent.calls = set(), set(), set()
                seen[interface] = agent
            agent.queues.add(entry.get("Queue") or "")
            self._apply_status(agent, entry)
            if str(entry.get("InCall")) == "1":
                agent.calls.add(RESYNCED_CALL)
            elif entry.get("Status") in (DEVICE_RINGING, DEVICE_RINGINUSE):
                agent.ringing.add(RESYNCED_CALL)
        for interface, agent in self.agents.items():
            if interface not in seen:
                agent.queues, agent.ringing, agent.calls = set(), set(), set()
            # only an agent whose extension is a configured AOR has a registration to read; others (no PJSIP, or
            # a softphone that is not a PJSIP endpoint) keep what ContactStatus last said
            if snapshot.registrations is not None and agent.extension in snapshot.registrations:
                agent.softphone_unregistered = not snapshot.registrations[agent.extension]
        self._by_channel = {uid: i for uid, i in self._by_channel.items() if i in seen}
        out: list[DomainEvent] = []
        for agent in list(self.agents.values()):
            out.extend(self._announce(agent, now))
        return out

    # --- time ------------------------------------------------------------------------------------------------
    def next_deadline(self) -> dt.datetime | None:
        deadlines = [a.wrapup_until for a in self.agents.values() if a.wrapup_until is not None]
        return min(deadlines, default=None)

    def expire(self, now: dt.datetime) -> list[DomainEvent]:
        """End the wrap-ups due by ``now``."""
        out: list[DomainEvent] = []
        for agent in self.agents.values():
            if agent.wrapup_until is not None and agent.wrapup_until <= now:
                at, agent.wrapup_until = agent.wrapup_until, None
                out.extend(self._announce(agent, at))
        return out

    # --- read API --------------------------------------------------------------------------------------------
    def snapshot(self) -> list[AgentView]:
        """Every known agent (logged out ones too, until the process restarts), by extension."""
        return sorted((AgentView(extension=a.extension, interface=a.interface, state=a.state, reason=a.reason,
                                 queues=tuple(sorted(a.queues)), since=a.since)
                       for a in self.agents.values()), key=lambda view: (view.extension, view.interface))

    def state_of(self, extension: str) -> AgentState | None:
        for agent in self.agents.values():
            if agent.extension == extension:
                return agent.state
        return None

    # --- event handlers --------------------------------------------------------------------------------------
    def _new(self, interface: str, name: str | None) -> AgentRecord:
        agent = AgentRecord(extension=name or extension_of(interface) or interface, interface=interface)
        self.agents[interface] = agent
        return agent

    def _agent(self, event: Mapping, create: bool = False) -> AgentRecord | None:
        interface = event.get("Interface") or event.get("Location") or ""
        agent = self.agents.get(interface)
        if agent is None and create and interface:
            agent = self._new(interface, event.get("MemberName"))
        return agent

    def _apply_status(self, agent: AgentRecord, event: Mapping) -> None:
        if "Paused" in event:
            agent.paused = str(event["Paused"]) == "1"
            agent.pause_reason = (event.get("PausedReason") or event.get("Reason") or "") if agent.paused else ""
        if "Status" in event:
            agent.device_unreachable = event["Status"] in (DEVICE_INVALID, DEVICE_UNAVAILABLE)
            agent.device_occupied = event["Status"] in DEVICE_OCCUPIED

    def _on_member_status(self, event: Mapping) -> AgentRecord | None:
        agent = self._agent(event, create=True)
        if agent is not None:
            agent.queues.add(event.get("Queue") or "")
            self._apply_status(agent, event)
        return agent

    def _on_pause(self, event: Mapping) -> AgentRecord | None:
        agent = self._agent(event)
        if agent is not None:
            self._apply_status(agent, event)
        return agent

    def _on_removed(self, event: Mapping) -> AgentRecord | None:
        agent = self._agent(event)
        if agent is not None:
            agent.queues.discard(event.get("Queue") or "")
        return agent

    def _on_called(self, event: Mapping) -> AgentRecord | None:
        return self._member_channel(event, _ringing)

    def _on_connect(self, event: Mapping) -> AgentRecord | None:
        return self._member_channel(event, _talking)

    def _member_channel(self, event: Mapping, change: Callable[[AgentRecord, str], None]) -> AgentRecord | None:
        """Apply ``change`` to the member (created when new) and its channel; its hangup is then theirs."""
        agent = self._agent(event, create=True)
        if agent is None:
            return None
        channel = event.get("DestUniqueid") or RESYNCED_CALL
        change(agent, channel)
        self._by_channel[channel] = agent.interface
        return agent

    def _on_ring_end(self, event: Mapping) -> AgentRecord | None:
        agent = self._agent(event)
        if agent is None:
            return None
        channel = event.get("DestUniqueid") or ""
        agent.ringing.discard(channel)
        agent.ringing.discard(RESYNCED_CALL)
        self._by_channel.pop(channel, None)
        return agent

    def _on_complete(self, event: Mapping) -> AgentRecord | None:
        agent = self._agent(event)
        if agent is None:
            return None
        self._by_channel = {uid: i for uid, i in self._by_channel.items() if i != agent.interface}
        agent.calls.clear()  # ringinuse=no: one queue call per agent at a time
        agent.device_occupied = False   # the phone's state during the queue's call; the next status says if still
        wrapup = self.wrapup.get(event.get("Queue") or "", 0.0)
        if wrapup > 0:
            agent.wrapup_until = event_time(event) + dt.timedelta(seconds=wrapup)
            self.on_deadline()
        return agent

    def _on_hangup(self, event: Mapping) -> AgentRecord | None:
        interface = self._by_channel.pop(event.get("Uniqueid") or "", None)
        agent = self.agents.get(interface) if interface else None
        if agent is None:
            return None
        # only a ring ends with its channel: a call's member channel hangs up just before AgentComplete, which
        # ends the call and starts wrap-up (ending it here would flash "available" in between)
        channel = event.get("Uniqueid") or ""
        if channel not in agent.ringing:
            return None
        agent.ringing.discard(channel)
        return agent

    def _on_user_event(self, event: Mapping) -> AgentRecord | None:
        if event.get("UserEvent") != dialplan.USEREVENT_AGENT_REACH:
            return None
        extension = event.get("Extension") or ""
        status = (event.get("SoftphoneStatus") or "").upper()
        for agent in self.agents.values():
            if agent.extension == extension:
                agent.softphone_unreachable = status in UNREACHABLE_DIAL_STATUSES
                return agent
        return None

    def _on_contact_status(self, event: Mapping) -> AgentRecord | None:
        """A softphone registered (Created, Reachable) or went away (Removed, Unreachable); the AOR is the
        extension (pjsip.conf: one AOR per employee, named like them)."""
        status = event.get("ContactStatus") or ""
        if status not in CONTACT_UP | CONTACT_DOWN:
            return None
        for agent in self.agents.values():
            if agent.extension == event.get("AOR"):
                agent.softphone_unregistered = status in CONTACT_DOWN
                return agent
        return None

    def _announce(self, agent: AgentRecord, at: dt.datetime) -> list[DomainEvent]:
        state, reason = agent.derive(at)
        if (state, reason) == (agent.state, agent.reason):
            return []
        agent.state, agent.reason, agent.since = state, reason, at
        return [AgentStateChanged(at=at, extension=agent.extension, interface=agent.interface, state=state,
                                  reason=reason)]


def _ringing(agent: AgentRecord, channel: str) -> None:
    agent.ringing.add(channel)
    agent.softphone_unreachable = False  # trying again; agent-reach says if it still is
    agent.device_occupied = False        # the queue rings only a free phone (ringinuse = no)


def _talking(agent: AgentRecord, channel: str) -> None:
    agent.ringing.discard(channel)
    agent.ringing.discard(RESYNCED_CALL)
    agent.calls.add(channel)
    agent.wrapup_until = None


async def run_wrapup_timer(tracker: AgentTracker, publish: Callable[[DomainEvent], Awaitable[None]],
                           wake: asyncio.Event, clock: Callable[[], dt.datetime] = utcnow) -> None:
    """Ends wrap-ups on time: sleeps until the tracker's next deadline (or until ``wake`` says there is a new
    one), then publishes what ``expire`` announces. Runs until cancelled."""
    while True:
        deadline = tracker.next_deadline()
        timeout = None if deadline is None else max(0.0, (deadline - clock()).total_seconds())
        try:
            async with asyncio.timeout(timeout):   # not wait_for: on 3.11 it can swallow this task's cancellation
                await wake.wait()
        except TimeoutError:
            pass
        wake.clear()
        for event in tracker.expire(clock()):
            await publish(event)
