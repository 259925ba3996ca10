"""Reading and writing subject requests: every change is one transaction that updates the row and appends the
changed fields, before and after, to ``subject_request_history``."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import utcnow
from core.db import locked_row, make_sessionmaker, rows_by_key, write_lock
from recording.subject_requests.exceptions import SubjectRequestNotFound
from recording.subject_requests.models import (OPEN_STATES, RequestChange, SubjectRequest, SubjectRequestHistoryRow,
                                               SubjectRequestRow)


def _jsonable(value):
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


class RequestStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = make_sessionmaker(engine)

    async def create(self, fields: dict, actor: str) -> SubjectRequest:
        now = utcnow()
        async with write_lock(self.engine), self._sessions() as session, session.begin():
            row = SubjectRequestRow(**fields, created_at=now, created_by=actor[:64], updated_at=now)
            session.add(row)
            await session.flush()
            after = {name: _jsonable(getattr(row, name)) for name in ("kind", "received_on", "count_from",
                                                                      "assess_due_on", "due_on", "state")}
            await session.execute(insert(SubjectRequestHistoryRow).values(
                request_id=row.id, at=now, actor=actor[:64], before=None, after=after))
            request_id = row.id
        return await self.get(request_id)

    async def change(self, request_id: int, actor: str, fields: dict) -> SubjectRequest:
        """Set ``fields`` on the request, appending what changed (before and after) to its history."""
        now = utcnow()
        async with write_lock(self.engine), locked_row(self.engine, SubjectRequestRow, request_id,
                                                       not_found=_not_found) as (session, row):
            changed = {name: value for name, value in fields.items() if getattr(row, name) != value}
            if changed:
                before = {name: _jsonable(getattr(row, name)) for name in changed}
                for name, value in changed.items():
                    setattr(row, name, value)
                row.updated_at = now
                session.add(SubjectRequestHistoryRow(request_id=request_id, at=now, actor=actor[:64], before=before,
                                                     after={name: _jsonable(v) for name, v in changed.items()}))
        return await self.get(request_id)

    async def get(self, request_id: int) -> SubjectRequest:
        async with self._sessions() as session:
            row = await session.get(SubjectRequestRow, request_id)
        if row is None:
            raise _not_found(request_id)
        history = await rows_by_key(self.engine, SubjectRequestHistoryRow.request_id, [request_id],
                                    SubjectRequestHistoryRow.id, view=lambda h: RequestChange(h.at, h.actor, h.before,
                                                                                              h.after))
        return SubjectRequest.of(row, tuple(history[request_id]))

    async def listing(self, *, open_only: bool) -> list[SubjectRequest]:
        """Soonest deadline first."""
        stmt = select(SubjectRequestRow).order_by(SubjectRequestRow.due_on, SubjectRequestRow.id)
        if open_only:
            stmt = stmt.where(SubjectRequestRow.state.in_([state.value for state in OPEN_STATES]))
        async with self._sessions() as session:
            return [SubjectRequest.of(row) for row in (await session.scalars(stmt)).all()]


def _not_found(request_id) -> SubjectRequestNotFound:
    return SubjectRequestNotFound(f"no subject request {request_id}")
