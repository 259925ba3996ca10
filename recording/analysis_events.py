"""The analysis queue's bus subscriber: when both legs of a call (caller, agent) were finalised, the call's job is
enqueued (``skipped``, with the reason, when a leg is missing, empty or truncated) and the worker woken. The mix
is not analysed: the legs hold each party apart.

The catalogue finalises a call's files together and publishes their events one after the other, so the two legs
are paired in memory, without reading the database; a leg whose partner never comes to this process (finalised
before a restart) is found by the worker's sweep instead.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from core.events import RecordingFinalised
from recording.analysis_models import AnalysisState
from recording.analysis_queue import AnalysisQueue, Legs
from recording.models import RecordingKind

REMEMBERED = 10_000   # lone legs kept at most: a partner that never comes must not grow the map for ever
LEGS = (RecordingKind.CALLER, RecordingKind.AGENT)


class AnalysisEvents:
    def __init__(self, queue: AnalysisQueue, on_enqueued: Callable[[], None], *,
                 remembered: int = REMEMBERED) -> None:
        self.queue, self.on_enqueued, self.remembered = queue, on_enqueued, remembered
        self.lone: OrderedDict[str, RecordingFinalised] = OrderedDict()   # call id -> its first finalised leg

    async def __call__(self, event: RecordingFinalised) -> None:
        if event.kind not in LEGS or event.call_id is None:
            return
        other = self.lone.get(event.call_id)
        if other is None or other.kind == event.kind:
            self.lone[event.call_id] = event
            while len(self.lone) > self.remembered:
                self.lone.popitem(last=False)
            return
        caller, agent = (event, other) if event.kind == RecordingKind.CALLER else (other, event)
        # forgotten only once enqueued: the bus handles the event again after a database outage
        state = await self.queue.enqueue(Legs(event.call_id, caller.recording_id, caller.key, caller.state,
                                               agent.recording_id, agent.key, agent.state, agent.answered_after))
        if state == AnalysisState.QUEUED:
            self.on_enqueued()
        self.lone.pop(event.call_id, None)
