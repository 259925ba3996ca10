"""``/api/employees``: the employee directory — read (supervisor, admin), JSON upsert and CSV import (admin).

A change is applied to the PBX at once (queue membership, fallback numbers) through ``on_change``; if the PBX is
not reachable the directory is still saved and the next (re)connect applies it. Fallback numbers are shown in
full: supervisors reach staff on them and admins maintain them; they never reach the logs.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, RootModel, WithJsonSchema

from core.policy import PolicyProfile
from core.ports import PBX_ERRORS, Employee
from directory import DirectoryError, EmployeeDirectoryService, EmployeeIn, parse_csv, validate_rows
from hotline.web.auth import principal_of
from hotline.web.errors import ApiError
from hotline.web.routes import ApiRouter, body_of

log = logging.getLogger(__name__)

MAX_CSV_BYTES = 1 << 20
OnChange = Callable[[], Awaitable[Any]]


class EmployeeOut(BaseModel):
    extension: str
    name: str
    unit: str
    competences: list[str]
    fallback_number: str | None
    active: bool
    updated_at: dt.datetime | None


# the rows are checked by validate_rows (all of them, naming the row): the spec shows what it accepts
ROWS_SCHEMA = {"type": "array", "items": EmployeeIn.model_json_schema()}


class RowTypes(BaseModel):
    """The JSON types of a row, strictly (0 is not false): a wrong type breaks the spec (400); the values are
    validate_rows' to check (422: the row names the problem)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    extension: str
    name: str
    unit: str = ""
    competences: list[str] = []
    fallback_number: str | None = None
    active: bool = True


class EmployeesIn(RootModel[Annotated[list[RowTypes], WithJsonSchema(ROWS_SCHEMA)]]):
    """A JSON list of employees: extension, name, unit, competences (queue names), fallback_number, active."""


class ImportResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    created: int
    updated: int
    unchanged: int
    applied_to_pbx: bool


def _out(employee: Employee) -> EmployeeOut:
    return EmployeeOut(extension=employee.extension, name=employee.name, unit=employee.unit,
                       competences=list(employee.competences), fallback_number=employee.fallback_number,
                       active=employee.active, updated_at=employee.updated_at)


async def _store(directory: EmployeeDirectoryService, rows: Sequence[dict], profile: PolicyProfile,
                 on_change: OnChange | None, actor: str) -> ImportResult:
    employees = validate_rows(rows, [queue.name for queue in profile.queues])  # DirectoryError -> 400
    result = await directory.upsert(employees, actor=actor)
    applied = False
    if on_change is not None and (result.created or result.updated):
        try:
            await on_change()
            applied = True
        except PBX_ERRORS as exc:  # saved; the next (re)connect applies it
            log.warning("directory saved but not applied to the PBX yet (%s)", type(exc).__name__)
    return ImportResult(created=result.created, updated=result.updated, unchanged=result.unchanged,
                        applied_to_pbx=applied)


def register_routes(router: ApiRouter, *, directory: EmployeeDirectoryService, profile: PolicyProfile,
                    on_change: OnChange | None = None) -> None:
    async def list_handler(request: web.Request) -> list[EmployeeOut]:
        return [_out(employee) for employee in await directory.list_employees()]

    async def upsert_handler(request: web.Request) -> ImportResult:
        rows = [row.model_dump(exclude_unset=True) for row in body_of(request).root]
        return await _store(directory, rows, profile, on_change, principal_of(request).name)

    async def import_csv_handler(request: web.Request) -> ImportResult:
        if request.content_length and request.content_length > MAX_CSV_BYTES:
            raise ApiError(413, "payload_too_large", f"CSV over {MAX_CSV_BYTES} bytes")
        try:
            text = (await request.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ApiError(400, "invalid_import", "CSV must be UTF-8 text") from None
        return await _store(directory, parse_csv(text), profile, on_change, principal_of(request).name)

    # 422: rows the spec allows but the directory cannot take (an unknown queue, a number no phone has, twice)
    router.map_error(DirectoryError, 422, "invalid_import")
    router.get("/api/employees", list_handler, summary="The employee directory (inactive employees included)",
               response=list[EmployeeOut], tags=["employees"],
               personal_data=True)   # fallback numbers are employees' own phones
    router.post("/api/employees", upsert_handler, body=EmployeesIn, response=ImportResult, raises=[DirectoryError],
                summary="Create or update employees by extension (all rows valid, or nothing is stored)",
                tags=["employees"])
    router.post("/api/employees/import", import_csv_handler, response=ImportResult, raises=[DirectoryError],
                raw_body="text/csv", statuses={400: "not UTF-8 text", 413: f"CSV over {MAX_CSV_BYTES} bytes"},
                summary="Import employees from a CSV body (UTF-8, header row)",
                description="Columns: extension,name,unit,competences (queue names separated by ;),"
                            "fallback_number,active. All rows valid, or nothing is stored.", tags=["employees"])
