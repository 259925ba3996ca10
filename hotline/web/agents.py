"""``/api/agents``: every queue agent's live state (for supervisors and the wallboard)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from aiohttp import web
from pydantic import BaseModel

from telephony import AgentView


class AgentOut(BaseModel):
    extension: str
    interface: str
    state: str
    reason: str
    queues: list[str]
    since: dt.datetime


def register_routes(router, *, agents: Callable[[], Sequence[AgentView]]) -> None:
    async def list_agents(_request: web.Request) -> list[AgentOut]:
        return [AgentOut(extension=a.extension, interface=a.interface, state=a.state.value, reason=a.reason,
                         queues=list(a.queues), since=a.since) for a in agents()]

    router.get("/api/agents", list_agents, summary="Agents with their state (available, paused, ringing, ...)",
               roles=["supervisor", "admin"], response=list[AgentOut], tags=["agents"])
