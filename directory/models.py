"""Tables of the employee directory: ``employees`` (as they are now) and ``employee_history`` (every change,
appended, never overwritten: HR-REG §27.11). Fallback numbers are personal data."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import AutoId, Base, UTCDateTime
from core.ports import Employee


class EmployeeRow(Base):
    __tablename__ = "employees"

    extension: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(200), default="")
    competences: Mapped[list[str]] = mapped_column(JSON, default=list)
    fallback_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class EmployeeChange(Base):
    """One appended history entry: the employee's fields as they were set at ``changed_at``."""

    __tablename__ = "employee_history"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    extension: Mapped[str] = mapped_column(ForeignKey("employees.extension"), index=True)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    fields: Mapped[dict] = mapped_column(JSON)                  # after the change
    # migration 0016: who made the change, and the fields before it (None: the employee was created)
    actor: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)


class EmployeeHistoryEntry(NamedTuple):
    """One appended change of an employee (``employee_history``); unpacks as (changed_at, fields) first."""

    changed_at: dt.datetime
    fields: dict
    actor: str | None = None
    before: dict | None = None


def employee_of(row: EmployeeRow) -> Employee:
    """The value object of a stored employee."""
    return Employee(extension=row.extension, name=row.name, unit=row.unit, competences=tuple(row.competences or ()),
                    fallback_number=row.fallback_number, active=row.active, updated_at=row.updated_at)
