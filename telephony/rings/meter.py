"""Ring measurement: every offered ring becomes ``RingStarted`` then ``RingEnded`` with its ring count and SLA.

A ring is one target ringing for one call: a queue member (``AgentCalled`` → ``AgentConnect`` answered,
``AgentRingNoAnswer`` timed out) or a direct line (``DialBegin`` → ``DialEnd``). A ring also ends, unanswered,
when its channel hangs up (the queue gave up on it, another member answered a ringall) or the caller leaves
(``QueueCallerAbandon``). Rings are keyed by the ringing channel's Uniqueid (``DestUniqueid``).

Durations come from the PBX's event stamps (``Timestamp``), never from ``RingTime``, whose unit differs between
events (ms in AgentRingNoAnswer, s in AgentConnect). ``within_sla`` means *answered in time*: answered during a
ring not past the profile's ``max_ring_count``; a ring that timed out has its ring count (how long it rang) and
``answered=False``, so "moved on before the 3rd ring" reads as ``ring_count <= 2, answered=False``.

This observer runs after the call tracker saw the same event, so ``tracker.calls[Linkedid]`` is current.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from core.events import DomainEvent, RingEnded, RingEndReason, RingStarted
from core.policy import RingSla
from core.ring_sla import ring_count, within_sla
from telephony.ami.causes import is_failure, parse_cause
from telephony.ami.channels import device_of, extension_of
from telephony.ami.timestamps import event_time
from telephony.calls.resync import PbxSnapshot
from telephony.calls.tracker import CallTracker

log = logging.getLogger(__name__)

# a direct line's DialEnd status; anything else: unknown
DIAL_END_REASONS = {"ANSWER": RingEndReason.ANSWERED, "NOANSWER": RingEndReason.TIMEOUT,
                    "CANCEL": RingEndReason.CALLER_LEFT, "BUSY": RingEndReason.UNREACHABLE,
                    "CHANUNAVAIL": RingEndReason.UNREACHABLE, "CONGESTION": RingEndReason.UNREACHABLE}
ANSWERED_ELSEWHERE, USER_BUSY, NO_USER_RESPONDING, NO_ANSWER = 26, 17, 18, 19   # Q.850 causes of a ring's hangup
MAX_OPEN_RINGS = 10_000      # far above any real PBX; a ring that never ends is evicted, not kept forever
RECENTLY_ENDED = 2_000       # ring ids remembered so a repeated start event does not reopen an ended ring


@dataclass(frozen=True)
class OpenRing:
    call_id: str
    linkedid: str
    ring_id: str
    target: str
    extension: str | None
    queue: str | None
    started_at: dt.datetime


class RingMeter:
    """EventObserver (see ``telephony.calls.handlers``): AMI events in, ring domain events out. Pure, no I/O."""

    def __init__(self, tracker: CallTracker, ring_sla: RingSla, max_open: int = MAX_OPEN_RINGS) -> None:
        self.tracker = tracker
        self.ring_sla = ring_sla
        self.max_open = max_open
        self.open: OrderedDict[str, OpenRing] = OrderedDict()   # by ring id, oldest first
        self._ended: OrderedDict[str, None] = OrderedDict()
        self.evicted = 0
        self._handlers = {
            "AgentCalled": self._on_agent_called,
            "AgentConnect": self._on_agent_connect,
            "AgentRingNoAnswer": self._on_ring_no_answer,
            "DialBegin": self._on_dial_begin,
            "DialEnd": self._on_dial_end,
            "Hangup": self._on_hangup,
            "QueueCallerAbandon": self._on_caller_abandon,
        }

    # -- EventObserver ------------------------------------------------------------------------------------------
    def handle(self, event: Mapping) -> list[DomainEvent]:
        handler = self._handlers.get(event.get("Event"))
        return handler(event) if handler is not None else []

    def reconcile(self, snapshot: PbxSnapshot, now: dt.datetime) -> list[DomainEvent]:
        """After a reconnect: rings whose channel the PBX no longer has ended unanswered (when exactly is unknown;
        ``now`` is the earliest time we can vouch for). Rings still ringing stay open for their real end event."""
        live = {channel.uniqueid for channel in snapshot.channels}
        gone = [ring for ring_id, ring in self.open.items() if ring_id not in live]
        return [self._end(ring, now, RingEndReason.UNKNOWN) for ring in gone]   # how they ended, nobody knows

    # -- ring starts ----------------------------------------------------------------------------------------
    def _on_agent_called(self, event: Mapping) -> list[DomainEvent]:
        interface = event.get("Interface") or device_of(event.get("DestChannel") or "")
        return self._start(event, interface, extension_of(interface), event.get("Queue") or None)

    def _on_dial_begin(self, event: Mapping) -> list[DomainEvent]:
        call = self.tracker.calls.get(event.get("Linkedid") or "")
        # in a queue, AgentCalled & co. are authoritative; a direct line's ring is the caller's own Dial (not the
        # agent-reach path's dials of the softphone and the fallback number, which are the same ring)
        if call is None or call.queue is not None or not call.dialled_by_caller(event):
            return []
        target = device_of(event.get("DestChannel") or "")
        return self._start(event, target, extension_of(target), None)

    def _start(self, event: Mapping, target: str, extension: str | None, queue: str | None) -> list[DomainEvent]:
        ring_id = event.get("DestUniqueid") or ""
        call = self.tracker.calls.get(event.get("Linkedid") or "")
        if call is None or not ring_id or not target or ring_id in self.open or ring_id in self._ended:
            return []
        ring = OpenRing(call_id=call.call_id, linkedid=call.linkedid, ring_id=ring_id, target=target,
                        extension=extension, queue=queue, started_at=event_time(event))
        self.open[ring_id] = ring
        if len(self.open) > self.max_open:
            _, lost = self.open.popitem(last=False)
            self._remember_ended(lost.ring_id)
            self.evicted += 1
            log.warning("ring meter: ring %s of call %s never ended; dropped (%d open)",
                        lost.ring_id, lost.call_id, len(self.open))
        return [RingStarted(at=ring.started_at, call_id=ring.call_id, ring_id=ring_id, target=target,
                            extension=extension, queue=queue)]

    # -- ring ends ------------------------------------------------------------------------------------------
    def _on_agent_connect(self, event: Mapping) -> list[DomainEvent]:
        return self._end_by_id(event.get("DestUniqueid"), event, RingEndReason.ANSWERED)

    def _on_ring_no_answer(self, event: Mapping) -> list[DomainEvent]:
        return self._end_by_id(event.get("DestUniqueid"), event, RingEndReason.TIMEOUT)

    def _on_dial_end(self, event: Mapping) -> list[DomainEvent]:
        ring = self.open.get(event.get("DestUniqueid") or "")
        if ring is None or ring.queue is not None:  # queue rings end on the queue's own events
            return []
        reason = DIAL_END_REASONS.get(event.get("DialStatus") or "", RingEndReason.UNKNOWN)
        return self._end_by_id(ring.ring_id, event, reason)

    def _on_hangup(self, event: Mapping) -> list[DomainEvent]:
        return self._end_by_id(event.get("Uniqueid"), event, hangup_reason(parse_cause(event.get("Cause"))))

    def _on_caller_abandon(self, event: Mapping) -> list[DomainEvent]:
        linkedid = event.get("Linkedid")
        call = self.tracker.calls.get(linkedid or "")
        call_id = call.call_id if call is not None else None
        ringing = [r for r in self.open.values() if r.linkedid == linkedid or r.call_id == call_id]
        at = event_time(event)
        return [self._end(ring, at, RingEndReason.CALLER_LEFT) for ring in ringing]

    def _end_by_id(self, ring_id: str | None, event: Mapping, reason: RingEndReason) -> list[DomainEvent]:
        ring = self.open.get(ring_id or "")
        return [self._end(ring, event_time(event), reason)] if ring is not None else []

    def _end(self, ring: OpenRing, at: dt.datetime, reason: RingEndReason) -> RingEnded:
        del self.open[ring.ring_id]
        self._remember_ended(ring.ring_id)
        count = ring_count((at - ring.started_at).total_seconds(), self.ring_sla.cadence)
        answered = reason is RingEndReason.ANSWERED
        return RingEnded(at=at, call_id=ring.call_id, ring_id=ring.ring_id, target=ring.target,
                         extension=ring.extension, queue=ring.queue, started_at=ring.started_at, answered=answered,
                         ring_count=count, within_sla=answered and within_sla(count, self.ring_sla.max_ring_count),
                         reason=reason)

    def _remember_ended(self, ring_id: str) -> None:
        self._ended[ring_id] = None
        if len(self._ended) > RECENTLY_ENDED:
            self._ended.popitem(last=False)


def hangup_reason(cause: int | None) -> RingEndReason:
    """Why a ring ended when its channel hung up before any queue or Dial event said so."""
    if cause == ANSWERED_ELSEWHERE:
        return RingEndReason.ANSWERED_ELSEWHERE
    if cause in (NO_USER_RESPONDING, NO_ANSWER):
        return RingEndReason.TIMEOUT
    if cause == USER_BUSY or is_failure(cause):
        return RingEndReason.UNREACHABLE
    return RingEndReason.UNKNOWN
