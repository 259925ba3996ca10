"""``/api/subject-requests``: the DPO's data-subject requests (GDPR-LT §26, §31, §34, §35, §49) - received with the
subject's number, listed soonest deadline first with overdue ones marked, moved through their states, executed
(access lists the subject's recordings for listen-only sessions; erasure, restriction, rectification), every
change in the request's history. The DPO's alone (``hotline.web.role_matrix``); reads show the number, so they are
audited as personal-data reads.

Input the service cannot use (an unknown kind, a number that is no phone number, a date that is no date or in the
future) is answered 422 with the error object, never echoing the number.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hotline.web.auth import principal_of
from hotline.web.routes import ApiRouter, body_of, path_of, query_of
from recording import (InvalidSubjectRequest, SubjectRequest, SubjectRequestConflict, SubjectRequestNotFound,
                       SubjectRequests)

ERRORS = (InvalidSubjectRequest, SubjectRequestNotFound, SubjectRequestConflict)


class SubjectRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(..., description="access, rectification, erasure or restriction", max_length=32)
    number: str = Field(..., description="the subject's phone number (E.164, or national)", max_length=40)
    received_on: str = Field(..., description="the day the request came in, YYYY-MM-DD", max_length=32)


class SubjectStateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: str = Field(..., description="in_progress, done or refused", max_length=32)
    reason: str | None = Field(None, max_length=500, description="why it is refused (needed for refused)")


class SubjectExecuteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    correction: str | None = Field(None, max_length=2000, description="rectification: what was corrected")


class SubjectRequestPath(BaseModel):
    id: int = Field(..., ge=1, le=2**62)


class SubjectListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Literal["open", "all"] = "open"


class SubjectChangeOut(BaseModel):
    at: dt.datetime
    actor: str
    before: dict | None
    after: dict


class SubjectRequestOut(BaseModel):
    id: int
    kind: str
    number: str = Field(..., description="the subject's number, E.164")
    received_on: dt.date
    count_from: str = Field(..., description="receipt_day or next_day: the profile's rule when it came in")
    assess_due_on: dt.date | None = Field(None, description="erasure, restriction: the assessment's deadline")
    due_on: dt.date
    overdue: bool = Field(..., description="open after its deadline (in the profile's timezone)")
    state: str
    refusal_reason: str | None
    result: dict | None = Field(None, description="what was done: access lists recording_ids for listen-only "
                                "sessions; erasure its counts; restriction the recordings restricted")
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    history: list[SubjectChangeOut] = []


def present(request: SubjectRequest, today: dt.date) -> SubjectRequestOut:
    fields = {name: getattr(request, name) for name in SubjectRequestOut.model_fields
              if name not in ("history", "overdue")}
    return SubjectRequestOut(**fields, overdue=request.overdue(today),
                             history=[SubjectChangeOut(**change.__dict__) for change in request.history])


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidSubjectRequest("received_on must be a date, YYYY-MM-DD") from None


def register_routes(router: ApiRouter, *, requests: SubjectRequests) -> None:
    async def list_requests(request: web.Request) -> list[SubjectRequestOut]:
        found = await requests.listing(open_only=query_of(request).state == "open")
        return [present(item, requests.today()) for item in found]

    async def create_request(request: web.Request) -> SubjectRequestOut:
        body: SubjectRequestIn = body_of(request)
        created = await requests.receive(body.kind, body.number, _date(body.received_on), principal_of(request).name)
        return present(created, requests.today())

    async def get_request(request: web.Request) -> SubjectRequestOut:
        return present(await requests.get(path_of(request).id), requests.today())

    async def change_state(request: web.Request) -> SubjectRequestOut:
        body: SubjectStateIn = body_of(request)
        changed = await requests.set_state(path_of(request).id, body.state, principal_of(request).name, body.reason)
        return present(changed, requests.today())

    async def execute(request: web.Request) -> SubjectRequestOut:
        done = await requests.execute(path_of(request).id, principal_of(request).name, body_of(request).correction)
        return present(done, requests.today())

    async def lift(request: web.Request) -> SubjectRequestOut:
        return present(await requests.lift(path_of(request).id, principal_of(request).name), requests.today())

    router.map_error(InvalidSubjectRequest, 422, "unprocessable")
    router.map_error(SubjectRequestNotFound, 404, "not_found")
    router.map_error(SubjectRequestConflict, 409, "conflict")
    common = {"tags": ["subject-requests"], "response": SubjectRequestOut}
    router.get("/api/subject-requests", list_requests, query=SubjectListQuery, personal_data=True,
               tags=["subject-requests"], response=list[SubjectRequestOut],
               summary="Data-subject requests, soonest deadline first (open by default)")
    router.post("/api/subject-requests", create_request, body=SubjectRequestIn, status=201, personal_data=True,
                raises=[InvalidSubjectRequest], summary="Receive a data-subject request; its deadlines come from "
                "the profile's calendar", **common)
    router.get("/api/subject-requests/{id}", get_request, path_params=SubjectRequestPath, personal_data=True,
               raises=[SubjectRequestNotFound], summary="One data-subject request with its history", **common)
    router.post("/api/subject-requests/{id}/state", change_state, path_params=SubjectRequestPath, body=SubjectStateIn,
                personal_data=True, raises=ERRORS, summary="Move a request on: in_progress, done, refused (with "
                "its reason)", **common)
    router.post("/api/subject-requests/{id}/execute", execute, path_params=SubjectRequestPath, body=SubjectExecuteIn,
                personal_data=True, raises=ERRORS, summary="Do what the request asks: access lists the subject's "
                "recordings, erasure deletes them, restriction restricts them, rectification records the "
                "correction", **common)
    router.post("/api/subject-requests/{id}/lift", lift, path_params=SubjectRequestPath, personal_data=True,
                raises=[SubjectRequestNotFound, SubjectRequestConflict], summary="Lift a restriction request's "
                "restriction; the request is done", **common)
