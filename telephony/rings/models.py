"""The table of ring measurement: one row per offered ring (``telephony.rings.meter``), written with its call."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import AutoId, Base, UTCDateTime


class CallRingRow(Base):
    """One offered ring, written once it ended (``telephony.rings.meter``): who rang, how long, answered, in time."""

    __tablename__ = "call_rings"
    __table_args__ = (
        UniqueConstraint("call_id", "ring_id"),
        Index("ix_call_rings_started_at", "started_at"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    ring_id: Mapped[str] = mapped_column(String(64))                 # the ringing channel's Uniqueid
    target: Mapped[str] = mapped_column(String(128))                 # interface / device rung
    extension: Mapped[str | None] = mapped_column(String(32))
    queue: Mapped[str | None] = mapped_column(String(64))            # None: a direct line
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ring_count: Mapped[int] = mapped_column(Integer)
    answered: Mapped[bool] = mapped_column(Boolean)
    within_sla: Mapped[bool] = mapped_column(Boolean)                # answered during a ring within the limit
    # why it ended (core.events.RingEndReason; migration 0015): the SLA figures leave out the rings that say
    # nothing of the one rung (unknown: cut by an outage; the caller left before the deadline)
    end_reason: Mapped[str] = mapped_column(String(24), default="unknown", server_default="unknown")
