"""The whole service as ``hotline run`` starts it (``hotline.service.build_service``: every part, every bus
subscriber, the web server, the IVR's FastAGI server, the callback dialer), aimed at a benchmark's AMI replay
server instead of a PBX, and what it committed (benchmarks only).

Only addresses differ from ``hotline run``: the AMI peer is the replay server, the database a fresh one, the HTTP
and FastAGI ports free ones, and the files it would write for a PBX (SIP endpoints include, CDR file, prompts) go to
a temporary directory. The demo agents 101-104 are in the directory, as after ``hotline run --demo``'s seeding, so
agent state, ring-out enforcement and queue membership have employees to act on.
"""
from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from sqlalchemy import func, select

from core.db import make_sessionmaker
from core.settings import Settings
from hotline.auth.service import create_user
from hotline.demo import seed_demo_employees
from hotline.service import HotlineService, build_service
from telephony.agents.models import AgentHistoryRow
from telephony.callbacks.models import CallbackHistoryRow, CallbackSkipRow, CallbackTaskRow
from telephony.calls.models import CallRow, CallStateRow
from telephony.rings.models import CallRingRow

BENCH_SECRET = "bench-replay-secret"   # the replay server accepts any login; AmiConfig wants one
EXTENSIONS = ("101", "102", "103", "104")   # the demo agents, the recorded stream's queue members


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def bench_settings(tmp: Path, database_url: str, ami_port: int) -> Settings:
    http_port, agi_port = free_ports(2)
    (tmp / "pbx").mkdir(exist_ok=True)   # the directory the PBX would include (it exists on a real one)
    return Settings(var_dir=tmp, database_url=database_url, ami_host="127.0.0.1", ami_port=ami_port,
                    ami_username="bench", ami_secret=BENCH_SECRET, http_port=http_port, agi_port=agi_port,
                    pbx_config_dir=tmp / "pbx", pbx_cdr_file=tmp / "pbx" / "hotline-calls.csv",
                    prompts_dir=tmp / "prompts", pbx_prompts_dir=str(tmp / "prompts"),
                    pbx_instance=f"bench-{os.getpid()}")


@dataclass(frozen=True)
class Committed:
    """Rows in the database after a run: what the events caused, counted where it is stored."""

    calls: int = 0
    call_states: int = 0
    rings: int = 0
    callback_tasks: int = 0
    callback_history: int = 0
    callback_skips: int = 0
    agent_history: int = 0

    def __sub__(self, other: Committed) -> Committed:
        return Committed(*(a - b for a, b in zip(astuple(self), astuple(other))))

    def times(self, n: int) -> Committed:
        return Committed(*(a * n for a in astuple(self)))

    def same_calls_and_callbacks(self, other: Committed) -> bool:
        """Equal but for the agent history (the agents' state carries over from one repetition to the next)."""
        return astuple(self)[:-1] == astuple(other)[:-1]

    def describe(self) -> str:
        return ", ".join(f"{f.name.replace('_', ' ')} {getattr(self, f.name):,}" for f in fields(self))


TABLES = (CallRow, CallStateRow, CallRingRow, CallbackTaskRow, CallbackHistoryRow, CallbackSkipRow, AgentHistoryRow)


async def committed(service: HotlineService) -> Committed:
    async with service.engine.connect() as conn:
        return Committed(*[(await conn.execute(select(func.count()).select_from(table))).scalar_one()
                           for table in TABLES])


async def client_tokens(engine, agents: int, supervisors: int) -> list[str]:
    """Bearer tokens for the WebSocket clients: agents spread over the demo extensions, then supervisors."""
    tokens = []
    async with make_sessionmaker(engine)() as session:
        for n in range(agents):
            _, token = await create_user(session, f"agent-{n}", "agent", extension=EXTENSIONS[n % len(EXTENSIONS)])
            tokens.append(token)
        for n in range(supervisors):
            _, token = await create_user(session, f"supervisor-{n}", "supervisor")
            tokens.append(token)
        await session.commit()
    return tokens


@asynccontextmanager
async def running_service(settings: Settings) -> AsyncIterator[HotlineService]:
    """The started service, connected to the replay server, its first resync done, the demo agents seeded."""
    service = build_service(settings)
    await service.start()
    try:
        await seed_demo_employees(service.directory, service.profile)
        await service.ami.wait_connected(30)
        await service.telephony.directory_changed()
        async with asyncio.timeout(30):
            while service.telephony.calls.handler.resyncs == 0:
                await asyncio.sleep(0.01)
        yield service
    finally:
        await service.stop()
