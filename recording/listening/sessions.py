"""Listen-only sessions for a data subject (GDPR-LT §14, §24.1): a DPO puts a call's recordings in one, and the
subject opens a time-limited link that plays their own leg, redacted (``recording.listening.redaction``).

The redacted audio is rendered once, off the event loop, into a file of the session's own in a private directory
(``rendered``), and every stream request and the DPO's copy serve that same file - so the copy has exactly the
stream's silencing and bleeps. A file whose session expired (or is unknown: left from before a restart) is
deleted by ``purge``; a session whose file is missing renders it again. Each request checks the recordings again:
one restricted since the session was opened is not played.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import secrets
import uuid
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import utcnow
from core.db import make_sessionmaker, write_lock
from recording.exceptions import RecordingNotFound, RecordingRestricted
from recording.listening.exceptions import AudioUnavailable, NotSessionable, SessionExpired, SessionNotFound
from recording.listening.models import ListenSession, ListenSessionRow
from recording.listening.redaction import NotRedactable, redact
from recording.models import RecordingKind, RecordingState, RecordingView
from recording.service import RecordingCatalogue
from recording.store import LocalDirectoryStore

SUBJECT_KINDS = (RecordingKind.CALLER, RecordingKind.VOICE_MESSAGE)   # the subject's voice alone
WITH_AUDIO = (RecordingState.READY, RecordingState.TRUNCATED)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ListenSessions:
    def __init__(self, engine: AsyncEngine, catalogue: RecordingCatalogue, rendered_dir: Path) -> None:
        self.engine, self.catalogue = engine, catalogue
        self.rendered_dir = rendered_dir
        self.rendered = LocalDirectoryStore(rendered_dir)   # read through the store port, like any recording
        self._sessions = make_sessionmaker(engine)
        self._rendering: dict[str, asyncio.Lock] = {}
        self._busy: set[str] = set()   # sessions being opened or rendered: their files are not purged

    async def create(self, *, owner_id: int, owner_name: str, recording_ids: Sequence[str],
                     bleeps: Sequence[tuple[float, float]], lifetime: dt.timedelta,
                     subject_request_id: str | None = None) -> tuple[ListenSession, str]:
        """A new session and its link's token (shown once, stored hashed), its audio rendered."""
        views = [await self._entry(entry_id) for entry_id in dict.fromkeys(recording_ids)]
        source = await self._source(views)
        for view in (*views, source):
            if view.restricted:
                raise RecordingRestricted(f"recording {view.id} is restricted: it cannot go into a session")
        if source.state not in WITH_AUDIO:
            raise AudioUnavailable(f"recording {source.id} is {source.state}: no audio to play")
        duration = source.duration_seconds or 0.0
        for start, end in bleeps:
            if not 0 <= start < end:
                raise NotSessionable(f"a bleep [{start:g}, {end:g}] does not start before it ends")
            if end > duration + 0.5:
                raise NotSessionable(f"a bleep [{start:g}, {end:g}] ends after the recording's {duration:.1f} s")
        now, token = utcnow(), secrets.token_urlsafe(32)
        row = ListenSessionRow(id=uuid.uuid4().hex, token_hash=hash_token(token), owner_id=owner_id,
                               owner_name=owner_name, call_id=source.call_id,
                               recording_ids=[view.id for view in views], source_id=source.id,
                               bleeps=[[float(a), float(b)] for a, b in bleeps],
                               subject_request_id=subject_request_id, created_at=now, expires_at=now + lifetime)
        session = ListenSession.of(row)
        self._busy.add(row.id)
        try:
            await self._render(session)   # before the row: a session that cannot play is never handed out
            async with write_lock(self.engine), self._sessions() as db, db.begin():
                db.add(row)
        finally:
            self._busy.discard(row.id)
        return session, token

    async def _entry(self, entry_id: str) -> RecordingView:
        try:
            return await self.catalogue.get(entry_id)
        except RecordingNotFound:
            raise NotSessionable(f"no recording {entry_id}") from None

    async def _source(self, views: list[RecordingView]) -> RecordingView:
        """The subject's own leg among ``views`` (all of one call), or their call's caller leg."""
        calls = {view.call_id for view in views}
        if len(calls) != 1:
            raise NotSessionable("a session holds the recordings of one call; these are of several")
        own = [view for view in views if view.kind in SUBJECT_KINDS]
        if len(own) > 1:
            raise NotSessionable("a session plays one recording of the subject; give one caller leg")
        if own:
            return own[0]
        call_id = calls.pop()
        ids = (await self.catalogue.ids_of_calls([call_id])).get(call_id, []) if call_id else []
        legs = [view for view in [await self.catalogue.get(i) for i in ids] if view.kind == RecordingKind.CALLER]
        if not legs:
            raise NotSessionable("the call has no recording of the caller's own leg: the mix holds the other "
                                 "party too and cannot be played to the subject")
        return legs[0]

    async def by_token(self, token: str) -> ListenSession:
        """The session of a link; SessionExpired (with the session) once it expired."""
        async with self._sessions() as db:
            row = await db.scalar(select(ListenSessionRow).where(ListenSessionRow.token_hash == hash_token(token)))
        if row is None:
            raise SessionNotFound("no listen-only session for this link")
        return self._live(ListenSession.of(row))

    async def get(self, session_id: str, *, live: bool = True) -> ListenSession:
        async with self._sessions() as db:
            row = await db.get(ListenSessionRow, session_id)
        if row is None:
            raise SessionNotFound(f"no listen-only session {session_id}")
        session = ListenSession.of(row)
        return self._live(session) if live else session

    def _live(self, session: ListenSession) -> ListenSession:
        if session.expired(utcnow()):
            raise SessionExpired(session)
        return session

    async def audio(self, session: ListenSession) -> tuple[str, int]:
        """The key (in ``rendered``) and size of the session's redacted audio, after checking its recordings may
        still be played."""
        for entry_id in dict.fromkeys((*session.recording_ids, session.source_id)):
            await self.catalogue.playable(entry_id)
        key = _key(session.id)
        size = await asyncio.to_thread(self.rendered.size, key)
        if size is None:
            await self._render(session)
            size = await asyncio.to_thread(self.rendered.size, key)
        return key, size

    async def _render(self, session: ListenSession) -> None:
        async with self._rendering.setdefault(session.id, asyncio.Lock()):
            if await asyncio.to_thread(self.rendered.size, _key(session.id)) is None:
                source = await self.catalogue.get(session.source_id)
                await asyncio.to_thread(self._render_file, source.key, session)

    def _render_file(self, source_key: str, session: ListenSession) -> None:
        self.rendered_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        final = self.rendered_dir / _key(session.id)
        partial = final.with_suffix(f".{uuid.uuid4().hex[:8]}.part")
        try:
            with self.catalogue.store.open(source_key) as source, partial.open("wb") as target:
                redact(source, target, session.bleeps)
            os.replace(partial, final)   # whole or not at all: a stream never reads half a rendering
        except LookupError:
            raise AudioUnavailable(f"recording {session.source_id}'s file is gone from the store") from None
        except NotRedactable as exc:
            raise NotSessionable(f"recording {session.source_id} cannot be redacted: {exc}") from None
        finally:
            partial.unlink(missing_ok=True)

    async def purge(self) -> int:
        """Delete the rendered files of expired (or unknown) sessions; how many were deleted."""
        async with self._sessions() as db:
            live = set(await db.scalars(select(ListenSessionRow.id).where(ListenSessionRow.expires_at > utcnow())))
        for session_id in [key for key in self._rendering if key not in live and key not in self._busy]:
            del self._rendering[session_id]
        return await asyncio.to_thread(self._delete_all_but, live | self._busy)

    def _delete_all_but(self, live: set[str]) -> int:
        if not self.rendered_dir.is_dir():
            return 0
        gone = 0
        for path in self.rendered_dir.iterdir():
            if path.is_file() and path.name.split(".")[0] not in live:
                path.unlink(missing_ok=True)
                gone += 1
        return gone


def _key(session_id: str) -> str:
    return f"{session_id}.wav"
