"""In-process event bus with isolated subscribers.

Every subscriber gets its own bounded queue and worker task, so one slow or failing subscriber never delays the
AMI reader or the others. ``durable`` subscribers (storage) apply back-pressure when full — events are never
dropped for them; the others drop the oldest event and count the drop (a wallboard can resync, a database
cannot). A subscriber given ``retry`` handles an event again, with a growing pause, for as long as what it raised
is transient (``core.db.is_transient_error``: the database went away): what it owes is written once the database
is back, in order, instead of lost. Any other failure is a bug: logged, counted, the next event served.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[[Any], Awaitable[None] | None]


RETRY_PAUSES = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0)   # seconds between tries of one event; the last repeats


@dataclass
class SubscriberStats:
    delivered: int = 0
    failed: int = 0
    dropped: int = 0
    retried: int = 0


@dataclass
class _Subscriber:
    name: str
    handler: Handler
    types: tuple[type, ...]
    durable: bool
    queue: asyncio.Queue
    retry: Callable[[BaseException], bool] | None = None
    stats: SubscriberStats = field(default_factory=SubscriberStats)
    task: asyncio.Task | None = None


class EventBus:
    def __init__(self, default_maxsize: int = 10_000) -> None:
        self._subscribers: list[_Subscriber] = []
        self._default_maxsize = default_maxsize
        self._running = False
        self.published = 0

    def subscribe(
        self,
        name: str,
        handler: Handler,
        *types: type,
        durable: bool = False,
        maxsize: int | None = None,
        retry: Callable[[BaseException], bool] | None = None,
    ) -> None:
        """Register ``handler`` for events of ``types`` (all events when none given). ``retry(exc)``: whether to
        handle the event again after ``exc`` (the handler must then be safe to run twice on it)."""
        sub = _Subscriber(name, handler, types or (object,), durable, asyncio.Queue(maxsize or self._default_maxsize),
                          retry)
        self._subscribers.append(sub)
        if self._running:
            sub.task = asyncio.create_task(self._work(sub), name=f"bus:{name}")

    def stats(self) -> dict[str, SubscriberStats]:
        return {s.name: s.stats for s in self._subscribers}

    async def start(self) -> None:
        self._running = True
        for sub in self._subscribers:
            if sub.task is None:
                sub.task = asyncio.create_task(self._work(sub), name=f"bus:{sub.name}")

    async def publish(self, event: Any) -> None:
        self.published += 1
        for sub in self._subscribers:
            if not isinstance(event, sub.types):
                continue
            if sub.durable:
                await sub.queue.put(event)
                continue
            if sub.queue.full():
                sub.queue.get_nowait()
                sub.queue.task_done()
                sub.stats.dropped += 1
            sub.queue.put_nowait(event)

    async def drain(self) -> None:
        """Wait until every subscriber has handled what was published so far (tests, shutdown)."""
        await asyncio.gather(*(s.queue.join() for s in self._subscribers if s.task is not None))

    async def stop(self) -> None:
        self._running = False
        for sub in self._subscribers:
            if sub.task is not None:
                sub.task.cancel()
        await asyncio.gather(*(s.task for s in self._subscribers if s.task), return_exceptions=True)
        for sub in self._subscribers:
            sub.task = None

    async def _work(self, sub: _Subscriber) -> None:
        while True:
            event = await sub.queue.get()
            try:
                await self._handle(sub, event)
            finally:
                sub.queue.task_done()

    async def _handle(self, sub: _Subscriber, event: Any) -> None:
        for attempt in itertools.count():
            try:
                result = sub.handler(event)
                if result is not None:
                    await result
                sub.stats.delivered += 1
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if sub.retry is not None and sub.retry(exc):
                    pause = RETRY_PAUSES[min(attempt, len(RETRY_PAUSES) - 1)]
                    sub.stats.retried += 1
                    log.warning("bus subscriber %s: %s on %s; trying again in %.2f s", sub.name,
                                type(exc).__name__, type(event).__name__, pause)
                    await asyncio.sleep(pause)
                    continue
                sub.stats.failed += 1   # isolation: log and count, keep serving
                log.exception("bus subscriber %s failed on %s", sub.name, type(event).__name__)
                return
