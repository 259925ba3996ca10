"""A voice message's details go with its audio: the retention purge's ``DerivedData`` hook (recording.retention)
for recordings of kind ``voice_message``, run in the purge's transaction, clears the caller's number, name, reason
and the audio's path from the message the recording belongs to. Structural: telephony does not import recording."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from telephony.anonymise import message_details


class MessageDetailsHook:
    name = "message_details"

    def __init__(self, engine: AsyncEngine) -> None:
        self.messages = message_details(engine)

    async def purge(self, conn: AsyncConnection, recordings: Sequence[Any]) -> int:
        """``recordings``: ``recording.retention.PurgedRecording`` (id, kind, call_id, message_id, reason)."""
        cleared = 0
        for reason in sorted({r.reason for r in recordings}):
            ids = sorted({r.message_id for r in recordings
                          if r.reason == reason and r.kind == "voice_message" and r.message_id is not None})
            cleared += await self.messages.clear(conn, ids, reason)
        return cleared
