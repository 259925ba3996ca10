"""In-process event bus with isolated subscribers.

Every subscriber gets its own bounded queue and worker task, so one slow or failing subscriber never delays the
AMI reader or the others. ``durable`` subscribers (storage) apply back-pressure when full — events are never
dropped for them; the others drop the oldest event and count the drop (a wallboard can resync, a database
cannot).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[[Any], Awaitable[None] | None]


@dataclass
class SubscriberStats:
    delivered: int = 0
    failed: int = 0
    dropped: int = 0


@dataclass
class _Subscriber:
    name: str
    handler: Handler
    types: tuple[type, ...]
    durable: bool
    queue: asyncio.Queue
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
    ) -> None:
        """Register ``handler`` for events of ``types`` (all events when none given)."""
        sub = _Subscriber(name, handler, types or (object,), durable, asyncio.Queue(maxsize or self._default_maxsize))
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
                result = sub.handler(event)
                if result is not None:
                    await result
                sub.stats.delivered += 1
            except asyncio.CancelledError:
                raise
            except Exception:  # isolation: log and count, keep serving
                sub.stats.failed += 1
                log.exception("bus subscriber %s failed on %s", sub.name, type(event).__name__)
            finally:
                sub.queue.task_done()
