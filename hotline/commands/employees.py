"""``hotline employees import FILE.csv|FILE.json`` and ``hotline employees list``: the employee directory.

An import is all-or-nothing: a bad row stops it with the row and field named, and nothing is stored. A running
service applies the new directory to the PBX on its next (re)connect; ``POST /api/employees`` applies it at once.
"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import json
from pathlib import Path

from core.db import make_engine
from core.policy import load_profile
from core.settings import Settings
from directory import DirectoryError, EmployeeDirectoryService, parse_csv, validate_rows
from hotline.migrate import upgrade


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    importing = sub.add_parser("import", help="create or update employees from a CSV or JSON file")
    importing.add_argument("file", type=Path, help="CSV with a header row, or a JSON list of objects")
    sub.add_parser("list", help="list employees (extension, name, unit, competences, active)")


def read_rows(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        try:
            rows = json.loads(text)
        except ValueError as exc:
            raise DirectoryError(f"{path}: not valid JSON: {exc}") from None
        if not isinstance(rows, list):
            raise DirectoryError(f"{path}: expected a JSON list of employees")
        return rows
    return parse_csv(text)


async def _run(args: argparse.Namespace) -> list[str]:
    settings = Settings()
    url = settings.resolved_database_url()
    await upgrade(url)
    engine = make_engine(url)
    directory = EmployeeDirectoryService(engine)
    try:
        if args.action == "import":
            rows = await asyncio.to_thread(read_rows, args.file)
            profile = load_profile(settings.profile)
            employees = validate_rows(rows, [queue.name for queue in profile.queues])
            result = await directory.upsert(employees, actor=f"cli:{getpass.getuser()}")
            return [f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"]
        return [f"{e.extension}\t{e.name}\t{e.unit}\t{','.join(e.competences)}\t"
                f"{'active' if e.active else 'inactive'}" for e in await directory.list_employees()]
    finally:
        await engine.dispose()


def run(args: argparse.Namespace) -> int:
    for line in asyncio.run(_run(args)):
        print(line)
    return 0
