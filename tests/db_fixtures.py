"""Database fixtures: every storage test runs on a temporary SQLite file and on the real PostgreSQL server.

PostgreSQL gets one database per test session (``hotline_test_<pid>``, dropped at the end); each test starts from
an empty schema. Set HOTLINE_TEST_PG_URL to use another server (default: the local one, trust auth).
"""
from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.db import make_engine, make_sessionmaker
from hotline.migrate import upgrade

PG_ADMIN_URL = os.environ.get("HOTLINE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
_TEST_DB = re.compile(r"^hotline_test_(\d+)$")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _admin(statements: list[str]) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def _create_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        # Databases of test sessions that died before their teardown would pile up: drop those of dead processes.
        for row in await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'hotline_test_%'"):
            match = _TEST_DB.match(row["datname"])
            if match and (row["datname"] == name or not _pid_alive(int(match.group(1)))):
                await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _reset_schema(url: str) -> None:
    conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    """URL of this session's own PostgreSQL database."""
    name = f"hotline_test_{os.getpid()}"
    asyncio.run(_create_database(name))
    yield make_url(PG_ADMIN_URL).set(drivername="postgresql+asyncpg", database=name).render_as_string(
        hide_password=False
    )
    asyncio.run(_admin([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)']))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty database, once SQLite and once PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'var' / 'hotline.sqlite3'}"
    url = request.getfixturevalue("postgres_database_url")
    asyncio.run(_reset_schema(url))
    return url


@pytest.fixture
async def db_engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a database migrated to the newest revision."""
    await upgrade(db_url)
    engine = make_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def db_sessionmaker(db_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(db_engine)
