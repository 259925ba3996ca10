"""Addressed tasks do not wait forever: a task for one employee (a message, an agreed time, a callback after their
direct line) that is still ``pending`` ``escalate_addressed_after_seconds`` after it fell due goes to the queue of
that employee's competence (or the task's own queue, else the profile's default), and supervisors are alerted.

An employee who is never free — on direct-line calls all day, away, logged out — would otherwise keep the client
waiting unseen. The dialer runs this every minute (``CallbackDialer``); the history says ``escalated``.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.db import claim_for_update, make_sessionmaker
from core.events import CallbackState
from telephony.callbacks.models import CallbackTask, CallbackTaskRow, audit_fields, history_row, task_of

log = logging.getLogger(__name__)

ESCALATED = "escalated"


async def escalate_overdue(engine: AsyncEngine, now: dt.datetime, overdue_for: dt.timedelta,
                           queues_of: Callable[[str], Iterable[str]], default_queue: str
                           ) -> list[tuple[CallbackTask, str]]:
    """Hand every addressed ``pending`` task due before ``now - overdue_for`` to a queue; (task, employee) each."""
    stmt = select(CallbackTaskRow).where(CallbackTaskRow.state == CallbackState.PENDING.value,
                                         CallbackTaskRow.extension.is_not(None),
                                         CallbackTaskRow.due_at < now - overdue_for)
    escalated = []
    async with make_sessionmaker(engine)() as session, session.begin():
        for row in (await session.scalars(claim_for_update(stmt, engine.dialect))).all():
            employee, before = row.extension, audit_fields(row)
            row.queue = row.queue or next(iter(sorted(queues_of(employee))), None) or default_queue
            row.extension, row.updated_at = None, now
            session.add(history_row(row, ESCALATED, at=now, actor="dialer", before=before))
            escalated.append((task_of(row), employee))
    for task, employee in escalated:
        log.warning("callback task %s waited too long for employee %s: handed to queue %s", task.id, employee,
                    task.queue)
    return escalated
