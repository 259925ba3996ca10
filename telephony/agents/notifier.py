"""What the agent side tells supervisors, one method per domain event: an agent paused by the ring-out rule, or a
pause the PBX refused (supervisors must know either way)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.clock import utcnow
from core.events import DomainEvent, SlaAlert

ALERT_PAUSED = "ring_no_answer_pause"
ALERT_PAUSE_FAILED = "ring_no_answer_pause_failed"


class AgentNotifier:
    def __init__(self, publish: Callable[[DomainEvent], Awaitable[None]]) -> None:
        self.publish = publish

    async def paused_for_ring_outs(self, extension: str, queue: str | None, ring_outs: int, reason: str) -> None:
        await self.publish(SlaAlert(at=utcnow(), kind=ALERT_PAUSED, extension=extension, queue=queue,
                                    message=f"agent {extension} let {ring_outs} calls in a row ring out; paused "
                                            f"(reason {reason}) until a supervisor unpauses them"))

    async def pause_failed(self, extension: str, queue: str | None, ring_outs: int, error: str) -> None:
        await self.publish(SlaAlert(at=utcnow(), kind=ALERT_PAUSE_FAILED, extension=extension, queue=queue,
                                    message=f"agent {extension} let {ring_outs} calls in a row ring out; pausing "
                                            f"failed ({error}): pause them by hand"))
