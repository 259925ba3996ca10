"""``hotline demo``: place simulated demo traffic on the sandbox PBX without running the service."""
from __future__ import annotations

import argparse
import asyncio
import logging

from core.policy import load_profile
from core.settings import Settings
from hotline.demo import run_demo_traffic
from hotline.service import ami_config
from telephony import AmiClient


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--interval", type=float, default=8.0, help="mean seconds between calls")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to place calls")


async def _demo(args: argparse.Namespace) -> None:
    settings = Settings()
    ami = AmiClient(ami_config(settings))
    await ami.start()
    try:
        await ami.wait_connected(15)
        task = asyncio.create_task(run_demo_traffic(ami, load_profile(settings.profile).public_number, args.interval))
        await asyncio.sleep(args.seconds)
        task.cancel()
    finally:
        await ami.stop()


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level="INFO")
    asyncio.run(_demo(args))
    return 0
