"""``/api/agents``: every queue agent's live state (for supervisors and the wallboard), and what people do to an
agent's availability: log in and out, pause with a reason, unpause, and the history of it all.

Admins change anyone, supervisors their unit's agents (a supervisor unpauses an agent the ring-out rule paused),
an agent only themselves (``hotline.web.role_matrix``). The change goes to the PBX at once; the state in
``/api/agents`` follows from the PBX's events.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from core.ports import PBX_ERRORS, PbxUnavailable
from hotline.web.auth import principal_of
from hotline.web.params import EXTENSION
from hotline.web.routes import ApiRouter, body_of, path_of
from hotline.web.scopes import require_extension_in_scope, scope_of
from telephony import AgentChange, AgentControl, AgentNotFound, AgentView, InvalidAgentChange

log = logging.getLogger(__name__)


class AgentOut(BaseModel):
    extension: str
    interface: str
    state: str
    reason: str
    queues: list[str]
    since: dt.datetime


class AgentPath(BaseModel):
    extension: str = Field(..., pattern=EXTENSION)


class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(..., min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_. -]+$",
                        description="why, e.g. lunch, training, after_call_work (shown on the wallboard)")


class ChangeOut(BaseModel):
    extension: str
    at: dt.datetime
    action: str = Field(..., description="pause or unpause")
    reason: str
    by: str = Field(..., description="the user who made the change")
    applied_to_pbx: bool = Field(True, description="false: recorded, and applied once the PBX is reachable")


def _change_out(change: AgentChange, applied_to_pbx: bool = True) -> ChangeOut:
    return ChangeOut(extension=change.extension, at=change.at, action=change.action, reason=change.reason,
                     by=change.by, applied_to_pbx=applied_to_pbx)


async def _nothing() -> None:
    return None


async def _allowed_extension(request: web.Request) -> str:
    """The agent in the path, if this user may see or change them (the role matrix: an agent themselves, a
    supervisor their unit's, an admin anyone)."""
    extension = path_of(request).extension
    await require_extension_in_scope(request, extension)
    return extension


def register_routes(router: ApiRouter, *, agents: Callable[[], Sequence[AgentView]], control: AgentControl,
                    apply_membership: Callable[[], Awaitable[object]] = _nothing) -> None:
    """``apply_membership``: makes the PBX's queue members what the directory and the logins say, at once (a PBX
    that is down gets it at its next login: the change is in the history already)."""
    async def list_agents(request: web.Request) -> list[AgentOut]:
        scope = await scope_of(request)
        return [AgentOut(extension=a.extension, interface=a.interface, state=a.state.value, reason=a.reason,
                         queues=list(a.queues), since=a.since)
                for a in agents() if scope is None or a.extension in scope.extensions]

    async def pause(request: web.Request) -> ChangeOut:
        extension = await _allowed_extension(request)
        return _change_out(await control.pause(extension, body_of(request).reason, principal_of(request).name))

    async def unpause(request: web.Request) -> ChangeOut:
        extension = await _allowed_extension(request)
        return _change_out(await control.unpause(extension, principal_of(request).name))

    async def applied(change: AgentChange) -> ChangeOut:
        try:
            await apply_membership()
        except PBX_ERRORS as exc:   # recorded: the membership check after the PBX's next login applies it
            log.warning("agent %s: %s recorded, not applied to the PBX yet (%s)", change.extension, change.action,
                        type(exc).__name__)
            return _change_out(change, applied_to_pbx=False)
        return _change_out(change)

    async def login(request: web.Request) -> ChangeOut:
        return await applied(await control.login(await _allowed_extension(request), principal_of(request).name))

    async def logout(request: web.Request) -> ChangeOut:
        return await applied(await control.logout(await _allowed_extension(request), principal_of(request).name))

    async def history(request: web.Request) -> list[ChangeOut]:
        return [_change_out(change) for change in await control.history(await _allowed_extension(request))]

    router.map_error(AgentNotFound, 404, "not_found")
    router.map_error(InvalidAgentChange, 400, "invalid_request")
    router.map_error(PbxUnavailable, 503, "pbx_unavailable")
    changes = [AgentNotFound, InvalidAgentChange, PbxUnavailable]
    router.get("/api/agents", list_agents, summary="Agents with their state (available, paused, ringing, ...)",
               response=list[AgentOut], tags=["agents"])
    router.post("/api/agents/{extension}/pause", pause, summary="Pause an agent in every queue, with a reason",
                path_params=AgentPath, body=PauseIn, response=ChangeOut, tags=["agents"], raises=changes)
    router.post("/api/agents/{extension}/unpause", unpause, summary="Unpause an agent in every queue",
                path_params=AgentPath, response=ChangeOut, tags=["agents"], raises=changes)
    router.post("/api/agents/{extension}/login", login, summary="Log an agent in: a member of their queues again",
                path_params=AgentPath, response=ChangeOut, tags=["agents"], raises=changes)
    router.post("/api/agents/{extension}/logout", logout, summary="Log an agent out of every queue",
                path_params=AgentPath, response=ChangeOut, tags=["agents"], raises=changes)
    router.get("/api/agents/{extension}/history", history, summary="Every pause and unpause of an agent, and who",
               path_params=AgentPath, response=list[ChangeOut], tags=["agents"], raises=[AgentNotFound])
