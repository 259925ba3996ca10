"""``hotline audit verify|show``: check the audit trail's hash chain; list its rows for the DPO.

``verify`` exits 0 with the row count and the head hash when every row holds, and 3 naming the first row that does
not (changed, deleted, inserted out of chain, or rows missing after the last). Write the head hash down elsewhere
from time to time: a chain cut short together with its head row is only found against such a copy.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys

from core.db import make_engine
from core.settings import Settings
from hotline.audit import AuditTrail, Verdict, verify
from hotline.auth.service import NAME_PATTERN

BROKEN = 3   # 1 is any other error of the CLI (hotline/cli.py)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("verify", help="walk the hash chain: exit 0 when intact, 3 naming the first broken row")
    show = sub.add_parser("show", help="list audit rows, newest first")
    show.add_argument("--since", type=aware_time, help="ISO time with an offset, e.g. 2026-01-05T08:00+02:00")
    show.add_argument("--actor", type=_user_name, help="only this user's rows")
    show.add_argument("--limit", type=_limit, default=100, help="at most this many rows (1-1000, default 100)")


def aware_time(text: str) -> dt.datetime:
    """An argparse type: an ISO time that carries its offset (a naive one would depend on the host's zone)."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("an ISO time with an offset, e.g. 2026-01-05T08:00+02:00") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("give the time's offset (e.g. +02:00 or Z)")
    return value


def _user_name(text: str) -> str:
    if not NAME_PATTERN.fullmatch(text):
        raise argparse.ArgumentTypeError("a user name: letters, digits and . _ @ -, at most 64")
    return text


def _limit(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError("from 1 to 1000")
    return value


async def _verify(url: str) -> Verdict:
    engine = make_engine(url)
    try:
        return await verify(engine)
    finally:
        await engine.dispose()


async def _show(url: str, args: argparse.Namespace) -> list[str]:
    engine = make_engine(url)
    try:
        rows = await AuditTrail(engine).entries(since=args.since, actor=args.actor, limit=args.limit)
    finally:
        await engine.dispose()
    return [f"{r.id}\t{r.at.isoformat()}\t{r.actor_name}\t{r.actor_role}\t{r.action}\t{r.method} {r.route}\t"
            f"{r.resources}\t{r.query}\t{'attempt' if r.status is None else r.status}\t{r.purpose}" for r in rows]


def run(args: argparse.Namespace) -> int:
    url = Settings().resolved_database_url()
    if args.action == "show":
        for line in asyncio.run(_show(url, args)):
            print(line)
        return 0
    verdict = asyncio.run(_verify(url))
    if verdict.intact:
        print(f"audit trail intact: {verdict.count} rows, head {verdict.head_hash}")
        return 0
    print(f"audit trail broken at row {verdict.broken_at}: {verdict.problem} "
          f"({verdict.count} rows hold before it)", file=sys.stderr)
    return BROKEN
