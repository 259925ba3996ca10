"""Deleting recordings' audio and leaving tombstones: one batch per transaction, claimed with ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL so two service instances never take the same rows.

In the batch's transaction: the derived data goes first (each :class:`DerivedData` hook, on the same connection),
then the files, then each row becomes ``deleted`` with when, why and on what basis, its checksum kept, a history
row appended. A file already gone is no error: its tombstone says ``file_deleted = False``. Should the transaction
fail after the files went, the rows stay as they were and the next round finds the files gone (same tombstone).
"""
from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.db import claim_for_update, hold_sqlite_writes, write_lock
from core.ports import RecordingStore
from recording.entries import apply_changes
from recording.models import RecordingRow, RecordingState
from recording.retention.ports import DerivedData, PurgedRecording

RETENTION, ERASURE = "retention", "erasure"   # a tombstone's reason


class Graveyard:
    """Buries recordings: their audio and derived data deleted, their rows kept as tombstones."""

    def __init__(self, engine: AsyncEngine, store: RecordingStore, derived: Sequence[DerivedData] = (),
                 batch: int = 100) -> None:
        self.engine, self.store, self.derived, self.batch = engine, store, list(derived), batch

    def join(self, derived: DerivedData) -> None:
        """Add a kind of derived data (the analysis results, say) to what goes with a recording."""
        self.derived.append(derived)

    async def bury(self, where: ColumnElement[bool], reason: str, basis: str, actor: str,
                   counts: Counter, at: dt.datetime) -> int:
        """One batch of the rows matching ``where`` (never those already deleted); how many it buried, 0 when none
        were left. ``counts`` gains ``files_deleted``, ``files_already_gone`` and each hook's count."""
        stmt = claim_for_update(
            select(RecordingRow.id, RecordingRow.key, RecordingRow.kind, RecordingRow.call_id, RecordingRow.message_id)
            .where(where, RecordingRow.state != RecordingState.DELETED.value)
            .order_by(RecordingRow.started_at, RecordingRow.id).limit(self.batch), self.engine.dialect)
        async with write_lock(self.engine), self.engine.begin() as conn:
            await hold_sqlite_writes(conn, RecordingRow.__table__)
            rows = (await conn.execute(stmt)).all()
            if not rows:
                return 0
            purged = [PurgedRecording(row.id, row.kind, row.call_id, row.message_id, reason) for row in rows]
            for hook in self.derived:
                counts[hook.name] += await hook.purge(conn, purged)
            keys = {row.id: row.key for row in rows}
            deleted = await asyncio.to_thread(lambda: {entry_id: self.store.delete(key)
                                                       for entry_id, key in keys.items()})
            await apply_changes(conn, {entry_id: (RecordingState.DELETED.value, {
                "deleted_at": at, "deletion_reason": reason, "deletion_basis": basis[:64],
                "file_deleted": deleted[entry_id]}) for entry_id in keys}, actor, at)
        counts["files_deleted"] += sum(deleted.values())
        counts["files_already_gone"] += len(deleted) - sum(deleted.values())
        return len(rows)
