"""Group commit for bus subscribers that store what they are told: items are buffered and written in batches, one
transaction each, in the background, so the subscriber keeps taking events while a batch is written.

On a busy event loop a write costs many loop turns (each driver round trip waits for one), so writing inline would
stall intake and cap the rate at one batch per write; here each write takes everything gathered during the one
before. Only when ``max_buffered`` items are waiting does ``add`` hold its caller (the bus, and through it the AMI
reader) until the database catches up. A failed write keeps its items, in order, in front of the newer ones, and is
tried again with a growing pause: nothing is lost to a database that went away, and nothing is written twice.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_MIN, RETRY_MAX = 0.5, 30.0  # seconds between attempts while the database is unavailable


class GroupCommit(Generic[T]):
    def __init__(self, name: str, write: Callable[[list[T]], Awaitable[None]], *, batch_size: int = 500,
                 max_delay: float = 0.05, max_buffered: int = 20_000) -> None:
        """``write(items)``: store ``items`` in one transaction, or raise and store none of them."""
        self.name = name
        self.write = write
        self.batch_size = batch_size
        self.max_delay = max_delay
        self.max_buffered = max(batch_size, max_buffered)
        self.written = 0
        self.failed_writes = 0   # background writes that failed (and were kept to try again)
        self._items: list[T] = []
        self._writing = 0
        self._lock = asyncio.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._pending: asyncio.Task | None = None
        self._retry_delay = RETRY_MIN

    @property
    def pending(self) -> int:
        """Items not committed yet: buffered, or in a write that has not ended."""
        return len(self._items) + self._writing

    async def add(self, *items: T) -> None:
        self._items.extend(items)
        if len(self._items) >= self.max_buffered:
            await self._flush_until_written()
        elif len(self._items) >= self.batch_size and (self._pending is None or self._pending.done()):
            self._flush_soon()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.max_delay, self._flush_soon)

    async def flush(self) -> None:
        """Write what is buffered in one transaction. On failure the items stay buffered, in order, and it raises."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        async with self._lock:
            items, self._items = self._items, []
            if not items:
                return
            self._writing = len(items)
            try:
                await self.write(items)
            except BaseException:
                self._items[:0] = items   # nothing is lost: back in front of what arrived meanwhile
                raise
            finally:
                self._writing = 0
            self.written += len(items)

    def put_back(self, items: list[T]) -> None:
        """Items from before this process (kept on disk by a stop that could not write them): first in line."""
        self._items[:0] = items
        asyncio.get_running_loop().call_soon(self._flush_soon)

    def take_unwritten(self) -> list[T]:
        """After ``close``: what it could not write, handed over (and forgotten here)."""
        items, self._items = self._items, []
        return items

    async def close(self) -> None:
        """Write what is left. A database still away at this point cannot take it: said loudly, and the stop goes
        on (the PBX's own call records let the next start backfill the calls, ``telephony.calls.backfill``)."""
        if self._pending is not None:
            await asyncio.gather(self._pending, return_exceptions=True)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        try:
            await self.flush()
        except Exception as exc:
            log.error("%s: %d items not written at stop, the database is unavailable (%s)", self.name,
                      len(self._items), type(exc).__name__)

    def _flush_soon(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._pending = asyncio.create_task(self.flush(), name=f"{self.name}-write")
        self._pending.add_done_callback(self._after_background_write)

    def _after_background_write(self, task: asyncio.Task) -> None:
        if task.cancelled() or task.exception() is None:
            self._retry_delay = RETRY_MIN
            return
        self.failed_writes += 1
        # the type only: a driver error's text quotes the statement's parameters, i.e. callers' numbers
        log.error("%s: writing failed (%s); kept in memory, retrying in %.1f s", self.name,
                  type(task.exception()).__name__, self._retry_delay)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._retry_delay, self._flush_soon)
        self._retry_delay = min(self._retry_delay * 2, RETRY_MAX)

    async def _flush_until_written(self) -> None:
        """The database is far behind or down: hold the caller (so the AMI reader pauses) until items are written."""
        while True:
            try:
                await self.flush()
                return
            except Exception as exc:
                log.error("%s: database unavailable (%s); holding events, retrying in %.1f s", self.name,
                          type(exc).__name__, self._retry_delay)
                await asyncio.sleep(self._retry_delay)
                self._retry_delay = min(self._retry_delay * 2, RETRY_MAX)
