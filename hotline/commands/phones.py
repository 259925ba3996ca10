"""``hotline phones provision [EXT ...]``, ``rotate EXT``, ``revoke EXT``, ``history EXT``: the employees' SIP
accounts. A new password is printed once, here, and never again: only its digest is stored (in the database and in
the PBX's endpoints). After a change the endpoints are rewritten and PJSIP reloaded when the PBX answers;
otherwise the running service (or the next command) does it at its next connect.
"""
from __future__ import annotations

import argparse
import asyncio
import getpass

from core import dialplan
from core.ports import PBX_ERRORS
from core.db import make_engine
from core.settings import Settings
from directory import EmployeeDirectoryService
from hotline.migrate import upgrade
from hotline.pbx.paths import includes_dir
from hotline.service import ami_config
from telephony import AmiClient, EndpointSync, PhoneAccounts, PhonesError

CONNECT_SECONDS = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    provision = sub.add_parser("provision", help="a SIP password for every active employee without one (or for "
                                                 "the extensions given); each is shown once")
    provision.add_argument("extensions", nargs="*")
    sub.add_parser("rotate", help="a new SIP password for one employee; the old one stops working").add_argument(
        "extension")
    sub.add_parser("revoke", help="remove an employee's SIP account (their phone can no longer register)"
                   ).add_argument("extension")
    sub.add_parser("history", help="when an employee's SIP account was created, rotated or revoked, and by whom"
                   ).add_argument("extension")


async def _run(args: argparse.Namespace) -> list[str]:
    settings = Settings()
    url = settings.resolved_database_url()
    await upgrade(url)
    engine = make_engine(url)
    directory = EmployeeDirectoryService(engine)
    accounts = PhoneAccounts(engine, directory, dialplan.SIP_REALM)
    by = f"cli:{getpass.getuser()}"
    try:
        if args.action == "history":
            return [f"{change.at.isoformat()}\t{change.action}\t{change.by}"
                    for change in await accounts.history(args.extension)]
        if args.action == "provision":
            passwords = await accounts.provision(by, args.extensions or None)
            lines = [f"{extension}\t{password}" for extension, password in passwords.items()]
            lines = lines or ["every active employee already has a SIP account"]
        elif args.action == "rotate":
            lines = [f"{args.extension}\t{await accounts.rotate(args.extension, by)}"]
        else:
            await accounts.revoke(args.extension, by)
            lines = [f"{args.extension}\trevoked"]
        lines.append(await _apply(settings, accounts, directory))
        return lines
    finally:
        await engine.dispose()


async def _apply(settings: Settings, accounts: PhoneAccounts, directory: EmployeeDirectoryService) -> str:
    """Rewrite the endpoints and reload PJSIP; a PBX that is down gets them at the service's next connect."""
    ami = AmiClient(ami_config(settings))
    sync = EndpointSync(accounts, directory, includes_dir(settings), ami)
    try:
        await ami.start()
        await ami.wait_connected(CONNECT_SECONDS)
        await sync.apply()
        return "PBX endpoints updated"
    except (*PBX_ERRORS, OSError, TimeoutError) as exc:
        return f"PBX not reached ({type(exc).__name__}): the endpoints follow at the service's next connect"
    finally:
        await ami.stop()


def run(args: argparse.Namespace) -> int:
    try:
        lines = asyncio.run(_run(args))
    except PhonesError as exc:
        print(f"error: {exc}")
        return 2
    for text in lines:
        print(text)
    return 0
