"""Builds the recordings catalogue from the shared dependencies (called by the composition root): the catalogue
over its store, the bus subscriber, the periodic check (which also deletes the rendered audio of expired
listen-only sessions), the listen-only sessions, and the voice-activity analysis (its durable queue, the
subscriber that enqueues a call once both legs are finalised, and the worker over the process pool)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from dataclasses import dataclass, field
from pathlib import Path

from core.db import is_transient_error
from core.deps import Dependencies
from core.events import (CallStateChanged, IvrStepRecorded, MessageLeft, RecordingFinalised, RecordingStarted,
                         RingEnded)
from core.ports import RecordingStore
from core.settings import Settings
from recording.analysis import Analyser
from recording.analysis_events import AnalysisEvents
from recording.analysis_queue import AnalysisQueue
from recording.analysis_worker import AnalysisWorker
from recording.handlers import RecordingEvents
from recording.listening import ListenSessions
from recording.notifier import RecordingNotifier
from recording.service import RecordingCatalogue

log = logging.getLogger(__name__)

STOP_WAIT = 5.0


@dataclass
class Recordings:
    catalogue: RecordingCatalogue
    events: RecordingEvents
    check_every: float
    queue: AnalysisQueue | None = None
    analysis: AnalysisWorker | None = None   # None: this instance does not analyse (HOTLINE_ANALYSIS_ENABLED)
    listening: ListenSessions | None = None
    _loop: asyncio.Task | None = field(default=None, init=False)

    def start(self) -> None:
        self._loop = asyncio.create_task(self._checks(), name="recording-checks")
        if self.analysis is not None:
            self.analysis.start()

    async def stop(self) -> None:
        """After the bus drained: finalisations get ``STOP_WAIT`` seconds to end (a call's end just before the stop
        is the usual case), the rest are left for the next start's check; then the checks stop."""
        await self.events.drain(STOP_WAIT)
        if self.analysis is not None:   # running analyses are left queued for the next start
            await self.analysis.stop()
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop

    async def check_once(self) -> None:
        """Files gone behind the catalogue's back become missing; entries left unfinished (their call ended while
        the service was away, or a finalisation failed) are finalised once their file is closed."""
        await self.catalogue.check()
        if self.listening is not None:
            await self.listening.purge()
        for entry_id, key in (await self.catalogue.unfinished()).items():
            if entry_id not in self.events.busy and entry_id not in self.events.live_ids() \
                    and await self.catalogue.closed_now(key):
                self.events.finish({entry_id: key}, None)

    async def _checks(self) -> None:
        while True:
            try:
                await self.check_once()
            except Exception:   # the database away, a store error: the next round tries again
                log.exception("recordings check failed")
            await asyncio.sleep(self.check_every)


def setup(deps: Dependencies, store: RecordingStore) -> Recordings:
    settings = deps.settings
    catalogue = RecordingCatalogue(deps.engine, store, RecordingNotifier(deps.bus.publish),
                                   close_wait=settings.recording_close_wait_seconds)
    events = RecordingEvents(catalogue)
    deps.bus.subscribe("recording_catalogue", events, RecordingStarted, MessageLeft, IvrStepRecorded, RingEnded,
                       CallStateChanged, durable=True, retry=is_transient_error)
    queue = AnalysisQueue(deps.engine, deps.profile.analysis, lease_seconds=settings.analysis_lease_seconds)
    worker = None
    if settings.analysis_enabled:
        worker = AnalysisWorker(queue, Analyser(deps.profile.analysis, settings.analysis_workers,
                                                   warm_start=settings.analysis_warm_start), store,
                                name=f"{socket.gethostname()}:{settings.http_port}",
                                poll_seconds=settings.analysis_poll_seconds)
    # an instance that does not analyse still enqueues: another one takes the job
    deps.bus.subscribe("recording_analysis", AnalysisEvents(queue, worker.wake if worker else lambda: None),
                       RecordingFinalised, durable=True, retry=is_transient_error)
    return Recordings(catalogue, events, settings.recording_check_seconds, queue, worker,
                      ListenSessions(deps.engine, catalogue, listen_dir_of(settings)))


def listen_dir_of(settings: Settings) -> Path:
    """Where the listen-only sessions' redacted renderings are kept."""
    return settings.listen_dir or settings.var_dir / "listen"
