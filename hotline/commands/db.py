"""``hotline db upgrade|downgrade|current``: apply or roll back Alembic migrations on the configured database."""
from __future__ import annotations

import argparse

from core.settings import Settings
from hotline.migrate import current_sync, downgrade_sync, head_revision, upgrade_sync


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    up = sub.add_parser("upgrade", help="migrate forward (to the newest revision by default)")
    up.add_argument("revision", nargs="?", default="head")
    down = sub.add_parser("downgrade", help="migrate back to REVISION ('base' = empty database)")
    down.add_argument("revision")
    sub.add_parser("current", help="print the database's revision and the newest one")


def run(args: argparse.Namespace) -> int:
    url = Settings().resolved_database_url()
    if args.action == "upgrade":
        upgrade_sync(url, args.revision)
    elif args.action == "downgrade":
        downgrade_sync(url, args.revision)
    now = current_sync(url)
    print(f"database at {now or 'base (empty)'}; newest revision {head_revision()}")
    return 0
