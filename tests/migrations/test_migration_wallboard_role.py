"""Migration 0019_wallboard_role: the users' role check admits ``wallboard`` (and only after it), tokens get
``session_of``; a downgrade with wallboard users is refused, naming them, without it they go."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from core.db import make_engine
from hotline.migrate import downgrade, upgrade

INSERT = text("INSERT INTO users (name, role, active, created_at) VALUES (:name, :role, true, CURRENT_TIMESTAMP)")


async def insert_user(url: str, name: str, role: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(INSERT, {"name": name, "role": role})
    finally:
        await engine.dispose()


async def test_the_wallboard_role_is_admitted_from_0019_and_a_downgrade_with_one_is_refused(db_url):
    await upgrade(db_url, "0018_audit_trail")
    with pytest.raises(IntegrityError):
        await insert_user(db_url, "wall-0", "wallboard")
    await upgrade(db_url, "0019_wallboard_role")
    await insert_user(db_url, "wall-1", "wallboard")
    with pytest.raises(IntegrityError):
        await insert_user(db_url, "nobody", "superuser")   # the check still holds for anything else

    with pytest.raises(RuntimeError, match="1 user\\(s\\) have the role 'wallboard'"):
        await downgrade(db_url, "0018_audit_trail")
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM users WHERE role = 'wallboard'"))
    finally:
        await engine.dispose()
    await downgrade(db_url, "0018_audit_trail")
    with pytest.raises(IntegrityError):
        await insert_user(db_url, "wall-2", "wallboard")
