"""Create users, issue and revoke their tokens, and resolve a bearer token to the user behind it.

Functions take an ``AsyncSession`` and flush but do not commit: the caller owns the transaction.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from hotline.auth.models import Role, Token, User
from hotline.auth.tokens import hash_token, new_token

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class AuthError(Exception):
    """Base of the auth package's errors; messages are safe to show to an operator."""


class UserExists(AuthError):
    pass


class UnknownUser(AuthError):
    pass


class InvalidUser(AuthError, ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated user of one request."""

    user_id: int
    name: str
    role: Role
    extension: str | None = None


def parse_role(role: str | Role) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidUser(f"unknown role {role!r}; choose one of: {', '.join(r.value for r in Role)}") from None


def _check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidUser(
            f"invalid user name {name!r}: 1-64 characters, letters, digits and . _ @ - (not first)"
        )
    return name


async def _user_by_name(session: AsyncSession, name: str) -> User:
    user = await session.scalar(select(User).where(User.name == name))
    if user is None:
        raise UnknownUser(f"no user named {name!r}; list them with `hotline users list`")
    return user


async def create_user(
    session: AsyncSession, name: str, role: str | Role, extension: str | None = None
) -> tuple[User, str]:
    """Add a user and issue its first token; returns ``(user, token)``. The token is not stored, only its hash."""
    user = User(name=_check_name(name), role=parse_role(role).value, extension=extension)
    exists = UserExists(f"user {name!r} already exists; issue a new token with `hotline users token {name}`")
    if await session.scalar(select(User.id).where(User.name == name)) is not None:
        raise exists
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:  # created concurrently by someone else: the transaction is unusable now
        await session.rollback()
        raise exists from None
    return user, await _add_token(session, user)


async def _add_token(session: AsyncSession, user: User) -> str:
    token = new_token()
    session.add(Token(user_id=user.id, token_hash=hash_token(token)))
    await session.flush()
    return token


async def issue_token(session: AsyncSession, name: str) -> str:
    """A new token for an existing user (earlier tokens stay valid until revoked)."""
    return await _add_token(session, await _user_by_name(session, name))


async def revoke_tokens(session: AsyncSession, name: str) -> int:
    """Revoke every live token of ``name``; returns how many were revoked. Rows are kept as history."""
    user = await _user_by_name(session, name)
    result = await session.execute(
        update(Token)
        .where(Token.user_id == user.id, Token.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount or 0


async def list_users(session: AsyncSession) -> list[tuple[User, int]]:
    """Every user with its number of live (unrevoked) tokens, by name."""
    users = (await session.scalars(select(User).order_by(User.name))).all()
    counts = dict(
        (
            await session.execute(
                select(Token.user_id, func.count()).where(Token.revoked_at.is_(None)).group_by(Token.user_id)
            )
        ).all()
    )
    return [(user, counts.get(user.id, 0)) for user in users]


async def authenticate(session: AsyncSession, token: str) -> Principal | None:
    """The active user holding this unrevoked token, or None."""
    if not token:
        return None
    row = (
        await session.execute(
            select(User)
            .join(Token, Token.user_id == User.id)
            .where(Token.token_hash == hash_token(token), Token.revoked_at.is_(None), User.active.is_(True))
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    return Principal(user_id=row.id, name=row.name, role=Role(row.role), extension=row.extension)
