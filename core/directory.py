"""The employee directory: who works the hotline, on which extension, in which queues, and where else to reach them.

Rows come from an import (CSV or JSON, all-or-nothing: one bad row rejects the whole import and names the row and
the field) or the API. Employees are never deleted: leaving is ``active = false``. Every change is appended to
``employee_history`` (HR-REG §27.11: history is appended, not overwritten). Fallback numbers are personal data:
they are validated and stored, never logged.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, make_sessionmaker, utcnow

_NUMBER_SEPARATORS = re.compile(r"[\s\-().\u00a0/]")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_NATIONAL = re.compile(r"^[0-9]{6,15}$")
CSV_LIST_SEPARATOR = ";"  # competences in a CSV cell: "job_seekers;employers"
# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
_AutoId = BigInteger().with_variant(Integer(), "sqlite")


class DirectoryError(ValueError):
    """An import or update that cannot be applied; the message names the row and the field. Nothing was stored."""


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

    id: Mapped[int] = mapped_column(_AutoId, primary_key=True, autoincrement=True)
    extension: Mapped[str] = mapped_column(ForeignKey("employees.extension"), index=True)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    fields: Mapped[dict] = mapped_column(JSON)


def normalise_number(value: str) -> str:
    """A fallback number in E.164 (``+370…``) or national form (``8612…``), separators removed; else ValueError."""
    text = _NUMBER_SEPARATORS.sub("", value)
    if text.startswith("00"):
        text = "+" + text[2:]
    if _E164.match(text) or _NATIONAL.match(text):
        return text
    raise ValueError("not a phone number: give E.164 (+37061234567) or national digits (861234567)")


class EmployeeIn(BaseModel):
    """One employee as imported or posted; ``competences`` are queue names of the active profile."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    extension: str = Field(..., pattern=r"^[0-9]{2,8}$")
    name: str = Field(..., min_length=1, max_length=200)
    unit: str = Field("", max_length=200)
    competences: list[str] = Field(default_factory=list)
    fallback_number: str | None = None
    active: bool = True

    @field_validator("fallback_number", mode="before")
    @classmethod
    def _number(cls, value: object) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise ValueError("must be text")
        return normalise_number(value)

    @field_validator("competences", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):  # a CSV cell
            return [part.strip() for part in value.split(CSV_LIST_SEPARATOR) if part.strip()]
        return value


@dataclass(frozen=True)
class Employee:
    extension: str
    name: str
    unit: str
    competences: tuple[str, ...]
    fallback_number: str | None
    active: bool
    updated_at: dt.datetime | None = None

    def fields(self) -> dict:
        data = asdict(self)
        data["competences"] = list(self.competences)
        data.pop("updated_at")
        return data


@dataclass(frozen=True)
class UpsertResult:
    created: int
    updated: int
    unchanged: int


def _employee(row: EmployeeRow) -> Employee:
    return Employee(row.extension, row.name, row.unit, tuple(row.competences or ()), row.fallback_number,
                    row.active, row.updated_at)


def validate_rows(rows: Iterable[Mapping], queue_names: Iterable[str]) -> list[Employee]:
    """Every row checked before anything is stored; the first problem raises DirectoryError (row is 1-based)."""
    known = set(queue_names)
    seen: set[str] = set()
    out = []
    for number, raw in enumerate(rows, start=1):
        if not isinstance(raw, Mapping):
            raise DirectoryError(f"row {number}: expected an object with employee fields")
        try:
            row = EmployeeIn.model_validate(dict(raw))
        except ValidationError as exc:
            err = exc.errors(include_url=False, include_input=False)[0]
            field = ".".join(str(part) for part in err["loc"]) or "(row)"
            raise DirectoryError(f"row {number}, field {field}: {err['msg']}") from None
        unknown = [q for q in row.competences if q not in known]
        if unknown:
            raise DirectoryError(f"row {number}, field competences: unknown queue(s) {unknown}; "
                                 f"the profile's queues are {sorted(known)}")
        if row.extension in seen:
            raise DirectoryError(f"row {number}, field extension: {row.extension} appears twice in this import")
        seen.add(row.extension)
        out.append(Employee(row.extension, row.name, row.unit, tuple(dict.fromkeys(row.competences)),
                            row.fallback_number, row.active))
    return out


def parse_csv(text: str) -> list[dict]:
    """CSV with a header row: extension,name,unit,competences,fallback_number[,active] (competences ``a;b``)."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "extension" not in reader.fieldnames:
        raise DirectoryError("CSV header must name the columns, at least extension and name")
    rows = []
    for row in reader:
        if None in row:
            raise DirectoryError(f"row {reader.line_num - 1}: more cells than header columns")
        cleaned: dict = {key: value for key, value in row.items() if value is not None}
        if "active" in cleaned:
            cleaned["active"] = cleaned["active"].strip().lower() not in ("0", "false", "no", "")
        rows.append(cleaned)
    return rows


async def list_employees(engine: AsyncEngine, *, active_only: bool = False) -> list[Employee]:
    async with make_sessionmaker(engine)() as session:
        stmt = select(EmployeeRow).order_by(EmployeeRow.extension)
        if active_only:
            stmt = stmt.where(EmployeeRow.active.is_(True))
        return [_employee(row) for row in (await session.scalars(stmt)).all()]


async def get_employee(engine: AsyncEngine, extension: str) -> Employee | None:
    async with make_sessionmaker(engine)() as session:
        row = await session.get(EmployeeRow, extension)
        return _employee(row) if row is not None else None


async def upsert_employees(engine: AsyncEngine, rows: Sequence[Employee], now: dt.datetime | None = None
                           ) -> UpsertResult:
    """Create or update employees by extension in one transaction; each real change appends a history entry."""
    now = now or utcnow()
    created = updated = unchanged = 0
    async with make_sessionmaker(engine)() as session, session.begin():
        existing = {row.extension: row for row in (await session.scalars(
            select(EmployeeRow).where(EmployeeRow.extension.in_([r.extension for r in rows])))).all()}
        for employee in rows:
            fields = employee.fields()
            row = existing.get(employee.extension)
            if row is None:
                session.add(EmployeeRow(**fields, created_at=now, updated_at=now))
                created += 1
            elif _employee(row).fields() == fields:
                unchanged += 1
                continue
            else:
                for key, value in fields.items():
                    setattr(row, key, value)
                row.updated_at = now
                updated += 1
            await session.flush()  # the employee row exists before its history entry references it
            session.add(EmployeeChange(extension=employee.extension, changed_at=now, fields=fields))
    return UpsertResult(created, updated, unchanged)


async def employee_history(engine: AsyncEngine, extension: str) -> list[tuple[dt.datetime, dict]]:
    async with make_sessionmaker(engine)() as session:
        rows = await session.scalars(select(EmployeeChange).where(EmployeeChange.extension == extension)
                                     .order_by(EmployeeChange.id))
        return [(row.changed_at, row.fields) for row in rows]


async def directory_is_empty(engine: AsyncEngine) -> bool:
    async with make_sessionmaker(engine)() as session:
        return (await session.scalar(select(EmployeeRow.extension).limit(1))) is None
