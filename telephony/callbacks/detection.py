"""Detects who must be called back from the call model's events and asks for the callback task (REQUIREMENTS §5).

A durable bus subscriber. It remembers each live call's caller, dialled number and queue (from ``CallOffered`` and
``CallStateChanged``) in a bounded map, and when the call ends decides:

* ended ``abandoned`` or ``unanswered`` after reaching a queue → ``abandoned`` / ``missed`` task;
* ended without an answer on a direct line (not the public number) → ``missed`` task;
* answered and ended ``dropped`` (network failure on the caller's leg) → ``dropped`` task;
* cut by an outage (``lost_during_outage``: the PBX restarted or crashed, AMI or hotline was down) → by the last
  state known: answered → ``dropped``; queued, ringing, or on a direct line → ``missed`` (the caller did not
  choose to leave: the outage cut them off);
* the call itself already asked for a callback (IVR offer, a message) → no second request (the ledger checks);
* no usable number (anonymous, withheld, malformed, not dialable under the profile) → no task; the reason is
  recorded in ``callback_skips`` for that call.

An answered inbound call also settles the caller's pending tasks (``satisfied``): they got their conversation.
Outbound calls (the dialer's callbacks) are the dialer's to settle: ignored here.
Due times are moved into the profile's business hours and working days. Numbers are never logged.

Deciding needs no database (but for a call from before this process); what is decided goes to the
:class:`~telephony.callbacks.owed.CallbackLedger`, which writes many calls' decisions in one transaction.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from core.calendar import next_business_moment
from core.events import CallbackReason, CallDirection, CallOffered, CallRelinked, CallState, CallStateChanged, EndCause
from core.phone_numbers import profile_callback_number
from core.policy import PolicyProfile
from telephony.callbacks.decisions import NotOwed, Owed, Settled
from telephony.callbacks.owed import CallbackLedger
from telephony.callbacks.service import CallbackService
from telephony.calls.queries import get_call

log = logging.getLogger(__name__)

ACTOR = "callback-detector"   # who the history says asked for (or settled) the task
NO_USABLE_NUMBER = "no_usable_number"
CALLER_UNKNOWN = "caller_unknown"   # the call began before a restart and was never stored: nothing to call


@dataclass
class LiveCall:
    caller: str
    dialed: str
    queue: str | None = None
    direction: CallDirection = CallDirection.INBOUND
    last_state: CallState = CallState.OFFERED   # the latest state before the end (what an outage cut)


# Looks a call up when it began before this process did (restored from the call store): (caller, dialed, queue).
CallLookup = Callable[[str], Awaitable[LiveCall | None]]


class CallbackDetector:
    def __init__(self, callbacks: CallbackService, profile: PolicyProfile, *, lookup: CallLookup | None = None,
                 max_calls: int = 10_000, spool_file: Path | None = None) -> None:
        self.ledger = CallbackLedger(callbacks, ACTOR, spool_file=spool_file)
        self.profile = profile
        self.lookup = lookup
        self.max_calls = max_calls
        self.calls: OrderedDict[str, LiveCall] = OrderedDict()

    async def __call__(self, event: object) -> None:
        if isinstance(event, CallOffered):
            self._remember(event.call_id, LiveCall(event.caller, event.dialed, direction=event.direction))
        elif isinstance(event, CallRelinked):
            if (call := self.calls.pop(event.old_id, None)) is not None:
                self._remember(event.new_id, call)
        elif isinstance(event, CallStateChanged):
            await self._on_state(event)

    def _remember(self, call_id: str, call: LiveCall) -> None:
        self.calls[call_id] = call
        while len(self.calls) > self.max_calls:   # a lost end event must not grow the map for ever
            self.calls.popitem(last=False)

    async def _on_state(self, event: CallStateChanged) -> None:
        await self._decide(event)
        if event.state is CallState.ENDED:   # forgotten only once decided: a retry after a database error finds it
            self.calls.pop(event.call_id, None)

    async def _decide(self, event: CallStateChanged) -> None:
        call = self.calls.get(event.call_id)
        if call is None and event.state in (CallState.ANSWERED, CallState.ENDED):
            call = await self._looked_up(event.call_id)   # a call from before this process
        if call is not None and call.direction is CallDirection.OUTBOUND:
            return   # the dialer settles its own calls, a dropped one included
        if call is not None and event.queue:
            call.queue = event.queue
        if call is not None and event.state is not CallState.ENDED:
            call.last_state = event.state
        if event.state is CallState.ANSWERED:
            number = profile_callback_number(call.caller, self.profile) if call else None
            if number is not None:
                await self.ledger.add(Settled(number, event.call_id))
        elif event.state is CallState.ENDED:
            await self._on_end(event, call)

    async def _looked_up(self, call_id: str) -> LiveCall | None:
        return await self.lookup(call_id) if self.lookup is not None else None

    def reason_for(self, event: CallStateChanged, call: LiveCall | None) -> CallbackReason | None:
        """Which callback the ended call needs, if any."""
        queue = (call.queue if call else None) or event.queue
        if event.cause is EndCause.DROPPED:
            return CallbackReason.DROPPED
        if event.cause is EndCause.LOST_DURING_OUTAGE and call is not None:
            return self._cut_by_outage(call, queue)
        if event.cause in (EndCause.ABANDONED, EndCause.UNANSWERED):
            if queue is not None:
                return CallbackReason.ABANDONED if event.cause is EndCause.ABANDONED else CallbackReason.MISSED
            if call is not None and call.dialed != self.profile.public_number:
                return CallbackReason.MISSED   # a direct line nobody picked up
        return None   # completed, or the caller left the IVR before asking for anyone

    def _cut_by_outage(self, call: LiveCall, queue: str | None) -> CallbackReason | None:
        if call.last_state is CallState.ANSWERED:
            return CallbackReason.DROPPED
        if queue is not None or call.last_state in (CallState.QUEUED, CallState.RINGING):
            return CallbackReason.MISSED
        if call.dialed != self.profile.public_number:
            return CallbackReason.MISSED   # on a direct line
        return None   # still in the IVR's menus, asking for nobody yet

    async def _on_end(self, event: CallStateChanged, call: LiveCall | None) -> None:
        reason = self.reason_for(event, call)
        if reason is None:
            return
        # whether the call booked a callback itself (the IVR's offer, a message) is the ledger's to check
        number = profile_callback_number(call.caller, self.profile) if call is not None else None
        if number is None:
            why = CALLER_UNKNOWN if call is None else NO_USABLE_NUMBER
            await self.ledger.add(NotOwed(event.call_id, reason, why, event.at))
            return
        await self.ledger.add(Owed(number, reason, event.call_id, next_business_moment(event.at, self.profile),
                                   call.queue or event.queue, event.at))

    async def flush(self) -> None:
        """Commit every decision made so far."""
        await self.ledger.flush()

    async def close(self) -> None:
        await self.ledger.close()


def stored_call_lookup(engine: AsyncEngine) -> CallLookup:
    """A :data:`CallLookup` over the call store, for calls restored after a restart."""
    async def lookup(call_id: str) -> LiveCall | None:
        view = await get_call(engine, call_id)
        if view is None:
            return None
        states = [CallState(state.state) for state in view.states if state.state != CallState.ENDED.value]
        return LiveCall(view.caller, view.dialed, view.queue, CallDirection(view.direction),
                        last_state=states[-1] if states else CallState.OFFERED)   # states are in time order
    return lookup
