"""The catalogue's bus subscriber: registers the files when the IVR starts MixMonitor and when a voice message is
left, follows the recorded call's events for what the entries link to (agent, queue, topic), and finalises the
call's files once it ended.

Links come from the events, not from reading the call store, so they never wait for its batches and the package
reads no other capability's tables. Finalisation runs beside the subscriber (``recording.finaliser``: it waits for
the PBX to close the files, then hashes them), so the subscriber's queue keeps moving meanwhile.
"""
from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass

from core.events import (CallState, CallStateChanged, IvrStep, IvrStepRecorded, MessageLeft, RecordingStarted,
                         RingEnded)
from recording.finaliser import Finaliser
from recording.models import RecordingKind, RecordingState
from recording.service import CallLinks, NewRecording, RecordingCatalogue

CONSENT_PLAYED = "played"     # the consent step's outcome is empty when the announcement played to its end
REMEMBERED = 10_000           # calls kept in memory at most: a lost end event must not grow the maps for ever


@dataclass
class LiveRecording:
    files: dict[str, str]      # entry id -> key
    links: CallLinks


class RecordingEvents:
    def __init__(self, catalogue: RecordingCatalogue, *, remembered: int = REMEMBERED) -> None:
        self.catalogue = catalogue
        self.remembered = remembered
        self.live: OrderedDict[str, LiveRecording] = OrderedDict()
        self.consents: OrderedDict[str, IvrStepRecorded] = OrderedDict()
        self.ended: OrderedDict[str, None] = OrderedDict()     # calls that ended before their recording's event
        self.finaliser = Finaliser(catalogue)

    @property
    def busy(self) -> set[str]:
        """Entry ids being finalised by this process."""
        return self.finaliser.busy

    async def __call__(self, event: object) -> None:
        if isinstance(event, RecordingStarted):
            await self._started(event)
        elif isinstance(event, MessageLeft) and event.audio_path:
            await self._message(event)
        elif isinstance(event, IvrStepRecorded):
            self._step(event)
        elif isinstance(event, RingEnded) and event.answered and event.extension and event.call_id in self.live:
            links = self.live[event.call_id].links
            links.agent_extension = event.extension
            links.answered_at = links.answered_at or event.at   # a transfer's answer does not move the start
        elif isinstance(event, CallStateChanged):
            self._state(event)

    async def _started(self, event: RecordingStarted) -> None:
        consent = self.consents.get(event.call_id)   # forgotten once registered: a retried event still finds it
        files = [(RecordingKind.MIX, event.path), (RecordingKind.CALLER, event.caller_leg),
                 (RecordingKind.AGENT, event.agent_leg)]
        news = [NewRecording(kind=kind.value, key=os.path.basename(path), started_at=event.at,
                             call_id=event.call_id, consent=(consent.outcome or CONSENT_PLAYED) if consent else None,
                             consent_at=consent.at if consent else None) for kind, path in files if path]
        ids = await self.catalogue.register_all(news, RecordingState.RECORDING)
        self.consents.pop(event.call_id, None)
        live = LiveRecording(dict(zip(ids, (new.key for new in news))), CallLinks())
        if event.call_id in self.ended:   # the hang-up's event overtook the recording's
            del self.ended[event.call_id]
            self.finish(live.files, live.links)
        else:
            self._remember(self.live, event.call_id, live)

    async def _message(self, event: MessageLeft) -> None:
        # RECORD FILE had returned before the message was stored: the file is closed, check it at once
        key = os.path.basename(event.audio_path)
        entry_id = await self.catalogue.register(NewRecording(
            kind=RecordingKind.VOICE_MESSAGE.value, key=key, started_at=event.at, call_id=event.call_id,
            message_id=event.message_id, agent_extension=event.extension, queue=event.queue),
            RecordingState.REGISTERED)
        self.finish({entry_id: key}, None)

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
        self.finish(live.files, live.links)

    def finish(self, files: dict[str, str], links: CallLinks | None) -> None:
        """Finalise the entries (id -> key) once the PBX closed their files (a moment after the hang-up)."""
        self.finaliser.add(files, links)

    def live_ids(self) -> set[str]:
        """The entries of calls still on (their files are still being written)."""
        return {entry_id for live in self.live.values() for entry_id in live.files}

    def _remember(self, where: OrderedDict, call_id: str, value: object) -> None:
        where[call_id] = value
        while len(where) > self.remembered:
            where.popitem(last=False)

    async def drain(self, timeout: float | None = None) -> None:
        """Until every finalisation started so far is done; with ``timeout`` those still waiting then are left
        unfinished (a stop does not wait for files of calls still on: the next check finalises them)."""
        await self.finaliser.drain(timeout)
