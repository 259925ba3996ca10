"""Data-subject requests (GDPR-LT §26, §31, §34, §35, §49): received with the subject's phone number, given their
deadlines from the profile's calendar, worked through their states, every change in their history.

What each kind does when the DPO executes it:
- access: finds the subject's calls and messages (through ``core.ports.SubjectData``, wired by hotline) and their
  recordings; the result lists the recording ids, to be listened to in listen-only sessions (no copy, §14);
- erasure: deletes those recordings' audio and derived data through the retention purge's tombstones (reason
  ``erasure``, basis the request), clears the number from the calls and messages, and records the counts;
- restriction: restricts the recordings (kept, not played, analysed, exported or purged, §35) until the DPO lifts
  it, which ends the request (§35: the subject is told before; the DPO does that outside this service);
- rectification: records the correction and its completion. Nothing is rewritten automatically: a call's number is
  what the network delivered, a fact of the call; what was wrong and what was done about it is kept beside it.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import utcnow
from core.phone_numbers import callback_number
from core.policy import PolicyProfile
from core.ports import SubjectData
from recording.models import RecordingKind, RecordingRow, RecordingState
from recording.retention.service import RetentionPurge
from recording.service import RecordingCatalogue
from recording.subject_requests.deadlines import deadlines
from recording.subject_requests.exceptions import InvalidSubjectRequest, SubjectRequestConflict
from recording.subject_requests.models import OPEN_STATES, RequestKind, RequestState, SubjectRequest
from recording.subject_requests.store import RequestStore

MOVES = {RequestState.RECEIVED: {RequestState.IN_PROGRESS, RequestState.DONE, RequestState.REFUSED},
         RequestState.IN_PROGRESS: {RequestState.DONE, RequestState.REFUSED}}


class SubjectRequests:
    def __init__(self, engine: AsyncEngine, profile: PolicyProfile, catalogue: RecordingCatalogue,
                 purge: RetentionPurge, subject_data: SubjectData) -> None:
        self.engine, self.profile, self.catalogue = engine, profile, catalogue
        self.purge, self.subject_data = purge, subject_data
        self.store = RequestStore(engine)

    def today(self) -> dt.date:
        return utcnow().astimezone(self.profile.tz).date()

    async def receive(self, kind: str, number: str, received_on: dt.date, actor: str) -> SubjectRequest:
        try:
            request_kind = RequestKind(kind)
        except ValueError:
            raise InvalidSubjectRequest(f"kind must be one of {[k.value for k in RequestKind]}") from None
        e164 = callback_number(number, self.profile.country)
        if e164 is None:
            raise InvalidSubjectRequest("number is not a valid phone number (international form +370..., or the "
                                        "national form of the profile's country)")
        if received_on > self.today():
            raise InvalidSubjectRequest("received_on is in the future")
        policy = self.profile.subject_requests
        assess, due = deadlines(request_kind, received_on, policy, self.profile.country)
        return await self.store.create({"kind": request_kind.value, "number": e164, "received_on": received_on,
                                        "count_from": policy.count_from.value, "assess_due_on": assess,
                                        "due_on": due, "state": RequestState.RECEIVED.value}, actor)

    async def get(self, request_id: int) -> SubjectRequest:
        return await self.store.get(request_id)

    async def listing(self, *, open_only: bool = True) -> list[SubjectRequest]:
        return await self.store.listing(open_only=open_only)

    async def set_state(self, request_id: int, state: str, actor: str, reason: str | None = None) -> SubjectRequest:
        request = await self._open(request_id)
        try:
            target = RequestState(state)
        except ValueError:
            raise InvalidSubjectRequest("state must be in_progress, done or refused") from None
        if target not in MOVES[RequestState(request.state)]:
            raise SubjectRequestConflict(f"subject request {request_id} cannot go from {request.state} to {state}")
        if target is RequestState.REFUSED and not (reason or "").strip():
            raise InvalidSubjectRequest("a refusal needs its reason")
        fields = {"state": target.value} | ({"refusal_reason": reason.strip()[:500]} if reason else {})
        return await self.store.change(request_id, actor, fields)

    async def execute(self, request_id: int, actor: str, correction: str | None = None) -> SubjectRequest:
        """Do what the request asks (see the module's docstring); its result and new state recorded."""
        request = await self._open(request_id)
        now = utcnow()
        recordings = await self.recordings_of(request.number)
        kind = RequestKind(request.kind)
        if kind is RequestKind.ACCESS:
            found = await self.subject_data.find(request.number)
            result = {"recording_ids": recordings, "call_ids": list(found.call_ids),
                      "message_ids": list(found.message_ids), "found_at": now.isoformat()}
            state = RequestState.IN_PROGRESS
        elif kind is RequestKind.ERASURE:
            erased = await self.purge.erase(recordings, f"subject request {request_id}", actor, now)
            erased |= await self.subject_data.erase(request.number, "erasure")
            result, state = {**erased, "erased_at": now.isoformat()}, RequestState.DONE
        elif kind is RequestKind.RESTRICTION:
            for entry_id in recordings:
                await self.catalogue.restrict(entry_id, actor, f"subject request {request_id}")
            result = {"recording_ids": recordings, "restricted": len(recordings), "restricted_at": now.isoformat()}
            state = RequestState.IN_PROGRESS
        else:
            if not (correction or "").strip():
                raise InvalidSubjectRequest("a rectification needs the correction made")
            result = {"correction": correction.strip()[:2000], "rectified_at": now.isoformat()}
            state = RequestState.DONE
        return await self.store.change(request_id, actor, {"result": result, "state": state.value})

    async def lift(self, request_id: int, actor: str) -> SubjectRequest:
        """End a restriction: its recordings may be played and purged again; the request is done."""
        request = await self._open(request_id)
        if request.kind != RequestKind.RESTRICTION or not request.result:
            raise SubjectRequestConflict(f"subject request {request_id} holds no restriction to lift")
        for entry_id in request.result["recording_ids"]:
            await self.catalogue.lift_restriction(entry_id, actor)
        result = {**request.result, "lifted_at": utcnow().isoformat()}
        return await self.store.change(request_id, actor, {"result": result, "state": RequestState.DONE.value})

    async def recordings_of(self, number: str) -> list[str]:
        """The ids of the subject's recordings not deleted yet: of their calls, and their voice messages."""
        found = await self.subject_data.find(number)
        by_call = RecordingRow.call_id.in_(list(found.call_ids))
        by_message = (RecordingRow.kind == RecordingKind.VOICE_MESSAGE.value) & RecordingRow.message_id.in_(
            list(found.message_ids))
        stmt = select(RecordingRow.id).where(by_call | by_message,
                                             RecordingRow.state != RecordingState.DELETED.value).order_by(
            RecordingRow.started_at, RecordingRow.id)
        async with self.engine.connect() as conn:
            return list((await conn.scalars(stmt)).all())

    async def _open(self, request_id: int) -> SubjectRequest:
        request = await self.store.get(request_id)
        if request.state not in OPEN_STATES:
            raise SubjectRequestConflict(f"subject request {request_id} is {request.state}: closed")
        return request
