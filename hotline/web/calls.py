"""``/api/calls`` and ``/api/calls/{id}``: calls with their state history, in the reader's scope and with numbers
as their grant shows them (``hotline.web.role_matrix``)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence

from aiohttp import web
from pydantic import BaseModel, Field

from hotline.web.auth import grant_of
from hotline.web.deps import DEPS_KEY
from hotline.web.errors import ApiError
from hotline.web.masking import present_number
from hotline.web.params import RANGE_ERROR, BoundedDatetime, PageQuery, ordered
from hotline.web.role_matrix import Grant
from hotline.web.routes import ApiRouter, path_of, query_of
from hotline.web.scopes import scope_of
from ivr_flows import IvrStepView, ivr_steps_of, topic_of
from telephony import CallFilter, CallView, RingView, get_call, list_calls, rings_of


class CallsQuery(PageQuery):
    since: BoundedDatetime | None = Field(None, description="calls started at or after (ISO 8601 with offset)")
    until: BoundedDatetime | None = Field(None, description="calls started before (ISO 8601 with offset)")



class CallPath(BaseModel):
    id: str = Field(..., min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")


class StateOut(BaseModel):
    state: str
    at: dt.datetime
    queue: str | None = None
    target: str | None = None
    cause: str | None = None
    detail: str = ""


class RingOut(BaseModel):
    target: str
    extension: str | None = None
    started_at: dt.datetime
    ended_at: dt.datetime | None
    ring_count: int
    answered: bool
    within_sla: bool


class IvrStepOut(BaseModel):
    at: dt.datetime
    step: str = Field(..., description="entered, greeting, consent, menu, preverify, queued")
    choice: str = Field("", description="the menu key pressed (pre-verification digits never appear)")
    outcome: str = ""
    topic: str | None = None


class CallOut(BaseModel):
    id: str
    direction: str = Field("inbound", description="inbound, or outbound: a callback the hotline placed (its "
                                                  "caller is the client called back)")
    caller: str | None
    dialed: str
    queue: str | None
    topic: str | None = None
    state: str
    ended_cause: str | None
    started_at: dt.datetime
    ended_at: dt.datetime | None
    states: list[StateOut]
    rings: list[RingOut] = Field(default_factory=list, description="one entry per offered ring (ring SLA)")
    ivr: list[IvrStepOut] = Field(default_factory=list, description="the call's steps through the IVR")
    recording_ids: list[str] = Field(default_factory=list, description="the call's entries in the recordings "
                                                                     "catalogue (GET /api/recordings/{id})")


# the call's recording ids, from the recordings catalogue (the composition root passes its lookup)
RecordingIds = Callable[[Sequence[str]], Awaitable[Mapping[str, list[str]]]]


async def no_recordings(call_ids: Sequence[str]) -> Mapping[str, list[str]]:
    return {}


def _ring_out(ring: RingView) -> RingOut:
    return RingOut(target=ring.target, extension=ring.extension, started_at=ring.started_at, ended_at=ring.ended_at,
                   ring_count=ring.ring_count, answered=ring.answered, within_sla=ring.within_sla)


def _present(view: CallView, grant: Grant, rings: Sequence[RingView] = (), ivr: Sequence[IvrStepView] = (),
             recording_ids: Sequence[str] = ()) -> CallOut:
    return CallOut(
        id=view.id, direction=view.direction, caller=present_number(view.caller, grant), dialed=view.dialed,
        queue=view.queue,
        topic=topic_of(ivr),
        state=view.state, ended_cause=view.ended_cause, started_at=view.started_at, ended_at=view.ended_at,
        states=[StateOut(**entry.__dict__) for entry in view.states], rings=[_ring_out(r) for r in rings],
        ivr=[IvrStepOut(**step.__dict__) for step in ivr], recording_ids=list(recording_ids),
    )


async def list_calls_handler(request: web.Request, recordings: RecordingIds = no_recordings) -> list[CallOut]:
    query: CallsQuery = query_of(request)
    ordered(query.since, query.until, "since, until")
    scope = await scope_of(request)
    engine = request.app[DEPS_KEY].engine
    views = await list_calls(engine, CallFilter(query.since, query.until, query.limit, query.offset, scope))
    rings = await rings_of(engine, [view.id for view in views])
    ivr = await ivr_steps_of(engine, [view.id for view in views])
    recorded = await recordings([view.id for view in views])
    return [_present(view, grant_of(request), rings[view.id], ivr[view.id], recorded.get(view.id, ()))
            for view in views]


async def get_call_handler(request: web.Request, recordings: RecordingIds = no_recordings) -> CallOut:
    call_id = path_of(request).id
    engine = request.app[DEPS_KEY].engine
    view = await get_call(engine, call_id, await scope_of(request))
    if view is None:   # a call outside the reader's scope is as unknown as no call at all
        raise ApiError(404, "not_found", f"no call with id {call_id!r}")
    rings = await rings_of(engine, [call_id])
    ivr = await ivr_steps_of(engine, [call_id])
    recorded = await recordings([call_id])
    return _present(view, grant_of(request), rings[call_id], ivr[call_id], recorded.get(call_id, ()))


def register_routes(router: ApiRouter, *, recordings: RecordingIds = no_recordings) -> None:
    async def list_calls_route(request: web.Request) -> list[CallOut]:
        return await list_calls_handler(request, recordings)

    async def get_call_route(request: web.Request) -> CallOut:
        return await get_call_handler(request, recordings)

    router.get("/api/calls", list_calls_route, query=CallsQuery, response=list[CallOut], tags=["calls"],
               personal_data=True, statuses={422: RANGE_ERROR},
               summary="List calls, newest first (an agent: their own; a supervisor: their unit's)")
    router.get("/api/calls/{id}", get_call_route, summary="One call with its state history, rings and IVR steps",
               path_params=CallPath, response=CallOut, tags=["calls"], personal_data=True,
               statuses={404: "no such call (or not one this user may see)"})
