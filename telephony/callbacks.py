"""Callback tasks: who must be called back, why, from when — stored, merged one open task per number, listed.

Every part that needs a callback (the IVR offer, message taking, later the missed/abandoned/dropped detector, QA
corrections, agreed times) asks through :class:`CallbackService.request_callback` (the ``core.ports.CallbackRequests``
port). A number has at most one *open* task (``pending`` or ``dialing``): a second request adds its reason to that
task and may bring its due time forward, so one call back settles everything the caller was waiting for. A partial
unique index enforces the rule even when two requests race. Every change appends a history row (HR-REG §27.11).
The dialer that works the tasks is issue 6. Numbers are personal data: they are stored, never logged.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, make_sessionmaker, utcnow

log = logging.getLogger(__name__)

AutoId = BigInteger().with_variant(Integer(), "sqlite")


class CallbackState(StrEnum):
    PENDING = "pending"
    DIALING = "dialing"
    DONE = "done"              # called back: the client answered
    SATISFIED = "satisfied"    # no call needed any more: the client called in again and was answered
    FAILED = "failed"
    CANCELLED = "cancelled"


class CallbackReason(StrEnum):
    MISSED = "missed"
    ABANDONED = "abandoned"
    DROPPED = "dropped"
    AGREED_TIME = "agreed_time"
    HOLD_REFUSED = "hold_refused"
    QA_CORRECTION = "qa_correction"
    MESSAGE = "message"


# Lower is dialled first (REQUIREMENTS §5): a dropped conversation, then a promised time, then a missed or
# abandoned call, then everything else. A task with several reasons takes its most urgent one.
PRIORITY_GROUPS: tuple[tuple[str, ...], ...] = (
    (CallbackReason.DROPPED.value,),
    (CallbackReason.AGREED_TIME.value,),
    (CallbackReason.MISSED.value, CallbackReason.ABANDONED.value),
)
OTHER_PRIORITY = len(PRIORITY_GROUPS)


def priority(reasons: tuple[str, ...] | list[str]) -> int:
    """The dialling priority of a task with these reasons (0 first), stored with the task."""
    for rank, group in enumerate(PRIORITY_GROUPS):
        if any(reason in group for reason in reasons):
            return rank
    return OTHER_PRIORITY


OPEN_STATES = (CallbackState.PENDING.value, CallbackState.DIALING.value)
_OPEN_SQL = text("state IN ('pending', 'dialing')")


class CallbackTaskRow(Base):
    __tablename__ = "callback_tasks"
    __table_args__ = (
        # one open task per number, whoever asks and however concurrently
        Index("uq_callback_tasks_open_number", "number", unique=True,
              sqlite_where=_OPEN_SQL, postgresql_where=_OPEN_SQL),
        Index("ix_callback_tasks_state_due_at", "state", "due_at"),
        Index("ix_callback_tasks_claim_order", "state", "priority", "due_at"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32))             # E.164; personal data
    state: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON)           # in the order they were asked for
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    call_id: Mapped[str | None] = mapped_column(String(64))    # the call that first asked for it
    queue: Mapped[str | None] = mapped_column(String(64))      # the competence that should call back
    extension: Mapped[str | None] = mapped_column(String(16))  # a specific employee (messages, agreed times)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # the dialer worker that took the task to `dialing`, and when (telephony.callback_claims, migration 0007)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # migration 0009: dialling order (see ``priority``), the time agreed with the client (§12.10), the channel id
    # and agent of the latest try (the produced call; how a restart finds the try), the agent's note
    priority: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    agreed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    dial_call_id: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(500))


class CallbackHistoryRow(Base):
    """One appended change of a task: created, a reason merged in, a state change (issue 6)."""

    __tablename__ = "callback_task_history"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("callback_tasks.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(32))             # "created", "merged", ...
    reason: Mapped[str | None] = mapped_column(String(32))
    call_id: Mapped[str | None] = mapped_column(String(64))


class CallbackSkipRow(Base):
    """A call that would have needed a callback but got no task, and why (e.g. ``no_usable_number``)."""

    __tablename__ = "callback_skips"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    cause: Mapped[str] = mapped_column(String(32))             # the callback reason the call would have had
    reason: Mapped[str] = mapped_column(String(32))            # why no task: never the number itself
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class CallbackSkip:
    call_id: str
    cause: str
    reason: str
    at: dt.datetime


@dataclass(frozen=True)
class CallbackTask:
    id: int
    number: str
    state: str
    reasons: tuple[str, ...]
    due_at: dt.datetime
    attempts: int
    call_id: str | None
    queue: str | None
    extension: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    priority: int = OTHER_PRIORITY
    agreed_at: dt.datetime | None = None
    dial_call_id: str | None = None
    agent: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class CallbackFilter:
    state: str | None = None
    reason: str | None = None
    extension: str | None = None
    limit: int = 100
    offset: int = 0


class CallbackNotFound(LookupError):
    """No such task or call (or not one this user may see)."""


class HistoryEntry(NamedTuple):
    """One appended change of a task (``callback_task_history``)."""

    at: dt.datetime
    event: str
    state: str
    reason: str | None
    call_id: str | None


@contextlib.asynccontextmanager
async def locked_task(engine: AsyncEngine, task_id: int) -> AsyncIterator[tuple[AsyncSession, CallbackTaskRow]]:
    """``(session, row)`` of task ``task_id`` in one transaction, the row locked on PostgreSQL (the dialer, a merge
    or a supervisor may be changing it at the same time); ``CallbackNotFound`` when there is no such task."""
    stmt = select(CallbackTaskRow).where(CallbackTaskRow.id == task_id)
    if engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    async with make_sessionmaker(engine)() as session, session.begin():
        row = await session.scalar(stmt)
        if row is None:
            raise CallbackNotFound(f"no callback task {task_id}")
        yield session, row


def _task(row: CallbackTaskRow) -> CallbackTask:
    return CallbackTask(row.id, row.number, row.state, tuple(row.reasons or ()), row.due_at, row.attempts,
                        row.call_id, row.queue, row.extension, row.created_at, row.updated_at, row.priority,
                        row.agreed_at, row.dial_call_id, row.agent, row.note)


class CallbackService:
    """The ``CallbackRequests`` port over the database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = make_sessionmaker(engine)
        # SQLite has no row locks: two read-merge-writes of one task would lose a reason. SQLite serves a single
        # service instance, so one lock in this process serialises them; PostgreSQL locks the row instead.
        self._sqlite_lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    async def request_callback(self, number: str, reason: str, *, due_at: dt.datetime | None = None,
                               call_id: str | None = None, queue: str | None = None,
                               extension: str | None = None, agreed_at: dt.datetime | None = None,
                               note: str | None = None) -> int:
        """Create a pending task, or merge into the number's open task; the task's id.

        ``agreed_at``: the time promised to the client (reason ``agreed_time``); ``due_at`` is then when the dialer
        may take it (the agreed time less the profile's tolerance)."""
        reason = CallbackReason(reason).value   # an unknown reason is a bug of the caller: ValueError
        if not number:
            raise ValueError("a callback needs a number")
        now = utcnow()
        due_at = due_at or now
        for _ in range(3):  # a concurrent request for the same number may win the insert: merge into it then
            try:
                async with (self._sqlite_lock or contextlib.nullcontext()), self._sessions() as session, \
                        session.begin():
                    return await self._merge_or_create(session, number, reason, due_at, call_id, queue, extension,
                                                       now, agreed_at, note)
            except IntegrityError:
                continue
        raise RuntimeError("could not store the callback request after 3 attempts")

    async def _merge_or_create(self, session: AsyncSession, number: str, reason: str, due_at: dt.datetime,
                               call_id: str | None, queue: str | None, extension: str | None,
                               now: dt.datetime, agreed_at: dt.datetime | None = None,
                               note: str | None = None) -> int:
        stmt = select(CallbackTaskRow).where(CallbackTaskRow.number == number,
                                             CallbackTaskRow.state.in_(OPEN_STATES))
        if session.bind.dialect.name == "postgresql":
            stmt = stmt.with_for_update()   # the dialer (issue 6) may be updating it right now
        row = await session.scalar(stmt)
        if row is None:
            row = CallbackTaskRow(number=number, state=CallbackState.PENDING.value, reasons=[reason], due_at=due_at,
                                  attempts=0, call_id=call_id, queue=queue, extension=extension, created_at=now,
                                  updated_at=now, priority=priority([reason]), agreed_at=agreed_at, note=note)
            session.add(row)
            await session.flush()
            event = "created"
        else:
            if reason not in row.reasons:
                row.reasons = [*row.reasons, reason]   # a new list: JSON columns do not track in-place changes
            row.due_at = min(row.due_at, due_at)        # the earlier promise wins
            row.queue = row.queue or queue
            row.extension = row.extension or extension
            row.priority = priority(row.reasons)
            row.agreed_at = agreed_at or row.agreed_at
            row.note = note or row.note
            row.updated_at = now
            event = "merged"
        session.add(CallbackHistoryRow(task_id=row.id, at=now, state=row.state, event=event, reason=reason,
                                       call_id=call_id))
        log.info("callback task %s %s (reason %s, call %s)", row.id, event, reason, call_id)
        return row.id

    async def get(self, task_id: int) -> CallbackTask | None:
        async with self._sessions() as session:
            row = await session.get(CallbackTaskRow, task_id)
            return _task(row) if row is not None else None

    async def list(self, where: CallbackFilter = CallbackFilter()) -> list[CallbackTask]:
        """Tasks by due time (soonest first), filtered by state, reason and employee."""
        stmt = select(CallbackTaskRow)
        if where.state:
            stmt = stmt.where(CallbackTaskRow.state == where.state)
        if where.extension:
            stmt = stmt.where(CallbackTaskRow.extension == where.extension)
        stmt = stmt.order_by(CallbackTaskRow.due_at, CallbackTaskRow.id)
        if not where.reason:
            stmt = stmt.limit(where.limit).offset(where.offset)
        async with self._sessions() as session:
            tasks = [_task(row) for row in (await session.scalars(stmt)).all()]
        if where.reason:  # reasons are a JSON list: filtered here, portable across SQLite and PostgreSQL
            tasks = [task for task in tasks if where.reason in task.reasons][where.offset:where.offset + where.limit]
        return tasks

    async def history(self, task_id: int) -> list[HistoryEntry]:
        """Every change of the task, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(select(CallbackHistoryRow).where(CallbackHistoryRow.task_id == task_id)
                                         .order_by(CallbackHistoryRow.id))
            return [HistoryEntry(row.at, row.event, row.state, row.reason, row.call_id) for row in rows]

    async def satisfy_open_tasks(self, number: str, *, call_id: str | None = None) -> list[int]:
        """The number called in and was answered: its ``pending`` tasks become ``satisfied`` (history event
        ``satisfied``). A task already ``dialing`` is left to the dialer, which owns it now."""
        now = utcnow()
        async with (self._sqlite_lock or contextlib.nullcontext()), self._sessions() as session, session.begin():
            stmt = select(CallbackTaskRow).where(CallbackTaskRow.number == number,
                                                 CallbackTaskRow.state == CallbackState.PENDING.value)
            if session.bind.dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)   # a row the dialer is claiming right now is its
            rows = (await session.scalars(stmt)).all()
            for row in rows:
                row.state = CallbackState.SATISFIED.value
                row.updated_at = now
                session.add(CallbackHistoryRow(task_id=row.id, at=now, state=row.state, event="satisfied",
                                               reason=None, call_id=call_id))
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
            return [CallbackSkip(row.call_id, row.cause, row.reason, row.at) for row in rows]

    async def requested_by_call(self, call_id: str) -> bool:
        """Whether call ``call_id`` already asked for a callback (IVR offer, a message): its end needs no other."""
        async with self._sessions() as session:
            found = await session.scalar(select(CallbackHistoryRow.id).where(
                CallbackHistoryRow.call_id == call_id,
                CallbackHistoryRow.event.in_(("created", "merged"))).limit(1))   # not "satisfied" by it
            return found is not None
