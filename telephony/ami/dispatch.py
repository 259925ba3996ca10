"""Ordered, bounded, isolated delivery of AMI events (and connect/disconnect notices) to subscribers.

One queue and one task: a subscriber sees events in arrival order, and an async subscriber is awaited before
the next event is handed out (events of one call must stay ordered). Connect/disconnect notices travel in the
same queue, so a subscriber sees every event of the old connection before it hears of the new one. A subscriber
that raises is logged (without the event's contents: they carry phone numbers) and counted; delivery goes on.
When the queue reaches its limit the reader is paused until half of it has drained: memory stays bounded
and no event is ever dropped.
"""
from __future__ import annotations

import asyncio
import logging
import traceback
from collections import deque
from collections.abc import Callable
from typing import Any

from telephony.ami.models import AmiStats

log = logging.getLogger(__name__)

_YIELD_EVERY = 1000  # with only sync subscribers the task would otherwise never give the loop back
_LOG_FIRST_ERRORS = 10  # then one log line per 1000 errors: a subscriber failing on every event must not flood


class _Notice:
    __slots__ = ("connected", "detail")

    def __init__(self, connected: bool, detail: Any) -> None:
        self.connected = connected
        self.detail = detail


class EventDispatcher:
    def __init__(self, stats: AmiStats, max_queued: int) -> None:
        self.event_handlers: list[Callable] = []
        self.connected_handlers: list[Callable] = []
        self.disconnected_handlers: list[Callable] = []
        self._stats = stats
        self._queue: deque = deque()
        self.enqueue = self._queue.append
        self._max = max(1, max_queued)
        self._resume_at = self._max // 2
        self._wakeup = asyncio.Event()
        self._paused_reader: Any = None

    @property
    def backlog(self) -> int:
        return len(self._queue)

    def after_batch(self, reader: Any) -> None:
        """Called by the client after queueing one read's events: wake the task, pause the reader if full."""
        if len(self._queue) >= self._max and reader is not None and not reader.paused:
            reader.pause_reading()
            self._paused_reader = reader
            self._stats.read_pauses += 1
        self._wakeup.set()

    def release(self, reader: Any) -> None:
        """The reader's connection is gone: nothing to resume any more."""
        if self._paused_reader is reader:
            self._paused_reader = None

    def notify_connected(self, is_reconnect: bool) -> None:
        self._queue.append(_Notice(True, is_reconnect))
        self._wakeup.set()

    def notify_disconnected(self, reason: str) -> None:
        self._queue.append(_Notice(False, reason))
        self._wakeup.set()

    async def run(self) -> None:
        queue, wakeup = self._queue, self._wakeup
        handled = 0
        while True:
            if not queue:
                wakeup.clear()
                await wakeup.wait()
                continue
            item = queue.popleft()
            if type(item) is _Notice:
                await self._deliver_notice(item)
            else:
                for handler in self.event_handlers:
                    try:
                        result = handler(item)
                        if result is not None:
                            await result
                    except Exception as exc:  # isolation: one subscriber's bug never stops the stream
                        self._failed(handler, item.get("Event", "?"), exc)
            if self._paused_reader is not None and len(queue) <= self._resume_at:
                self._paused_reader.resume_reading()
                self._paused_reader = None
            handled += 1
            if handled % _YIELD_EVERY == 0:
                await asyncio.sleep(0)

    async def _deliver_notice(self, notice: _Notice) -> None:
        handlers = self.connected_handlers if notice.connected else self.disconnected_handlers
        for handler in handlers:
            try:
                result = handler(notice.detail)
                if result is not None:
                    await result
            except Exception as exc:
                self._failed(handler, "connected" if notice.connected else "disconnected", exc)

    def _failed(self, handler: Callable, what: str, exc: Exception) -> None:
        self._stats.handler_errors += 1
        count = self._stats.handler_errors
        if count <= _LOG_FIRST_ERRORS or count % 1000 == 0:
            # frames only: the exception's message and the event may hold phone numbers
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("AMI subscriber %s raised %s on %s (%d subscriber errors so far; details withheld)\n%s",
                      getattr(handler, "__qualname__", repr(handler)), type(exc).__name__, what, count, frames)
