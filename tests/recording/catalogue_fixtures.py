"""A catalogue over a temporary monitor directory and a migrated database, its bus subscriber, and the events a
recorded call produces."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from core.events import (CallState, CallStateChanged, EndCause, IvrStep, IvrStepRecorded, RecordingFinalised,
                         RecordingStarted, RingEnded)
from recording.handlers import RecordingEvents
from recording.notifier import RecordingNotifier
from recording.service import RecordingCatalogue
from recording.store import LocalDirectoryStore

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@dataclass
class Catalogued:
    monitor: Path
    catalogue: RecordingCatalogue
    events: RecordingEvents
    published: list[RecordingFinalised] = field(default_factory=list)

    def names(self, call_id: str) -> tuple[str, str, str]:
        return f"hotline-{call_id}.wav", f"hotline-{call_id}-caller.wav", f"hotline-{call_id}-agent.wav"

    async def start_recording(self, call_id: str) -> None:
        mix, caller, agent = self.names(call_id)
        await self.events(IvrStepRecorded(at=T0, call_id=call_id, step=IvrStep.CONSENT))
        await self.events(RecordingStarted(at=T0, call_id=call_id, path=mix, caller_leg=caller, agent_leg=agent))

    async def answer(self, call_id: str, extension: str = "101", queue: str = "employers",
                     at: dt.datetime = T0) -> None:
        await self.events(IvrStepRecorded(at=T0, call_id=call_id, step=IvrStep.QUEUED, outcome=queue,
                                          topic="employer"))
        await self.events(CallStateChanged(at=T0, call_id=call_id, state=CallState.QUEUED, queue=queue))
        await self.events(RingEnded(at=at, call_id=call_id, ring_id="r1", target=f"PJSIP/{extension}",
                                    extension=extension, queue=queue, started_at=T0, answered=True, ring_count=1,
                                    within_sla=True))

    async def hang_up(self, call_id: str) -> None:
        await self.events(CallStateChanged(at=T0, call_id=call_id, state=CallState.ENDED, queue="employers",
                                           cause=EndCause.COMPLETED))

    async def by_kind(self, call_id: str) -> dict:
        ids = (await self.catalogue.ids_of_calls([call_id]))[call_id]
        views = [await self.catalogue.get(entry_id) for entry_id in ids]
        return {view.kind: view for view in views}


def make_catalogue(engine, monitor: Path, *, close_wait: float = 3.0) -> Catalogued:
    monitor.mkdir(exist_ok=True)
    published: list[RecordingFinalised] = []
    catalogue = RecordingCatalogue(engine, LocalDirectoryStore(monitor), RecordingNotifier(published.append),
                                   close_wait=close_wait, poll=0.05)
    return Catalogued(monitor, catalogue, RecordingEvents(catalogue), published)
