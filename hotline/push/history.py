"""The caller's history for a screen pop, looked up off the pop's path: the pop goes out at once with what is in
memory (who calls, about what), and the history (previous contacts, open callbacks, unread messages: three
database reads) follows as its own ``screen_pop_history`` message.

One worker looks histories up, one at a time. An extension waits for at most one lookup, its latest ring's: a desk
phone rings one call at a time, so a newer ring of the same phone replaces an older one not looked up yet (under a
burst of calls the database is asked for what agents are looking at, not for a backlog of rings long gone).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.events import RingStarted

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lookup:
    ring: RingStarted
    number: str | None   # None: a call from before this process; the store knows its caller


# (lookup) -> publish the history message; raises nothing it cannot handle itself
Answer = Callable[[Lookup], Awaitable[None]]


class HistoryLookups:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self._waiting: dict[str, Lookup] = {}   # extension -> its latest ring's lookup, oldest extension first
        self._wakeup = asyncio.Event()
        self.superseded = 0   # lookups replaced by a newer ring of the same phone before they ran

    def ask(self, extension: str, lookup: Lookup) -> None:
        if self._waiting.pop(extension, None) is not None:
            self.superseded += 1
        self._waiting[extension] = lookup
        self._wakeup.set()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def run(self) -> None:
        while True:
            if not self._waiting:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            extension = next(iter(self._waiting))
            lookup = self._waiting.pop(extension)
            try:
                await self.answer(lookup)
            except Exception:   # one failed lookup must not stop the others (the pop itself has gone out)
                log.exception("screen pop history of ring %s failed", lookup.ring.ring_id)
