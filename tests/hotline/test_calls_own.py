"""An agent's ``/api/calls`` holds their own calls only, those dialled to their extension or ringing their phone;
another agent's call is as unknown as none (GDPR-LT §8; SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest

from hotline.auth.service import create_user
from hotline.web import HotlineMetrics, WebDeps, create_app
from hotline.web.calls import register_routes
from telephony.calls.queries import CallFilter, list_calls
from telephony.rings.queries import rings_of
from tests.api_fixtures import auth
from tests.telephony.ami_replay import store


@pytest.fixture
async def client(aiohttp_client, db_engine):
    await store(db_engine, "queue_answered", "queue_abandoned", "direct_answered")
    return await aiohttp_client(create_app(WebDeps.create(db_engine, HotlineMetrics().registry), [register_routes]))


async def agent(db_sessionmaker, name: str, extension: str | None) -> str:
    async with db_sessionmaker() as session:
        _, token = await create_user(session, name, "agent", extension=extension)
        await session.commit()
    return token


async def own_calls(db_engine, extension: str) -> set[str]:
    """What the store says the extension's calls are: dialled to it, or with a ring of its phone."""
    views = await list_calls(db_engine, CallFilter())
    rings = await rings_of(db_engine, [view.id for view in views])
    return {view.id for view in views
            if view.dialed == extension or any(ring.extension == extension for ring in rings[view.id])}


@pytest.mark.parametrize("extension", ["101", "104"])
async def test_an_agent_lists_only_the_calls_that_rang_them_or_were_dialled_to_them(client, db_engine,
                                                                                   db_sessionmaker, extension):
    everything = {view.id for view in await list_calls(db_engine, CallFilter())}
    expected = await own_calls(db_engine, extension)
    assert expected and expected != everything   # the recorded calls have both: theirs and not theirs
    token = await agent(db_sessionmaker, f"agent-{extension}", extension)
    response = await client.get("/api/calls", headers=auth(token))
    assert response.status == 200
    assert {call["id"] for call in await response.json()} == expected
    for call_id in everything:
        async with client.get(f"/api/calls/{call_id}", headers=auth(token)) as one:
            assert one.status == (200 if call_id in expected else 404)


async def test_an_agent_without_an_extension_sees_no_call_and_a_supervisor_every_call(client, db_engine,
                                                                                       db_sessionmaker, tokens):
    token = await agent(db_sessionmaker, "agent-none", None)
    assert await (await client.get("/api/calls", headers=auth(token))).json() == []
    everything = {view.id for view in await list_calls(db_engine, CallFilter())}
    listed = await (await client.get("/api/calls", headers=auth(tokens["supervisor"]))).json()
    assert {call["id"] for call in listed} == everything
