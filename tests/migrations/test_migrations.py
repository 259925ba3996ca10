"""Alembic migrations on SQLite and PostgreSQL: empty -> head -> base, and the models match the migrations."""
from __future__ import annotations

import argparse
import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from core.db import make_engine
from hotline.commands import db as db_command
from hotline.migrate import current, downgrade, head_revision, upgrade
from hotline.models import metadata


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def test_upgrade_from_empty_to_head_then_downgrade_to_base(db_url):
    assert await current(db_url) is None
    await upgrade(db_url)
    assert await current(db_url) == head_revision()
    assert {"users", "tokens"} <= await _tables(db_url)

    await downgrade(db_url, "base")
    assert await current(db_url) is None
    assert await _tables(db_url) <= {"alembic_version"}


async def test_upgrade_twice_is_harmless(db_url):
    await upgrade(db_url)
    await upgrade(db_url)
    assert await current(db_url) == head_revision()


async def test_models_match_the_migrations(db_url):
    # A model changed without a new revision shows up here as a difference.
    await upgrade(db_url)
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), metadata)
            )
    finally:
        await engine.dispose()
    assert diff == []


def test_first_revision_has_a_readable_id():
    assert head_revision() is not None
    from alembic.script import ScriptDirectory

    from hotline.migrate import alembic_config

    revisions = [r.revision for r in ScriptDirectory.from_config(alembic_config("")).walk_revisions()]
    assert "0001_users" in revisions


async def test_db_command_upgrades_and_reports(db_url, monkeypatch, capsys):
    monkeypatch.setenv("HOTLINE_DATABASE_URL", db_url)
    parser = argparse.ArgumentParser()
    db_command.add_arguments(parser)

    # The command runs its own event loop, as it does from the shell: give it a thread.
    assert await asyncio.to_thread(db_command.run, parser.parse_args(["upgrade"])) == 0
    assert f"database at {head_revision()}" in capsys.readouterr().out
    assert await asyncio.to_thread(db_command.run, parser.parse_args(["downgrade", "base"])) == 0
    assert "database at base (empty)" in capsys.readouterr().out
    assert await current(db_url) is None
