"""Messages for employees as stored (table ``messages``) and as the rest of the code sees them (``Message``).
The caller's number and name are personal data: stored, never logged."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import AutoId, Base, UTCDateTime


class MessageRow(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_extension_created_at", "extension", "created_at"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    extension: Mapped[str | None] = mapped_column(String(16))   # None: a message for a queue
    queue: Mapped[str | None] = mapped_column(String(40))       # left on the closed public number
    caller: Mapped[str | None] = mapped_column(String(32))        # personal data
    caller_name: Mapped[str | None] = mapped_column(String(200))  # personal data
    reason: Mapped[str] = mapped_column(String(500), default="")
    audio_path: Mapped[str | None] = mapped_column(String(500))   # as the PBX names the file
    call_id: Mapped[str | None] = mapped_column(String(64))
    callback_id: Mapped[int | None] = mapped_column(AutoId)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # the caller's details and the audio link removed (retention, erasure), the row kept (migration 0025)
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    anonymised_reason: Mapped[str | None] = mapped_column(String(16))


@dataclass(frozen=True)
class Message:
    id: int
    extension: str | None
    caller: str | None
    caller_name: str | None
    reason: str
    audio_path: str | None
    call_id: str | None
    callback_id: int | None
    created_at: dt.datetime
    read_at: dt.datetime | None
    queue: str | None = None

    @property
    def read(self) -> bool:
        return self.read_at is not None


def message_of(row: MessageRow) -> Message:
    """The value object of a stored message."""
    return Message(id=row.id, extension=row.extension, caller=row.caller, caller_name=row.caller_name,
                   reason=row.reason, audio_path=row.audio_path, call_id=row.call_id, callback_id=row.callback_id,
                   created_at=row.created_at, read_at=row.read_at, queue=row.queue)
