"""The IVR's table: every step a call took through the IVR, appended, never changed.

No foreign key to ``calls``: the AGI session can report a step before the AMI side has stored the call, and the
two are joined by ``call_id`` (the call's first Linkedid) when read.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import AutoId, Base, UTCDateTime


class CallIvrStepRow(Base):
    __tablename__ = "call_ivr_steps"
    __table_args__ = (Index("ix_call_ivr_steps_call_id_id", "call_id", "id"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    step: Mapped[str] = mapped_column(String(32))
    choice: Mapped[str] = mapped_column(String(8))        # a menu key; never pre-verification digits
    outcome: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str | None] = mapped_column(String(64))
