"""``hotline users create|token|list|revoke``: manage API users and print bearer tokens (shown once, never stored)."""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt

from sqlalchemy import select

from core.db import make_engine, make_sessionmaker
from core.settings import Settings
from hotline.auth.models import Role, User
from hotline.auth.service import (DEFAULT_TOKEN_LIFETIME, UserExists, create_user, issue_token, list_users,
                                  revoke_tokens)
from hotline.migrate import upgrade

MAX_TOKEN_HOURS = 744   # a month: a wall screen's token, renewed by hand


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    create = sub.add_parser("create", help="add a user and print its first token")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--extension", help="the agent's phone extension")
    create.add_argument(
        "--exist-ok", action="store_true",
        help="if the user exists with this role, print a new token instead of failing",
    )
    create.add_argument("name")
    token = sub.add_parser("token", help="print a new token for an existing user")
    token.add_argument("name")
    for action in (create, token):
        action.add_argument("--hours", type=_lifetime_hours, default=DEFAULT_TOKEN_LIFETIME.total_seconds() / 3600,
                            help="how long the token works (default 12; at most 744, a month); its holder "
                                 "renews it with POST /api/me/token")
    sub.add_parser("list", help="list users, roles and live token counts")
    revoke = sub.add_parser("revoke", help="revoke every token of a user")
    revoke.add_argument("name")


def _lifetime_hours(text: str) -> float:
    hours = float(text)
    if not 0 < hours <= MAX_TOKEN_HOURS:
        raise argparse.ArgumentTypeError(f"a token lives more than 0 and at most {MAX_TOKEN_HOURS} hours")
    return hours


def _lifetime(args: argparse.Namespace) -> dt.timedelta:
    return dt.timedelta(hours=args.hours)


async def _create(session, args: argparse.Namespace) -> str:
    try:
        _, token = await create_user(session, args.name, args.role, args.extension, _lifetime(args))
    except UserExists:
        if not args.exist_ok:
            raise
        role = await session.scalar(select(User.role).where(User.name == args.name))
        if role != args.role:
            raise UserExists(f"user {args.name!r} exists with role {role!r}, not {args.role!r}") from None
        token = await issue_token(session, args.name, _lifetime(args))
    return token


async def _run(args: argparse.Namespace) -> list[str]:
    url = Settings().resolved_database_url()
    await upgrade(url)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            if args.action == "create":
                lines = [await _create(session, args)]
            elif args.action == "token":
                lines = [await issue_token(session, args.name, _lifetime(args))]
            elif args.action == "revoke":
                lines = [f"revoked {await revoke_tokens(session, args.name)} token(s) of {args.name}"]
            else:
                lines = [
                    f"{user.name}\t{user.role}\t{user.extension or '-'}\t"
                    f"{'active' if user.active else 'inactive'}\t{live} live token(s)"
                    for user, live in await list_users(session)
                ]
            await session.commit()
    finally:
        await engine.dispose()
    return lines


def run(args: argparse.Namespace) -> int:
    # Output only after the commit: a printed token always works.
    for line in asyncio.run(_run(args)):
        print(line)
    return 0
