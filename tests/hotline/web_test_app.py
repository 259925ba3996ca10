"""A small app on the web skeleton, for its tests: a validated query, body and path, a mapped domain error, a bug
(500), a naive time (a server bug), a mapped error a route does not declare (a bug), a route that takes
``?token=``."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from hotline.auth.models import Role
from hotline.web import (ApiError, ApiRouter, Grant, Numbers, Records, body_of, grant_of, grants_for, path_of,
                         present_number, principal_of, query_of)


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(10, ge=1, le=100, description="how many")
    queue: list[str] = []


class NoteIn(BaseModel):
    text: str = Field(min_length=1)


class NoteOut(BaseModel):
    id: int
    text: str
    at: dt.datetime


class NotePath(BaseModel):
    id: int


class DomainMissing(Exception):
    pass


async def list_things(request):
    window: Window = query_of(request)
    caller = present_number("+37061234567", grant_of(request))
    return {"limit": window.limit, "queue": window.queue, "caller": caller}


async def add_note(request):
    body: NoteIn = body_of(request)
    return NoteOut(id=1, text=body.text, at=dt.datetime(2025, 6, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=3))))


async def get_note(request):
    note_id = path_of(request).id
    if note_id != 1:
        raise ApiError(404, "not_found", f"no note {note_id}")
    return {"id": 1}


async def broken(request):
    raise RuntimeError("secret internals: +37061234567")


async def missing(request):
    raise DomainMissing("that callback is gone; refresh the list")


async def naive_time(request):
    return {"at": dt.datetime(2025, 1, 1, 12, 0)}


async def ws_like(request):
    return {"who": principal_of(request).name}


ANY_ROLE = {role: Grant(Records.ALL) for role in Role}
TEST_GRANTS = {
    "GET /api/things": {Role.AGENT: Grant(Records.ALL, Numbers.FULL), Role.SUPERVISOR: Grant(Records.ALL, Numbers.FULL),
                        Role.QA: Grant(Records.ALL, Numbers.MASKED)},
    "POST /api/notes": {Role.SUPERVISOR: Grant()},
    "GET /api/notes/{id}": ANY_ROLE, "GET /api/broken": ANY_ROLE, "GET /api/missing": ANY_ROLE,
    "GET /api/naive": ANY_ROLE, "GET /ws-like": ANY_ROLE, "GET /api/undeclared": ANY_ROLE,
}


def matrix_with_test_routes(method: str, path: str):
    """The service's role matrix with the test routes' entries."""
    return TEST_GRANTS.get(f"{method} {path}") or grants_for(method, path)


def register_test_routes(router: ApiRouter) -> None:
    router.get("/api/things", list_things, summary="Things", query=Window, tags=["test"])
    router.post("/api/notes", add_note, summary="Add a note", body=NoteIn, response=NoteOut)
    router.get("/api/notes/{id}", get_note, summary="One note", path_params=NotePath, statuses={404: "no such note"})
    router.get("/api/broken", broken, summary="Always fails")
    router.get("/api/missing", missing, summary="Domain error", raises=[DomainMissing])
    router.get("/api/undeclared", missing, summary="Bug: a domain error the route does not declare")
    router.get("/api/naive", naive_time, summary="Bug: naive time")
    router.get("/ws-like", ws_like, summary="Accepts ?token=", query_token=True)
    router.map_error(DomainMissing, 410, "gone")
