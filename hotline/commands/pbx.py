"""``hotline pbx build|up|down|status|render``: the local sandbox Asterisk (settings from HOTLINE_* variables)."""
from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from core import dialplan
from core.db import make_engine
from core.settings import Settings
from directory import EmployeeDirectoryService
from hotline import pbx
from hotline.migrate import upgrade
from hotline.pbx.credentials import effective_secret
from hotline.pbx.render import generated_includes, write_generated
from telephony import ENDPOINTS_FILE, PhoneAccounts, endpoints_conf


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("build", help="build the cached Debian root with Asterisk (once; about a minute)")
    actions.add_parser("up", help="build if needed, configure and start the instance; wait until AMI answers")
    down = actions.add_parser("down", help="stop the Asterisk this instance started")
    down.add_argument("--purge", action="store_true", help="also delete the instance's files (not the root)")
    actions.add_parser("status", help="is the instance running: pid, ports, where the credentials are")
    render = actions.add_parser(
        "render", help="write the include files of a PBX of your own (docker compose, an existing Asterisk): "
                       "AMI user, dialplan globals, queues, SIP transports and trunk; never the sandbox's"
    )
    render.add_argument("out", type=Path, help="directory Asterisk reads as /etc/asterisk/hotline")
    render.add_argument("--production", action="store_true",
                        help="also the agents' SIP endpoints from the database (directory and SIP accounts); "
                             "the running service keeps them current when HOTLINE_PBX_CONFIG_DIR is this "
                             "directory")


async def _endpoints(settings: Settings) -> str:
    url = settings.resolved_database_url()
    await upgrade(url)
    engine = make_engine(url)
    try:
        directory = EmployeeDirectoryService(engine)
        accounts = PhoneAccounts(engine, directory, dialplan.SIP_REALM)
        return endpoints_conf(await directory.list_employees(), await accounts.digests())
    finally:
        await engine.dispose()


def _print_status(state: pbx.SandboxStatus) -> None:
    print(f"instance:    {state.instance}")
    print(f"running:     {'yes, pid ' + str(state.pid) if state.running else 'no'}")
    print(f"AMI:         {state.ami_host}:{state.ami_port}")
    print(f"FastAGI:     agi://127.0.0.1:{state.agi_port}/ivr (served by `hotline run`)")
    print(f"profile:     {state.profile}")
    print(f"credentials: user from HOTLINE_AMI_USERNAME, secret in {state.secret_file} (or HOTLINE_AMI_SECRET)")
    print(f"recordings:  {state.recordings_dir}")
    print(f"log:         {state.log_file}")


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.action == "build":
        print(pbx.build_root(settings))
        return 0
    if args.action == "up":
        _print_status(asyncio.run(pbx.up(settings)))
        return 0
    if args.action == "down":
        stopped = asyncio.run(pbx.down(settings, purge=args.purge))
        print(f"instance {settings.pbx_instance}: {'stopped' if stopped else 'was not running'}")
        return 0
    if args.action == "status":
        state = pbx.status(settings)
        _print_status(state)
        return 0 if state.running else 3  # like `systemctl status`: scripts can test it
    if args.action == "render":
        secret = effective_secret(settings, pbx.instance_paths(settings), create=False)
        if not secret:
            raise ValueError("set HOTLINE_AMI_SECRET: docker compose passes the same secret to Asterisk and hotline")
        if args.production and not (settings.prompts_dir and settings.pbx_prompts_dir):
            raise ValueError("set HOTLINE_PROMPTS_DIR and HOTLINE_PBX_PROMPTS_DIR: where hotline writes the IVR's "
                             "prompts and where your Asterisk reads the same files")
        files = generated_includes(settings, secret)
        if args.production:
            files[ENDPOINTS_FILE] = asyncio.run(_endpoints(settings))
        for path in write_generated(args.out, files):
            print(path)
        return 0
    raise ValueError(f"unknown action {args.action}")
