"""The ``hotline`` command: one sub-command module per job under ``hotline/commands/``."""
from __future__ import annotations

import argparse
import importlib
import sys

# sub-command name -> module in hotline.commands exposing add_arguments(parser) and run(args) -> int
COMMANDS = {
    "run": "Run the service (AMI, FastAGI, web) against the configured PBX",
    "pbx": "Build, start, stop and inspect the local sandbox Asterisk",
    "users": "Create users and print their bearer tokens",
    "db": "Database migrations (Alembic)",
    "demo": "Place simulated demo traffic on the sandbox PBX",
    "employees": "Import and list the employee directory (CSV or JSON)",
    "agents": "Log agents in and out, pause and unpause them, and show their history",
    "phones": "The employees' SIP accounts: provision, rotate and revoke passwords (each shown once)",
    "prompts": "Synthesise the profiles' prompts (the consent announcement first) into the cache at install time",
    "retention": "The retention purge: delete what is past the profile's periods (--dry-run: counts only)",
    "audit": "The audit trail of API writes and personal-data reads: verify its hash chain, show its rows",
    "recordings": "The recordings' voice-activity analysis queue: its state, and re-running analysis",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotline", description="Public-service hotline beside Asterisk")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in COMMANDS.items():
        module = importlib.import_module(f"hotline.commands.{name}")
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command_parser)
        command_parser.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._module.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clear one-line error for the operator; details with HOTLINE_DEBUG=1
        if __import__("os").environ.get("HOTLINE_DEBUG"):
            raise
        print(f"hotline {args.command}: error: {exc}", file=sys.stderr)
        return 1
