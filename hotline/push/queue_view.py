"""The live picture of the queues for supervisors: waiting callers, longest wait, agents by state.

Built only from what the bus says (call states, agent states, rings) and, after each resync, from the call
tracker's live calls, so it is never guessed across a reconnect. Pure state: no I/O, no clock of its own.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from core.events import AgentState, AgentStateChanged, CallState, CallStateChanged, RingStarted

WAITING = frozenset({CallState.QUEUED, CallState.RINGING})
# queue -> extensions that are its members, when something (the agent tracker) knows; else learnt from rings
MembersProvider = Callable[[], Mapping[str, Iterable[str]]]


@dataclass
class LiveCall:
    call_id: str
    state: CallState
    queue: str | None
    since: dt.datetime          # when it entered its current state (waiting: when it first queued)


@dataclass
class LiveAgent:
    extension: str
    state: AgentState
    reason: str
    since: dt.datetime


class QueueView:
    def __init__(self, queues: Mapping[str, str], members: MembersProvider | None = None) -> None:
        self.labels = dict(queues)              # queue name -> label, in the profile's order
        self.calls: dict[str, LiveCall] = {}
        self.agents: dict[str, LiveAgent] = {}
        self.learnt_members: dict[str, set[str]] = {}
        self._members = members

    # -- inputs ----------------------------------------------------------------------------------------------
    def call_state(self, event: CallStateChanged) -> None:
        if event.state is CallState.ENDED:
            self.calls.pop(event.call_id, None)
            return
        known = self.calls.get(event.call_id)
        queue = event.queue or (known.queue if known else None)
        # a call moving between queued and ringing keeps waiting since it first queued
        keep_since = known is not None and known.state in WAITING and event.state in WAITING
        since = known.since if keep_since else event.at
        self.calls[event.call_id] = LiveCall(event.call_id, event.state, queue, since)

    def agent_state(self, event: AgentStateChanged) -> None:
        self.agents[event.extension] = LiveAgent(event.extension, event.state, event.reason, event.at)

    def ring_started(self, event: RingStarted) -> None:
        if event.queue and event.extension:
            self.learnt_members.setdefault(event.queue, set()).add(event.extension)

    def resynced(self, live: Iterable[tuple[str, CallState, str | None]], now: dt.datetime) -> None:
        """Align with the tracker's live calls ``(call_id, state, queue)``: drop the gone, add the unseen."""
        live = list(live)
        ids = {call_id for call_id, _, _ in live}
        for gone in set(self.calls) - ids:
            del self.calls[gone]
        for call_id, state, queue in live:
            if state is not CallState.ENDED and call_id not in self.calls:
                self.calls[call_id] = LiveCall(call_id, state, queue, now)

    def age_out(self, live_ids: set[str], now: dt.datetime, grace: dt.timedelta) -> bool:
        """Drop calls the tracker no longer has (``live_ids``) and that have not changed for ``grace``: an end event
        lost on the way must not leave a phantom caller waiting on the wallboard. Whether any went."""
        gone = [call_id for call_id, call in self.calls.items()
                if call_id not in live_ids and now - call.since >= grace]
        for call_id in gone:
            del self.calls[call_id]
        return bool(gone)

    # -- output ----------------------------------------------------------------------------------------------
    def members(self) -> dict[str, set[str]]:
        known = {queue: set(exts) for queue, exts in (self._members() if self._members else {}).items()}
        for queue, exts in self.learnt_members.items():
            known.setdefault(queue, set()).update(exts)
        return known

    def snapshot(self, now: dt.datetime) -> dict:
        """The ``queue_state`` message body."""
        members = self.members()
        names = list(self.labels) + sorted({c.queue for c in self.calls.values() if c.queue} - set(self.labels))
        queues = []
        for name in names:
            waiting = [c for c in self.calls.values() if c.queue == name and c.state in WAITING]
            oldest = min((c.since for c in waiting), default=None)
            states = Counter(self.agents[ext].state.value for ext in members.get(name, ()) if ext in self.agents)
            queues.append({
                "queue": name,
                "label": self.labels.get(name, name),
                "waiting": len(waiting),
                "longest_wait_since": oldest.isoformat() if oldest else None,
                "longest_wait_seconds": round((now - oldest).total_seconds(), 1) if oldest else 0.0,
                "in_call": sum(1 for c in self.calls.values() if c.queue == name and c.state is CallState.ANSWERED),
                "agents": dict(states),
            })
        return {
            "queues": queues,
            "agents": [{"extension": a.extension, "state": a.state.value, "reason": a.reason,
                        "since": a.since.isoformat()} for a in sorted(self.agents.values(), key=lambda a: a.extension)],
            "calls": [{"call_id": c.call_id, "state": c.state.value, "queue": c.queue, "since": c.since.isoformat()}
                      for c in sorted(self.calls.values(), key=lambda c: c.since)],
        }
