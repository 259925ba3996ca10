"""The employee directory: validation, all-or-nothing imports, upserts with appended history (SQLite and PostgreSQL)."""
from __future__ import annotations

import datetime as dt

import pytest

from core.ports import Employee
from directory import DirectoryError, EmployeeDirectoryService, UpsertResult, normalise_number, parse_csv, validate_rows

@pytest.fixture
def directory(db_engine) -> EmployeeDirectoryService:
    return EmployeeDirectoryService(db_engine)


QUEUES = ["job_seekers", "employers", "e_services", "general_info"]
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def row(ext: str = "101", **fields) -> dict:
    return {"extension": ext, "name": f"Agent {ext}", "unit": "Vilnius", "competences": ["general_info"], **fields}


@pytest.mark.parametrize("given, stored", [
    ("+370 612 34567", "+37061234567"),
    ("0037061234567", "+37061234567"),
    ("8 (612) 34-567", "861234567"),
])
def test_fallback_numbers_are_normalised(given, stored):
    assert normalise_number(given) == stored


@pytest.mark.parametrize("bad", ["12", "+0123456789", "call me", "+3706123456789012"])
def test_bad_fallback_numbers_are_refused(bad):
    with pytest.raises(ValueError):
        normalise_number(bad)


def test_a_bad_row_is_named_by_row_and_field():
    rows = [row("101"), row("102", fallback_number="not a number")]
    with pytest.raises(DirectoryError, match=r"row 2, field fallback_number"):
        validate_rows(rows, QUEUES)


def test_unknown_competence_names_the_profile_queues():
    with pytest.raises(DirectoryError, match=r"row 1, field competences: unknown queue\(s\) \['pensions'\]"):
        validate_rows([row(competences=["pensions"])], QUEUES)


def test_an_extension_twice_in_one_import_is_refused():
    with pytest.raises(DirectoryError, match=r"row 2, field extension"):
        validate_rows([row("101"), row("101")], QUEUES)


def test_missing_field_is_named():
    with pytest.raises(DirectoryError, match=r"row 1, field name"):
        validate_rows([{"extension": "101"}], QUEUES)


def test_csv_rows_split_competences_and_read_active():
    text = ("extension,name,unit,competences,fallback_number,active\n"
            "101,Ona,Vilnius,job_seekers;employers,+37061234567,yes\n"
            "102,Jonas,Kaunas,general_info,,no\n")
    employees = validate_rows(parse_csv(text), QUEUES)
    assert employees[0].competences == ("job_seekers", "employers")
    assert employees[0].fallback_number == "+37061234567"
    assert employees[1].fallback_number is None and employees[1].active is False


def test_csv_without_header_is_refused():
    with pytest.raises(DirectoryError, match="header"):
        parse_csv("101,Ona\n")


def test_csv_row_with_extra_cells_is_refused():
    with pytest.raises(DirectoryError, match="row 1: more cells"):
        parse_csv("extension,name\n101,Ona,extra\n")


async def test_upsert_creates_updates_and_appends_history(directory):
    assert await directory.is_empty()
    first = validate_rows([row("101"), row("102")], QUEUES)
    assert await directory.upsert(first, now=T0) == UpsertResult(2, 0, 0)

    later = T0 + dt.timedelta(days=1)
    changed = validate_rows([row("101", active=False), row("102")], QUEUES)
    result = await directory.upsert(changed, now=later)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)

    ona = await directory.get_employee("101")
    assert ona is not None and ona.active is False and ona.updated_at == later
    assert [e.extension for e in await directory.list_employees(active_only=True)] == ["102"]
    everyone = await directory.list_employees()
    assert [e.extension for e in everyone] == ["101", "102"]  # never deleted
    history = await directory.history("101")
    assert [(entry.changed_at, entry.fields["active"]) for entry in history] == [(T0, True), (later, False)]
    assert history[0].before is None and history[1].before["active"] is True   # before and after each change
    assert {entry.actor for entry in history} == {"system"}
    assert len(await directory.history("102")) == 1  # an unchanged row adds nothing


async def test_unknown_extension_is_none(directory):
    assert await directory.get_employee("999") is None


async def test_competences_round_trip_in_order(directory):
    employee = Employee("103", "Rūta", "Klaipėda", ("employers", "job_seekers"), "+37061234567", True)
    await directory.upsert([employee])
    stored = await directory.get_employee("103")
    assert stored is not None and stored.competences == ("employers", "job_seekers")
    assert stored.name == "Rūta"


def test_a_carriage_return_inside_a_row_is_a_line_end_not_a_crash():
    # the API fuzz test sent this to the import route and got a 500 (csv's "new-line character seen in unquoted
    # field"): csv reads the line ends itself, so the row ends there (and the half row fails validation later)
    assert parse_csv("extension,name\n10\r1,Ona\n") == [{"extension": "10"}, {"extension": "1", "name": "Ona"}]


def test_a_file_csv_cannot_read_is_a_directory_error():
    with pytest.raises(DirectoryError, match="not a readable CSV file: field larger than field limit"):
        parse_csv("extension,name\n101," + "x" * 200_000 + "\n")
