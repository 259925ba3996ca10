"""What message taking tells the rest of the system: a message was left (the employee's softphone shows it)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.events import DomainEvent, MessageLeft


class MessageNotifier:
    def __init__(self, publish: Callable[[DomainEvent], Awaitable[None] | None]) -> None:
        self.publish = publish

    async def left(self, event: MessageLeft) -> None:
        result = self.publish(event)
        if result is not None:
            await result
