"""The catalogue's tables: ``recordings`` (one row per file: a call's mix and its two legs, a voice message) and
``recording_history`` (every state change, appended, never changed).

No foreign key to ``calls``: a recording is registered from the IVR's event, which can come before the AMI side has
stored the call; the two are joined by ``call_id`` (the call's first Linkedid) when read.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import AutoId, Base, UTCDateTime


class RecordingKind(StrEnum):
    MIX = "mix"
    CALLER = "caller"            # what the caller said (MixMonitor's r() leg)
    AGENT = "agent"              # what the caller heard: the agent, prompts, music (the t() leg)
    VOICE_MESSAGE = "voice_message"


class RecordingState(StrEnum):
    REGISTERED = "registered"    # known, not inspected yet (a voice message between its event and its check)
    RECORDING = "recording"      # MixMonitor is writing it: the call is still on
    READY = "ready"              # closed, measured and hashed
    MISSING = "missing"          # no file: never written, or deleted behind the catalogue's back
    EMPTY = "empty"              # a WAV header and no audio
    TRUNCATED = "truncated"      # the header's length disagrees with the data (what can be read is measured)
    DELETED = "deleted"          # audio removed by hotline (retention, erasure): the row stays as a tombstone


FINAL_STATES = (RecordingState.READY, RecordingState.EMPTY, RecordingState.TRUNCATED)   # a file there to watch


class RecordingRow(Base):
    __tablename__ = "recordings"
    __table_args__ = (Index("ix_recordings_call_id", "call_id"), Index("ix_recordings_state", "state"),
                      Index("ix_recordings_started_at", "started_at"))

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    call_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(255), unique=True)   # the file's name in the store
    state: Mapped[str] = mapped_column(String(16))
    size: Mapped[int | None] = mapped_column(Integer)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    sha256: Mapped[str | None] = mapped_column(String(64))
    file_format: Mapped[str | None] = mapped_column(String(16))   # wav
    codec: Mapped[str | None] = mapped_column(String(16))         # pcm_s16le, ...
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    channels: Mapped[int | None] = mapped_column(Integer)
    sample_width: Mapped[int | None] = mapped_column(Integer)     # bytes per sample
    agent_extension: Mapped[str | None] = mapped_column(String(16))
    queue: Mapped[str | None] = mapped_column(String(64))
    topic: Mapped[str | None] = mapped_column(String(64))
    consent: Mapped[str | None] = mapped_column(String(32))       # the IVR's consent step: played, ...
    consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    message_id: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finalised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(String(200))        # why an error state; never personal data
    # GDPR restriction: kept, but not played, analysed or exported while set
    restricted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    restriction_reason: Mapped[str | None] = mapped_column(String(200))   # e.g. the subject request's number
    # the tombstone (state deleted): when, why (retention, erasure), on what basis (the period, the request); the
    # checksum above stays, so an audit can prove which file was deleted; file_deleted False: it was already gone
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    deletion_reason: Mapped[str | None] = mapped_column(String(16))
    deletion_basis: Mapped[str | None] = mapped_column(String(64))
    file_deleted: Mapped[bool | None] = mapped_column(Boolean)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())   # the agent's answer: the conversation


class RecordingHistoryRow(Base):
    __tablename__ = "recording_history"
    __table_args__ = (Index("ix_recording_history_recording_id_id", "recording_id", "id"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    recording_id: Mapped[str] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))                # catalogue, check, ...
    before: Mapped[str | None] = mapped_column(String(16))
    after: Mapped[str] = mapped_column(String(16))
    changes: Mapped[dict | None] = mapped_column(JSON)            # the fields it set, and the error detail


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    actor: str
    before: str | None
    after: str
    changes: dict | None


@dataclass(frozen=True)
class RecordingView:
    id: str
    call_id: str | None
    kind: str
    key: str
    state: str
    size: int | None
    duration_seconds: float | None
    sha256: str | None
    file_format: str | None
    codec: str | None
    sample_rate: int | None
    channels: int | None
    sample_width: int | None
    agent_extension: str | None
    queue: str | None
    topic: str | None
    consent: str | None
    consent_at: dt.datetime | None
    message_id: int | None
    started_at: dt.datetime
    finalised_at: dt.datetime | None
    error: str | None
    restricted_at: dt.datetime | None = None
    restriction_reason: str | None = None
    deleted_at: dt.datetime | None = None
    deletion_reason: str | None = None
    deletion_basis: str | None = None
    file_deleted: bool | None = None
    answered_at: dt.datetime | None = None
    history: tuple[HistoryEntry, ...] = field(default=())

    @property
    def restricted(self) -> bool:
        return self.restricted_at is not None

    @property
    def answered_after(self) -> float | None:
        """Seconds from the recording's start to the agent's answer (None: never answered while recorded)."""
        if self.answered_at is None:
            return None
        return max(0.0, (self.answered_at - self.started_at).total_seconds())

    @classmethod
    def of(cls, row: RecordingRow, history: tuple[HistoryEntry, ...] = ()) -> RecordingView:
        return cls(**{name: getattr(row, name) for name in RecordingRow.__table__.columns.keys()}, history=history)
