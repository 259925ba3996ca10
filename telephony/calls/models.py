"""Tables of the call model. History is appended, never overwritten (HR-REG §27.11): a call's states are rows.

``calls`` holds what never changes about a call (who, what number, when it started); ``call_states`` holds every
state it went through with its time; ``call_links`` every Linkedid the PBX gave it.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import AutoId, Base, UTCDateTime


class CallRow(Base):
    __tablename__ = "calls"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the first Linkedid
    caller: Mapped[str] = mapped_column(String(64))                 # personal data: masked by the API
    dialed: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    # inbound, or outbound: a callback the dialer placed (migration 0010); its caller is the client it called
    direction: Mapped[str] = mapped_column(String(8), default="inbound", server_default="inbound")
    # the retention purge or an erasure removed the number (caller ""), keeping the call for statistics (0025)
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    anonymised_reason: Mapped[str | None] = mapped_column(String(16))   # retention, erasure


class CallStateRow(Base):
    __tablename__ = "call_states"
    __table_args__ = (Index("ix_call_states_call_id_id", "call_id", "id"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    queue: Mapped[str | None] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(128))
    cause: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(128), default="")


class CallLinkRow(Base):
    __tablename__ = "call_links"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
