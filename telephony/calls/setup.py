"""Builds the call model: the tracker (with the calls still open when the service last stopped), the call store
writer on the bus, and the AMI handler that feeds the tracker and the other views of the stream (``observers``)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.clock import utcnow
from core.db import is_transient_error
from core.deps import Dependencies
from core.dialplan import CONTEXT_FROM_PSTN, CONTEXT_PUBLIC
from core.events import CallOffered, CallRelinked, CallStateChanged, PbxResynced, RingEnded
from telephony.calls.backfill import backfill
from telephony.calls.handlers import CallEventHandler, EventObserver
from telephony.calls.queries import load_open_calls
from telephony.calls.store import CallStoreWriter
from telephony.calls.tracker import CallTracker

# a call counts as ours once a channel is in one of these (adopted calls may already be past from-pstn)
INBOUND_CONTEXTS = (CONTEXT_FROM_PSTN, CONTEXT_PUBLIC)


class OnceAfterResync:
    """Bus subscriber: after the first resync of this process (the tracker knows what is live), the calls the PBX
    recorded while hotline was down are backfilled, once."""

    def __init__(self, deps: Dependencies, tracker: CallTracker, cdr_file: Path) -> None:
        self.deps, self.tracker, self.cdr_file, self.done = deps, tracker, cdr_file, False

    def _live(self) -> list[str]:
        return [call.call_id for call in self.tracker.calls.values()]

    async def __call__(self, _event: PbxResynced) -> None:
        if self.done:
            return
        await backfill(self.deps.engine, self.cdr_file, self.deps.bus.publish, self._live, utcnow())
        self.done = True


@dataclass
class CallServices:
    tracker: CallTracker
    handler: CallEventHandler
    writer: CallStoreWriter

    async def close(self) -> None:
        await self.handler.close()
        await self.writer.close()


async def restored_tracker(deps: Dependencies) -> CallTracker:
    """The tracker, holding the calls that were still open when the service last stopped (the resync after the
    first login closes those the PBX no longer has)."""
    tracker = CallTracker(INBOUND_CONTEXTS)
    for call in await load_open_calls(deps.engine):
        tracker.restore(call.call_id, call.linkedid, call.state, call.queue)
    return tracker


def setup(deps: Dependencies, tracker: CallTracker, observers: Sequence[EventObserver] = (),
          cdr_file: Path | None = None) -> CallServices:
    """The store writer and the AMI handler; ``observers``: the other views of the AMI stream (rings, agents),
    each seeing an event after the tracker has; ``cdr_file``: the PBX's call records, for the backfill."""
    writer = CallStoreWriter(deps.engine)
    # rings go through the call writer: a ring row refers to its call, and one ordered writer keeps that valid
    deps.bus.subscribe("call_store", writer, CallOffered, CallStateChanged, CallRelinked, RingEnded, durable=True)
    if cdr_file is not None:
        deps.bus.subscribe("call_backfill", OnceAfterResync(deps, tracker, cdr_file), PbxResynced, durable=True,
                           retry=is_transient_error)
    handler = CallEventHandler(deps.ami, tracker, deps.bus, observers=observers)
    handler.subscribe()
    return CallServices(tracker, handler, writer)
