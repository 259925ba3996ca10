"""``/api/callbacks``: callback tasks (why, for whom, when due, how far along); numbers masked per role.

Listing only for now (issue 5 stores the tasks the IVR asks for); creating agreed-time tasks, cancelling and
rescheduling come with the dialer (issue 6). Agents see the tasks addressed to their own extension.
"""
from __future__ import annotations

import datetime as dt

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hotline.auth.models import Role
from hotline.web.auth import principal_of
from hotline.web.masking import present_number
from hotline.web.routes import ApiRouter, query_of
from telephony.callbacks import CallbackFilter, CallbackReason, CallbackService, CallbackState, CallbackTask


class CallbacksQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: CallbackState | None = None
    reason: CallbackReason | None = None
    extension: str | None = Field(None, pattern=r"^[0-9]{2,8}$", description="tasks for one employee")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class CallbackOut(BaseModel):
    id: int
    number: str | None
    state: str
    reason: str = Field(..., description="the first reason asked for")
    reasons: list[str] = Field(..., description="every reason merged into this task, in order")
    due_at: dt.datetime
    attempts: int
    call_id: str | None
    queue: str | None
    extension: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


def present(task: CallbackTask, role: str) -> CallbackOut:
    return CallbackOut(id=task.id, number=present_number(task.number, role), state=task.state,
                       reason=task.reasons[0], reasons=list(task.reasons), due_at=task.due_at,
                       attempts=task.attempts, call_id=task.call_id, queue=task.queue, extension=task.extension,
                       created_at=task.created_at, updated_at=task.updated_at)


def register_routes(router: ApiRouter, *, callbacks: CallbackService) -> None:
    async def list_callbacks(request: web.Request) -> list[CallbackOut]:
        query: CallbacksQuery = query_of(request)
        principal = principal_of(request)
        extension = query.extension
        if principal.role == Role.AGENT:  # an agent sees the tasks addressed to them, nobody else's
            extension = principal.extension or "-"
        tasks = await callbacks.list(CallbackFilter(
            state=query.state.value if query.state else None, reason=query.reason.value if query.reason else None,
            extension=extension, limit=query.limit, offset=query.offset))
        return [present(task, principal.role) for task in tasks]

    router.get("/api/callbacks", list_callbacks, summary="Callback tasks, soonest due first", query=CallbacksQuery,
               roles=["agent", "supervisor", "admin"], response=list[CallbackOut], tags=["callbacks"])
