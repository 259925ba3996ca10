"""Callback tasks: who must be called back, why, from when — stored, merged one open task per number, listed.

Every part that needs a callback (the IVR offer, message taking, the missed/abandoned/dropped detector, QA
corrections, agreed times) asks through :class:`CallbackService.request_callback` (the ``core.ports.CallbackRequests``
port). A number has at most one *open* task (``pending`` or ``dialing``): a second request adds its reason to that
task and may bring its due time forward, so one call back settles everything the caller was waiting for. A partial
unique index enforces the rule even when two requests race. Every change appends a history row (HR-REG §27.11).
The dialer (``telephony.callbacks.dialer``) works the tasks. Numbers are personal data: stored, never logged.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.clock import utcnow
from core.db import for_update, locked_row, make_sessionmaker, write_lock
from core.events import OPEN_STATES, CallbackReason, CallbackState
from core.scope import scope_clause
from telephony.callbacks.exceptions import CallbackNotFound
from telephony.callbacks.merging import merge_request, new_task, settle, settled_by_an_answered_call
from telephony.callbacks.models import (PROMISE_REASONS, SYSTEM, CallbackFilter, CallbackHistoryRow, CallbackSkip,
                                        CallbackSkipRow, CallbackTask, CallbackTaskRow, HistoryEntry, audit_fields,
                                        history_row, task_of)

log = logging.getLogger(__name__)


def locked_task(engine: AsyncEngine, task_id: int) -> contextlib.AbstractAsyncContextManager[
        tuple[AsyncSession, CallbackTaskRow]]:
    """``(session, row)`` of task ``task_id`` in one transaction, the row locked on PostgreSQL (the dialer, a merge
    or a supervisor may be changing it at the same time); ``CallbackNotFound`` when there is no such task."""
    return locked_row(engine, CallbackTaskRow, task_id, lambda key: CallbackNotFound(f"no callback task {key}"))


class CallbackService:
    """The ``CallbackRequests`` port over the database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = make_sessionmaker(engine)
        # SQLite has no row locks: two read-merge-writes of one task would lose a reason. SQLite serves a single
        # service instance, so the process's SQLite write lock serialises them; PostgreSQL locks the row instead.
        self._write_lock = write_lock(engine)
        self._watchers: list[Callable[[], None]] = []

    def watch(self, changed: Callable[[], None]) -> None:
        """``changed()`` is called after this process wrote a task that may be due (the dialer looks at once)."""
        self._watchers.append(changed)

    def tasks_changed(self) -> None:
        for changed in self._watchers:
            changed()

    def write_lock(self) -> contextlib.AbstractAsyncContextManager:
        """Held around every read-merge-write of a task (also by ``admin``): the process lock on SQLite, nothing on
        PostgreSQL, which locks the row instead."""
        return self._write_lock

    async def request_callback(self, number: str, reason: str, *, due_at: dt.datetime | None = None,
                               call_id: str | None = None, queue: str | None = None,
                               extension: str | None = None, agreed_at: dt.datetime | None = None,
                               note: str | None = None, actor: str = SYSTEM) -> int:
        """Create a pending task, or merge into the number's open task; the task's id.

        ``agreed_at``: the time promised to the client (reason ``agreed_time``); ``due_at`` is then when the dialer
        may take it (the agreed time less the profile's tolerance). ``actor``: who asks, for the history."""
        reason = CallbackReason(reason).value   # an unknown reason is a bug of the caller: ValueError
        if not number:
            raise ValueError("a callback needs a number")
        now = utcnow()
        due_at = due_at or now
        for _ in range(3):  # a concurrent request for the same number may win the insert: merge into it then
            try:
                async with self.write_lock(), self._sessions() as session, \
                        session.begin():
                    task_id = await self._merge_or_create(session, number, reason, due_at, call_id, queue,
                                                          extension, now, agreed_at, note, actor)
            except IntegrityError:
                continue
            self.tasks_changed()
            return task_id
        raise RuntimeError("could not store the callback request after 3 attempts")

    async def request_in(self, session: AsyncSession, number: str, reason: str, *, call_id: str | None = None,
                         due_at: dt.datetime | None = None, queue: str | None = None,
                         extension: str | None = None) -> int:
        """``request_callback`` inside the caller's transaction (hold ``write_lock()`` around it): what is owed is
        committed with what owes it, or not at all (a message and its callback). Call ``tasks_changed()`` after
        the commit."""
        reason = CallbackReason(reason).value
        if not number:
            raise ValueError("a callback needs a number")
        now = utcnow()
        return await self._merge_or_create(session, number, reason, due_at or now, call_id, queue, extension, now,
                                           actor=SYSTEM)

    async def _merge_or_create(self, session: AsyncSession, number: str, reason: str, due_at: dt.datetime,
                               call_id: str | None, queue: str | None, extension: str | None,
                               now: dt.datetime, agreed_at: dt.datetime | None = None,
                               note: str | None = None, actor: str = SYSTEM) -> int:
        row = None
        if reason not in PROMISE_REASONS:   # a promise is never merged: it keeps its own time and employee
            stmt = select(CallbackTaskRow).where(CallbackTaskRow.number == number, ~CallbackTaskRow.promise,
                                                 CallbackTaskRow.state.in_(OPEN_STATES))
            row = await session.scalar(for_update(stmt, session.bind.dialect))   # the dialer may be updating it
        if row is None:
            row = new_task(number, reason, due_at, call_id, queue, extension, now, agreed_at, note)
            session.add(row)
            await session.flush()
            event, before = "created", None
        else:
            before = audit_fields(row)
            merge_request(row, reason, due_at, queue, extension, now, agreed_at, note)
            event = "merged"
        session.add(history_row(row, event, at=now, actor=actor, before=before, reason=reason, call_id=call_id))
        log.info("callback task %s %s (reason %s, call %s)", row.id, event, reason, call_id)
        return row.id

    async def get(self, task_id: int) -> CallbackTask | None:
        async with self._sessions() as session:
            row = await session.get(CallbackTaskRow, task_id)
            return task_of(row) if row is not None else None

    async def list(self, where: CallbackFilter = CallbackFilter()) -> list[CallbackTask]:
        """Tasks by due time (soonest first), filtered by state, reason and employee."""
        stmt = select(CallbackTaskRow)
        if where.state:
            stmt = stmt.where(CallbackTaskRow.state == where.state)
        if where.extension:
            stmt = stmt.where(CallbackTaskRow.extension == where.extension)
        if where.scope is not None:
            stmt = stmt.where(scope_clause(where.scope, (CallbackTaskRow.extension, CallbackTaskRow.agent),
                                           CallbackTaskRow.queue))
        stmt = stmt.order_by(CallbackTaskRow.due_at, CallbackTaskRow.id)
        if not where.reason:
            stmt = stmt.limit(where.limit).offset(where.offset)
        async with self._sessions() as session:
            tasks = [task_of(row) for row in (await session.scalars(stmt)).all()]
        if where.reason:  # reasons are a JSON list: filtered here, portable across SQLite and PostgreSQL
            tasks = [task for task in tasks if where.reason in task.reasons][where.offset:where.offset + where.limit]
        return tasks

    async def history(self, task_id: int) -> list[HistoryEntry]:
        """Every change of the task, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(select(CallbackHistoryRow).where(CallbackHistoryRow.task_id == task_id)
                                         .order_by(CallbackHistoryRow.id))
            return [HistoryEntry(at=row.at, event=row.event, state=row.state, reason=row.reason, call_id=row.call_id,
                                 actor=row.actor, changes=row.changes)
                    for row in rows]

    async def satisfy_open_tasks(self, number: str, *, call_id: str | None = None, actor: str = SYSTEM) -> list[int]:
        """The number called in and was answered: its ``pending`` recovery task becomes ``satisfied`` (history
        event ``satisfied``) when every reason it holds is one such a call settles (missed, abandoned, hold
        refused). Promises (agreed times, messages, QA corrections) and dropped conversations stay owed. A task
        already ``dialing`` is left to the dialer, which owns it now."""
        now = utcnow()
        pending = (CallbackTaskRow.number == number, CallbackTaskRow.state == CallbackState.PENDING.value,
                   ~CallbackTaskRow.promise)
        async with self._sessions() as session:
            # most answered callers are owed nothing: a read, without the write lock or a transaction to commit
            if await session.scalar(select(CallbackTaskRow.id).where(*pending).limit(1)) is None:
                return []
        async with self.write_lock(), self._sessions() as session, session.begin():
            stmt = select(CallbackTaskRow).where(*pending)
            # a row the dialer is claiming right now is its own: skipped
            rows = [row for row in (await session.scalars(for_update(stmt, session.bind.dialect,
                                                                     skip_locked=True))).all()
                    if settled_by_an_answered_call(row)]
            for row in rows:
                before = audit_fields(row)
                settle(row, now)
                session.add(history_row(row, "satisfied", at=now, actor=actor, before=before, call_id=call_id))
                log.info("callback task %s satisfied by call %s", row.id, call_id)
            return [row.id for row in rows]

    async def record_skip(self, call_id: str, cause: str, reason: str, *, at: dt.datetime | None = None) -> None:
        """Remember that call ``call_id`` needed a ``cause`` callback but got no task, and why."""
        async with self._sessions() as session, session.begin():
            session.add(CallbackSkipRow(call_id=call_id, cause=CallbackReason(cause).value, reason=reason,
                                        at=at or utcnow()))
        log.info("no callback task for call %s (%s: %s)", call_id, cause, reason)

    async def skips(self, call_id: str) -> list[CallbackSkip]:
        async with self._sessions() as session:
            rows = await session.scalars(select(CallbackSkipRow).where(CallbackSkipRow.call_id == call_id)
                                         .order_by(CallbackSkipRow.id))
            return [CallbackSkip(call_id=row.call_id, cause=row.cause, reason=row.reason, at=row.at) for row in rows]

    async def requested_by_call(self, call_id: str) -> bool:
        """Whether call ``call_id`` already asked for a callback (IVR offer, a message): its end needs no other."""
        async with self._sessions() as session:
            found = await session.scalar(select(CallbackHistoryRow.id).where(
                CallbackHistoryRow.call_id == call_id,
                CallbackHistoryRow.event.in_(("created", "merged"))).limit(1))   # not "satisfied" by it
            return found is not None
