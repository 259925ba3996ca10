"""The analysis results' part in the retention purge (``recording.retention``): a call's figures and timeline go
with either leg's audio (``AnalysisResultsPurge``, a ``DerivedData`` hook run in the purge's transaction), and on
their own once older than the profile's ``analysis_days`` (``ExpiredAnalyses``, an ``ExpiringRecords``). The jobs
stay (their keys and states are no personal data), so a purged call is not analysed again."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.db import claim_for_update, hold_sqlite_writes, write_lock
from recording.analysis_models import AnalysisResultRow
from recording.retention import PurgedRecording


class AnalysisResultsPurge:
    name = "analysis"

    async def purge(self, conn: AsyncConnection, recordings: Sequence[PurgedRecording]) -> int:
        ids = sorted({recording.id for recording in recordings})
        if not ids:
            return 0
        gone = await conn.execute(delete(AnalysisResultRow).where(or_(
            AnalysisResultRow.caller_recording_id.in_(ids), AnalysisResultRow.agent_recording_id.in_(ids))))
        return gone.rowcount or 0


class ExpiredAnalyses:
    kind = "analysis"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def count_expired(self, before: dt.datetime) -> int:
        async with self.engine.connect() as conn:
            return await conn.scalar(select(func.count()).select_from(AnalysisResultRow).where(
                AnalysisResultRow.created_at < before))

    async def purge_expired(self, before: dt.datetime, limit: int) -> int:
        stmt = claim_for_update(select(AnalysisResultRow.analysis_id).where(AnalysisResultRow.created_at < before)
                                .order_by(AnalysisResultRow.created_at).limit(limit), self.engine.dialect)
        async with write_lock(self.engine), self.engine.begin() as conn:
            await hold_sqlite_writes(conn, AnalysisResultRow.__table__)
            ids = list((await conn.scalars(stmt)).all())
            if ids:
                await conn.execute(delete(AnalysisResultRow).where(AnalysisResultRow.analysis_id.in_(ids)))
        return len(ids)
