"""``hotline agents login|logout EXT``, ``hotline agents pause EXT --reason R``, ``hotline agents unpause EXT``,
``hotline agents history EXT``: an agent's availability from the command line (the change goes to the PBX and into
the agent's history as ``cli:<user>``).

It speaks to the PBX over AMI itself, so it works whether the service runs or not; a running service sees the
change in the PBX's events as for a change from the API.
"""
from __future__ import annotations

import argparse
import asyncio
import getpass

from core import dialplan
from core.db import make_engine
from core.policy import load_profile
from core.settings import Settings
from hotline.migrate import upgrade
from directory import EmployeeDirectoryService
from hotline.service import ami_config
from telephony import AgentChange, AgentControl, AmiClient, QueueConfigurator

CONNECT_SECONDS = 15


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    pause = sub.add_parser("pause", help="pause an agent in every queue")
    pause.add_argument("extension")
    pause.add_argument("--reason", required=True, help="why, e.g. lunch or training (shown on the wallboard)")
    unpause = sub.add_parser("unpause", help="unpause an agent in every queue")
    unpause.add_argument("extension")
    for action, text in (("login", "log an agent in: a member of their queues again"),
                         ("logout", "log an agent out of every queue")):
        sub.add_parser(action, help=text).add_argument("extension")
    history = sub.add_parser("history", help="every login, logout, pause and unpause of an agent, and who")
    history.add_argument("extension")


def line(change: AgentChange) -> str:
    return f"{change.at.isoformat()}\t{change.action}\t{change.reason or '-'}\t{change.by}"


async def _run(args: argparse.Namespace) -> list[str]:
    settings = Settings()
    url = settings.resolved_database_url()
    await upgrade(url)
    engine = make_engine(url)
    ami = AmiClient(ami_config(settings))
    template = settings.agent_interface_template
    control = AgentControl(ami, engine, lambda extension: template.format(extension=extension))
    by = f"cli:{getpass.getuser()}"
    try:
        if args.action == "history":
            return [line(change) for change in await control.history(args.extension)]
        await ami.start()
        await ami.wait_connected(CONNECT_SECONDS)
        if args.action == "pause":
            return [line(await control.pause(args.extension, args.reason, by))]
        if args.action == "unpause":
            return [line(await control.unpause(args.extension, by))]
        change = await (control.login if args.action == "login" else control.logout)(args.extension, by)
        queues = QueueConfigurator(ami, EmployeeDirectoryService(engine), load_profile(settings.profile), template,
                                   logged_out=control.logged_out, state_template=dialplan.STATE_INTERFACE_TEMPLATE)
        await queues.apply()
        return [line(change)]
    finally:
        await ami.stop()
        await engine.dispose()


def run(args: argparse.Namespace) -> int:
    for text in asyncio.run(_run(args)):
        print(text)
    return 0
