"""Writes call domain events to the database in batches (reading them back is ``call_queries``).

The writer is a durable bus subscriber: events queue up while a batch is written, then go in one transaction, so
the AMI pipeline keeps its pace on SQLite and on PostgreSQL. Rows are only ever inserted.

A full batch is written in the background while the writer keeps taking events (group commit): on a busy event
loop a write costs many loop turns (each driver round trip waits for one), so writing inline would stall intake
and cap the rate at one batch per write; now each write takes everything gathered during the previous one.
Only when ``max_buffered`` rows are waiting does the writer hold the bus until the database catches up.

Rings (``RingEnded``) are written by the same writer, after calls in the same transaction: a ring row refers to
its call, and one ordered writer keeps that reference valid without a second subscriber racing this one.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from core.events import CallOffered, CallRelinked, CallStateChanged, DomainEvent, RingEnded
from telephony.calls.models import CallLinkRow, CallRow, CallStateRow
from telephony.rings.models import CallRingRow

log = logging.getLogger(__name__)

RETRY_MIN, RETRY_MAX = 0.5, 30.0  # seconds between attempts while the database is unavailable


def _insert_ignoring_duplicates(engine: AsyncEngine, table):
    # a call adopted again after a service restart must not fail the whole batch
    if engine.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if engine.dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    return insert(table)


def ring_row(event: RingEnded) -> dict:
    """The ``call_rings`` row of an ended ring."""
    return {"call_id": event.call_id, "ring_id": event.ring_id[:64], "target": event.target[:128],
            "extension": event.extension[:32] if event.extension else None, "queue": event.queue,
            "started_at": event.started_at, "ended_at": event.at, "ring_count": event.ring_count,
            "answered": event.answered, "within_sla": event.within_sla, "end_reason": event.reason.value}


class CallStoreWriter:
    """Bus subscriber: ``await writer(event)`` buffers; a batch is flushed when full or after ``max_delay``."""

    def __init__(self, engine: AsyncEngine, batch_size: int = 500, max_delay: float = 0.05,
                 max_buffered: int = 20_000) -> None:
        self.engine = engine
        self.batch_size = batch_size
        self.max_delay = max_delay
        self.max_buffered = max(batch_size, max_buffered)
        self._calls: list[dict] = []
        self._states: list[dict] = []
        self._links: list[dict] = []
        self._rings: list[dict] = []
        self._lock = asyncio.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._pending_flush: asyncio.Task | None = None
        self._retry_delay = RETRY_MIN
        self.rows_written = 0
        # told the event time of every state row once it is committed (the AMI event → stored lag metric)
        self.on_written: Callable[[list[dt.datetime]], None] | None = None

    async def __call__(self, event: DomainEvent) -> None:
        if isinstance(event, CallStateChanged):
            self._states.append({
                "call_id": event.call_id, "state": event.state.value, "at": event.at, "queue": event.queue,
                "target": event.target, "cause": event.cause.value if event.cause else None,
                "detail": event.detail[:128],
            })
        elif isinstance(event, CallOffered):
            self._calls.append({"id": event.call_id, "caller": event.caller[:64], "dialed": event.dialed[:64],
                                "started_at": event.at, "direction": event.direction.value})
            self._links.append({"call_id": event.call_id, "linkedid": event.call_id, "at": event.at})
        elif isinstance(event, CallRelinked):
            self._links.append({"call_id": event.old_id, "linkedid": event.new_id, "at": event.at})
        elif isinstance(event, RingEnded):
            self._rings.append(ring_row(event))
        else:
            return
        buffered = len(self._states) + len(self._calls) + len(self._rings)
        if buffered >= self.max_buffered:
            await self._flush_until_written()
        elif buffered >= self.batch_size and (self._pending_flush is None or self._pending_flush.done()):
            self._flush_soon()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.max_delay, self._flush_soon)

    def _flush_soon(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._pending_flush = asyncio.create_task(self.flush())
        self._pending_flush.add_done_callback(self._after_background_write)

    def _after_background_write(self, task: asyncio.Task) -> None:
        if task.cancelled() or task.exception() is None:
            self._retry_delay = RETRY_MIN
            return
        # the type only: a driver error's text quotes the statement's parameters, i.e. callers' numbers
        log.error("call store: writing call history failed (%s); kept in memory, retrying in %.1f s",
                  type(task.exception()).__name__, self._retry_delay)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._retry_delay, self._flush_soon)
        self._retry_delay = min(self._retry_delay * 2, RETRY_MAX)

    async def _flush_until_written(self) -> None:
        """The database is far behind or down: hold the bus (so the AMI reader pauses) until rows are written."""
        while True:
            try:
                await self.flush()
                return
            except Exception as exc:
                log.error("call store: database unavailable (%s); holding call events, retrying in %.1f s",
                          type(exc).__name__, self._retry_delay)
                await asyncio.sleep(self._retry_delay)
                self._retry_delay = min(self._retry_delay * 2, RETRY_MAX)

    async def flush(self) -> None:
        """Write what is buffered in one transaction. On failure the rows stay buffered, in order, and it raises."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        async with self._lock:
            calls, states, links, rings = self._calls, self._states, self._links, self._rings
            if not (calls or states or links or rings):
                return
            self._calls, self._states, self._links, self._rings = [], [], [], []
            try:
                async with self.engine.begin() as conn:
                    if calls:
                        await conn.execute(_insert_ignoring_duplicates(self.engine, CallRow.__table__), calls)
                    if links:
                        await conn.execute(insert(CallLinkRow.__table__), links)
                    if states:
                        await conn.execute(insert(CallStateRow.__table__), states)
                    if rings:
                        await conn.execute(_insert_ignoring_duplicates(self.engine, CallRingRow.__table__), rings)
            except BaseException:
                # nothing is lost: put the rows back in front of what arrived meanwhile
                self._calls[:0], self._states[:0], self._links[:0], self._rings[:0] = calls, states, links, rings
                raise
            self.rows_written += len(calls) + len(states) + len(links) + len(rings)
            if self.on_written is not None and states:
                self.on_written([row["at"] for row in states])

    async def close(self) -> None:
        if self._pending_flush is not None:
            await asyncio.gather(self._pending_flush, return_exceptions=True)
        await self.flush()
