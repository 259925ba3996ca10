"""Append to the audit trail and read it back.

An append is one transaction that holds the trail's lock: on PostgreSQL a transaction-scoped advisory lock on a
fixed key, so that every service instance on the database takes its turn; on SQLite this process's write lock
(``core.db.write_lock``) and, as the transaction's first statement, a write to ``audit_head`` that takes SQLite's
own write lock before the head is read (another process, or another engine, waits its turn). Under the lock it
reads the head, inserts the row chained to it and moves the head: the chain stays one line.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.clock import utcnow
from core.db import make_sessionmaker, write_lock
from hotline.audit.chain import fields_of, row_hash
from hotline.audit.exceptions import AuditUnavailable, InvalidAuditRecord
from hotline.audit.models import ACTIONS, HEAD_ID, AuditHead, AuditRow

LOCK_KEY = int.from_bytes(b"hl-audit", "big")   # the advisory lock of the trail (a fixed signed 64-bit key)
MAX_PURPOSE = 200
MAX_ROUTE = 200


@dataclass(frozen=True)
class AuditRecord:
    """What one row says about a request: who, when, what (route, path parameters, query names), why, outcome."""

    actor_id: int
    actor_name: str
    actor_role: str
    action: str                      # read | write
    method: str
    route: str                       # the route template, never the raw path
    purpose: str
    resources: dict[str, str] = field(default_factory=dict)
    query: Sequence[str] = ()        # parameter names only: values can be numbers
    status: int | None = None        # None: a write's attempt
    attempt_of: int | None = None
    at: dt.datetime | None = None    # default: now

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise InvalidAuditRecord(f"unknown audit action {self.action!r}; one of {', '.join(ACTIONS)}")
        if len(self.purpose) > MAX_PURPOSE or len(self.route) > MAX_ROUTE:
            raise InvalidAuditRecord(f"an audit purpose or route has at most {MAX_PURPOSE} characters")


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class AuditTrail:
    """The audit trail of one database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = make_sessionmaker(engine)

    async def append(self, record: AuditRecord) -> int:
        """Append ``record`` chained to the head; returns its row id. Raises ``AuditUnavailable`` when it could not
        be written (the caller must then not go on as if it were)."""
        try:
            async with write_lock(self.engine), self._sessions() as session, session.begin():
                return await self._append(session, record)
        except Exception as exc:
            # the type only: a driver's text may quote the statement's parameters
            raise AuditUnavailable(f"the audit trail could not be written ({type(exc).__name__})") from exc

    async def _append(self, session: AsyncSession, record: AuditRecord) -> int:
        if self.engine.dialect.name == "postgresql":
            await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        else:   # a write first: SQLite's write lock is taken before the head is read
            await session.execute(update(AuditHead).where(AuditHead.id == HEAD_ID)
                                  .values(last_id=AuditHead.last_id))
        head = await session.get(AuditHead, HEAD_ID)
        if head is None:   # created by migration 0018; a missing head is tampering, not a fresh start
            raise InvalidAuditRecord("the audit trail's head (audit_head) is missing; run `hotline audit verify`")
        row = AuditRow(
            id=head.last_id + 1, at=record.at or utcnow(), actor_id=record.actor_id, actor_name=record.actor_name,
            actor_role=record.actor_role, action=record.action, method=record.method, route=record.route,
            resources=_canonical(record.resources), query=_canonical(sorted(set(record.query))),
            status=record.status, attempt_of=record.attempt_of, purpose=record.purpose, prev_hash=head.hash,
        )
        row.hash = row_hash(fields_of(row))
        session.add(row)
        await session.flush()
        head.last_id, head.count, head.hash = row.id, head.count + 1, row.hash
        return row.id

    async def entries(self, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
                      actor: str | None = None, action: str | None = None, limit: int = 100,
                      offset: int = 0) -> list[AuditRow]:
        """Rows newest first, optionally from ``since``, before ``until``, of one actor (user name) or action."""
        stmt = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit).offset(offset)
        if since is not None:
            stmt = stmt.where(AuditRow.at >= since)
        if until is not None:
            stmt = stmt.where(AuditRow.at < until)
        if actor is not None:
            stmt = stmt.where(AuditRow.actor_name == actor)
        if action is not None:
            stmt = stmt.where(AuditRow.action == action)
        async with self._sessions() as session:
            return list((await session.scalars(stmt)).all())

