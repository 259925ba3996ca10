"""``listen_sessions``: one row per listen-only session a DPO opened for a data subject (GDPR-LT §14, §24.1).

A row is written once and never changed: it expires by its ``expires_at``. The link's token is not kept, only its
SHA-256 (a leaked database opens no session); the session's ``id`` is what the audit trail and the DPO name it by.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime


class ListenSessionRow(Base):
    __tablename__ = "listen_sessions"
    __table_args__ = (Index("ix_listen_sessions_expires_at", "expires_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    owner_id: Mapped[int] = mapped_column(Integer)                  # the DPO's user id (no foreign key: kept)
    owner_name: Mapped[str] = mapped_column(String(64))
    call_id: Mapped[str | None] = mapped_column(String(64))
    recording_ids: Mapped[list] = mapped_column(JSON)               # what the DPO put in it
    source_id: Mapped[str] = mapped_column(String(40))              # the subject's own leg that is played
    bleeps: Mapped[list] = mapped_column(JSON)                      # [[start, end], ...] seconds
    subject_request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class ListenSession:
    id: str
    owner_id: int
    owner_name: str
    call_id: str | None
    recording_ids: tuple[str, ...]
    source_id: str
    bleeps: tuple[tuple[float, float], ...]
    subject_request_id: str | None
    created_at: dt.datetime
    expires_at: dt.datetime

    def expired(self, now: dt.datetime) -> bool:
        return now >= self.expires_at

    @classmethod
    def of(cls, row: ListenSessionRow) -> ListenSession:
        return cls(id=row.id, owner_id=row.owner_id, owner_name=row.owner_name, call_id=row.call_id,
                   recording_ids=tuple(row.recording_ids), source_id=row.source_id,
                   bleeps=tuple((float(a), float(b)) for a, b in row.bleeps),
                   subject_request_id=row.subject_request_id, created_at=row.created_at, expires_at=row.expires_at)
