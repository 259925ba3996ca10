"""Writes call domain events to the database in batches (reading them back is ``call_queries``).

The writer is a durable bus subscriber: events queue up while a batch is written, then go in one transaction
(``core.group_commit``: written in the background while events keep coming; the bus is held only when the
database is far behind), so the AMI pipeline keeps its pace on SQLite and on PostgreSQL. Rows are only ever
inserted.

Rings (``RingEnded``) are written by the same writer, after calls in the same transaction: a ring row refers to
its call, and one ordered writer keeps that reference valid without a second subscriber racing this one.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.db import write_lock
from core.events import CallOffered, CallRelinked, CallStateChanged, DomainEvent, RingEnded
from core.group_commit import GroupCommit
from telephony.calls.models import CallLinkRow, CallRow, CallStateRow
from telephony.rings.models import CallRingRow

log = logging.getLogger(__name__)

# the tables in the order a batch writes them: a state, link or ring row refers to its call
CALLS, LINKS, STATES, RINGS = "calls", "links", "states", "rings"


async def _insert_ignoring_duplicates(conn, table, rows: list[dict]) -> None:
    """Insert ``rows``, skipping any already stored: a call adopted again after a service restart must not fail
    the whole batch.

    On SQLite the usual batch (no duplicate) goes as multi-row INSERTs: SQLAlchemy sends an ON CONFLICT insert as an
    executemany, which in aiosqlite's thread takes the GIL back from the busy event loop for every row. A duplicate
    fails only its own statement (SQLite keeps the transaction), and the batch is then inserted again skipping
    what is stored. PostgreSQL (asyncpg) sends an executemany at once, ON CONFLICT included."""
    if conn.dialect.name == "postgresql":
        await conn.execute(postgresql.insert(table).on_conflict_do_nothing(), rows)
        return
    try:
        await conn.execute(insert(table), rows)
    except IntegrityError:
        await conn.execute(sqlite.insert(table).on_conflict_do_nothing(), rows)


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
        self._batches = GroupCommit("call store", self._write, batch_size=batch_size, max_delay=max_delay,
                                    max_buffered=max_buffered)
        # told the event time of every state row once it is committed (the AMI event → stored lag metric)
        self.on_written: Callable[[list[dt.datetime]], None] | None = None

    @property
    def rows_written(self) -> int:
        return self._batches.written

    async def __call__(self, event: DomainEvent) -> None:
        if isinstance(event, CallStateChanged):
            row = (STATES, {
                "call_id": event.call_id, "state": event.state.value, "at": event.at, "queue": event.queue,
                "target": event.target, "cause": event.cause.value if event.cause else None,
                "detail": event.detail[:128],
            })
        elif isinstance(event, CallOffered):
            row = (CALLS, {"id": event.call_id, "caller": event.caller[:64], "dialed": event.dialed[:64],
                           "started_at": event.at, "direction": event.direction.value})
            await self._batches.add(row, (LINKS, {"call_id": event.call_id, "linkedid": event.call_id,
                                                  "at": event.at}))
            return
        elif isinstance(event, CallRelinked):
            row = (LINKS, {"call_id": event.old_id, "linkedid": event.new_id, "at": event.at})
        elif isinstance(event, RingEnded):
            row = (RINGS, ring_row(event))
        else:
            return
        await self._batches.add(row)

    async def _write(self, items: list[tuple[str, dict]]) -> None:
        rows: dict[str, list[dict]] = {CALLS: [], LINKS: [], STATES: [], RINGS: []}
        for table, row in items:
            rows[table].append(row)
        async with write_lock(self.engine), self.engine.begin() as conn:
            if rows[CALLS]:
                await _insert_ignoring_duplicates(conn, CallRow.__table__, rows[CALLS])
            if rows[LINKS]:
                await conn.execute(insert(CallLinkRow.__table__), rows[LINKS])
            if rows[STATES]:
                await conn.execute(insert(CallStateRow.__table__), rows[STATES])
            if rows[RINGS]:
                await _insert_ignoring_duplicates(conn, CallRingRow.__table__, rows[RINGS])
        if self.on_written is not None and rows[STATES]:
            self.on_written([row["at"] for row in rows[STATES]])

    async def flush(self) -> None:
        """Write what is buffered in one transaction. On failure the rows stay buffered, in order, and it raises."""
        await self._batches.flush()

    async def close(self) -> None:
        await self._batches.close()
