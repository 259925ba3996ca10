"""What the callback capability tells the rest of the system, one method per domain event: a try assigned to an
agent, its result, a task that failed for good (a supervisor must act), and the produced call's history (the
call store records callbacks as outbound calls). Numbers travel in events for the agent's screen; never logged."""
from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from core.events import (CallbackAssigned, CallbackResult, CallDirection, CallOffered, CallState, CallStateChanged,
                         DomainEvent, EndCause, SlaAlert)
from telephony.callbacks.models import CallbackTask

ALERT_CALLBACK_FAILED = "callback_failed"
ALERT_CALLBACK_ESCALATED = "callback_escalated"


class CallbackNotifier:
    def __init__(self, publish: Callable[[DomainEvent], Awaitable[None]]) -> None:
        self.publish = publish

    async def assigned(self, task: CallbackTask, agent: str, call_id: str, at: dt.datetime) -> None:
        await self.publish(CallbackAssigned(
            at=at, task_id=task.id, extension=agent, number=task.number, reasons=task.reasons, call_id=call_id,
            origin_call_id=task.call_id, queue=task.queue, requested_at=task.created_at, attempt=task.attempts,
            agreed_at=task.agreed_at, note=task.note))

    async def result(self, task: CallbackTask, agent: str, call_id: str, outcome: str, state: str, attempts: int,
                     at: dt.datetime) -> None:
        await self.publish(CallbackResult(at=at, task_id=task.id, outcome=outcome, state=state, extension=agent,
                                          call_id=call_id, attempts=attempts))

    async def failed(self, task: CallbackTask, agent: str, attempts: int, at: dt.datetime, *,
                     no_agent: bool = False) -> None:
        why = ("no agent answered it; reschedule it or give it to someone else" if no_agent
               else f"after {attempts} tries")
        await self.publish(SlaAlert(
            at=at, kind=ALERT_CALLBACK_FAILED, extension=agent, queue=task.queue,
            message=f"Callback task {task.id} failed: {why} ({', '.join(task.reasons)})"))

    async def escalated(self, task: CallbackTask, employee: str, at: dt.datetime) -> None:
        await self.publish(SlaAlert(
            at=at, kind=ALERT_CALLBACK_ESCALATED, extension=employee, queue=task.queue,
            message=f"Callback task {task.id} waited too long for {employee}: handed to queue {task.queue}"))

    async def call_offered(self, call_id: str, client: str, presented: str, channel: str, at: dt.datetime, *,
                           offered_state: bool = True) -> None:
        """The produced call begins: the client is its caller (the other party), the public number is dialled."""
        await self.publish(CallOffered(at=at, call_id=call_id, caller=client, dialed=presented, channel=channel,
                                       direction=CallDirection.OUTBOUND))
        if offered_state:
            await self.publish(CallStateChanged(at=at, call_id=call_id, state=CallState.OFFERED))

    async def call_progress(self, call_id: str, agent: str | None, rang_at: dt.datetime | None,
                            answered_at: dt.datetime | None) -> None:
        """The client's phone rang, and they answered (each only if it happened)."""
        if rang_at is not None:
            await self.publish(CallStateChanged(at=rang_at, call_id=call_id, state=CallState.RINGING, target=agent))
        if answered_at is not None:
            await self.publish(CallStateChanged(at=answered_at, call_id=call_id, state=CallState.ANSWERED,
                                                target=agent))

    async def call_ended(self, call_id: str, agent: str | None, cause: EndCause, outcome: str,
                         at: dt.datetime) -> None:
        await self.publish(CallStateChanged(at=at, call_id=call_id, state=CallState.ENDED, target=agent, cause=cause,
                                            detail=outcome))
