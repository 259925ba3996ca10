"""The purge as a loop of the service: a round every ``interval`` seconds. A failed round (the database away, a
store error) is logged and the next one tries again, so the loop outlives an outage."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from core.clock import utcnow
from core.db import is_transient_error
from recording.retention.service import RetentionPurge

log = logging.getLogger(__name__)


@dataclass
class RetentionLoop:
    purge: RetentionPurge
    interval: float
    rounds: int = 0      # rounds that ended, with or without success
    failures: int = 0
    _task: asyncio.Task | None = field(default=None, init=False)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="retention-purge")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self.purge.run(utcnow())
            except Exception as exc:   # noqa: BLE001 - the next round tries again
                self.failures += 1
                if is_transient_error(exc):
                    log.warning("retention purge: database unavailable (%s); next round in %g s",
                                type(exc).__name__, self.interval)
                else:
                    log.exception("retention purge failed; next round in %g s", self.interval)
            self.rounds += 1
            await asyncio.sleep(self.interval)
