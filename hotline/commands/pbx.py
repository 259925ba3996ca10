"""``hotline pbx build|up|down|status|render``: the local sandbox Asterisk (settings from HOTLINE_* variables)."""
from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from core.settings import Settings
from hotline import pbx
from hotline.pbx.credentials import effective_secret
from hotline.pbx.render import generated_includes, write_generated


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("build", help="build the cached Debian root with Asterisk (once; about a minute)")
    actions.add_parser("up", help="build if needed, configure and start the instance; wait until AMI answers")
    down = actions.add_parser("down", help="stop the Asterisk this instance started")
    down.add_argument("--purge", action="store_true", help="also delete the instance's files (not the root)")
    actions.add_parser("status", help="is the instance running: pid, ports, where the credentials are")
    render = actions.add_parser(
        "render", help="write the generated include files (ports, AMI user, queues) for docker compose"
    )
    render.add_argument("out", type=Path, help="directory Asterisk reads as /etc/asterisk/hotline")


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
        for path in write_generated(args.out, generated_includes(settings, secret)):
            print(path)
        return 0
    raise ValueError(f"unknown action {args.action}")
