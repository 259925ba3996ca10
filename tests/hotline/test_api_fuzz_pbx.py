"""The API keeps its spec: schemathesis (every check it calls "all") against the whole running service, once per
role with a token of that role, with a fixed seed and a random one (printed, to replay a failure): no server error,
no status the spec does not declare, no schema-valid request refused.

Left out, said here rather than silently: ``GET /ws`` (a WebSocket upgrade, not an HTTP JSON exchange; its
statuses are checked in tests/hotline/test_ws.py). ``POST /api/me/token`` runs in a run of its own, after the
others: it revokes the token the run sends, so every later case would be a 401.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import sys
from pathlib import Path

import pytest

from core.db import make_sessionmaker
from hotline.auth.service import create_user, issue_token
from hotline.pbx.render import DEMO_AGENTS
from tests.service_fixture import running_service

# six roles, a fixed seed over every phase and a random one: about 5 minutes on 2 cores, over the suite's 300 s
# hang guard (pyproject.toml), which exists to stop a stuck test, not a long one
pytestmark = [pytest.mark.pbx, pytest.mark.fuzz, pytest.mark.timeout(900)]

FIXED_SEED = 20261201
MAX_EXAMPLES = 8   # per operation and phase: about 1 700 cases a role with the fixed seed, 400 with the random
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CONFIG = Path(__file__).with_name("schemathesis.toml")
RENEW = "/api/me/token"
EXCLUDED = ["/ws"]
# admin last: its directory imports may deactivate the employees the other roles' scopes come from
ROLES = [("agent", DEMO_AGENTS[0]), ("supervisor", None), ("qa", None), ("dpo", None), ("wallboard", None),
         ("admin", None)]


async def tokens_per_role(service) -> dict[str, str]:
    tokens = {}
    async with make_sessionmaker(service.engine)() as session:
        for role, extension in ROLES:
            _, tokens[role] = await create_user(session, f"fuzz-{role}", role, extension=extension)
        await session.commit()
    return tokens


async def seed_callbacks(running) -> None:
    """A few tasks so that small ids (what the fuzzer tries first) name something."""
    agreed = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    for number in ("+37060000101", "+37060000102", "+37060000103"):
        async with running.http.post("/api/callbacks", json={"number": number, "agreed_at": agreed}) as response:
            assert response.status == 201, await response.text()


async def schemathesis_run(base_url: str, token: str, seed: int, report: Path, *options: str) -> dict:
    """One ``schemathesis run`` of every check; returns its JSON report (cases, failures)."""
    args = ["--config-file", str(CONFIG), "run", f"{base_url}/api/openapi.json", "--checks", "all", "--seed",
            str(seed), "-n", str(MAX_EXAMPLES), "-w", "1", "--max-redirects", "0", "--generation-database", "none",
            "--no-color", "-H", f"Authorization: Bearer {token}", "--report", "json", "--report-json-path",
            str(report), *options]
    process = await asyncio.create_subprocess_exec(SCHEMATHESIS, *args, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.STDOUT, cwd=report.parent)
    output, _ = await process.communicate()
    report.with_suffix(".txt").write_bytes(output)   # the failures with their curl lines, for the reader
    result = json.loads(report.read_text())
    cases = result["test_cases"]
    print(f"{report.stem}: rc {process.returncode}, {cases['generated']} cases, {cases['unique_failures']} failures, "
          f"{result['running_time']:.1f} s")
    return {"rc": process.returncode, "failures": [(f["code"], f["title"], f["operations"])
                                                    for f in result["failures"]], "errors": result["errors"],
            "output": report.with_suffix(".txt")}


async def fresh_tokens(service) -> dict[str, str]:
    """New tokens for the roles whose tokens the renewal run revoked."""
    async with make_sessionmaker(service.engine)() as session:
        tokens = {role: await issue_token(session, f"fuzz-{role}") for role, _ in ROLES}
        await session.commit()
    return tokens


async def test_every_role_gets_only_declared_statuses_no_server_error_and_valid_requests_served(pbx, tmp_path):
    # the fixed seed runs every phase; the random one (printed below, to replay) fuzzes again where it is random
    runs = [(FIXED_SEED, "examples,coverage,fuzzing,stateful"), (random.SystemRandom().randrange(2**32), "fuzzing")]
    failed = []
    async with running_service(pbx, tmp_path) as running:
        await seed_callbacks(running)
        tokens = await tokens_per_role(running.service)
        base_url = running.service.base_url
        for seed, phases in runs:
            for role, _ in ROLES:
                result = await schemathesis_run(base_url, tokens[role], seed, tmp_path / f"{role}-{seed}.json",
                                                "--phases", phases,
                                                *(f"--exclude-path={path}" for path in [*EXCLUDED, RENEW]))
                if result["rc"] != 0:
                    failed.append((role, seed, result))
            for role, _ in ROLES:   # the renewal last: it revokes each role's token
                result = await schemathesis_run(base_url, tokens[role], seed, tmp_path / f"renew-{role}-{seed}.json",
                                                "--phases", phases, f"--include-path={RENEW}")
                if result["rc"] != 0:
                    failed.append((role, seed, result))
            tokens = await fresh_tokens(running.service)
    assert not failed, "\n".join(
        f"{role}, seed {seed} (replay: schemathesis run --seed {seed}): {result['failures']} {result['errors']}; "
        f"see {result['output']}" for role, seed, result in failed)
