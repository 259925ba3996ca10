"""``hotline recordings status|analyse``: the voice-activity analysis queue for operators.

``status`` prints the jobs per state and the newest failed ones with their errors. ``analyse`` enqueues calls for
analysis under the current analyser version and profile (``--since``: calls whose legs were finalised since then;
``--call``: those calls) and with ``--failed`` queues the failed jobs again; a running service takes the new jobs
at its next look at the queue (``HOTLINE_ANALYSIS_POLL_SECONDS``). A call analysed under the current key already
is not enqueued again (the key is unique).
"""
from __future__ import annotations

import argparse
import asyncio

from core.db import make_engine
from core.policy import load_profile
from core.settings import Settings
from hotline.commands.audit import aware_time
from recording import AnalysisQueue, enqueue_finalised, queue_summary

STATES = ("queued", "running", "done", "failed", "skipped")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("status", help="analysis jobs per state, and the newest failed ones with their errors")
    analyse = sub.add_parser("analyse", help="enqueue calls for analysis under the current analyser and profile")
    analyse.add_argument("--since", type=aware_time, help="calls whose legs were finalised since this ISO time "
                                                           "with an offset, e.g. 2026-01-05T00:00+02:00")
    analyse.add_argument("--call", action="append", default=[], metavar="CALL_ID", help="this call (repeatable)")
    analyse.add_argument("--failed", action="store_true", help="queue the failed jobs again")


async def _status(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        counts, failed = await queue_summary(engine)
    finally:
        await engine.dispose()
    lines = ["  ".join(f"{state} {counts.get(state, 0)}" for state in STATES)]
    lines += [f"failed job {job_id} (call {call_id}, {attempts} attempts): {error}"
              for job_id, call_id, attempts, error in failed]
    return lines


async def _analyse(url: str, settings: Settings, args: argparse.Namespace) -> list[str]:
    engine = make_engine(url)
    queue = AnalysisQueue(engine, load_profile(settings.profile).analysis)
    lines = []
    try:
        if args.failed:
            lines.append(f"queued again: {await queue.requeue_failed('cli')} failed job(s)")
        if args.since is not None or args.call:
            states = await enqueue_finalised(queue, since=args.since, call_ids=args.call or None, actor="cli")
            lines.append(f"enqueued: {states.count('queued')} call(s), skipped (a leg not ready): "
                         f"{states.count('skipped')}")
    finally:
        await engine.dispose()
    return lines


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    url = settings.resolved_database_url()
    if args.action == "status":
        lines = asyncio.run(_status(url))
    elif not (args.failed or args.since or args.call):
        raise ValueError("say what to analyse: --since TIME, --call CALL_ID or --failed")
    else:
        lines = asyncio.run(_analyse(url, settings, args))
    for line in lines:
        print(line)
    return 0
