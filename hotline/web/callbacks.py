"""``/api/callbacks``: callback tasks (why, for whom, when due, how far along), their history, and what people do
to them — promise a callback time, schedule a follow-up, cancel, reschedule; ``/api/calls/{id}/dropped`` (an agent
says their call dropped) is a callback request too, so it lives here. Numbers are masked per role.

Who sees which tasks is the role matrix's (``hotline.web.role_matrix``): agents see and follow up the tasks
addressed to their own extension (or that they dialled), and a task they create is always theirs; supervisors see
and change their unit's (its employees' and queues'), and alone cancel or reschedule. A malformed body is a 400
like everywhere; a well-formed one that cannot be kept (unusable number, time in the past) is a 422; a task in
the wrong state is a 409.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.events import CallbackReason, CallbackState
from core.scope import RecordScope
from hotline.web.auth import grant_of, principal_of
from hotline.web.calls import CallPath
from hotline.web.deps import deps_of
from hotline.web.masking import present_number
from hotline.web.params import EXTENSION, MAX_ID, BoundedDatetime, IdPath, PageQuery
from hotline.web.role_matrix import Grant, Records
from hotline.web.routes import ApiRouter, body_of, path_of, query_of
from hotline.web.scopes import scope_of
from telephony import (
    AgreedCallback,
    CallbackAdmin,
    CallbackConflict,
    CallbackDetail,
    CallbackFilter,
    CallbackNotFound,
    CallbackService,
    CallbackTask,
    InvalidCallbackRequest,
    get_call,
)

class CallbacksQuery(PageQuery):
    state: CallbackState | None = None
    reason: CallbackReason | None = None
    extension: str | None = Field(None, pattern=EXTENSION, description="tasks for one employee")


class CallbackIn(BaseModel):
    """A callback at a time agreed with the client: for ``number``, or a follow-up of task ``follow_up_of``."""

    model_config = ConfigDict(extra="forbid")
    agreed_at: BoundedDatetime = Field(..., description="the agreed time, ISO 8601 with offset")
    number: str | None = Field(None, min_length=1, max_length=32, description="the client's number")
    follow_up_of: int | None = Field(None, ge=1, le=MAX_ID,
                                     description="the task whose call this follow-up is agreed in")
    extension: str | None = Field(None, pattern=EXTENSION, description="who calls (agents: always themselves)")
    queue: str | None = Field(None, max_length=64, description="the competence that calls back")
    call_id: str | None = Field(None, max_length=64, pattern=r"^[A-Za-z0-9._-]+$", description="the call it was "
                                                                                              "agreed in")
    note: str | None = Field(None, max_length=500, description="what was promised (shown to the caller-back)")

    @model_validator(mode="after")
    def _one_kind(self) -> "CallbackIn":
        if (self.number is None) == (self.follow_up_of is None):
            raise ValueError("give either number (a new agreed time) or follow_up_of (a follow-up), not both")
        if self.follow_up_of is not None and (self.queue or self.call_id):
            raise ValueError("a follow-up takes its queue and call from the task it follows up")
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        # the spec says what _one_kind checks, so that a request the spec allows is never refused for its shape
        props = handler.resolve_ref_schema(handler(core_schema))["properties"]
        required = {"number": {**props["number"]["anyOf"][0], "description": props["number"]["description"]},
                    "follow_up_of": {**props["follow_up_of"]["anyOf"][0],
                                     "description": props["follow_up_of"]["description"]}}

        def kind(title: str, key: str, *more: str) -> dict[str, Any]:
            names = ["agreed_at", "extension", "note", *more]
            return {"title": title, "type": "object", "additionalProperties": False, "required": ["agreed_at", key],
                    "properties": {key: required[key], **{name: props[name] for name in names}}}

        return {"title": cls.__name__, "description": cls.__doc__,
                "oneOf": [kind("agreed time", "number", "queue", "call_id"), kind("follow-up", "follow_up_of")]}


class RescheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    due_at: BoundedDatetime = Field(..., description="when to call (moved into business hours), ISO 8601 with offset")


class CallbackOut(BaseModel):
    id: int
    number: str | None
    state: str
    reason: str = Field(..., description="the first reason asked for")
    reasons: list[str] = Field(..., description="every reason merged into this task, in order")
    priority: int = Field(..., description="dialling order: 0 dropped, 1 agreed time, 2 missed/abandoned, 3 other")
    due_at: dt.datetime
    agreed_at: dt.datetime | None = Field(None, description="the time promised to the client")
    attempts: int
    call_id: str | None = Field(None, description="the call that first asked for it")
    last_call_id: str | None = Field(None, description="the call the latest try produced")
    queue: str | None
    extension: str | None
    agent: str | None = Field(None, description="the agent of the latest try")
    note: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class CreatedOut(CallbackOut):
    warning: str | None = Field(None, description="e.g. the agreed time is outside business hours (kept)")


class HistoryOut(BaseModel):
    at: dt.datetime
    event: str
    state: str
    reason: str | None
    call_id: str | None


class RequestOut(BaseModel):
    reason: str
    call_id: str | None
    at: dt.datetime


class DetailOut(CallbackOut):
    history: list[HistoryOut]
    requests: list[RequestOut] = Field(..., description="every request merged into the task (reasons: distinct)")


class DroppedOut(BaseModel):
    callback: CallbackOut | None = Field(None, description="the dropped-call task (null: no usable number)")
    skipped: str | None = Field(None, description="why no task, e.g. no_usable_number (recorded with the call)")


def present(task: CallbackTask, grant: Grant) -> CallbackOut:
    return CallbackOut(id=task.id, number=present_number(task.number, grant), state=task.state,
                       reason=task.reasons[0], reasons=list(task.reasons), priority=task.priority,
                       due_at=task.due_at, agreed_at=task.agreed_at, attempts=task.attempts, call_id=task.call_id,
                       last_call_id=task.dial_call_id, queue=task.queue, extension=task.extension, agent=task.agent,
                       note=task.note, created_at=task.created_at, updated_at=task.updated_at)


def present_detail(detail: CallbackDetail, grant: Grant) -> DetailOut:
    return DetailOut(**present(detail.task, grant).model_dump(),
                     history=[HistoryOut(**entry._asdict()) for entry in detail.history],
                     requests=[RequestOut(**vars(request)) for request in detail.requests])


def _visible(task: CallbackTask, scope: RecordScope | None) -> bool:
    return scope is None or scope.holds(extensions=(task.extension, task.agent), queue=task.queue)


def _addressed_within(body: CallbackIn, scope: RecordScope | None) -> None:
    """A unit's supervisor addresses callbacks to their unit's employees and queues only."""
    if scope is None:
        return
    if body.extension and body.extension not in scope.extensions:
        raise InvalidCallbackRequest(f"extension {body.extension} is not in your unit")
    if body.queue and body.queue not in scope.queues:
        raise InvalidCallbackRequest(f"queue {body.queue} is not served by your unit")


def register_routes(router: ApiRouter, *, callbacks: CallbackService, admin: CallbackAdmin) -> None:

    async def visible_task(task_id: int, request: web.Request) -> CallbackTask:
        task = await callbacks.get(task_id)
        if task is None or not _visible(task, await scope_of(request)):
            raise CallbackNotFound(f"no callback task {task_id}")
        return task

    async def list_callbacks(request: web.Request) -> list[CallbackOut]:
        query: CallbacksQuery = query_of(request)
        tasks = await callbacks.list(CallbackFilter(
            state=query.state.value if query.state else None, reason=query.reason.value if query.reason else None,
            extension=query.extension, limit=query.limit, offset=query.offset, scope=await scope_of(request)))
        return [present(task, grant_of(request)) for task in tasks]

    async def get_callback(request: web.Request) -> DetailOut:
        task = await visible_task(path_of(request).id, request)
        return present_detail(await admin.detail(task.id), grant_of(request))

    async def create_callback(request: web.Request) -> CreatedOut:
        body: CallbackIn = body_of(request)
        principal, grant = principal_of(request), grant_of(request)
        own = grant.records is Records.OWN
        extension = principal.extension if own else body.extension
        if own and not extension:
            raise InvalidCallbackRequest("your user has no extension, so a callback cannot be addressed to you; "
                                         "ask an admin to set one")
        if not own:
            _addressed_within(body, await scope_of(request))
        created: AgreedCallback
        if body.follow_up_of is not None:
            try:
                await visible_task(body.follow_up_of, request)
            except CallbackNotFound as exc:
                raise InvalidCallbackRequest(f"follow_up_of: {exc}") from None
            created = await admin.follow_up(body.follow_up_of, body.agreed_at, body.note, extension=extension,
                                            by=principal.name)
        else:
            created = await admin.create_agreed(body.number, body.agreed_at, extension=extension, queue=body.queue,
                                                call_id=body.call_id, note=body.note, by=principal.name)
        task = present(await callbacks.get(created.task_id), grant)
        return CreatedOut(**task.model_dump(), warning=created.warning)

    async def cancel_callback(request: web.Request) -> CallbackOut:
        task = await visible_task(path_of(request).id, request)
        return present(await admin.cancel(task.id, principal_of(request).name), grant_of(request))

    async def reschedule_callback(request: web.Request) -> CallbackOut:
        task = await visible_task(path_of(request).id, request)
        changed = await admin.reschedule(task.id, body_of(request).due_at, principal_of(request).name)
        return present(changed, grant_of(request))

    async def mark_dropped(request: web.Request) -> DroppedOut:
        principal, grant = principal_of(request), grant_of(request)
        call_id = path_of(request).id
        answered_by = (principal.extension or "-") if grant.records is Records.OWN else None
        scope = await scope_of(request)
        if answered_by is None and scope is not None and await get_call(deps_of(request).engine, call_id,
                                                                        scope) is None:
            raise CallbackNotFound(f"no call {call_id} in your unit")
        mark = await admin.mark_call_dropped(call_id, answered_by=answered_by, by=principal.name)
        task = await callbacks.get(mark.task_id) if mark.task_id is not None else None
        return DroppedOut(callback=present(task, grant) if task else None, skipped=mark.skipped)

    router.map_error(CallbackNotFound, 404, "not_found")
    router.map_error(CallbackConflict, 409, "conflict")
    router.map_error(InvalidCallbackRequest, 422, "unprocessable")
    router.get("/api/callbacks", list_callbacks, summary="Callback tasks, soonest due first", query=CallbacksQuery,
               response=list[CallbackOut], tags=["callbacks"], personal_data=True)
    router.get("/api/callbacks/{id}", get_callback, summary="One callback task with its history and requests",
               path_params=IdPath, response=DetailOut, tags=["callbacks"], personal_data=True,
               raises=[CallbackNotFound])
    router.post("/api/callbacks", create_callback, summary="Promise a callback at an agreed time (201)",
                body=CallbackIn, response=CreatedOut, tags=["callbacks"], status=201,
                raises=[InvalidCallbackRequest, CallbackConflict, CallbackNotFound],
                description="Either {number, agreed_at} or {follow_up_of, agreed_at} (a follow-up agreed in the call "
                            "of that task). The dialer may call up to the profile's tolerance early. An agent's "
                            "callback is always addressed to the agent. An agreed time outside business hours is "
                            "kept, with a warning.")
    router.post("/api/callbacks/{id}/cancel", cancel_callback, summary="Cancel a pending or dialing callback",
                path_params=IdPath, response=CallbackOut, tags=["callbacks"],
                raises=[CallbackNotFound, CallbackConflict])
    router.post("/api/callbacks/{id}/reschedule", reschedule_callback, body=RescheduleIn,
                summary="Set a pending or failed callback due again (a failed one gets its tries back)",
                path_params=IdPath, response=CallbackOut, tags=["callbacks"],
                raises=[CallbackNotFound, CallbackConflict, InvalidCallbackRequest])
    router.post("/api/calls/{id}/dropped", mark_dropped, path_params=CallPath,
                summary="Mark an answered call dropped: a callback request for the caller (dropped task)",
                response=DroppedOut, tags=["callbacks", "calls"], raises=[CallbackNotFound, CallbackConflict],
                description="Agents mark only calls they answered. No usable caller number: no task, the reason "
                            "is recorded with the call and returned in `skipped`.")
