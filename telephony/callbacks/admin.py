"""What people do to callback tasks: promise a time, schedule a follow-up, mark a call dropped, cancel, reschedule.

The service side of ``/api/callbacks``. New requests go through ``CallbackService.request_callback``, so
the one-open-task-per-number rule and the merging of reasons stay in one place. State changes lock the task row
(PostgreSQL ``FOR UPDATE``; on SQLite the service's process lock, which its merges take too) and append a history
row (HR-REG §27.11), so ``detail`` shows every step and ``requests`` every request merged into a task.

An agreed time (LT-2021 §12.10) is kept as agreed: it is not moved into business hours (the client chose it), only
flagged with a warning when it falls outside them. The dialer may take it ``agreed_time_tolerance_seconds`` early.
Numbers are personal data: they are stored, never logged.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar import next_business_moment
from core.clock import utcnow
from core.db import make_sessionmaker
from core.events import OPEN_STATES, CallbackReason, CallbackState, CallState
from core.phone_numbers import profile_callback_number
from core.policy import PolicyProfile
from telephony.ami.channels import extension_of
from telephony.callbacks.detection import NO_USABLE_NUMBER
from telephony.callbacks.exceptions import CallbackConflict, CallbackNotFound, InvalidCallbackRequest
from telephony.callbacks.models import (RESCHEDULED, SYSTEM, CallbackTask, CallbackTaskRow, HistoryEntry, audit_fields,
                                        history_row, task_of)
from telephony.callbacks.service import CallbackService, locked_task
from telephony.calls.queries import get_call

log = logging.getLogger(__name__)

REQUEST_EVENTS = ("created", "merged")   # history events that brought a request (reason, call) into a task


@dataclass(frozen=True)
class CallbackRequest:
    """One request merged into a task: three abandoned calls are one task, one reason, three requests."""

    reason: str
    call_id: str | None
    at: dt.datetime


@dataclass(frozen=True)
class CallbackDetail:
    task: CallbackTask
    history: tuple[HistoryEntry, ...]

    @property
    def requests(self) -> list[CallbackRequest]:
        return [CallbackRequest(entry.reason, entry.call_id, entry.at) for entry in self.history
                if entry.event in REQUEST_EVENTS and entry.reason is not None]


@dataclass(frozen=True)
class AgreedCallback:
    task_id: int
    warning: str | None = None   # e.g. the agreed time is outside business hours (kept all the same)


@dataclass(frozen=True)
class DroppedMark:
    task_id: int | None            # the dropped task, or None when the call left no usable number
    skipped: str | None = None     # why no task (``no_usable_number``)


# Changes one locked task row in place at ``now``; returns the history event to append.
RowChange = Callable[[AsyncSession, CallbackTaskRow, dt.datetime], Awaitable[str]]


class CallbackAdmin:
    def __init__(self, callbacks: CallbackService, profile: PolicyProfile) -> None:
        self.callbacks = callbacks
        self.profile = profile
        self.engine = callbacks.engine
        self._sessions = make_sessionmaker(callbacks.engine)

    @property
    def tolerance(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.profile.callbacks.agreed_time_tolerance_seconds)

    # -- new requests ------------------------------------------------------------------------------------------
    async def create_agreed(self, number_raw: str, agreed_at: dt.datetime, *, extension: str | None = None,
                            queue: str | None = None, call_id: str | None = None, note: str | None = None,
                            now: dt.datetime | None = None, by: str = SYSTEM) -> AgreedCallback:
        """A callback at the time agreed with the client; due ``tolerance`` before it (the window opens then)."""
        number = profile_callback_number(number_raw, self.profile)
        if number is None:
            where = f"{self.profile.country} " if self.profile.callbacks.domestic_only else ""
            raise InvalidCallbackRequest(f"not a number the hotline can call back: give a valid {where}phone "
                                         f"number (national, or international with its +)")
        self._check_agreed_time(agreed_at, now or utcnow())
        if queue is not None and queue not in {q.name for q in self.profile.queues}:
            raise InvalidCallbackRequest(f"unknown queue {queue!r}; choose one of the profile's queues")
        task_id = await self.callbacks.request_callback(
            number, CallbackReason.AGREED_TIME.value, due_at=agreed_at - self.tolerance, call_id=call_id,
            queue=queue, extension=extension, agreed_at=agreed_at, note=note, actor=by)
        return AgreedCallback(task_id, self._outside_hours_warning(agreed_at))

    async def follow_up(self, task_id: int, agreed_at: dt.datetime, note: str | None = None, *,
                        extension: str | None = None, now: dt.datetime | None = None,
                        by: str = SYSTEM) -> AgreedCallback:
        """A new agreed time for the number of task ``task_id``, linked to the call that task produced.

        It goes to ``extension``, else the task's employee, else the agent who made that call (who promised it).
        """
        source = await self.callbacks.get(task_id)
        if source is None:
            raise CallbackNotFound(f"no callback task {task_id}")
        if source.state in OPEN_STATES:
            raise CallbackConflict(f"callback task {task_id} is still {source.state}; schedule the follow-up once "
                                   f"its call has ended")
        self._check_agreed_time(agreed_at, now or utcnow())
        new_id = await self.callbacks.request_callback(
            source.number, CallbackReason.AGREED_TIME.value, due_at=agreed_at - self.tolerance,
            call_id=source.dial_call_id, queue=source.queue, extension=extension or source.extension or source.agent,
            agreed_at=agreed_at, note=note, actor=by)
        return AgreedCallback(new_id, self._outside_hours_warning(agreed_at))

    async def mark_call_dropped(self, call_id: str, *, answered_by: str | None = None,
                                by: str = SYSTEM) -> DroppedMark:
        """An agent says their answered call dropped: a ``dropped`` task for the caller (LT-2021 §12.25).

        ``answered_by``: the extension that must have answered the call (an agent marks only their own calls).
        """
        call = await get_call(self.engine, call_id)
        if call is None:
            raise CallbackNotFound(f"no call {call_id}")
        answered = [state for state in call.states if state.state == CallState.ANSWERED.value]
        if not answered:
            raise CallbackConflict(f"call {call_id} was never answered, so no conversation dropped (a missed or "
                                   f"abandoned call gets its callback automatically)")
        if answered_by is not None and all(extension_of(state.target) != answered_by for state in answered):
            raise CallbackNotFound(f"no call {call_id} answered by extension {answered_by}")
        reason = CallbackReason.DROPPED.value
        number = profile_callback_number(call.caller, self.profile)
        if number is None:
            await self.callbacks.record_skip(call_id, reason, NO_USABLE_NUMBER)
            return DroppedMark(None, NO_USABLE_NUMBER)
        task_id = await self.callbacks.request_callback(
            number, reason, due_at=next_business_moment(utcnow(), self.profile), call_id=call_id, queue=call.queue,
            actor=by)
        return DroppedMark(task_id)

    def _check_agreed_time(self, agreed_at: dt.datetime, now: dt.datetime) -> None:
        if agreed_at.tzinfo is None or agreed_at.utcoffset() is None:
            raise InvalidCallbackRequest("agreed_at needs a timezone offset (e.g. 2026-11-24T10:00:00+02:00)")
        if agreed_at < now - self.tolerance:
            raise InvalidCallbackRequest("agreed_at is in the past; agree a future time with the client")

    def _outside_hours_warning(self, agreed_at: dt.datetime) -> str | None:
        if next_business_moment(agreed_at, self.profile) == agreed_at:
            return None
        return ("the agreed time is outside business hours or on a day off; it is kept as agreed, so make sure "
                "someone is working then")

    # -- state changes -----------------------------------------------------------------------------------------
    async def cancel(self, task_id: int, by: str) -> CallbackTask:
        """``pending``/``dialing`` → ``cancelled`` (a try under way finishes, but its outcome no longer counts)."""
        async def change(session: AsyncSession, row: CallbackTaskRow, now: dt.datetime) -> str:
            if row.state not in OPEN_STATES:
                raise CallbackConflict(f"callback task {task_id} is {row.state}; only pending or dialing tasks can "
                                       f"be cancelled")
            row.state = CallbackState.CANCELLED.value
            return "cancelled"

        task = await self._change(task_id, change, by)
        log.info("callback task %s cancelled by %s", task_id, by)
        return task

    async def reschedule(self, task_id: int, due_at: dt.datetime, by: str) -> CallbackTask:
        """A ``pending`` or ``failed`` task becomes ``pending``, due at ``due_at`` moved into business hours; a
        failed task starts its tries again (attempts 0). A recovery task is refused while its number has another open
        one (a promise is a task of its own)."""
        due_at = next_business_moment(due_at, self.profile)

        async def change(session: AsyncSession, row: CallbackTaskRow, now: dt.datetime) -> str:
            if row.state not in (CallbackState.PENDING.value, CallbackState.FAILED.value):
                raise CallbackConflict(f"callback task {task_id} is {row.state}; only pending or failed tasks can "
                                       f"be rescheduled")
            if row.state == CallbackState.FAILED.value and not row.promise:   # one open recovery task a number
                other = await session.scalar(select(CallbackTaskRow.id).where(
                    CallbackTaskRow.number == row.number, ~CallbackTaskRow.promise,
                    CallbackTaskRow.state.in_(OPEN_STATES)))
                if other is not None:
                    raise _number_has_open_task(task_id, other)
                row.attempts = 0
            row.state = CallbackState.PENDING.value
            row.due_at = due_at
            return RESCHEDULED

        task = await self._change(task_id, change, by)
        log.info("callback task %s rescheduled by %s", task_id, by)
        return task

    async def _change(self, task_id: int, change: RowChange, by: str) -> CallbackTask:
        now = utcnow()
        try:
            async with self.callbacks.write_lock(), \
                    locked_task(self.engine, task_id) as (session, row):
                before = audit_fields(row)
                event = await change(session, row, now)
                row.updated_at = now
                session.add(history_row(row, event, at=now, actor=by, before=before))
                await session.flush()
                task = task_of(row)
        except IntegrityError:   # a request opened another task for the number meanwhile
            raise _number_has_open_task(task_id, None) from None
        self.callbacks.tasks_changed()
        return task

    # -- reading -----------------------------------------------------------------------------------------------
    async def detail(self, task_id: int) -> CallbackDetail:
        """The task and every change to it, oldest first."""
        task = await self.callbacks.get(task_id)
        if task is None:
            raise CallbackNotFound(f"no callback task {task_id}")
        return CallbackDetail(task, tuple(await self.callbacks.history(task_id)))

    async def requests(self, task_id: int) -> list[CallbackRequest]:
        """Every request merged into the task (its ``reasons`` are the distinct ones)."""
        return (await self.detail(task_id)).requests


def _number_has_open_task(task_id: int, other: int | None) -> CallbackConflict:
    which = f"task {other}" if other is not None else "another task"
    return CallbackConflict(f"callback task {task_id} cannot be reopened: its number already has an open callback "
                            f"({which}), which will settle it; cancel that one first to reschedule this")
