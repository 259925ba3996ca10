"""Reading employees from an import (CSV or JSON rows) or the API: every row checked before anything is stored.

All or nothing: the first bad row raises ``DirectoryError`` naming the row (1-based) and the field. Fallback numbers
are validated and normalised here (E.164 or national digits), never logged.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.ports import Employee
from directory.exceptions import DirectoryError

_NUMBER_SEPARATORS = re.compile(r"[\s\-().\u00a0/]")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_NATIONAL = re.compile(r"^[0-9]{6,15}$")
CSV_LIST_SEPARATOR = ";"  # competences in a CSV cell: "job_seekers;employers"


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
        out.append(Employee(extension=row.extension, name=row.name, unit=row.unit,
                            competences=tuple(dict.fromkeys(row.competences)), fallback_number=row.fallback_number,
                            active=row.active))
    return out


def parse_csv(text: str) -> list[dict]:
    """CSV with a header row: extension,name,unit,competences,fallback_number[,active] (competences ``a;b``)."""
    try:
        return _rows(csv.DictReader(io.StringIO(text, newline="")))   # newline="": csv reads line ends itself
    except csv.Error as exc:   # e.g. a NUL byte: what the file is, never a crash
        raise DirectoryError(f"not a readable CSV file: {exc}") from None


def _rows(reader: csv.DictReader) -> list[dict]:
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
