"""``GET /api/recordings/{id}``: one entry of the recordings catalogue - its state (a file missing, empty or
truncated says so, with why), measurements, links and history. Metadata only: no audio, no path.

Who reads it (``hotline.web.role_matrix``): agents the entries of their own calls and messages, supervisors their
unit's, QA, the DPO and admins all (admins look after the storage; the entry shows no caller's number). The entry's
file is looked at before answering, so a file deleted behind the catalogue's back is reported at once.
"""
from __future__ import annotations

import datetime as dt

from aiohttp import web
from pydantic import BaseModel, Field

from hotline.web.deps import DEPS_KEY
from hotline.web.errors import ApiError
from hotline.web.routes import ApiRouter, path_of
from hotline.web.scopes import scope_of
from recording import RecordingCatalogue, RecordingKind, RecordingNotFound, RecordingView
from telephony import get_call


class RecordingPath(BaseModel):
    id: str = Field(..., pattern=r"^[0-9a-f]{32}$")


class HistoryOut(BaseModel):
    at: dt.datetime
    actor: str
    before: str | None
    after: str
    changes: dict | None = None


class RecordingOut(BaseModel):
    id: str
    call_id: str | None
    kind: str = Field(..., description="mix, caller, agent, voice_message")
    state: str = Field(..., description="recording, registered, ready, missing, empty, truncated, deleted")
    error: str | None = Field(None, description="why the file is in an error state")
    size: int | None
    duration_seconds: float | None
    sha256: str | None
    file_format: str | None
    codec: str | None
    sample_rate: int | None
    channels: int | None
    sample_width: int | None = Field(None, description="bytes per sample")
    agent_extension: str | None
    queue: str | None
    topic: str | None
    consent: str | None = Field(None, description="the IVR's consent step before the recording: played")
    consent_at: dt.datetime | None
    message_id: int | None
    started_at: dt.datetime
    finalised_at: dt.datetime | None
    restricted_at: dt.datetime | None = Field(None, description="set while a GDPR restriction holds: kept, not "
                                              "played, analysed or exported")
    history: list[HistoryOut]


def present(view: RecordingView) -> RecordingOut:
    fields = {name: getattr(view, name) for name in RecordingOut.model_fields if name != "history"}
    fields["history"] = [HistoryOut(**entry.__dict__) for entry in view.history]
    return RecordingOut(**fields)


def register_routes(router: ApiRouter, *, catalogue: RecordingCatalogue) -> None:
    async def get_recording(request: web.Request) -> RecordingOut:
        entry_id = path_of(request).id
        try:
            await catalogue.check([entry_id])   # a file gone behind the catalogue's back shows now
            view = await catalogue.get(entry_id)
        except RecordingNotFound:
            view = None
        if view is None or not await in_scope(request, view):   # outside the reader's scope: as unknown
            raise ApiError(404, "not_found", f"no recording with id {entry_id}")
        return present(view)

    router.get("/api/recordings/{id}", get_recording, path_params=RecordingPath, response=RecordingOut,
               tags=["recordings"], personal_data=True,
               statuses={404: "no such recording (or not one this user may see)"},
               summary="One recording's catalogue entry: state, size, duration, checksum, format, links, history")


async def in_scope(request: web.Request, view: RecordingView) -> bool:
    scope = await scope_of(request)
    if scope is None:
        return True
    if view.call_id and await get_call(request.app[DEPS_KEY].engine, view.call_id, scope) is not None:
        return True
    return view.kind == RecordingKind.VOICE_MESSAGE and scope.holds(extensions=(view.agent_extension,),
                                                                   queue=view.queue)
