"""Data-subject requests as stored: ``subject_requests`` (one row per request: its kind, the subject's number, when
it came in, its deadlines, state and result) and ``subject_request_history`` (every change: who, when, the fields
before and after; appended, never changed). The number is personal data: stored, never logged."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import JSON, Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import AutoId, Base, UTCDateTime


class RequestKind(StrEnum):
    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"


class RequestState(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"   # assessed as justified (erasure, restriction) or being worked on
    DONE = "done"
    REFUSED = "refused"           # with the reason


OPEN_STATES = (RequestState.RECEIVED, RequestState.IN_PROGRESS)


class SubjectRequestRow(Base):
    __tablename__ = "subject_requests"
    __table_args__ = (Index("ix_subject_requests_state_due_on", "state", "due_on"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[str] = mapped_column(String(32))               # E.164; personal data
    received_on: Mapped[dt.date] = mapped_column(Date)
    count_from: Mapped[str] = mapped_column(String(16))           # the profile's rule when it came in
    assess_due_on: Mapped[dt.date | None] = mapped_column(Date)   # erasure, restriction: the assessment's deadline
    due_on: Mapped[dt.date] = mapped_column(Date)                 # when it must be done
    state: Mapped[str] = mapped_column(String(16))
    refusal_reason: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[dict | None] = mapped_column(JSON)             # what was done: ids found, counts erased, ...
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class SubjectRequestHistoryRow(Base):
    __tablename__ = "subject_request_history"
    __table_args__ = (Index("ix_subject_request_history_request_id_id", "request_id", "id"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(AutoId)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)             # the changed fields as they were (None: created)
    after: Mapped[dict] = mapped_column(JSON)


@dataclass(frozen=True)
class RequestChange:
    at: dt.datetime
    actor: str
    before: dict | None
    after: dict


@dataclass(frozen=True)
class SubjectRequest:
    id: int
    kind: str
    number: str
    received_on: dt.date
    count_from: str
    assess_due_on: dt.date | None
    due_on: dt.date
    state: str
    refusal_reason: str | None
    result: dict | None
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    history: tuple[RequestChange, ...] = field(default=())

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES

    def overdue(self, today: dt.date) -> bool:
        return self.open and today > self.due_on

    @classmethod
    def of(cls, row: SubjectRequestRow, history: tuple[RequestChange, ...] = ()) -> SubjectRequest:
        return cls(**{name: getattr(row, name) for name in SubjectRequestRow.__table__.columns.keys()},
                   history=history)
