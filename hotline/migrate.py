"""Run hotline's Alembic migrations from code: upgrade, downgrade, and read the current and head revisions.

The service upgrades at start and the CLI on demand. Alembic's API is synchronous and runs its own event loop
(migrations/env.py), so the async variants run it in a worker thread and never block the caller's loop.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import pool

import migrations
from core.db import make_engine

# __path__, not __file__: works for an editable install that registered the folder as a namespace package.
MIGRATIONS_DIR = Path(next(iter(migrations.__path__))).resolve()


def alembic_config(url: str) -> Config:
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as an attribute, not an ini option: configparser would choke on '%' in passwords.
    config.attributes["url"] = url
    return config


def upgrade_sync(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade_sync(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


async def current(url: str) -> str | None:
    """The revision the database is at (None when it was never migrated)."""
    engine = make_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
    finally:
        await engine.dispose()


def current_sync(url: str) -> str | None:
    return asyncio.run(current(url))


async def upgrade(url: str, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade_sync, url, revision)


async def downgrade(url: str, revision: str) -> None:
    await asyncio.to_thread(downgrade_sync, url, revision)
