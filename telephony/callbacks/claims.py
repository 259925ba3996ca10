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
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import utcnow
from core.db import claim_for_update, make_sessionmaker
from core.events import CallbackState
from core.policy import Callbacks
from telephony.callbacks.models import (RESCHEDULED, CallbackHistoryRow, CallbackTask, CallbackTaskRow, audit_fields,
                                        history_row, task_of)
from telephony.callbacks.service import locked_task

log = logging.getLogger(__name__)


class CallbackOutcome(StrEnum):
    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"


@dataclass(frozen=True)
class Servable:
    """Which tasks the free agents can take now: their extensions (tasks for a specific employee) and the queues
    they serve (tasks for a competence). A task for nobody in particular suits any free agent."""

    extensions: frozenset[str]
    queues: frozenset[str]

    def where(self):
        anyone = and_(CallbackTaskRow.extension.is_(None),
                      or_(CallbackTaskRow.queue.is_(None), CallbackTaskRow.queue.in_(self.queues)))
        return or_(anyone, CallbackTaskRow.extension.in_(self.extensions))


def backoff(attempts: int, policy: Callbacks) -> dt.timedelta:
    """The wait after try number ``attempts`` (1-based) before the next one; the last configured step repeats."""
    steps = policy.retry_backoff_seconds
    return dt.timedelta(seconds=steps[min(max(attempts, 1), len(steps)) - 1])


def _number_not_being_dialled():
    """A number has one try at a time: its recovery task and its promises are never dialled at once."""
    being_dialled = aliased(CallbackTaskRow)
    return ~exists().where(being_dialled.number == CallbackTaskRow.number,
                           being_dialled.state == CallbackState.DIALING.value)


async def next_due(engine: AsyncEngine, servable: Servable) -> dt.datetime | None:
    """When the earliest ``pending`` task the free agents could take is due (None: there is none)."""
    stmt = select(func.min(CallbackTaskRow.due_at)).where(CallbackTaskRow.state == CallbackState.PENDING.value,
                                                          servable.where(), _number_not_being_dialled())
    async with engine.connect() as conn:
        return await conn.scalar(stmt)   # min() keeps the column's type: a UTC datetime


async def claim_due(engine: AsyncEngine, now: dt.datetime, limit: int, worker: str,
                    servable: Servable | None = None) -> list[CallbackTask]:
    """Move up to ``limit`` due pending tasks to ``dialing`` for ``worker``; the claimed tasks, most urgent first.

    ``servable``: only tasks the free agents can take (else any). A task is returned by exactly one call across all
    instances on PostgreSQL (row locks, SKIP LOCKED). On SQLite only one dialer may call this (module docstring).
    """
    stmt = (select(CallbackTaskRow)
            .where(CallbackTaskRow.state == CallbackState.PENDING.value, CallbackTaskRow.due_at <= now,
                   _number_not_being_dialled())
            .order_by(CallbackTaskRow.priority, CallbackTaskRow.due_at, CallbackTaskRow.id)
            .limit(limit))
    if servable is not None:
        stmt = stmt.where(servable.where())
    async with engine.connect() as conn:
        # the dialer asks every second, and mostly nothing is due: a plain read first, no locking transaction
        if await conn.scalar(stmt.with_only_columns(CallbackTaskRow.id)) is None:
            return []
    stmt = claim_for_update(stmt, engine.dialect)
    async with make_sessionmaker(engine)() as session, session.begin():
        rows, numbers = [], set()
        for row in (await session.scalars(stmt)).all():
            if row.number not in numbers:   # two due tasks of one number: the more urgent now, the other later
                numbers.add(row.number)
                rows.append(row)
        for row in rows:
            before = audit_fields(row)
            row.state = CallbackState.DIALING.value
            row.attempts += 1
            row.claimed_by = worker
            row.claimed_at = now
            row.updated_at = now
            session.add(history_row(row, "claimed", at=now, actor=dialer(worker), before=before))
        tasks = [task_of(row) for row in rows]
    if tasks:
        log.info("dialer %s claimed %d callback task(s)", worker, len(tasks))
    return tasks


def dialer(worker: str | None) -> str:
    """The history's actor of a dialer's change."""
    return f"dialer {worker}" if worker else "dialer"


def _not_this_try(row: CallbackTaskRow, worker: str | None, call_id: str | None) -> bool:
    """A try concludes only itself: the task may have been taken over by another dialer (``worker``) or be on a
    newer try (``call_id``) when a late conclusion arrives; that one then changes nothing."""
    if row.state != CallbackState.DIALING.value:
        return True
    if worker is not None and row.claimed_by != worker:
        return True
    return bool(call_id and row.dial_call_id and row.dial_call_id != call_id)


async def finish(engine: AsyncEngine, task_id: int, outcome: str, *, policy: Callbacks = Callbacks(),
                 now: dt.datetime | None = None, call_id: str | None = None, worker: str | None = None,
                 open_at: Callable[[dt.datetime], dt.datetime] = lambda at: at) -> str:
    """Record how a try of a ``dialing`` task ended; the task's new state.

    A task no longer ``dialing`` (cancelled or closed meanwhile), or no longer on this try (``worker``'s claim
    and ``call_id``: see ``_not_this_try``), is left as it is and its state returned. ``open_at`` moves a retry's
    due time into business hours (``core.calendar.next_business_moment``).
    """
    outcome = CallbackOutcome(outcome).value   # an unknown outcome is a bug of the caller: ValueError
    now = now or utcnow()
    async with locked_task(engine, task_id) as (session, row):
        if _not_this_try(row, worker, call_id):
            if row.state == CallbackState.DIALING.value:
                log.warning("callback task %s: a late end of try %s changed nothing (the task is on another try)",
                            task_id, call_id)
            return row.state
        before = audit_fields(row)
        if outcome == CallbackOutcome.ANSWERED:
            row.state = CallbackState.DONE.value
        elif row.attempts >= policy.max_attempts:
            row.state = CallbackState.FAILED.value
        else:
            row.state = CallbackState.PENDING.value
            row.due_at = open_at(now + backoff(row.attempts, policy))
        row.updated_at = now
        session.add(history_row(row, outcome, at=now, actor=dialer(worker), before=before, call_id=call_id))
        state = row.state
    log.info("callback task %s try %s: %s -> %s", task_id, row.attempts, outcome, state)
    return state


async def start_try(engine: AsyncEngine, task_id: int, call_id: str, agent: str,
                    now: dt.datetime | None = None) -> None:
    """Note the call a try is about to produce, and its agent, before it is placed: a restart finds it by this."""
    now = now or utcnow()
    async with locked_task(engine, task_id) as (session, row):
        before = audit_fields(row)
        row.dial_call_id, row.agent, row.updated_at = call_id, agent, now
        session.add(history_row(row, "agent_rung", at=now, actor=dialer(None), before=before, call_id=call_id))


async def release(engine: AsyncEngine, task_id: int, due_at: dt.datetime, event: str,
                  now: dt.datetime | None = None, call_id: str | None = None, worker: str | None = None,
                  give_up_after: int | None = None) -> str:
    """Give a ``dialing`` task back without counting a try: the client was never dialled (no free agent, the agent
    did not answer, the service stopped before placing the call). Pending again from ``due_at``; its state. Like
    ``finish``, only the try it belongs to. ``give_up_after``: the task is ``failed`` instead once it was given back
    for this ``event`` that many times since it was last (re)scheduled (agents who never answer must not keep a
    client waiting unseen: the dialer alerts supervisors)."""
    now = now or utcnow()
    async with locked_task(engine, task_id) as (session, row):
        if _not_this_try(row, worker, call_id):
            return row.state
        before = audit_fields(row)
        row.attempts = max(row.attempts - 1, 0)   # the client was not dialled: no try counts
        if give_up_after is not None and await _times_given_back(session, task_id, event) + 1 >= give_up_after:
            row.state, row.updated_at = CallbackState.FAILED.value, now
            session.add(history_row(row, f"{event}_limit", at=now, actor=dialer(worker), before=before,
                                    call_id=call_id))
            return row.state
        row.state = CallbackState.PENDING.value
        row.due_at, row.updated_at = due_at, now
        session.add(history_row(row, event, at=now, actor=dialer(worker), before=before, call_id=call_id))
        return row.state


async def _times_given_back(session, task_id: int, event: str) -> int:
    """How often the task was given back for ``event`` since it was created or last rescheduled."""
    history = CallbackHistoryRow
    since = select(func.coalesce(func.max(history.id), 0)).where(history.task_id == task_id,
                                                                 history.event == RESCHEDULED).scalar_subquery()
    return await session.scalar(select(func.count()).where(history.task_id == task_id, history.event == event,
                                                           history.id > since))


async def dialing_tasks(engine: AsyncEngine, worker: str) -> list[CallbackTask]:
    """The tasks ``worker`` holds in ``dialing`` (after a restart: the tries it must reconcile)."""
    async with make_sessionmaker(engine)() as session:
        rows = await session.scalars(select(CallbackTaskRow).where(
            CallbackTaskRow.state == CallbackState.DIALING.value, CallbackTaskRow.claimed_by == worker))
        return [task_of(row) for row in rows]


async def renew_claims(engine: AsyncEngine, task_ids: list[int], worker: str, now: dt.datetime | None = None) -> None:
    """``worker`` is alive and still following these tries: their claims are fresh (see ``take_over_stale``)."""
    if not task_ids:
        return
    async with make_sessionmaker(engine)() as session, session.begin():
        await session.execute(update(CallbackTaskRow).where(
            CallbackTaskRow.id.in_(task_ids), CallbackTaskRow.claimed_by == worker,
            CallbackTaskRow.state == CallbackState.DIALING.value).values(claimed_at=now or utcnow()))


async def take_over_stale(engine: AsyncEngine, worker: str, older_than: dt.datetime,
                          now: dt.datetime | None = None) -> list[int]:
    """Claim for ``worker`` the ``dialing`` tasks of other workers whose claim was not renewed since
    ``older_than`` (their instance died for good, or came back under another name); the task ids. ``worker``
    then reconciles them from the PBX like its own tries left by a crash."""
    now = now or utcnow()
    stmt = select(CallbackTaskRow).where(CallbackTaskRow.state == CallbackState.DIALING.value,
                                         CallbackTaskRow.claimed_by != worker, CallbackTaskRow.claimed_at < older_than)
    stmt = claim_for_update(stmt, engine.dialect)
    async with make_sessionmaker(engine)() as session, session.begin():
        rows = list((await session.scalars(stmt)).all())
        for row in rows:
            before = audit_fields(row)
            row.claimed_by, row.claimed_at, row.updated_at = worker, now, now
            session.add(history_row(row, "taken_over", at=now, actor=dialer(worker), before=before,
                                    call_id=row.dial_call_id))
        taken = [row.id for row in rows]
    if taken:
        log.warning("dialer %s took over %d callback task(s) whose dialer stopped renewing them", worker, len(taken))
    return taken
