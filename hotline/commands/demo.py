"""``hotline demo``: place demo callers on the sandbox's SIP network without running the service (its softphones
answer only while ``hotline run --demo`` runs them)."""
from __future__ import annotations

import argparse
import asyncio
import logging

from core.policy import load_profile
from core.settings import Settings
from hotline.demo import network_sender, run_demo_traffic


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--interval", type=float, default=8.0, help="mean seconds between calls")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to place calls")


async def _demo(args: argparse.Namespace) -> None:
    settings = Settings()
    task = asyncio.create_task(run_demo_traffic(network_sender(settings), load_profile(settings.profile).public_number,
                                                args.interval))
    await asyncio.sleep(args.seconds)
    task.cancel()


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level="INFO")
    asyncio.run(_demo(args))
    return 0
