"""``GET /api/recordings/{id}``: one entry of the recordings catalogue - its state (a file missing, empty or
truncated says so, with why), measurements, links, history and its call's voice-activity analysis (the job's state,
the figures once done). Metadata only: no audio, no path. ``GET /api/recordings/{id}/timeline.png``: the analysis's
timeline for reviewers.

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
from recording import (AnalysisView, RecordingCatalogue, RecordingKind, RecordingNotFound, RecordingView,
                       latest_analysis, timeline_of)
from telephony import get_call


class RecordingPath(BaseModel):
    id: str = Field(..., pattern=r"^[0-9a-f]{32}$")


class RecordingHistoryOut(BaseModel):
    at: dt.datetime
    actor: str
    before: str | None
    after: str
    changes: dict | None = None


class AnalysisOut(BaseModel):
    id: int
    state: str = Field(..., description="queued, running, done, failed, skipped")
    error: str | None = Field(None, description="why failed or skipped")
    attempts: int
    analyser_version: int
    created_at: dt.datetime
    finished_at: dt.datetime | None
    restricted: bool = Field(False, description="a leg is under a GDPR restriction: not analysed while it holds, "
                             "no figures shown")
    result: dict | None = Field(None, description="the figures once done: talk per party, silence, overlap, "
                                "monologues and their flag, dead air, holds, talk ratio, speech intervals")


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
    answered_at: dt.datetime | None = Field(None, description="the agent's answer: where the conversation, and "
                                            "its analysis, begins in the files")
    restricted_at: dt.datetime | None = Field(None, description="set while a GDPR restriction holds: kept, not "
                                              "played, analysed or exported")
    history: list[RecordingHistoryOut]
    analysis: AnalysisOut | None = Field(None, description="the call's voice-activity analysis (a call's mix and "
                                         "legs share it); none yet, or a voice message")


def present(view: RecordingView, analysis: AnalysisView | None = None) -> RecordingOut:
    fields = {name: getattr(view, name) for name in RecordingOut.model_fields if name not in ("history", "analysis")}
    fields["history"] = [RecordingHistoryOut(**entry.__dict__) for entry in view.history]
    if analysis is not None:
        shown = analysis.__dict__ | ({"result": None} if analysis.restricted else {})
        fields["analysis"] = AnalysisOut(**shown)
    return RecordingOut(**fields)


def register_routes(router: ApiRouter, *, catalogue: RecordingCatalogue) -> None:
    async def entry(request: web.Request) -> RecordingView:
        entry_id = path_of(request).id
        try:
            await catalogue.check([entry_id])   # a file gone behind the catalogue's back shows now
            view = await catalogue.get(entry_id)
        except RecordingNotFound:
            view = None
        if view is None or not await in_scope(request, view):   # outside the reader's scope: as unknown
            raise ApiError(404, "not_found", f"no recording with id {entry_id}")
        return view

    async def analysis_of(view: RecordingView) -> AnalysisView | None:
        if view.call_id is None or view.kind == RecordingKind.VOICE_MESSAGE:
            return None
        return await latest_analysis(catalogue.engine, view.call_id)

    async def get_recording(request: web.Request) -> RecordingOut:
        view = await entry(request)
        return present(view, await analysis_of(view))

    async def get_timeline(request: web.Request) -> web.Response:
        view = await entry(request)
        analysis = await analysis_of(view)
        if analysis is not None and analysis.restricted:
            raise ApiError(409, "restricted", f"recording {view.id}'s call is under a restriction (GDPR art. 18): "
                                              "its analysis is not shown until the restriction is lifted")
        png = await timeline_of(catalogue.engine, analysis.id) if analysis is not None else None
        if png is None:
            state = analysis.state if analysis is not None else "not enqueued"
            raise ApiError(404, "no_analysis", f"recording {view.id} has no analysis to draw (its call's analysis: "
                                               f"{state})")
        return web.Response(body=png, content_type="image/png")

    router.get("/api/recordings/{id}", get_recording, path_params=RecordingPath, response=RecordingOut,
               tags=["recordings"], personal_data=True,
               statuses={404: "no such recording (or not one this user may see)"},
               summary="One recording's catalogue entry: state, size, duration, checksum, format, links, history, "
                       "its call's voice-activity analysis")
    router.get("/api/recordings/{id}/timeline.png", get_timeline, path_params=RecordingPath,
               content_type="image/png", tags=["recordings"], personal_data=True,
               statuses={404: "no such recording (or not one this user may see), or its call has no analysis "
                              "done (yet)",
                         409: "a leg of the call is under a GDPR restriction: not shown until it is lifted"},
               summary="The timeline of a recording's call for reviewers (PNG): who spoke when, flagged "
                       "monologues, dead air, holds")


async def in_scope(request: web.Request, view: RecordingView) -> bool:
    scope = await scope_of(request)
    if scope is None:
        return True
    if view.call_id and await get_call(request.app[DEPS_KEY].engine, view.call_id, scope) is not None:
        return True
    return view.kind == RecordingKind.VOICE_MESSAGE and scope.holds(extensions=(view.agent_extension,),
                                                                   queue=view.queue)
