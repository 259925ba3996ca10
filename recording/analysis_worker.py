"""The analysis worker: takes queued jobs, runs each on the ``Analyser`` process pool (never on the event loop)
and stores its result and timeline, at most as many at once as the pool has processes.

It sleeps until the subscriber wakes it on an enqueue; besides, it looks at the queue every ``poll_seconds`` (jobs
enqueued by another instance or an operator, leases that ran out, restrictions lifted) and sweeps the recent
recordings every ``SWEEP_SECONDS`` for calls whose job was never enqueued (the legs' events lost to a restart). A
database outage pauses it (the claim or the store is tried again, the result kept in memory meanwhile); a killed
worker's job is taken again when its lease runs out, and at once by the same instance's next start. A stop leaves
the running jobs ``queued`` for the next start.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import logging
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TypeVar

from core.bus import RETRY_PAUSES
from core.clock import utcnow
from core.db import is_transient_error
from core.ports import RecordingFileMissing, RecordingStore
from recording.analysis import Analyser, AudioError, DetectorUnavailable
from recording.analysis_models import Job
from recording.analysis_queue import AnalysisQueue
from recording.analysis_results import enqueue_finalised

log = logging.getLogger(__name__)

T = TypeVar("T")
SWEEP_SECONDS = 600.0
SWEEP_WINDOW = dt.timedelta(days=1)   # how far back the sweep looks (older calls: `hotline recordings analyse`)
STOPPED = "the service stopped during the analysis"


class AnalysisWorker:
    def __init__(self, queue: AnalysisQueue, analyser: Analyser, store: RecordingStore, *, name: str,
                 poll_seconds: float = 60.0, sweep_seconds: float = SWEEP_SECONDS) -> None:
        self.queue, self.analyser, self.store, self.name = queue, analyser, store, name
        self.poll_seconds, self.sweep_seconds = poll_seconds, sweep_seconds
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(analyser.workers)
        self.running: dict[int, asyncio.Task] = {}
        self._loop: asyncio.Task | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._loop = asyncio.create_task(self._run(), name="recording-analysis")

    async def stop(self, wait: float = 0.0) -> None:
        """Running jobs get ``wait`` seconds to end; the others are released ``queued`` for the next start."""
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        if self.running and wait > 0:
            await asyncio.wait(list(self.running.values()), timeout=wait)
        left = dict(self.running)
        for task in left.values():
            task.cancel()
        await asyncio.gather(*left.values(), return_exceptions=True)
        try:
            await self.queue.release(list(left), self.name, STOPPED)
        except Exception:   # the database away at the stop: their leases run out and the next start takes them
            log.warning("analysis jobs %s not released at the stop; their leases will run out", list(left))
        await self.analyser.close(wait=False)

    async def run_once(self) -> int | None:
        """Claim one job and analyse it here and now (an operator's command, the tests); its id, None if none."""
        job = await self.queue.claim(self.name)
        if job is not None:
            await self._analyse(job)
        return job.id if job is not None else None

    async def sweep(self) -> int:
        """Enqueue the recent calls with both legs finalised and no job under the current key; how many."""
        return len(await enqueue_finalised(self.queue, since=utcnow() - SWEEP_WINDOW, actor=f"sweep:{self.name}"))

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        if self.analyser.warm_start:
            try:
                await self.analyser.warm()
            except Exception:   # the first job starts the processes instead
                log.exception("analysis: starting the worker processes failed")
        try:
            await self._persist(self._recover)
        except Exception:   # a bug, not an outage: the loop runs anyway (leases and the next sweep cover it)
            log.exception("analysis queue: recovering this instance's jobs failed")
        next_sweep = loop.time() + self.sweep_seconds
        failures = 0
        while True:
            await self._slots.acquire()
            self._wake.clear()   # before the claim: an enqueue after it wakes the wait below
            try:
                if loop.time() >= next_sweep:
                    next_sweep = loop.time() + self.sweep_seconds
                    await self.sweep()
                job = await self.queue.claim(self.name)
                failures = 0
            except Exception as exc:
                self._slots.release()
                if not is_transient_error(exc):
                    log.exception("analysis queue: claiming a job failed")
                await asyncio.sleep(RETRY_PAUSES[min(failures, len(RETRY_PAUSES) - 1)])
                failures += 1
                continue
            if job is None:
                self._slots.release()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                continue
            task = asyncio.create_task(self._analyse(job), name=f"recording-analysis-{job.id}")
            self.running[job.id] = task
            task.add_done_callback(lambda _, job_id=job.id: self._done(job_id))

    def _done(self, job_id: int) -> None:
        self.running.pop(job_id, None)
        self._slots.release()

    async def _recover(self) -> None:
        """This instance's jobs left ``running`` by its previous run (killed) are queued again, then the sweep."""
        await self.queue.release(await self.queue.held_by(self.name), self.name, STOPPED)
        await self.sweep()

    async def _analyse(self, job: Job) -> None:
        try:
            await self._run_job(job)
        except Exception:   # a bug: the job's lease runs out and it is taken again, up to its attempts
            log.exception("analysis %s of call %s: storing its outcome failed", job.id, job.call_id)

    async def _run_job(self, job: Job) -> None:
        try:
            async with self._files(job) as (caller, agent):
                result, png = await self.analyser.analyse_and_draw(caller, agent, job.conversation_from or 0.0)
        except BrokenProcessPool:   # the process died (killed, out of memory): a fresh pool, the job again
            await self.analyser.close(wait=False)
            await self._persist(lambda: self.queue.fail(job, self.name, "the analysis process stopped", retry=True))
            return
        except Exception as exc:
            error = _failure(exc)
            log.warning("analysis %s of call %s failed: %s", job.id, job.call_id, error)
            await self._persist(lambda: self.queue.fail(job, self.name, error, retry=False))
            return
        if not await self._persist(lambda: self.queue.complete(job, self.name, result, png)):
            # restricted meanwhile (the result is dropped, not stored) or taken over after a lease ran out
            await self._persist(lambda: self.queue.release([job.id], self.name,
                                                           "a leg was restricted during the analysis"))

    @contextlib.asynccontextmanager
    async def _files(self, job: Job) -> AsyncIterator[tuple[Path, Path]]:
        """The legs as local files: the store's own when it has them, else copies for the time of the job."""
        local = getattr(self.store, "local_path", None)
        if local is not None:
            yield local(job.caller_key), local(job.agent_key)
            return
        folder = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="hotline-analysis-"))
        try:
            yield tuple(await asyncio.to_thread(_copies, self.store, folder, (job.caller_key, job.agent_key)))
        finally:
            await asyncio.to_thread(shutil.rmtree, folder, True)

    async def _persist(self, write: Callable[[], Awaitable[T]]) -> T:
        """``write`` until the database takes it (an outage pauses the job, never loses it)."""
        for attempt in itertools.count():
            try:
                return await write()
            except Exception as exc:
                if not is_transient_error(exc):
                    raise
                log.warning("analysis queue: the database is away (%s); trying again", type(exc).__name__)
                await asyncio.sleep(RETRY_PAUSES[min(attempt, len(RETRY_PAUSES) - 1)])
        raise AssertionError("itertools.count() ended")


def _copies(store: RecordingStore, folder: Path, keys: tuple[str, ...]) -> list[Path]:
    paths = []
    for key in keys:
        path = folder / key
        with store.open(key) as source, path.open("wb") as target:
            shutil.copyfileobj(source, target)
        paths.append(path)
    return paths


def _failure(exc: BaseException) -> str:
    """What the job's error says: fixed texts, never a path's or a library's message (no personal data)."""
    if isinstance(exc, (FileNotFoundError, RecordingFileMissing)):
        return "a leg's file is no longer in the store"
    if isinstance(exc, AudioError):
        return "a leg is not a readable WAV recording"
    if isinstance(exc, DetectorUnavailable):
        return "the profile's detector is not installed (see the profile's [analysis] detector)"
    return f"the analysis failed ({type(exc).__name__})"
