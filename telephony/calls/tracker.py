"""The live call model: AMI channel events in, domain events out.

A *call* is the group of channels that share the PBX's ``Linkedid``; it becomes a hotline call when its caller's
channel enters an inbound context (``from-pstn``; ``channels.may_open_call``). Local channel halves (``;1``/``;2``)
and agent legs are just more channels of the group. The call ends when the last channel of the group has hung up.

Events are ordered per channel only, so the machine never moves backwards: late ring events after an answer,
or anything after the end, are ignored. This module is pure (no I/O) so it is replayed in unit tests and
benchmarks; ``telephony.calls.handlers`` feeds it and publishes what it returns.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from core import dialplan
from core.events import CallOffered, CallRelinked, CallState, CallStateChanged, DomainEvent, EndCause
from telephony.ami.causes import is_failure, parse_cause
from telephony.ami.channels import caller_number, device_of, leg_of, may_open_call
from telephony.ami.timestamps import event_time

SOFTHANGUP_SHUTDOWN = 4  # AST_SOFTHANGUP_SHUTDOWN: the PBX is stopping or restarting

_ORDER = {CallState.OFFERED: 0, CallState.QUEUED: 1, CallState.RINGING: 1, CallState.ANSWERED: 2,
          CallState.ENDED: 3}


@dataclass
class TrackedCall:
    call_id: str                   # stable: the Linkedid the call was first seen with
    linkedid: str                  # current Linkedid (it may change on bridge)
    caller_uniqueid: str           # the channel that entered the inbound context
    caller_leg: str = ""           # its leg (both halves of a Local channel)
    pending_offer: CallOffered | None = None  # announced at the call's next event, once the caller ID is known
    state: CallState = CallState.OFFERED
    queue: str | None = None
    channels: set[str] = field(default_factory=set)
    ringing: set[str] = field(default_factory=set)
    abandoned: bool = False
    caller_cause: int | None = None
    caller_cause_text: str = ""
    # a failure cause on the agent's side (any channel but the caller's, after the answer): an agent's phone or
    # network failing cuts the call too
    agent_side_cause: int | None = None
    agent_side_cause_text: str = ""
    torn_down_by_pbx_shutdown: bool = False
    queue_failed: bool = False     # the queue could not take the caller: unanswered, never abandoned
    closed: bool = False           # the line was closed (HotlineClosed): nobody was rung, nothing is owed
    callback_booked: bool = False  # the IVR booked the caller a callback (HotlineCallbackBooked)

    @property
    def answered(self) -> bool:
        return self.state is CallState.ANSWERED

    def dialled_by_caller(self, event: Mapping) -> bool:
        """Whether a Dial event is the caller's own Dial (a direct line), not one made further along for it (the
        agent-reach path dialling the softphone, then the fallback number). Unknown leg (a restored call): yes."""
        return not self.caller_leg or leg_of(event.get("Channel") or "") == self.caller_leg


class CallTracker:
    """Turns raw AMI events (case-insensitive mappings) into domain events."""

    def __init__(self, inbound_contexts: Iterable[str] = ("from-pstn",)) -> None:
        self.inbound_contexts = frozenset(inbound_contexts)
        self.calls: dict[str, TrackedCall] = {}        # by current Linkedid
        self.channel_linkedid: dict[str, str] = {}     # Uniqueid -> Linkedid, for every live channel seen
        self._handlers: dict[str, Callable[[Mapping, TrackedCall | None], list[DomainEvent]]] = {
            "Newchannel": self._on_newchannel,
            "QueueCallerJoin": self._on_queue_join,
            "AgentCalled": self._on_ring_start,
            "DialBegin": self._on_dial_begin,
            "AgentRingNoAnswer": self._on_ring_end,
            "AgentConnect": self._on_answer,
            "DialEnd": self._on_dial_end,
            "QueueCallerAbandon": self._on_abandon,
            "SoftHangupRequest": self._on_soft_hangup_request,
            "Hangup": self._on_hangup,
            "UserEvent": self._on_user_event,
        }

    @property
    def active_calls(self) -> int:
        return len(self.calls)

    def restore(self, call_id: str, linkedid: str, state: CallState, queue: str | None) -> None:
        """Take back a call the database says was live when the service stopped; resync then checks it."""
        self.calls[linkedid] = TrackedCall(call_id=call_id, linkedid=linkedid, caller_uniqueid="", state=state,
                                           queue=queue)

    # -- entry point ---------------------------------------------------------------------------------------
    def handle(self, event: Mapping) -> list[DomainEvent]:
        name = event.get("Event")
        uniqueid = event.get("Uniqueid")
        linkedid = event.get("Linkedid")
        out: list[DomainEvent] = []
        if uniqueid and linkedid:
            known = self.channel_linkedid.get(uniqueid)
            if known is not None and known != linkedid:
                out.extend(self._relink(known, linkedid, event))
        call = self.calls.get(linkedid) if linkedid else None
        handler = self._handlers.get(name)
        if call is not None and call.pending_offer is not None and name != "Newchannel":
            out.extend(self._maybe_announce(call, event, meaningful=handler is not None))
        if handler is not None:
            out.extend(handler(event, call))
        return out

    # -- handlers --------------------------------------------------------------------------------------------
    def _on_newchannel(self, event: Mapping, call: TrackedCall | None) -> list[DomainEvent]:
        uniqueid, linkedid = event.get("Uniqueid"), event.get("Linkedid")
        if not uniqueid or not linkedid:
            return []
        self.channel_linkedid[uniqueid] = linkedid
        if call is not None:
            call.channels.add(uniqueid)
            return []
        channel = event.get("Channel") or ""
        if event.get("Context") not in self.inbound_contexts or not may_open_call(uniqueid, linkedid, channel):
            return []
        call = TrackedCall(call_id=linkedid, linkedid=linkedid, caller_uniqueid=uniqueid, caller_leg=leg_of(channel))
        call.channels.update(u for u, lid in self.channel_linkedid.items() if lid == linkedid)
        call.pending_offer = CallOffered(at=event_time(event), call_id=call.call_id,
                                         caller=caller_number(event.get("CallerIDNum")),
                                         dialed=event.get("Exten") or "", channel=channel)
        self.calls[linkedid] = call
        return []

    def _maybe_announce(self, call: TrackedCall, event: Mapping, meaningful: bool) -> list[DomainEvent]:
        """Announce a new call once its caller's number is known, or when something happens to it anyway.

        A Local channel learns its caller ID a few events after Newchannel; a withheld number never comes, so
        the call is announced at its first queue, dial or hangup event with what is known."""
        number = caller_number(event.get("CallerIDNum"))
        if number and leg_of(event.get("Channel") or "") == call.caller_leg:
            call.pending_offer = replace(call.pending_offer, caller=number)
            return self._announce(call)
        return self._announce(call) if meaningful else []

    def _announce(self, call: TrackedCall) -> list[DomainEvent]:
        offer, call.pending_offer = call.pending_offer, None
        return [offer, CallStateChanged(at=offer.at, call_id=call.call_id, state=CallState.OFFERED)]

    def _on_queue_join(self, event: Mapping, call: TrackedCall | None) -> list[DomainEvent]:
        if call is None:
            return []
        call.queue = event.get("Queue") or call.queue
        return self.advance(call, CallState.QUEUED, event)

    def _on_dial_begin(self, event: Mapping, call: TrackedCall | None) -> list[DomainEvent]:
        # in a queue, the queue's own events are authoritative; a direct line is the caller's own Dial
        if call is None or call.queue is not None or not call.dialled_by_caller(event):
            return []
        return self._on_ring_start(event, call)

    def _on_ring_start(self, event: Mapping, call: TrackedCall | None) -> list[DomainEvent]:
        if call is None or call.state is CallState.ANSWERED:
            return []
        dest = event.get("DestUniqueid") or event.get("DestChannel") or ""
        first = not call.ringing
        call.ringing.add(dest)
        if not first and call.state is CallState.RINGING:
            return []
        target = event.get("Interface") or device_of(event.get("DestChannel") or "") or None
        return self.advance(call, CallState.RINGING, event, target=target)

    def _on_ring_end(self, event: Mapping, call: TrackedCall | None) -> list[DomainEvent]:
        if call is None or call.state is not CallState.RINGING:
            return []
        call.ringing.discard(event.get("DestUniqueid") or event.get("DestChannel") or "")
        if call.ringing:
            return []
        back = CallState.QUEUED if call.queue else CallState.OFFERED
        return self.advance(call, back, event)

    def _on_answer(self, event: Mapping, call: TrackedCall | None) -> list[DomainEvent]:
        if call is None:
            return []
        call.ringing.clear()
        target = event.get("Interface") or device_of(event.get("DestChannel") or "") or None
        return self.advance(call, CallState.ANSWERED, event, target=target)

    def _on_dial_end(self, event: Mapping, call: TrackedCall | None) -> list[DomainEvent]:
        if call is None or call.queue is not None or not call.dialled_by_caller(event):
            return []
        if event.get("DialStatus") == "ANSWER":
            return self._on_answer(event, call)
        return self._on_ring_end(event, call)

    def _on_abandon(self, event: Mapping, call: TrackedCall | None) -> list[DomainEvent]:
        if call is not None:
            call.abandoned = True
        return []

    def _on_user_event(self, event: Mapping, call: TrackedCall | None) -> list[DomainEvent]:
        if call is not None and event.get("UserEvent") == dialplan.USEREVENT_QUEUE_FAILED:
            call.queue_failed = True
            call.queue = call.queue or event.get("Queue") or None   # JOINEMPTY: the queue never saw the caller
        elif call is not None and event.get("UserEvent") == dialplan.USEREVENT_CLOSED:
            call.closed = True
        elif call is not None and event.get("UserEvent") == dialplan.USEREVENT_CALLBACK_BOOKED:
            call.callback_booked = True
        return []

    def _on_soft_hangup_request(self, event: Mapping, call: TrackedCall | None) -> list[DomainEvent]:
        # Here Cause is Asterisk's soft-hangup reason, not Q.850: a restart or stop hangs every channel up
        if call is not None and parse_cause(event.get("Cause")) == SOFTHANGUP_SHUTDOWN:
            call.torn_down_by_pbx_shutdown = True
        return []

    def _on_hangup(self, event: Mapping, call: TrackedCall | None) -> list[DomainEvent]:
        uniqueid = event.get("Uniqueid")
        self.channel_linkedid.pop(uniqueid, None)
        if call is None:
            return []
        call.channels.discard(uniqueid)
        call.ringing.discard(uniqueid)
        cause = parse_cause(event.get("Cause"))
        if leg_of(event.get("Channel") or "") == call.caller_leg:
            if call.caller_cause is None:   # the first half of the caller's leg to hang up carries the real cause
                call.caller_cause, call.caller_cause_text = cause, event.get("Cause-txt") or ""
        elif call.answered and call.agent_side_cause is None and is_failure(cause):
            # whichever leg's Hangup comes first: the caller's leg leaves the bridge in its own thread and may hang
            # up before the failed agent leg's Hangup is published. A normal caller hang-up hands the agent's leg
            # its own cause (normal clearing), so a failure here is the agent's side failing.
            call.agent_side_cause, call.agent_side_cause_text = cause, event.get("Cause-txt") or ""
        if call.channels:
            return []
        end_cause = self._end_cause(call)
        detail = call.caller_cause_text
        if end_cause is EndCause.DROPPED and not is_failure(call.caller_cause):
            detail = f"agent side: {call.agent_side_cause_text}"   # the caller's leg ended normally
        return self.end(call, end_cause, event_time(event), detail=detail)

    # -- transitions -----------------------------------------------------------------------------------------
    def advance(self, call: TrackedCall, state: CallState, event: Mapping,
                target: str | None = None) -> list[DomainEvent]:
        if state is call.state or _ORDER[state] < _ORDER[call.state]:
            return []
        call.state = state
        return [CallStateChanged(at=event_time(event), call_id=call.call_id, state=state, queue=call.queue,
                                 target=target)]

    def end(self, call: TrackedCall, cause: EndCause, at: dt.datetime, detail: str = "") -> list[DomainEvent]:
        """Close ``call`` for good (also used by resync for calls the PBX no longer has)."""
        self.calls.pop(call.linkedid, None)
        for uniqueid in call.channels:
            self.channel_linkedid.pop(uniqueid, None)
        call.state = CallState.ENDED
        announced = self._announce(call) if call.pending_offer is not None else []
        return announced + [CallStateChanged(at=at, call_id=call.call_id, state=CallState.ENDED, queue=call.queue,
                                 cause=cause, detail=detail)]

    @staticmethod
    def _end_cause(call: TrackedCall) -> EndCause:
        if call.torn_down_by_pbx_shutdown:
            return EndCause.LOST_DURING_OUTAGE
        if call.answered:   # cut on either side ("whoever called whom", LT-2021 §12.25), or a normal end
            cut = is_failure(call.caller_cause) or call.agent_side_cause is not None
            return EndCause.DROPPED if cut else EndCause.COMPLETED
        if call.closed:   # whether the caller hung up or heard goodbye: the line was closed, no callback owed
            return EndCause.CLOSED
        if call.callback_booked:   # they leave with a promise, not unheard
            return EndCause.CALLBACK_BOOKED
        if call.queue_failed:
            return EndCause.UNANSWERED
        if call.abandoned or (call.queue is None and not is_failure(call.caller_cause)):
            return EndCause.ABANDONED
        return EndCause.UNANSWERED

    def _relink(self, old: str, new: str, event: Mapping) -> list[DomainEvent]:
        uniqueid = event.get("Uniqueid")
        self.channel_linkedid[uniqueid] = new
        old_call = self.calls.get(old)
        new_call = self.calls.get(new)
        if old_call is not None:
            old_call.channels.discard(uniqueid)
        if new_call is not None:
            new_call.channels.add(uniqueid)
        elif old_call is not None and uniqueid == old_call.caller_uniqueid:
            # the caller's channel anchors the call: the call follows it to the new Linkedid
            del self.calls[old]
            old_call.linkedid = new
            old_call.channels = {u for u, lid in self.channel_linkedid.items() if lid == new}
            self.calls[new] = old_call
            return [CallRelinked(at=event_time(event), old_id=old_call.call_id, new_id=new)]
        if old_call is not None and not old_call.channels:
            return self.end(old_call, self._end_cause(old_call), event_time(event))
        return []
