"""What the callback detector concluded from call events, written in batches: one transaction for many calls.

The detector decides in memory (``telephony.callbacks.detection``) and hands each decision to a
:class:`CallbackLedger`, which writes them in order through ``core.group_commit``: in the background, many per
transaction, kept and tried again while the database is away. Under a burst of calls this is what keeps the
detector up with the AMI stream instead of one transaction (and several round trips) per call.

A batch applies its decisions in order, as one request after another would: an abandon makes or merges into the
number's open recovery task, a later answered call from the number in the same batch settles it. A concurrent
writer (the IVR, another instance) may create the number's open task between the batch's read and its insert: the
partial unique index refuses the insert and the whole batch is applied again on what is stored then.

A stop that finds the database away keeps what is left in a spool file (``telephony.callbacks.spool``); the next
start writes it first, then removes the file.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
from collections import Counter
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.bus import RETRY_PAUSES
from core.clock import utcnow
from core.db import for_update, is_transient_error, make_sessionmaker
from core.events import OPEN_STATES, CallbackReason
from core.group_commit import GroupCommit
from telephony.callbacks import spool
from telephony.callbacks.decisions import Decision, NotOwed, Owed
from telephony.callbacks.merging import merge_request, new_task, settle, settled_by_an_answered_call
from telephony.callbacks.models import (CallbackHistoryRow, CallbackSkipRow, CallbackTaskRow, audit_fields,
                                        history_row)
from telephony.callbacks.service import CallbackService

log = logging.getLogger(__name__)

ALREADY_REQUESTED = "already_requested"   # the caller booked one during the call (IVR offer, a message)
ATTEMPTS = 3   # applying a batch again after a concurrent writer won a number's open task


class CallbackLedger:
    """The detector's writer: ``await ledger.add(decision)``; ``flush()`` commits what is buffered."""

    def __init__(self, callbacks: CallbackService, actor: str, *, max_delay: float = 0.05,
                 spool_file: Path | None = None) -> None:
        """``spool_file``: where a stop that cannot write keeps what is left, for the next start (``spool``)."""
        self.callbacks = callbacks
        self.actor = actor
        self.spool_file = spool_file
        self._sessions = make_sessionmaker(callbacks.engine)
        self._batches = GroupCommit("callback detection", self._write, batch_size=200, max_delay=max_delay)
        self._taken_back = 0   # decisions from the spool not written yet (they are first in line)

    def take_back(self) -> int:
        """At start, in the running loop: the decisions a stop kept on disk go first; how many."""
        decisions = spool.take_back(self.spool_file) if self.spool_file is not None else []
        if decisions:
            log.warning("callback detection: %d decisions kept by the last stop, writing them first", len(decisions))
            self._batches.put_back(decisions)
            self._taken_back = len(decisions)
        return len(decisions)

    async def add(self, decision: Decision) -> None:
        await self._batches.add(decision)

    async def flush(self) -> None:
        await self._batches.flush()

    async def close(self) -> None:
        await self._batches.close()   # says so when the database cannot take what is left
        left = self._batches.take_unwritten()
        if left and self.spool_file is not None:
            spool.keep(self.spool_file, left)
            log.error("callback detection: %d decisions kept in %s until the database takes them", len(left),
                      self.spool_file)

    @property
    def pending(self) -> int:
        """Decisions not committed yet."""
        return self._batches.pending

    @property
    def failed_writes(self) -> int:
        return self._batches.failed_writes

    async def _write(self, decisions: list[Decision]) -> None:
        taken_back_in_this = min(self._taken_back, len(decisions))   # the spool's come first
        try:
            outcome = await self._apply(decisions)
        except Exception as exc:
            if is_transient_error(exc) or len(decisions) == 1:
                raise   # kept, tried again once the database is back
            # a decision the database refuses for good must not hold every other caller's callback: one by one
            log.error("callback detection: a batch of %d failed (%s); writing its decisions one by one",
                      len(decisions), type(exc).__name__)
            outcome = Counter()
            for decision in decisions:
                outcome += await self._apply_alone(decision)
        if outcome:
            log.info("callback detection: %s", ", ".join(f"{n} {what}" for what, n in sorted(outcome.items())))
        if outcome["created"] or outcome["merged"]:
            self.callbacks.tasks_changed()
        if taken_back_in_this:
            self._taken_back -= taken_back_in_this
            if not self._taken_back and self.spool_file is not None:
                self.spool_file.unlink(missing_ok=True)   # all written: nothing left to take back

    async def _apply(self, decisions: list[Decision]) -> Counter:
        for attempt in range(ATTEMPTS):
            try:
                async with self.callbacks.write_lock(), self._sessions() as session, session.begin():
                    return await _apply(session, decisions, self.actor, utcnow())
            except IntegrityError:
                if attempt == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    async def _apply_alone(self, decision: Decision) -> Counter:
        """One decision in its own transaction. Decisions before it are committed by now, so a database that goes
        away here is waited for (raising would put them back and write them twice)."""
        for pause in itertools.chain(RETRY_PAUSES, itertools.repeat(RETRY_PAUSES[-1])):
            try:
                return await self._apply([decision])
            except Exception as exc:
                if not is_transient_error(exc):
                    # the type and the call only: a driver error's text quotes the numbers
                    log.error("callback detection: %s of call %s not written (%s)", type(decision).__name__,
                              decision.call_id, type(exc).__name__)
                    return Counter(failed=1)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")


async def _apply(session: AsyncSession, decisions: list[Decision], actor: str, now: dt.datetime) -> Counter:
    """Every decision, in order, in ``session``'s transaction; how many tasks were created, merged, satisfied.

    Decided in memory, then written in bulk (Core executemany; the ORM would insert each new row on its own to
    learn its id: a database round trip per task, with SQLite's write lock held throughout): the new tasks in one
    INSERT and one SELECT for their ids, the history and the skips in one INSERT each; only stored tasks that changed
    are updated one by one."""
    owed = [d for d in decisions if isinstance(d, Owed)]
    booked = await _already_requested(session, [d.call_id for d in owed])
    open_tasks = await _open_recovery_tasks(session, {d.number for d in decisions if not isinstance(d, NotOwed)})
    outcome: Counter = Counter()
    created: list[CallbackTaskRow] = []   # new tasks, not in the session: inserted in bulk below
    changes: list[tuple[CallbackHistoryRow, CallbackTaskRow]] = []   # history in order; new tasks get ids later
    skips: list[dict] = []
    for decision in decisions:
        if isinstance(decision, NotOwed):
            skips.append(_skip(decision.call_id, decision.cause, decision.reason, decision.at))
        elif isinstance(decision, Owed) and decision.call_id in booked:
            skips.append(_skip(decision.call_id, decision.reason, ALREADY_REQUESTED, decision.at))
        elif isinstance(decision, Owed):
            reason = decision.reason.value
            row = open_tasks.get(decision.number)
            if row is None:
                row = open_tasks[decision.number] = new_task(decision.number, reason, decision.due_at,
                                                             decision.call_id, decision.queue, None, now)
                created.append(row)
                event, before = "created", None
            else:
                before = audit_fields(row)
                merge_request(row, reason, decision.due_at, decision.queue, None, now)
                event = "merged"
            changes.append((history_row(row, event, at=now, actor=actor, before=before, reason=reason,
                                        call_id=decision.call_id), row))
            outcome[event] += 1
        elif (row := open_tasks.get(decision.number)) is not None and settled_by_an_answered_call(row):
            before = audit_fields(row)
            settle(row, now)
            changes.append((history_row(row, "satisfied", at=now, actor=actor, before=before,
                                        call_id=decision.call_id), row))
            del open_tasks[decision.number]   # the number's next abandon opens a new task
            outcome["satisfied"] += 1
    if created:
        await session.execute(insert(CallbackTaskRow.__table__), [_columns(row) for row in created])
        # their ids, by the call each was created for (one per call; RETURNING would make SQLite insert row by row)
        stmt = select(CallbackTaskRow.call_id, CallbackTaskRow.id).where(
            CallbackTaskRow.call_id.in_([row.call_id for row in created]), CallbackTaskRow.created_at == now)
        ids = dict((await session.execute(stmt)).all())
        for row in created:
            row.id = ids[row.call_id]
    if changes:
        await session.execute(insert(CallbackHistoryRow.__table__), [_columns(entry) | {"task_id": row.id}
                                                           for entry, row in changes])
    if skips:
        await session.execute(insert(CallbackSkipRow.__table__), skips)
    return outcome


def _columns(row) -> dict:
    """A transient row's column values, for a bulk INSERT (its id left to the database)."""
    return {column.key: getattr(row, column.key) for column in row.__table__.columns if column.key != "id"}


async def _already_requested(session: AsyncSession, call_ids: list[str]) -> set[str]:
    """Of ``call_ids``, those that asked for a callback themselves during the call (the IVR's offer, a message)."""
    if not call_ids:
        return set()
    stmt = select(CallbackHistoryRow.call_id).where(CallbackHistoryRow.call_id.in_(call_ids),
                                                    CallbackHistoryRow.event.in_(("created", "merged")))
    return set(await session.scalars(stmt))


async def _open_recovery_tasks(session: AsyncSession, numbers: set[str]) -> dict[str, CallbackTaskRow]:
    """The numbers' open recovery tasks (at most one each), locked on PostgreSQL (the dialer may be updating one)."""
    if not numbers:
        return {}
    stmt = select(CallbackTaskRow).where(CallbackTaskRow.number.in_(numbers), ~CallbackTaskRow.promise,
                                         CallbackTaskRow.state.in_(OPEN_STATES))
    return {row.number: row for row in await session.scalars(for_update(stmt, session.bind.dialect))}


def _skip(call_id: str, cause: CallbackReason, reason: str, at: dt.datetime) -> dict:
    return {"call_id": call_id, "cause": CallbackReason(cause).value, "reason": reason, "at": at}
