"""One agent's state as the tracker keeps it (``AgentRecord``) and how its public state is derived from it, with
the Asterisk device states and dial statuses it is read from."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from core.clock import utcnow
from core.events import AgentState

# Asterisk device states in QueueMemberStatus/QueueMember "Status"
DEVICE_INVALID, DEVICE_UNAVAILABLE, DEVICE_RINGING, DEVICE_RINGINUSE = "4", "5", "6", "7"
# the softphone (the member's StateInterface) is on some call: in use, busy, held. Not ringing: the queue's own ring
# shows it a moment before AgentCalled, and a ringing phone is not yet taken
DEVICE_OCCUPIED = frozenset({"2", "3", "8"})
UNREACHABLE_DIAL_STATUSES = frozenset({"CHANUNAVAIL", "CONGESTION"})
CONTACT_UP, CONTACT_DOWN = frozenset({"Created", "Reachable"}), frozenset({"Removed", "Unreachable"})
RESYNCED_CALL = "resynced"  # stands for a call or ring seen only in QueueStatus (its channel id is unknown)



@dataclass
class AgentRecord:
    extension: str
    interface: str
    queues: set[str] = field(default_factory=set)
    paused: bool = False
    pause_reason: str = ""
    device_unreachable: bool = False
    device_occupied: bool = False    # on a call the queue did not give them (a direct line, a personal call)
    softphone_unreachable: bool = False
    softphone_unregistered: bool = False   # the PBX removed or lost its registration (ContactStatus, resync)
    ringing: set[str] = field(default_factory=set)   # member channel Uniqueids ringing now
    calls: set[str] = field(default_factory=set)     # member channel Uniqueids talking now
    wrapup_until: dt.datetime | None = None
    state: AgentState = AgentState.LOGGED_OUT
    reason: str = ""
    since: dt.datetime = field(default_factory=utcnow)

    def derive(self, now: dt.datetime) -> tuple[AgentState, str]:
        if not self.queues:
            return AgentState.LOGGED_OUT, ""
        if self.calls:
            return AgentState.IN_CALL, ""
        if self.ringing:
            return AgentState.RINGING, ""
        if self.wrapup_until is not None and now < self.wrapup_until:
            return AgentState.WRAP_UP, ""
        if self.paused:
            return AgentState.PAUSED, self.pause_reason
        if self.device_occupied:
            return AgentState.IN_CALL, "device_in_use"
        if self.device_unreachable:
            return AgentState.UNREACHABLE, "device_unavailable"
        if self.softphone_unreachable:
            return AgentState.UNREACHABLE, "softphone_unreachable"
        if self.softphone_unregistered:
            return AgentState.UNREACHABLE, "softphone_unregistered"
        return AgentState.AVAILABLE, ""
