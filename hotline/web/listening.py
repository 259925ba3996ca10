"""``GET|HEAD /api/recordings/{id}/audio``: a recording played, audited (GDPR-LT §8, §15: only those whose function
needs it).

Two gates: the role matrix (QA, supervisors for their unit's calls, the DPO) and the profile's ``[recordings]
listen_roles`` - a role the matrix admits but the profile does not name is refused (403) too. Each request is one
row of the audit trail - a range request of a player is one row per request, as every other audited request is -
and so is each refusal (403 for the role, 409 for a restricted recording). The answer is ``inline``; ``?download=1``
gives an attachment only where the profile's ``allow_copies`` is true, else 403. A recording under a GDPR
restriction answers 409: the reader may listen, the recording's state says not now (lifting it lets the same
request through), which is a conflict, not a missing right. A file gone (missing, deleted) answers 410; one still
being recorded 409.
"""
from __future__ import annotations

import asyncio

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from core.policy import PolicyProfile
from hotline.web import audio
from hotline.web.audit import record_now
from hotline.web.auth import principal_of
from hotline.web.errors import ApiError
from hotline.web.recordings import RecordingPath, in_scope
from hotline.web.routes import ApiRouter, path_of, query_of
from recording import RecordingCatalogue, RecordingNotFound, RecordingRestricted, RecordingState

GONE = (RecordingState.MISSING, RecordingState.DELETED)
WITH_AUDIO = (RecordingState.READY, RecordingState.TRUNCATED)


class AudioQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    download: bool = Field(False, description="an attachment instead of inline: only where the profile allows "
                                              "copies ([recordings] allow_copies)")


def listen_gate(profile: PolicyProfile, role: str, download: bool) -> None:
    """403 unless the profile lets ``role`` listen (and take a copy, when ``download``)."""
    policy = profile.recordings
    if role not in policy.listen_roles:
        raise ApiError(403, "not_a_listener", f"the profile {profile.name} lets only {', '.join(policy.listen_roles)} "
                                              f"listen to recordings ({policy.clause}), not {role}")
    if download and not policy.allow_copies:
        raise ApiError(403, "no_copies", f"the profile {profile.name} hands out no copies of recordings "
                                         f"([recordings] allow_copies = false): play it inline instead")


def register_routes(router: ApiRouter, *, catalogue: RecordingCatalogue, profile: PolicyProfile) -> None:
    async def get_audio(request: web.Request) -> web.StreamResponse:
        entry_id, download = path_of(request).id, query_of(request).download
        listen_gate(profile, principal_of(request).role.value, download)
        try:
            await catalogue.check([entry_id])   # a file gone behind the catalogue's back answers 410 now
            view = await catalogue.get(entry_id)
        except RecordingNotFound:
            view = None
        if view is None or not await in_scope(request, view):
            raise ApiError(404, "not_found", f"no recording with id {entry_id}")
        try:
            await catalogue.playable(entry_id)
        except RecordingRestricted:
            raise ApiError(409, "restricted", f"recording {entry_id} is under a GDPR restriction: kept, not played, "
                                              "until the DPO lifts it") from None
        if view.state in GONE:
            raise ApiError(410, "gone", f"recording {entry_id}'s file is {view.state}: {view.error or 'gone'}")
        if view.state not in WITH_AUDIO:
            raise ApiError(409, "not_ready", f"recording {entry_id} is {view.state}: play it once the call ended")
        size = await asyncio.to_thread(catalogue.store.size, view.key)
        if size is None:
            raise ApiError(410, "gone", f"recording {entry_id}'s file is no longer in the store")
        return await audio.stream(request, catalogue.store, view.key, size, filename=f"recording-{entry_id}.wav",
                                  attachment=download, record=lambda status: record_now(request, status))

    router.get("/api/recordings/{id}/audio", get_audio, path_params=RecordingPath, query=AudioQuery, head=True,
               content_type=audio.AUDIO, tags=["recordings"], personal_data=True,
               statuses={206: audio.PARTIAL, 403: "the profile does not let this role listen, or copies are off "
                                                  "(?download=1)",
                         404: "no such recording (or not one this user may see)",
                         409: "restricted (GDPR art. 18), or still being recorded",
                         410: "the recording's file is gone (missing or deleted)", 416: audio.UNSATISFIABLE},
               summary="A recording's audio (audio/wav), inline, in byte ranges; audited")
