"""Create users, issue and revoke their tokens, and resolve a bearer token to the user behind it.

Functions take an ``AsyncSession`` and flush but do not commit: the caller owns the transaction.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, column, exists, false, func, select, table, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import aliased

from core.clock import utcnow
from core.db import make_sessionmaker
from hotline.auth.models import Role, Token, User
from hotline.auth.tokens import hash_token, new_token

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
# a token lives a working shift, then its holder renews it (POST /api/me/token) or asks for a new one
DEFAULT_TOKEN_LIFETIME = dt.timedelta(hours=12)
# the directory's employees, read without importing the directory's models (the root reaches capabilities only
# through their public surface): a deactivated employee's user has no access
_EMPLOYEES = table("employees", column("extension"), column("active"))


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
    # of the token it came with: what the push hub checks again while a socket is open (not part of who it is)
    token_hash: str = field(default="", compare=False, repr=False)
    session: bool = field(default=False, compare=False)   # it came with a page's session cookie, not a token


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
    session: AsyncSession, name: str, role: str | Role, extension: str | None = None,
    lifetime: dt.timedelta = DEFAULT_TOKEN_LIFETIME,
) -> tuple[User, str]:
    """Add a user and issue its first token; returns ``(user, token)``. The token is not stored, only its hash."""
    user = User(name=_check_name(name), role=parse_role(role).value, extension=extension)
    if user.role == Role.WALLBOARD and extension:
        raise InvalidUser("a wallboard user has no extension: a wall screen answers no calls")
    exists = UserExists(f"user {name!r} already exists; issue a new token with `hotline users token {name}`")
    if await session.scalar(select(User.id).where(User.name == name)) is not None:
        raise exists
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:  # created concurrently by someone else: the transaction is unusable now
        await session.rollback()
        raise exists from None
    return user, await _add_token(session, user, lifetime)


async def _add_token(session: AsyncSession, user: User, lifetime: dt.timedelta) -> str:
    token = new_token()
    now = utcnow()
    session.add(Token(user_id=user.id, token_hash=hash_token(token), created_at=now, expires_at=now + lifetime))
    await session.flush()
    return token


async def issue_token(session: AsyncSession, name: str, lifetime: dt.timedelta = DEFAULT_TOKEN_LIFETIME) -> str:
    """A new token for an existing user (earlier tokens stay valid until they expire or are revoked)."""
    return await _add_token(session, await _user_by_name(session, name), lifetime)


async def renew_token(session: AsyncSession, principal: Principal,
                      lifetime: dt.timedelta = DEFAULT_TOKEN_LIFETIME) -> tuple[str, dt.datetime]:
    """A fresh token for the holder of a valid one, which is revoked: ``(token, expires_at)``."""
    await session.execute(update(Token).where(Token.token_hash == principal.token_hash, Token.revoked_at.is_(None))
                          .values(revoked_at=utcnow()))
    user = await session.get(User, principal.user_id)
    token = await _add_token(session, user, lifetime)
    return token, utcnow() + lifetime


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


def _valid(now: dt.datetime):
    """The conditions a token and its user meet while access lasts: not revoked, not expired, the user active, and
    their employee record (if the directory has one for their extension) not deactivated; a page session also
    ends with the token it was exchanged for (``session_of``) when that is revoked."""
    deactivated = exists().where(_EMPLOYEES.c.extension == User.extension, _EMPLOYEES.c.active == false())
    source = aliased(Token)
    source_revoked = exists().where(source.id == Token.session_of, source.revoked_at.is_not(None))
    return and_(Token.revoked_at.is_(None), Token.expires_at.is_not(None), Token.expires_at > now,
                User.active.is_(True), ~deactivated, ~source_revoked)


async def authenticate(session: AsyncSession, token: str, now: dt.datetime | None = None, *,
                       cookie: bool = False) -> Principal | None:
    """The user holding this token while their access lasts (``_valid``), or None. ``cookie``: ``token`` is a
    page session's secret; a session is never accepted as a bearer token, nor a bearer token as a session."""
    if not token:
        return None
    token_hash = hash_token(token)
    kind = Token.session_of.is_not(None) if cookie else Token.session_of.is_(None)
    row = (
        await session.execute(
            select(User).join(Token, Token.user_id == User.id)
            .where(Token.token_hash == token_hash, kind, _valid(now or utcnow()))
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    return Principal(user_id=row.id, name=row.name, role=Role(row.role), extension=row.extension,
                     token_hash=token_hash, session=cookie)


async def start_session(session: AsyncSession, principal: Principal) -> tuple[str, dt.datetime]:
    """A page session for the holder of a valid bearer token: ``(secret, expires_at)``. The session is a token row
    of its own (its hash only) that expires with that token and ends when it is revoked, so expiry, revocation
    and the push hub's check of open sockets apply to it unchanged."""
    source = await session.scalar(select(Token).where(Token.token_hash == principal.token_hash))
    secret = new_token()
    session.add(Token(user_id=principal.user_id, token_hash=hash_token(secret), created_at=utcnow(),
                      expires_at=source.expires_at, session_of=source.id))
    await session.flush()
    return secret, source.expires_at


async def end_session(session: AsyncSession, principal: Principal) -> bool:
    """Revoke the page session ``principal`` came with (logout); False when it came with a bearer token."""
    if not principal.session:
        return False
    await session.execute(update(Token).where(Token.token_hash == principal.token_hash, Token.revoked_at.is_(None))
                          .values(revoked_at=utcnow()))
    return True


async def still_valid(session: AsyncSession, token_hashes: Iterable[str]) -> set[str]:
    """Of these token hashes, those whose access still lasts (the push hub asks about its open sockets)."""
    wanted = list(token_hashes)
    if not wanted:
        return set()
    stmt = (select(Token.token_hash).join(User, Token.user_id == User.id)
            .where(Token.token_hash.in_(wanted), _valid(utcnow())))
    return set(await session.scalars(stmt))


def token_checker(engine: AsyncEngine) -> Callable[[set[str]], Awaitable[set[str]]]:
    """``still_valid`` in a session of its own, for the push hub's check of its open sockets."""
    sessions = make_sessionmaker(engine)

    async def check(token_hashes: set[str]) -> set[str]:
        async with sessions() as session:
            return await still_valid(session, token_hashes)
    return check
