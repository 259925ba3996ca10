"""Tables of the audit trail: ``audit_log`` (append-only, one hash-chained row per audited request or step) and
``audit_head`` (one row: where the chain ends, so that deleting its last rows is noticed too)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import AutoId, Base, UTCDateTime

ACTIONS = ("read", "write")
HEAD_ID = 1


class AuditRow(Base):
    """One audited step. Never updated or deleted (triggers refuse it); ``hash`` chains it to the row before."""

    __tablename__ = "audit_log"
    __table_args__ = (CheckConstraint("action IN ('read', 'write')", name="action_valid"),)

    # given by the appender, not the database: the previous id + 1, so a gap is a deleted row
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int] = mapped_column(Integer)          # users.id, no foreign key: the trail outlives users
    actor_name: Mapped[str] = mapped_column(String(64), index=True)
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(8))
    method: Mapped[str] = mapped_column(String(8))
    route: Mapped[str] = mapped_column(String(200))         # the template (/api/calls/{id}), never the raw path
    resources: Mapped[str] = mapped_column(Text)            # canonical JSON of the path parameters
    query: Mapped[str] = mapped_column(String(400))         # canonical JSON list of query parameter names
    status: Mapped[int | None] = mapped_column(Integer)     # None: a write's attempt, before its handler ran
    attempt_of: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    purpose: Mapped[str] = mapped_column(String(200))
    # unique: two rows can never claim the same predecessor, so the chain cannot fork even if a lock failed
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """Where the chain ends: its last row's id and hash and how many rows it has (updated by every append)."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint(f"id = {HEAD_ID}", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    count: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))
