"""Removing the personal data of stored calls and messages while keeping their rows (the retention purge's
``core.ports.ExpiringRecords``, and a data subject's erasure): the number and whatever else names the person are
cleared, ``anonymised_at`` and ``anonymised_reason`` say when and why. Batches are claimed with ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so two instances never take the same rows. Never logs a number."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.clock import utcnow
from core.db import claim_for_update, hold_sqlite_writes, write_lock
from telephony.calls.models import CallRow
from telephony.messages.models import MessageRow

RETENTION = "retention"


@dataclass(frozen=True)
class Anonymiser:
    """``ExpiringRecords`` of one table: rows begun before a cut-off lose the ``cleared`` fields."""

    kind: str
    engine: AsyncEngine
    model: Any              # CallRow, MessageRow
    began: Any              # the column the period is counted from
    cleared: Mapping[str, Any]

    def _expired(self, before: dt.datetime):
        return (self.began < before, self.model.anonymised_at.is_(None))

    async def count_expired(self, before: dt.datetime) -> int:
        async with self.engine.connect() as conn:
            return await conn.scalar(select(func.count()).select_from(self.model).where(*self._expired(before)))

    async def purge_expired(self, before: dt.datetime, limit: int) -> int:
        stmt = claim_for_update(select(self.model.id).where(*self._expired(before)).order_by(self.began).limit(limit),
                                self.engine.dialect)
        async with write_lock(self.engine), self.engine.begin() as conn:
            await hold_sqlite_writes(conn, self.model.__table__)
            ids = list((await conn.scalars(stmt)).all())
            await self.clear(conn, ids, RETENTION)
        return len(ids)

    async def clear(self, conn: AsyncConnection, ids: Sequence[Any], reason: str) -> int:
        if not ids:
            return 0
        await conn.execute(update(self.model).where(self.model.id.in_(list(ids))).values(
            **self.cleared, anonymised_at=utcnow(), anonymised_reason=reason))
        return len(ids)


def call_metadata(engine: AsyncEngine) -> Anonymiser:
    """Calls past ``call_records_days``: the caller's number goes (for a callback the dialer placed, the client
    it called is the caller too); queue, times, states and rings stay for the SLA statistics."""
    return Anonymiser("call_metadata", engine, CallRow, CallRow.started_at, {"caller": ""})


def message_details(engine: AsyncEngine) -> Anonymiser:
    """Messages past ``voice_messages_days``: the caller's number, name, reason and the audio's path go."""
    return Anonymiser("voice_messages", engine, MessageRow, MessageRow.created_at,
                      {"caller": None, "caller_name": None, "reason": "", "audio_path": None})
