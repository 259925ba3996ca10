"""``POST /api/listen-sessions`` and ``GET /api/listen-sessions/{id}/copy``: the DPO opens a listen-only session for
a data subject (GDPR-LT §14, §24.1) and, where the profile gives one, takes its copy.

A session is over one call's recordings: it plays the caller's own leg with the agent's silent and the segments the
DPO marks bleeped (``recording.listening``). Its link ``/listen/{token}`` is shown once (``hotline.web.listen_link``
serves it); the token is kept hashed. The copy (``[recordings] subject_access_copy = "redacted_audio"``) is the very
file the link streams, so it has exactly its silencing and bleeps; under ``"none"`` the copy route answers 403 and
says why. Both are audited: the opening as a write (with the new session's id), the copy as a read.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from core.policy import PolicyProfile
from hotline.web import audio
from hotline.web.audit import note_made, record_now
from hotline.web.auth import principal_of
from hotline.web.errors import ApiError
from hotline.web.routes import ApiRouter, body_of, path_of
from recording import (AudioUnavailable, ListenSessions, NotSessionable, RecordingRestricted, SessionExpired,
                       SessionNotFound)

DEFAULT_MINUTES, MAX_MINUTES = 60, 24 * 60   # an appointment's length; a day at most (the link is a key)
RecordingId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
Second = Annotated[float, Field(ge=0, le=86400)]


class ListenSessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recording_ids: list[RecordingId] = Field(..., min_length=1, max_length=10, description="recordings of one call "
                                             "(a mix or agent leg stands for its call: the caller's leg plays)")
    bleeps: list[tuple[Second, Second]] = Field([], max_length=100, description="[start, end] seconds of the "
                                                "recording replaced by a 1 kHz tone (third parties' names, voices); "
                                                "a start not before its end: 422")
    lifetime_minutes: int = Field(DEFAULT_MINUTES, ge=1, le=MAX_MINUTES)
    subject_request_id: str | None = Field(None, pattern=r"^[A-Za-z0-9._/-]{1,64}$",
                                           description="the subject request it answers (its reference)")


class ListenSessionOut(BaseModel):
    id: str
    link: str = Field(..., description="the subject's link (shown once): a page with a player")
    audio: str = Field(..., description="the link's stream (inline, never a file)")
    copy_url: str | None = Field(None, description="the DPO's copy, where the profile gives one")
    expires_at: dt.datetime
    recording_ids: list[str]
    source_id: str = Field(..., description="the subject's own leg that is played")
    bleeps: list[tuple[float, float]]
    subject_request_id: str | None


class SessionPath(BaseModel):
    id: str = Field(..., pattern=r"^[0-9a-f]{32}$")


def register_routes(router: ApiRouter, *, sessions: ListenSessions, profile: PolicyProfile) -> None:
    copies = profile.recordings.subject_access_copy == "redacted_audio"

    async def open_session(request: web.Request) -> ListenSessionOut:
        body: ListenSessionIn = body_of(request)
        principal = principal_of(request)
        try:
            session, token = await sessions.create(
                owner_id=principal.user_id, owner_name=principal.name, recording_ids=body.recording_ids,
                bleeps=body.bleeps, lifetime=dt.timedelta(minutes=body.lifetime_minutes),
                subject_request_id=body.subject_request_id)
        except NotSessionable as exc:
            raise ApiError(422, "not_sessionable", str(exc)) from None
        except RecordingRestricted as exc:
            raise ApiError(409, "restricted", f"{exc}; lift the restriction first") from None
        except AudioUnavailable as exc:
            raise ApiError(409, "no_audio", str(exc)) from None
        note_made(request, session=session.id, recording=session.source_id)
        return ListenSessionOut(
            id=session.id, link=f"/listen/{token}", audio=f"/listen/{token}/audio",
            copy_url=f"/api/listen-sessions/{session.id}/copy" if copies else None, expires_at=session.expires_at,
            recording_ids=list(session.recording_ids), source_id=session.source_id, bleeps=list(session.bleeps),
            subject_request_id=session.subject_request_id)

    async def get_copy(request: web.Request) -> web.StreamResponse:
        session_id = path_of(request).id
        if not copies:
            raise ApiError(403, "no_subject_copy", f"the profile {profile.name} gives a data subject no copy "
                           f"(subject_access_copy = none, {profile.recordings.clause}): they may listen only, "
                           "through the session's link")
        try:
            session = await sessions.get(session_id)
            key, size = await sessions.audio(session)
        except SessionNotFound as exc:
            raise ApiError(404, "not_found", str(exc)) from None
        except SessionExpired as exc:
            raise ApiError(410, "expired", str(exc)) from None
        except RecordingRestricted as exc:
            raise ApiError(409, "restricted", str(exc)) from None
        except AudioUnavailable as exc:
            raise ApiError(410, "gone", str(exc)) from None
        return await audio.stream(request, sessions.rendered, key, size, attachment=True,
                                  filename=f"subject-access-{session.id}.wav",
                                  record=lambda status: record_now(request, status))

    router.post("/api/listen-sessions", open_session, body=ListenSessionIn, response=ListenSessionOut, status=201,
                tags=["recordings"], summary="Open a listen-only session of a call's recordings for a data subject",
                statuses={409: "a recording is restricted, or has no audio yet",
                          422: "unknown recordings, of several calls, no caller's leg, a bleep past the end or "
                               "not starting before it ends"})
    router.get("/api/listen-sessions/{id}/copy", get_copy, path_params=SessionPath, head=True,
               content_type=audio.AUDIO, tags=["recordings"], personal_data=True,
               statuses={206: audio.PARTIAL, 403: "the profile gives no copy (subject_access_copy = none)",
                         404: "no such session", 409: "a recording of the session is restricted now",
                         410: "the session expired, or its recording's file is gone", 416: audio.UNSATISFIABLE},
               summary="The session's redacted audio as a file, for the data subject (where the profile gives one)")
