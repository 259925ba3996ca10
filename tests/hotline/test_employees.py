"""``/api/employees`` and ``/api/agents`` over a real database: roles, upsert, CSV import, all-or-nothing errors."""
from __future__ import annotations

import datetime as dt
import functools

import pytest

from core.events import AgentState
from core.policy import load_profile
from directory import EmployeeDirectoryService
from hotline.auth.service import create_user
from hotline.web import HotlineMetrics, WebDeps, create_app, employees
from hotline.web import agents as agent_routes
from telephony.agents.control import AgentControl
from telephony.agents.tracker import AgentView

LT = load_profile("lt-employment-1883")
SINCE = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
async def tokens(db_sessionmaker) -> dict[str, str]:
    tokens = {}
    async with db_sessionmaker() as session:
        for role in ("agent", "supervisor", "admin"):
            _, tokens[role] = await create_user(session, f"{role}-1", role)
        await session.commit()
    return tokens


@pytest.fixture
def applied() -> list[str]:
    return []


@pytest.fixture
async def client(aiohttp_client, db_engine, tokens, applied):
    async def on_change() -> None:
        applied.append("applied")

    def agents() -> list[AgentView]:
        return [AgentView("104", "Local/104@agent-reach", AgentState.PAUSED, "ring_no_answer", ("general_info",),
                          SINCE)]

    deps = WebDeps.create(db_engine, HotlineMetrics().registry)
    return await aiohttp_client(create_app(deps, [
        functools.partial(employees.register_routes, directory=EmployeeDirectoryService(db_engine), profile=LT,
                          on_change=on_change),
        # these tests only read the agents: no PBX to pause them on
        functools.partial(agent_routes.register_routes, agents=agents, control=AgentControl(None, db_engine, str)),
    ]))


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


ONA = {"extension": "101", "name": "Ona", "unit": "Vilnius", "competences": ["general_info", "employers"],
       "fallback_number": "+370 612 34567"}


async def test_admin_upserts_and_supervisor_reads(client, tokens, applied, db_engine):
    response = await client.post("/api/employees", json=[ONA], headers=auth(tokens["admin"]))
    assert response.status == 200, await response.text()
    assert await response.json() == {"created": 1, "updated": 0, "unchanged": 0, "applied_to_pbx": True}
    assert applied == ["applied"]
    [change] = await EmployeeDirectoryService(db_engine).history(ONA["extension"])
    assert (change.actor, change.before) == ("admin-1", None)   # who created the employee

    response = await client.get("/api/employees", headers=auth(tokens["supervisor"]))
    [ona] = await response.json()
    assert ona["fallback_number"] == "+37061234567" and ona["competences"] == ["general_info", "employers"]
    assert ona["active"] is True and ona["updated_at"].endswith("+00:00")

    response = await client.post("/api/employees", json=[ONA], headers=auth(tokens["admin"]))
    assert (await response.json())["unchanged"] == 1
    assert applied == ["applied"]  # nothing changed: the PBX is not touched again


@pytest.mark.parametrize("method, path, role", [
    ("post", "/api/employees", "supervisor"), ("get", "/api/employees", "agent"),
    ("post", "/api/employees/import", "supervisor"), ("get", "/api/agents", "agent"),
])
async def test_roles_are_enforced(client, tokens, method, path, role):
    response = await getattr(client, method)(path, headers=auth(tokens[role]), json=[])
    assert response.status == 403


async def test_a_bad_row_names_row_and_field_and_stores_nothing(client, tokens, applied):
    rows = [ONA, {**ONA, "extension": "102", "competences": ["pensions"]}]
    response = await client.post("/api/employees", json=rows, headers=auth(tokens["admin"]))
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "invalid_import" and "row 2, field competences" in error["message"]
    listing = await client.get("/api/employees", headers=auth(tokens["admin"]))
    assert await listing.json() == [] and applied == []


async def test_a_row_of_the_wrong_json_type_breaks_the_spec_a_400_not_a_guess(client, tokens, applied):
    # pydantic alone would read 0 as false and deactivate the employee
    response = await client.post("/api/employees", json=[{**ONA, "active": 0}], headers=auth(tokens["admin"]))
    assert response.status == 400 and (await response.json())["error"]["code"] == "invalid_input"
    assert applied == []


async def test_csv_import(client, tokens):
    body = ("extension,name,unit,competences,fallback_number,active\n"
            "101,Ona,Vilnius,job_seekers;employers,,yes\n"
            "102,Jonas,Kaunas,general_info,861234567,no\n")
    response = await client.post("/api/employees/import", data=body.encode(), headers=auth(tokens["admin"]))
    assert response.status == 200, await response.text()
    assert (await response.json())["created"] == 2
    listing = await (await client.get("/api/employees", headers=auth(tokens["admin"]))).json()
    assert [(e["extension"], e["active"], e["fallback_number"]) for e in listing] == [
        ("101", True, None), ("102", False, "861234567")]


async def test_csv_with_a_bad_number_is_refused(client, tokens):
    body = "extension,name,fallback_number\n101,Ona,call me\n"
    response = await client.post("/api/employees/import", data=body.encode(), headers=auth(tokens["admin"]))
    assert response.status == 422
    assert "row 1, field fallback_number" in (await response.json())["error"]["message"]


async def test_agents_lists_the_tracker_snapshot(client, tokens):
    response = await client.get("/api/agents", headers=auth(tokens["supervisor"]))
    assert await response.json() == [{"extension": "104", "interface": "Local/104@agent-reach", "state": "paused",
                                      "reason": "ring_no_answer", "queues": ["general_info"],
                                      "since": "2026-01-05T09:00:00+00:00"}]
