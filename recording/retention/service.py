"""The retention purge (REQUIREMENTS §4: "deletion is automatic at the end of" the profile's periods).

Each kind has its period in the profile's ``[retention]``: a call's audio (``recordings_days``), a voice message's
(``voice_messages_days``), and what other packages join with (``ExpiringRecords`` from core.ports: call metadata,
voice messages' details, analysis results), each named by its ``kind``. Recordings go through the
:class:`~recording.retention.tombstones.Graveyard` (audio and derived data deleted, tombstone kept); a restricted
recording is kept while restricted (GDPR art. 18: storage only) and counted as such. ``plan`` counts without
changing anything (the dry run); counts never carry personal data.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.data_protection import Retention
from core.ports import ExpiringRecords
from recording.models import RecordingKind, RecordingRow, RecordingState
from recording.retention.tombstones import ERASURE, RETENTION, Graveyard

log = logging.getLogger(__name__)

ACTOR = "retention"
RECORDINGS, VOICE_MESSAGES_AUDIO, RESTRICTED_KEPT = "recordings", "voice_message_audio", "restricted_kept"
# which period of [retention] ends each kind an ExpiringRecords names
PERIODS: dict[str, Callable[[Retention], int]] = {
    "call_metadata": lambda r: r.call_records_days, "voice_messages": lambda r: r.voice_messages,
    "analysis": lambda r: r.analysis,
}
Progress = Callable[[str, int], None]   # (kind, how many more are done)


@dataclass(frozen=True)
class AudioKind:
    """A group of recordings with one period: its name in the counts and the period's key in the profile."""

    name: str
    period_key: str
    days: int
    kinds: tuple[str, ...]

    def expired(self, now: dt.datetime) -> ColumnElement[bool]:
        return and_(RecordingRow.kind.in_(self.kinds), RecordingRow.started_at < now - dt.timedelta(days=self.days))


class RetentionPurge:
    def __init__(self, engine: AsyncEngine, graveyard: Graveyard, retention: Retention,
                 expiring: Sequence[ExpiringRecords] = ()) -> None:
        self.engine, self.graveyard, self.retention = engine, graveyard, retention
        self.expiring = list(expiring)
        for records in self.expiring:
            if records.kind not in PERIODS:
                raise ValueError(f"no retention period for {records.kind!r}; known: {sorted(PERIODS)}")
        calls = tuple(kind.value for kind in RecordingKind if kind is not RecordingKind.VOICE_MESSAGE)
        self.audio = (AudioKind(RECORDINGS, "recordings_days", retention.recordings_days, calls),
                      AudioKind(VOICE_MESSAGES_AUDIO, "voice_messages_days", retention.voice_messages,
                                (RecordingKind.VOICE_MESSAGE.value,)))

    def cutoff(self, kind: str, now: dt.datetime) -> dt.datetime:
        return now - dt.timedelta(days=PERIODS[kind](self.retention))

    async def plan(self, now: dt.datetime) -> dict[str, int]:
        """How many of each kind the purge would take now, and how many restricted recordings it keeps."""
        counts: dict[str, int] = {RESTRICTED_KEPT: 0}
        async with self.engine.connect() as conn:
            for audio in self.audio:
                expired = and_(audio.expired(now), RecordingRow.state != RecordingState.DELETED.value)
                counts[audio.name] = await conn.scalar(select(func.count()).where(
                    expired, RecordingRow.restricted_at.is_(None)))
                counts[RESTRICTED_KEPT] += await conn.scalar(select(func.count()).where(
                    expired, RecordingRow.restricted_at.is_not(None)))
        for records in self.expiring:
            counts[records.kind] = await records.count_expired(self.cutoff(records.kind, now))
        return counts

    async def run(self, now: dt.datetime, progress: Progress | None = None) -> dict[str, int]:
        """Purge everything past its period; the counts of what went (and of restricted recordings kept)."""
        step = progress or (lambda kind, done: None)
        counts: Counter = Counter()
        for audio in self.audio:
            counts[audio.name] += 0
            where = and_(audio.expired(now), RecordingRow.restricted_at.is_(None))
            basis = f"retention.{audio.period_key}={audio.days}"
            while done := await self.graveyard.bury(where, RETENTION, basis, ACTOR, counts, now):
                counts[audio.name] += done
                step(audio.name, done)
        for records in self.expiring:
            counts[records.kind] += 0
            while done := await records.purge_expired(self.cutoff(records.kind, now), self.graveyard.batch):
                counts[records.kind] += done
                step(records.kind, done)
        counts[RESTRICTED_KEPT] = (await self.plan(now))[RESTRICTED_KEPT]
        if counts[RESTRICTED_KEPT]:
            log.info("retention: %d restricted recordings past their period kept (GDPR art. 18)",
                     counts[RESTRICTED_KEPT])
        log.info("retention purge: %s", dict(counts))
        return dict(counts)

    async def erase(self, recording_ids: Sequence[str], basis: str, actor: str, now: dt.datetime) -> dict[str, int]:
        """Erasure on a subject's request: the recordings' audio and derived data, through the same tombstones
        (reason ``erasure``, ``basis`` the request), restricted or not (the subject asked for it)."""
        counts: Counter = Counter(recordings=0)
        ids = list(recording_ids)
        for start in range(0, len(ids), self.graveyard.batch):
            chunk = ids[start:start + self.graveyard.batch]
            while done := await self.graveyard.bury(RecordingRow.id.in_(chunk), ERASURE, basis, actor, counts, now):
                counts["recordings"] += done
        return dict(counts)
