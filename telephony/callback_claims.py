"""Taking due callback tasks for dialling exactly once, and recording how each try ended (attempts, backoff, failed).

``claim_due`` moves the most urgent due ``pending`` tasks to ``dialing`` in one transaction. On PostgreSQL the
select carries ``FOR UPDATE SKIP LOCKED`` (``core.db.claim_for_update``): several service instances may run a dialer
on one database, each skips the rows another is claiming, so no task is dialled twice. SQLite has no row locks:
SQLite mode runs exactly one dialer (one service instance, one claiming loop), which the caller must ensure.

``finish`` records a try's outcome: ``answered`` closes the task (``done``); any other outcome puts it back to
``pending`` after the profile's backoff, or ``failed`` once ``max_attempts`` tries were made. A failed task only
changes state here; alerting a supervisor is the dialer's job. Numbers are personal data: never logged.
"""
from __future__ import annotations

import datetime as dt
import logging
from enum import StrEnum

from sqlalchemy import case, cast, or_, select
from sqlalchemy import Text as SqlText
from sqlalchemy.ext.asyncio import AsyncEngine

from core.db import claim_for_update, make_sessionmaker, utcnow
from core.policy import Callbacks
from telephony.callbacks import CallbackHistoryRow, CallbackReason, CallbackState, CallbackTask, CallbackTaskRow, \
    _task

log = logging.getLogger(__name__)


class CallbackOutcome(StrEnum):
    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"


# Lower is dialled first (REQUIREMENTS §5): a dropped conversation, then a promised time, then a missed or
# abandoned call, then everything else. A task with several reasons takes its most urgent one.
PRIORITY_GROUPS: tuple[tuple[str, ...], ...] = (
    (CallbackReason.DROPPED.value,),
    (CallbackReason.AGREED_TIME.value,),
    (CallbackReason.MISSED.value, CallbackReason.ABANDONED.value),
)
OTHER_PRIORITY = len(PRIORITY_GROUPS)


def priority(reasons: tuple[str, ...] | list[str]) -> int:
    """The dialling priority of a task with these reasons (0 first); the Python twin of the SQL ordering."""
    for rank, group in enumerate(PRIORITY_GROUPS):
        if any(reason in group for reason in reasons):
            return rank
    return OTHER_PRIORITY


def _priority_sql():
    # reasons is a JSON list serialised as ["a", "b"] on both dialects; matching the quoted value is portable and
    # exact, as no reason name is a quoted substring of another. Sorting in SQL lets LIMIT and SKIP LOCKED apply.
    as_text = cast(CallbackTaskRow.reasons, SqlText)
    whens = [(or_(*(as_text.like(f'%"{reason}"%') for reason in group)), rank)
             for rank, group in enumerate(PRIORITY_GROUPS)]
    return case(*whens, else_=OTHER_PRIORITY)


def backoff(attempts: int, policy: Callbacks) -> dt.timedelta:
    """The wait after try number ``attempts`` (1-based) before the next one; the last configured step repeats."""
    steps = policy.retry_backoff_seconds
    return dt.timedelta(seconds=steps[min(max(attempts, 1), len(steps)) - 1])


async def claim_due(engine: AsyncEngine, now: dt.datetime, limit: int, worker: str) -> list[CallbackTask]:
    """Move up to ``limit`` due pending tasks to ``dialing`` for ``worker``; the claimed tasks, most urgent first.

    A task is returned by exactly one call across all instances on PostgreSQL (row locks, SKIP LOCKED). On SQLite
    only one dialer may call this (see the module docstring).
    """
    stmt = (select(CallbackTaskRow)
            .where(CallbackTaskRow.state == CallbackState.PENDING.value, CallbackTaskRow.due_at <= now)
            .order_by(_priority_sql(), CallbackTaskRow.due_at, CallbackTaskRow.id)
            .limit(limit))
    stmt = claim_for_update(stmt, engine.dialect)
    async with make_sessionmaker(engine)() as session, session.begin():
        rows = list((await session.scalars(stmt)).all())
        for row in rows:
            row.state = CallbackState.DIALING.value
            row.attempts += 1
            row.claimed_by = worker
            row.claimed_at = now
            row.updated_at = now
            session.add(CallbackHistoryRow(task_id=row.id, at=now, state=row.state, event="claimed", reason=None,
                                           call_id=None))
        tasks = [_task(row) for row in rows]
    if tasks:
        log.info("dialer %s claimed %d callback task(s)", worker, len(tasks))
    return tasks


async def finish(engine: AsyncEngine, task_id: int, outcome: str, *, policy: Callbacks = Callbacks(),
                 now: dt.datetime | None = None, call_id: str | None = None) -> str:
    """Record how a try of a ``dialing`` task ended; the task's new state.

    A task no longer ``dialing`` (cancelled or closed meanwhile) is left as it is and its state returned.
    """
    outcome = CallbackOutcome(outcome).value   # an unknown outcome is a bug of the caller: ValueError
    now = now or utcnow()
    stmt = select(CallbackTaskRow).where(CallbackTaskRow.id == task_id)
    if engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update()   # a merge by request_callback may be updating the same row
    async with make_sessionmaker(engine)() as session, session.begin():
        row = await session.scalar(stmt)
        if row is None:
            raise LookupError(f"no callback task {task_id}")
        if row.state != CallbackState.DIALING.value:
            return row.state
        if outcome == CallbackOutcome.ANSWERED:
            row.state = CallbackState.DONE.value
        elif row.attempts >= policy.max_attempts:
            row.state = CallbackState.FAILED.value
        else:
            row.state = CallbackState.PENDING.value
            row.due_at = now + backoff(row.attempts, policy)
        row.updated_at = now
        session.add(CallbackHistoryRow(task_id=row.id, at=now, state=row.state, event=outcome, reason=None,
                                       call_id=call_id))
        state = row.state
    log.info("callback task %s try %s: %s -> %s", task_id, row.attempts, outcome, state)
    return state
