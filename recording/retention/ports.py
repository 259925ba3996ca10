"""What the purge tells the data derived from a recording (analysis results, timelines, a voice message's details)
when the recording goes: each kind of derived data joins the purge as a :class:`DerivedData`."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True)
class PurgedRecording:
    """A recording whose audio the purge is deleting."""

    id: str
    kind: str
    call_id: str | None
    message_id: int | None
    reason: str = "retention"   # retention, erasure


class DerivedData(Protocol):
    """Data derived from recordings, deleted with them. ``purge`` runs inside the purge's transaction on ``conn``
    (its rows go, or the tombstones are not written either); files it deletes are deleted for good, so it must
    be harmless to run again for the same recordings. It never logs personal data."""

    name: str   # how the purge's counts name it

    async def purge(self, conn: AsyncConnection, recordings: Sequence[PurgedRecording]) -> int:
        """Delete what derives from ``recordings``; how many items went."""
        ...
