"""The catalogue's bus subscriber: registers the files when the IVR starts MixMonitor and when a voice message is
left, follows the recorded call's events for what the entries link to (agent, queue, topic), and finalises the
call's files once it ended.

Links come from the events, not from reading the call store, so they never wait for its batches and the package
reads no other capability's tables. Finalisation runs as a task of its own per call (it waits for the PBX to close
the files, then hashes them), so the subscriber's queue keeps moving meanwhile.
"""
from __future__ import annotations

import asyncio
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass

from core.events import (CallState, CallStateChanged, IvrStep, IvrStepRecorded, MessageLeft, RecordingStarted,
                         RingEnded)
from recording.models import RecordingKind, RecordingState
from recording.service import CallLinks, NewRecording, RecordingCatalogue

log = logging.getLogger(__name__)

CONSENT_PLAYED = "played"     # the consent step's outcome is empty when the announcement played to its end
REMEMBERED = 10_000           # calls kept in memory at most: a lost end event must not grow the maps for ever


@dataclass
class LiveRecording:
    ids: list[str]
    links: CallLinks


class RecordingEvents:
    def __init__(self, catalogue: RecordingCatalogue, *, remembered: int = REMEMBERED) -> None:
        self.catalogue = catalogue
        self.remembered = remembered
        self.live: OrderedDict[str, LiveRecording] = OrderedDict()
        self.consents: OrderedDict[str, IvrStepRecorded] = OrderedDict()
        self.ended: OrderedDict[str, None] = OrderedDict()     # calls that ended before their recording's event
        self.finalising: set[asyncio.Task] = set()
        self.busy: set[str] = set()                            # entry ids being finalised by this process

    async def __call__(self, event: object) -> None:
        if isinstance(event, RecordingStarted):
            await self._started(event)
        elif isinstance(event, MessageLeft) and event.audio_path:
            await self._message(event)
        elif isinstance(event, IvrStepRecorded):
            self._step(event)
        elif isinstance(event, RingEnded) and event.answered and event.extension and event.call_id in self.live:
            self.live[event.call_id].links.agent_extension = event.extension
        elif isinstance(event, CallStateChanged):
            self._state(event)

    async def _started(self, event: RecordingStarted) -> None:
        consent = self.consents.get(event.call_id)   # forgotten once registered: a retried event still finds it
        files = [(RecordingKind.MIX, event.path), (RecordingKind.CALLER, event.caller_leg),
                 (RecordingKind.AGENT, event.agent_leg)]
        ids = await self.catalogue.register_all([NewRecording(
            kind=kind.value, key=os.path.basename(path), started_at=event.at, call_id=event.call_id,
            consent=(consent.outcome or CONSENT_PLAYED) if consent else None,
            consent_at=consent.at if consent else None) for kind, path in files if path], RecordingState.RECORDING)
        self.consents.pop(event.call_id, None)
        live = LiveRecording(ids, CallLinks())
        if event.call_id in self.ended:   # the hang-up's event overtook the recording's
            del self.ended[event.call_id]
            self.finish(ids, live.links)
        else:
            self._remember(self.live, event.call_id, live)

    async def _message(self, event: MessageLeft) -> None:
        # RECORD FILE had returned before the message was stored: the file is closed, check it at once
        entry_id = await self.catalogue.register(NewRecording(
            kind=RecordingKind.VOICE_MESSAGE.value, key=os.path.basename(event.audio_path), started_at=event.at,
            call_id=event.call_id, message_id=event.message_id, agent_extension=event.extension,
            queue=event.queue), RecordingState.REGISTERED)
        self.finish([entry_id], None)

    def _step(self, event: IvrStepRecorded) -> None:
        if event.step is IvrStep.CONSENT:
            self._remember(self.consents, event.call_id, event)
        elif event.topic and event.call_id in self.live:
            self.live[event.call_id].links.topic = event.topic

    def _state(self, event: CallStateChanged) -> None:
        live = self.live.get(event.call_id)
        if live is not None and event.queue:
            live.links.queue = event.queue
        if event.state is not CallState.ENDED:
            return
        self.consents.pop(event.call_id, None)
        if live is None:
            self._remember(self.ended, event.call_id, None)
            return
        del self.live[event.call_id]
        self.finish(live.ids, live.links)

    def finish(self, ids: list[str], links: CallLinks | None) -> None:
        """Finalise the entries in a task of their own (the files close a moment after the hang-up)."""
        ids = [entry_id for entry_id in ids if entry_id not in self.busy]
        if not ids:
            return
        self.busy.update(ids)
        task = asyncio.create_task(self._finalise(ids, links), name="recording-finalise")
        self.finalising.add(task)
        task.add_done_callback(self.finalising.discard)

    async def _finalise(self, ids: list[str], links: CallLinks | None) -> None:
        try:
            await self.catalogue.finalise_all(ids, links)
        except Exception:   # the entries stay unfinished; the periodic check finalises them later
            log.exception("recordings %s could not be finalised now", ", ".join(ids))
        finally:
            self.busy.difference_update(ids)

    def live_ids(self) -> set[str]:
        """The entries of calls still on (their files are still being written)."""
        return {entry_id for live in self.live.values() for entry_id in live.ids}

    def _remember(self, where: OrderedDict, call_id: str, value: object) -> None:
        where[call_id] = value
        while len(where) > self.remembered:
            where.popitem(last=False)

    async def drain(self, timeout: float | None = None) -> None:
        """Until every finalisation started so far is done; with ``timeout`` those still waiting then are cancelled
        (a stop does not wait for files of calls still on: their entries stay unfinished for the next check)."""
        while self.finalising:
            _, waiting = await asyncio.wait(list(self.finalising), timeout=timeout)
            for task in waiting:
                task.cancel()
            if waiting:
                await asyncio.gather(*waiting, return_exceptions=True)
