"""The analysis worker started with ``warm_start`` has its processes running before the first job (the service's
default, HOTLINE_ANALYSIS_WARM_START), so the first calls' analyses do not wait for them; without it, none run."""
from __future__ import annotations

import asyncio

import pytest


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
async def test_the_worker_starts_its_processes_with_itself_when_warm(analysed, warm):
    analyser = analysed.worker.analyser
    analyser.warm_start = warm
    analysed.worker.start()
    try:
        for _ in range(200 if warm else 10):   # cold: half a second in which nothing may start
            if analyser._pool is not None and len(analyser._pool._processes) == analyser.workers:
                break
            await asyncio.sleep(0.05)
        running = 0 if analyser._pool is None else len(analyser._pool._processes)
        assert running == (analyser.workers if warm else 0)
    finally:
        await analysed.worker.stop()
