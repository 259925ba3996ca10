"""The employee directory: who works the hotline, on which extension, in which queues, and where else to reach them.

:class:`EmployeeDirectoryService` is the ``core.ports.EmployeeDirectory`` port over the database. Rows come from an
import (``directory.importing``: CSV or JSON, all-or-nothing) or the API. Employees are never deleted: leaving is
``active = false``. Every change is appended to ``employee_history`` (HR-REG §27.11: history is appended, not
overwritten). Fallback numbers are personal data: validated and stored, never logged.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import utcnow
from core.db import make_sessionmaker
from core.ports import Employee
from directory.models import EmployeeChange, EmployeeHistoryEntry, EmployeeRow, employee_of


@dataclass(frozen=True)
class UpsertResult:
    created: int
    updated: int
    unchanged: int


class EmployeeDirectoryService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = make_sessionmaker(engine)

    async def list_employees(self, *, active_only: bool = False) -> list[Employee]:
        async with self._sessions() as session:
            stmt = select(EmployeeRow).order_by(EmployeeRow.extension)
            if active_only:
                stmt = stmt.where(EmployeeRow.active.is_(True))
            return [employee_of(row) for row in (await session.scalars(stmt)).all()]

    async def get_employee(self, extension: str) -> Employee | None:
        async with self._sessions() as session:
            row = await session.get(EmployeeRow, extension)
            return employee_of(row) if row is not None else None

    async def competences(self, extension: str) -> Sequence[str]:
        """The queues an active employee works (``core.ports.EmployeeCompetences``); none for anyone else."""
        employee = await self.get_employee(extension)
        return employee.competences if employee is not None and employee.active else ()

    async def upsert(self, rows: Sequence[Employee], now: dt.datetime | None = None, *,
                     actor: str = "system") -> UpsertResult:
        """Create or update employees by extension in one transaction; each real change appends a history entry
        with ``actor`` (who made it) and the fields before and after."""
        now = now or utcnow()
        created = updated = unchanged = 0
        async with self._sessions() as session, session.begin():
            existing = {row.extension: row for row in (await session.scalars(
                select(EmployeeRow).where(EmployeeRow.extension.in_([r.extension for r in rows])))).all()}
            for employee in rows:
                fields = employee.fields()
                row = existing.get(employee.extension)
                before = employee_of(row).fields() if row is not None else None
                if row is None:
                    session.add(EmployeeRow(**fields, created_at=now, updated_at=now))
                    created += 1
                elif before == fields:
                    unchanged += 1
                    continue
                else:
                    for key, value in fields.items():
                        setattr(row, key, value)
                    row.updated_at = now
                    updated += 1
                await session.flush()  # the employee row exists before its history entry references it
                session.add(EmployeeChange(extension=employee.extension, changed_at=now, fields=fields,
                                           before=before, actor=actor[:64]))
        return UpsertResult(created, updated, unchanged)

    async def history(self, extension: str) -> list[EmployeeHistoryEntry]:
        """Every change of the employee, oldest first: when, who, the fields before (None: created) and after."""
        async with self._sessions() as session:
            rows = await session.scalars(select(EmployeeChange).where(EmployeeChange.extension == extension)
                                         .order_by(EmployeeChange.id))
            return [EmployeeHistoryEntry(row.changed_at, row.fields, row.actor, row.before) for row in rows]

    async def is_empty(self) -> bool:
        async with self._sessions() as session:
            return (await session.scalar(select(EmployeeRow.extension).limit(1))) is None
