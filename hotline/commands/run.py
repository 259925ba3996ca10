"""``hotline run [--demo]``: run the service until interrupted; with --demo also place sandbox demo traffic."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from core.db import make_sessionmaker
from core.settings import Settings
from hotline.auth.models import Role
from hotline.auth.service import UserExists, create_user, issue_token
from hotline.demo import DemoPhones, network_sender, run_demo_traffic, seed_demo_employees
from hotline.log_privacy import configure_logging
from hotline.service import build_service


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true", help="simulated callers and agents on the sandbox PBX")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


async def _admin_token(engine) -> str:
    """A fresh token for the demo's ``admin`` user (created on first run)."""
    async with make_sessionmaker(engine)() as session:
        try:
            _, token = await create_user(session, "admin", Role.ADMIN)
        except UserExists:
            token = await issue_token(session, "admin")
        await session.commit()
    return token


async def _serve(args: argparse.Namespace) -> None:
    settings = Settings()
    service = build_service(settings)
    await service.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    demo = None
    if args.demo:
        token = await _admin_token(service.engine)
        await seed_demo_employees(service.directory, service.profile)
        await service.ami.wait_connected(30)
        await service.telephony.directory_changed()
        phones = DemoPhones(service.telephony.phones.accounts, service.telephony.phones.endpoints, settings)
        await phones.start()
        demo = asyncio.create_task(run_demo_traffic(network_sender(settings), service.profile.public_number))
        print(f"\nhotline is running: {service.base_url}/api/calls  (profile {service.profile.name})")
        print(f"admin token: {token}")
        print(f"try: curl -H 'Authorization: Bearer {token}' {service.base_url}/api/calls\n", flush=True)
    else:
        print(f"hotline is running: {service.base_url}", flush=True)
    try:
        await stop.wait()
    finally:
        if demo is not None:
            demo.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await demo
            await phones.stop()
        await service.stop()


def run(args: argparse.Namespace) -> int:
    configure_logging(args.log_level)
    asyncio.run(_serve(args))
    return 0
