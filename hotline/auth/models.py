"""Tables of the auth package: users with one role each, and their bearer tokens (stored only as hashes)."""
from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.db import Base, UTCDateTime


class Role(StrEnum):
    AGENT = "agent"            # answers calls, calls back
    SUPERVISOR = "supervisor"  # watches queues and SLA, assigns callbacks
    QA = "qa"                  # reviews sampled recordings
    DPO = "dpo"                # data protection officer: subject access, audit
    ADMIN = "admin"            # runs the service: users, configuration
    WALLBOARD = "wallboard"    # a wall screen: reads the live queues and SLA figures, numbers masked, no writes


ROLE_CHECK = "role IN (" + ", ".join(f"'{role.value}'" for role in Role) + ")"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(ROLE_CHECK, name="role_valid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    extension: Mapped[str | None] = mapped_column(String(32), default=None)  # an agent's phone extension
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    tokens: Mapped[list[Token]] = relationship(back_populates="user", cascade="all, delete-orphan")


class Token(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 hex of the bearer token: a leaked database does not leak usable tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)   # migration 0017
    # a page's cookie session (migration 0019): the token it was exchanged for; it lasts only while that one does
    session_of: Mapped[int | None] = mapped_column(ForeignKey("tokens.id", ondelete="CASCADE"), default=None)

    user: Mapped[User] = relationship(back_populates="tokens")
