"""What the catalogue tells the rest of the system: a file's entry was finalised (ready, or an error state), so
whatever works on finished recordings (analysis, retention) can start from the event, never from a directory scan."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.events import DomainEvent, RecordingFinalised


class RecordingNotifier:
    def __init__(self, publish: Callable[[DomainEvent], Awaitable[None] | None]) -> None:
        self.publish = publish

    async def finalised(self, event: RecordingFinalised) -> None:
        result = self.publish(event)
        if result is not None:
            await result
