"""Listen-only sessions' part in the retention purge and in erasure (``recording.retention``): the redacted
rendering of a recording that goes is deleted at once, not left until its session expires (a ``DerivedData`` hook,
run in the purge's transaction). The session rows stay: they say who opened what, when, and hold no audio."""
from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from recording.listening.models import ListenSessionRow
from recording.retention import PurgedRecording


class ListenRenderingsPurge:
    name = "listen_renderings"

    def __init__(self, rendered_dir: Path) -> None:
        self.rendered_dir = rendered_dir

    async def purge(self, conn: AsyncConnection, recordings: Sequence[PurgedRecording]) -> int:
        ids = sorted({recording.id for recording in recordings})
        if not ids:
            return 0
        sessions = list(await conn.scalars(select(ListenSessionRow.id).where(ListenSessionRow.source_id.in_(ids))))
        return await asyncio.to_thread(self._delete, sessions)

    def _delete(self, sessions: list[str]) -> int:
        gone = 0
        for session_id in sessions:
            path = self.rendered_dir / f"{session_id}.wav"
            if path.exists():
                path.unlink(missing_ok=True)
                gone += 1
        return gone
