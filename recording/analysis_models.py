"""The analysis queue's tables: ``recording_analyses`` (one job per recorded call and analysis key: its state,
attempts, lease), ``recording_analysis_results`` (a done job's figures, JSON, and the timeline PNG as a blob) and
``recording_analysis_history`` (every state change of a job, appended, never changed).

The PNG is a row, not a file in the recording store: the store is the PBX's monitor directory, and a blob goes in
the same transaction as the figures it draws. Both result rows name the call's leg recordings
(``caller_recording_id``, ``agent_recording_id``), the reference by which they are deleted with the recording.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import AutoId, Base, UTCDateTime


class AnalysisState(StrEnum):
    QUEUED = "queued"      # waiting for a worker (also while a leg is restricted: kept, not processed)
    RUNNING = "running"    # claimed by a worker until claimed_until; an expired lease is taken again
    DONE = "done"          # the result is stored
    FAILED = "failed"      # the analysis could not be made (error says why); `hotline recordings analyse --failed`
    SKIPPED = "skipped"    # nothing to analyse: a leg missing, empty or truncated (error says which)


class AnalysisRow(Base):
    __tablename__ = "recording_analyses"
    __table_args__ = (Index("ix_recording_analyses_state", "state"),
                      Index("ix_recording_analyses_call_id", "call_id"),
                      Index("ix_recording_analyses_caller_recording_id", "caller_recording_id"),
                      Index("ix_recording_analyses_agent_recording_id", "agent_recording_id"))

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)    # recording ids + analyser version + policy
    call_id: Mapped[str | None] = mapped_column(String(64))
    caller_recording_id: Mapped[str] = mapped_column(String(40))
    agent_recording_id: Mapped[str] = mapped_column(String(40))
    caller_key: Mapped[str] = mapped_column(String(255))          # the legs' files in the store
    agent_key: Mapped[str] = mapped_column(String(255))
    conversation_from_seconds: Mapped[float | None] = mapped_column(Float)   # the answer, seconds into the legs
    analyser_version: Mapped[int] = mapped_column(Integer)
    policy_digest: Mapped[str] = mapped_column(String(64))        # sha256 of the profile's [analysis] section
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(200))        # never personal data
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class AnalysisResultRow(Base):
    __tablename__ = "recording_analysis_results"
    __table_args__ = (Index("ix_recording_analysis_results_call_id", "call_id"),
                      Index("ix_recording_analysis_results_caller_recording_id", "caller_recording_id"),
                      Index("ix_recording_analysis_results_agent_recording_id", "agent_recording_id"))

    analysis_id: Mapped[int] = mapped_column(AutoId, ForeignKey("recording_analyses.id", ondelete="CASCADE"),
                                             primary_key=True, autoincrement=False)
    call_id: Mapped[str | None] = mapped_column(String(64))
    caller_recording_id: Mapped[str] = mapped_column(String(40))
    agent_recording_id: Mapped[str] = mapped_column(String(40))
    caller_talk_seconds: Mapped[float] = mapped_column(Float)     # the figures a report filters on; all in result
    agent_talk_seconds: Mapped[float] = mapped_column(Float)
    longest_caller_monologue_seconds: Mapped[float] = mapped_column(Float)
    long_monologue: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[dict] = mapped_column(JSON)                    # CallAnalysis.to_dict()
    timeline_png: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class AnalysisHistoryRow(Base):
    __tablename__ = "recording_analysis_history"
    __table_args__ = (Index("ix_recording_analysis_history_analysis_id_id", "analysis_id", "id"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    analysis_id: Mapped[int] = mapped_column(AutoId)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(128))               # the worker, "queue", an operator's command
    before: Mapped[str | None] = mapped_column(String(16))
    after: Mapped[str] = mapped_column(String(16))
    changes: Mapped[dict | None] = mapped_column(JSON)            # attempts, error, lease holder


@dataclass(frozen=True)
class Job:
    """A claimed job, as a worker runs it."""

    id: int
    call_id: str | None
    caller_recording_id: str
    agent_recording_id: str
    caller_key: str
    agent_key: str
    attempts: int
    conversation_from: float | None = None   # seconds into the legs the agent answered: where the analysis begins


@dataclass(frozen=True)
class AnalysisView:
    """A call's analysis as the API shows it: the job's state, and its result once done."""

    id: int
    state: str
    attempts: int
    error: str | None
    analyser_version: int
    created_at: dt.datetime
    finished_at: dt.datetime | None
    result: dict | None = None      # once done
    restricted: bool = False        # a leg is under a GDPR restriction: the job waits, the result is not shown
