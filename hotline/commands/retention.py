"""``hotline retention purge [--dry-run]``: run the retention purge once now (the service runs it every
``HOTLINE_RETENTION_PURGE_SECONDS``). ``--dry-run`` changes nothing and prints how many of each kind the purge
would take, and how many restricted recordings it keeps. Only counts are printed, never a number or an id.

The progress bar (rich) goes to stderr; without a terminal there it draws nothing, and the counts still print.
"""
from __future__ import annotations

import argparse
import asyncio

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

import recording
from core.clock import utcnow
from core.db import make_engine
from core.policy import load_profile
from core.settings import Settings
from hotline import migrate
from hotline.recording_store import recording_stores
from hotline.retention import build_purge


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    purge = sub.add_parser("purge", help="delete what is past the profile's [retention] periods, leaving tombstones")
    purge.add_argument("--dry-run", action="store_true", help="change nothing; print the counts per kind")


async def _purge(settings: Settings, dry_run: bool, console: Console) -> dict[str, int]:
    url = settings.resolved_database_url()
    await migrate.upgrade(url)
    engine = make_engine(url)
    stores = recording_stores(settings)   # the service's own: with an object store, its copies go too
    try:
        purge = build_purge(engine, stores.store, settings, load_profile(settings.profile))
        now = utcnow()
        plan = await purge.plan(now)
        if dry_run:
            return plan
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=console, transient=False) as progress:
            tasks = {kind: progress.add_task(kind, total=total) for kind, total in plan.items()
                     if kind != recording.RESTRICTED_KEPT}
            return await purge.run(now, lambda kind, done: progress.advance(tasks[kind], done))
    finally:
        await stores.stop()
        await engine.dispose()


def run(args: argparse.Namespace) -> int:
    counts = asyncio.run(_purge(Settings(), args.dry_run, Console(stderr=True)))
    print("retention purge" + (" (dry run: nothing changed)" if args.dry_run else ""))
    for kind, count in counts.items():
        print(f"{kind}\t{count}")
    return 0
