"""Analysis off the event loop: a process pool (the work is CPU-bound, and webrtcvad holds the GIL), awaited from
asyncio. The durable queue that feeds it belongs to the catalogue; this only runs jobs."""
from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from core.analysis_policy import AnalysisPolicy
from recording.analysis.metrics import CallAnalysis
from recording.analysis.pipeline import analyse_and_draw, analyse_call, warm_up


class Analyser:
    """``await analyser.analyse(caller, agent)``; ``workers`` 0 or None = one process per CPU."""

    def __init__(self, policy: AnalysisPolicy | None = None, workers: int | None = None, *,
                 warm_start: bool = False) -> None:
        """``warm_start``: its user starts the processes before the first job (``warm``)."""
        self.policy = policy or AnalysisPolicy()
        self.workers = workers or os.cpu_count() or 1
        self.warm_start = warm_start
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver, not fork: the service has threads (aiosqlite's, the executor's) that a forked child would
            # inherit mid-lock
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             mp_context=multiprocessing.get_context("forkserver"))
        return self._pool

    async def warm(self) -> None:
        """Start every worker process now (the pool starts one for each job submitted while none is idle, and each
        imports the analysis once) rather than on the first jobs."""
        loop, pool = asyncio.get_running_loop(), self._executor()
        await asyncio.gather(*(loop.run_in_executor(pool, warm_up) for _ in range(self.workers)))

    async def analyse(self, caller_path: str | Path, agent_path: str | Path) -> CallAnalysis:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor(), analyse_call, str(caller_path), str(agent_path),
                                          self.policy)

    async def analyse_and_draw(self, caller_path: str | Path, agent_path: str | Path,
                               start: float = 0.0) -> tuple[dict, bytes]:
        """The result as JSON-ready data and its timeline PNG (``pipeline.analyse_and_draw``), of the legs from
        ``start`` seconds on."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor(), analyse_and_draw, str(caller_path), str(agent_path),
                                          self.policy, start)

    async def close(self, *, wait: bool = True) -> None:
        """Shut the pool down; ``wait`` False: jobs not started are cancelled and a running one is left to end in
        its process (a stop does not wait for it; its job is released for the next start). A broken pool (a
        worker process died) is closed this way, and the next job starts a fresh one."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.get_running_loop().run_in_executor(
                None, lambda: pool.shutdown(wait=wait, cancel_futures=not wait))

    async def __aenter__(self) -> Analyser:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
