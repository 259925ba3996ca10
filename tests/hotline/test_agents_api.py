"""``/api/agents/{ext}/pause|unpause|history`` over a real database and a scripted PBX: who may do it, what the PBX
is asked, the history with who did it, errors for an unknown member and a PBX that is gone."""
from __future__ import annotations

import functools

import pytest

from hotline.auth.service import create_user
from hotline.web import HotlineMetrics, WebDeps, create_app
from hotline.web import agents as agent_routes
from telephony.agents.control import AgentControl
from telephony.ami.exceptions import AmiActionError, AmiDisconnected
from tests.api_fixtures import auth

MEMBERS = {"Local/101@agent-reach", "Local/102@agent-reach"}


class QueuePauses:
    """The PBX as QueuePause sees it: known members are paused or unpaused; down, everything fails."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.down = False

    async def action(self, action: dict, *, timeout: float | None = None) -> dict:
        if self.down:
            raise AmiDisconnected("AMI not connected")
        if action["Interface"] not in MEMBERS:
            raise AmiActionError("Interface not found")
        self.sent.append(action)
        return {"Response": "Success"}


@pytest.fixture
async def users(db_sessionmaker) -> dict[str, str]:
    tokens = {}
    async with db_sessionmaker() as session:
        for name, role, extension in [("ona", "agent", "101"), ("sup", "supervisor", None), ("qa1", "qa", None)]:
            _, tokens[name] = await create_user(session, name, role, extension=extension)
        await session.commit()
    return tokens


@pytest.fixture
async def pbx_side() -> QueuePauses:
    return QueuePauses()


@pytest.fixture
def applied() -> list[set[str]]:
    return []


@pytest.fixture
async def client(aiohttp_client, db_engine, users, pbx_side, applied):
    control = AgentControl(pbx_side, db_engine, lambda extension: f"Local/{extension}@agent-reach")

    async def apply_membership() -> None:   # what the membership would leave out, each time it is applied
        if pbx_side.down:
            raise AmiDisconnected("AMI not connected")
        applied.append(await control.logged_out())
    deps = WebDeps.create(db_engine, HotlineMetrics().registry)
    return await aiohttp_client(create_app(deps, [functools.partial(
        agent_routes.register_routes, agents=list, control=control, apply_membership=apply_membership)]))


async def test_a_supervisor_unpauses_an_agent_the_ring_out_rule_paused_and_the_history_says_who(
        client, users, pbx_side):
    response = await client.post("/api/agents/102/unpause", headers=auth(users["sup"]))
    assert response.status == 200
    assert (await response.json())["by"] == "sup"
    assert pbx_side.sent == [{"Action": "QueuePause", "Interface": "Local/102@agent-reach", "Paused": "false"}]
    response = await client.get("/api/agents/102/history", headers=auth(users["sup"]))
    [change] = await response.json()
    assert (change["action"], change["reason"], change["by"]) == ("unpause", "", "sup")


async def test_an_agent_pauses_and_unpauses_themselves_with_a_reason_but_nobody_else(client, users, pbx_side):
    own = await client.post("/api/agents/101/pause", json={"reason": "lunch"}, headers=auth(users["ona"]))
    assert own.status == 200
    assert pbx_side.sent[-1] == {"Action": "QueuePause", "Interface": "Local/101@agent-reach", "Paused": "true",
                                 "Reason": "lunch"}
    assert (await client.post("/api/agents/101/unpause", headers=auth(users["ona"]))).status == 200
    other = await client.post("/api/agents/102/pause", json={"reason": "lunch"}, headers=auth(users["ona"]))
    assert other.status == 403 and len(pbx_side.sent) == 2
    history = await (await client.get("/api/agents/101/history", headers=auth(users["ona"]))).json()
    assert [(c["action"], c["reason"], c["by"]) for c in history] == [("pause", "lunch", "ona"), ("unpause", "", "ona")]


async def test_qa_may_not_change_agents(client, users):
    assert (await client.post("/api/agents/101/unpause", headers=auth(users["qa1"]))).status == 403


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x" * 65}, {"reason": "lunch\nbreak"},
                                  {"reason": "lunch", "extra": 1}])
async def test_a_bad_pause_body_is_400_and_asks_nothing_of_the_pbx(client, users, pbx_side, body):
    response = await client.post("/api/agents/101/pause", json=body, headers=auth(users["sup"]))
    assert response.status == 400 and pbx_side.sent == []


async def test_an_unknown_member_is_404_and_a_gone_pbx_503_and_neither_is_in_the_history(client, users, pbx_side):
    unknown = await client.post("/api/agents/199/unpause", headers=auth(users["sup"]))
    assert unknown.status == 404 and (await unknown.json())["error"]["code"] == "not_found"
    pbx_side.down = True
    gone = await client.post("/api/agents/101/unpause", headers=auth(users["sup"]))
    assert gone.status == 503 and (await gone.json())["error"]["code"] == "pbx_unavailable"
    for extension in ("199", "101"):
        response = await client.get(f"/api/agents/{extension}/history", headers=auth(users["sup"]))
        assert await response.json() == []


async def test_an_agent_logs_out_and_in_the_membership_follows_at_once_and_the_history_keeps_it(
        client, users, applied):
    assert (await client.post("/api/agents/101/logout", headers=auth(users["ona"]))).status == 200
    assert applied == [{"101"}]
    assert (await client.post("/api/agents/102/logout", headers=auth(users["ona"]))).status == 403
    assert (await client.post("/api/agents/101/login", headers=auth(users["sup"]))).status == 200
    assert applied == [{"101"}, set()]
    history = await (await client.get("/api/agents/101/history", headers=auth(users["sup"]))).json()
    assert [(c["action"], c["by"]) for c in history] == [("logout", "ona"), ("login", "sup")]


async def test_a_logout_while_the_pbx_is_gone_is_recorded_and_said_to_be_not_applied_yet(client, users, pbx_side):
    pbx_side.down = True
    response = await client.post("/api/agents/101/logout", headers=auth(users["ona"]))
    assert response.status == 200 and (await response.json())["applied_to_pbx"] is False
    history = await (await client.get("/api/agents/101/history", headers=auth(users["ona"]))).json()
    assert [c["action"] for c in history] == ["logout"]   # the next membership check applies it
