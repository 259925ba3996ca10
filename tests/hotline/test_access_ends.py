"""Access ends with the function (GDPR-LT §8, §15): tokens expire and can be renewed, a deactivated employee's user
is shut out, and an open push socket closes within a second of its access ending (SQLite and PostgreSQL)."""
from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import update

from core.bus import EventBus
from core.clock import utcnow
from core.policy import load_profile
from directory.models import EmployeeRow
from hotline.auth.models import Token
from hotline.auth.service import authenticate, create_user, revoke_tokens, token_checker
from hotline.push import setup as push_setup
from hotline.push.hub import PushHub
from hotline.web import HotlineMetrics, WebDeps, create_app, ws
from tests.api_fixtures import auth


@pytest.fixture
async def app(aiohttp_client, db_engine):
    """The web app with /api/me, /api/me/token and /ws, push checking open sockets' access as the service does."""
    bus, hub = EventBus(), PushHub()
    push = push_setup.setup(bus, db_engine, load_profile("lt-employment-1883"), hub=hub,
                            access_check=token_checker(db_engine))
    await bus.start()
    push.start()
    yield await aiohttp_client(create_app(WebDeps.create(db_engine, HotlineMetrics().registry),
                                          [ws.routes(hub)]))   # the system routes come with every app
    await push.close()
    await bus.stop()


async def user(db_sessionmaker, name: str, role: str, extension: str | None = None,
               lifetime: dt.timedelta = dt.timedelta(hours=12)) -> str:
    async with db_sessionmaker() as session:
        _, token = await create_user(session, name, role, extension=extension, lifetime=lifetime)
        await session.commit()
    return token


async def test_an_expired_token_is_refused_and_a_renewed_one_replaces_the_old(app, db_sessionmaker):
    expired = await user(db_sessionmaker, "was-on-shift", "agent", lifetime=dt.timedelta(seconds=-1))
    async with app.get("/api/me", headers=auth(expired)) as response:
        assert response.status == 401
    token = await user(db_sessionmaker, "on-shift", "agent")
    async with app.post("/api/me/token", headers=auth(token)) as response:
        assert response.status == 200
        renewed = await response.json()
    assert dt.datetime.fromisoformat(renewed["expires_at"]) > utcnow() + dt.timedelta(hours=11)
    async with app.get("/api/me", headers=auth(renewed["token"])) as response:
        assert (response.status, (await response.json())["name"]) == (200, "on-shift")
    async with app.get("/api/me", headers=auth(token)) as response:
        assert response.status == 401, "the renewed token is revoked"


async def test_a_deactivated_employee_has_no_access_and_a_user_without_an_employee_record_keeps_it(db_sessionmaker):
    token = await user(db_sessionmaker, "ona", "agent", extension="121")
    other = await user(db_sessionmaker, "demo", "agent", extension="199")   # the directory has no 199
    now = utcnow()
    async with db_sessionmaker() as session:
        session.add(EmployeeRow(extension="121", name="Ona", active=True, created_at=now, updated_at=now))
        await session.commit()
        assert await authenticate(session, token) is not None
        await session.execute(update(EmployeeRow).where(EmployeeRow.extension == "121").values(active=False))
        await session.commit()
        assert await authenticate(session, token) is None
        assert await authenticate(session, other) is not None


async def test_an_open_socket_closes_within_a_second_of_its_users_tokens_being_revoked(app, db_sessionmaker):
    token = await user(db_sessionmaker, "sup-1", "supervisor")
    kept = await user(db_sessionmaker, "sup-2", "supervisor")
    revoked_socket = await app.ws_connect(f"/ws?token={token}")
    kept_socket = await app.ws_connect(f"/ws?token={kept}")
    for socket_ in (revoked_socket, kept_socket):
        assert (await socket_.receive_json(timeout=5))["type"] == "hello"
    async with db_sessionmaker() as session:
        assert await revoke_tokens(session, "sup-1") == 1
        await session.commit()
    loop = asyncio.get_running_loop()
    revoked_at = loop.time()
    async with asyncio.timeout(3):
        while not revoked_socket.closed:
            await revoked_socket.receive(timeout=3)
    assert loop.time() - revoked_at <= 1.5   # the check runs every second
    assert not kept_socket.closed
    await kept_socket.close()


async def test_a_token_expiring_while_its_socket_is_open_closes_it(app, db_sessionmaker):
    token = await user(db_sessionmaker, "sup-3", "supervisor")
    socket_ = await app.ws_connect(f"/ws?token={token}")
    assert (await socket_.receive_json(timeout=5))["type"] == "hello"
    async with db_sessionmaker() as session:
        await session.execute(update(Token).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        await session.commit()
    async with asyncio.timeout(3):
        while not socket_.closed:
            await socket_.receive(timeout=3)
