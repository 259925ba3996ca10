"""The agents' history (table ``agent_history``): every login, logout, pause and unpause, when, why and from whom,
appended, never overwritten (HR-REG §27.11)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import AutoId, Base, UTCDateTime


class AgentHistoryRow(Base):
    __tablename__ = "agent_history"
    __table_args__ = (Index("ix_agent_history_extension_id", "extension", "id"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    extension: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))            # "pause", "unpause", "login", "logout"
    reason: Mapped[str] = mapped_column(String(64), default="")
    by: Mapped[str] = mapped_column(String(64))                # the user (or "cli") who did it; never a caller
