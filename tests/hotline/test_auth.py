"""Users and tokens on SQLite and PostgreSQL: create, authenticate, revoke, and what is (not) stored."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from hotline.auth import Principal, Role, Token, UnknownUser, User, UserExists
from hotline.auth.service import InvalidUser, authenticate, create_user, issue_token, list_users, revoke_tokens


async def test_created_user_authenticates_with_its_token(db_sessionmaker):
    async with db_sessionmaker() as session:
        user, token = await create_user(session, "ona", "agent", extension="1001")
        await session.commit()
    async with db_sessionmaker() as session:
        principal = await authenticate(session, token)
    assert principal == Principal(user_id=user.id, name="ona", role=Role.AGENT, extension="1001")


async def test_only_a_sha256_hash_of_the_token_is_stored(db_sessionmaker):
    async with db_sessionmaker() as session:
        _, token = await create_user(session, "petras", Role.ADMIN)
        await session.commit()
        stored = (await session.scalars(select(Token.token_hash))).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert len(token) >= 43  # 32 random bytes, url-safe base64


async def test_unknown_and_empty_tokens_do_not_authenticate(db_sessionmaker):
    async with db_sessionmaker() as session:
        await create_user(session, "ona", "agent")
        await session.commit()
        assert await authenticate(session, "not-a-token") is None
        assert await authenticate(session, "") is None


async def test_revoked_tokens_stop_working_and_stay_as_history(db_sessionmaker):
    async with db_sessionmaker() as session:
        _, first = await create_user(session, "jonas", "supervisor")
        second = await issue_token(session, "jonas")
        await session.commit()
        assert await authenticate(session, second) is not None
        assert await revoke_tokens(session, "jonas") == 2
        await session.commit()
    async with db_sessionmaker() as session:
        assert await authenticate(session, first) is None
        assert await authenticate(session, second) is None
        revoked = (await session.scalars(select(Token.revoked_at))).all()
        assert await revoke_tokens(session, "jonas") == 0
    assert len(revoked) == 2
    assert all(at is not None and at.utcoffset() == dt.timedelta(0) for at in revoked)


async def test_a_deactivated_user_cannot_authenticate(db_sessionmaker):
    async with db_sessionmaker() as session:
        user, token = await create_user(session, "ona", "qa")
        user.active = False
        await session.commit()
        assert await authenticate(session, token) is None


async def test_user_names_are_unique(db_sessionmaker):
    async with db_sessionmaker() as session:
        await create_user(session, "ona", "agent")
        await session.commit()
        with pytest.raises(UserExists, match="hotline users token ona"):
            await create_user(session, "ona", "admin")


@pytest.mark.parametrize(("name", "role", "problem"), [
    ("ona", "root", "unknown role 'root'"),
    ("", "agent", "invalid user name"),
    ("-dash", "agent", "invalid user name"),
    ("has space", "agent", "invalid user name"),
    ("x" * 65, "agent", "invalid user name"),
])
async def test_bad_user_input_is_refused_before_storing(db_sessionmaker, name, role, problem):
    async with db_sessionmaker() as session:
        with pytest.raises(InvalidUser, match=problem):
            await create_user(session, name, role)
        assert (await session.scalars(select(User))).all() == []


async def test_tokens_for_unknown_users_are_a_clear_error(db_sessionmaker):
    async with db_sessionmaker() as session:
        with pytest.raises(UnknownUser, match="no user named 'ghost'"):
            await issue_token(session, "ghost")
        with pytest.raises(UnknownUser):
            await revoke_tokens(session, "ghost")


async def test_list_users_counts_live_tokens_and_times_are_aware(db_sessionmaker):
    async with db_sessionmaker() as session:
        await create_user(session, "zita", "dpo")
        await create_user(session, "algis", "agent")
        await issue_token(session, "algis")
        await revoke_tokens(session, "zita")
        await session.commit()
    async with db_sessionmaker() as session:
        listed = [(user.name, user.role, live) for user, live in await list_users(session)]
        created = (await session.scalars(select(User.created_at))).all()
    assert listed == [("algis", "agent", 2), ("zita", "dpo", 0)]
    assert all(at.tzinfo is not None and at.utcoffset() == dt.timedelta(0) for at in created)


async def test_role_is_checked_by_the_database_too(db_sessionmaker):
    from sqlalchemy.exc import IntegrityError

    async with db_sessionmaker() as session:
        session.add(User(name="sneaky", role="root"))
        with pytest.raises(IntegrityError):
            await session.flush()
