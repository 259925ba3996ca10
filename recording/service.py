"""The recordings catalogue: one entry per file, registered when the PBX starts writing it, finalised once the PBX
closed it (size, duration, SHA-256, format), checked later for files gone behind its back. A missing, empty or
truncated file is a state of its entry with its reason, never an exception. Every state change appends a row to
``recording_history``; entries are updated, history never.

MixMonitor's own ``MixMonitorStop`` event comes only for ``StopMixMonitor``, not at hang-up, so the end of a file
is found by looking at it (``recording.finaliser``): after the call's end the files are polled until each header's
length matches its size and the size stays put, for at most ``close_wait`` seconds. A call's files are registered
together (one transaction), and files are finalised in rounds shared by the calls that ended together.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import utcnow
from core.db import make_sessionmaker, rows_by_key, write_lock
from core.events import RecordingFinalised
from core.ports import RecordingStore
from recording.exceptions import RecordingNotFound, RecordingRestricted
from recording.entries import apply_changes, insert_missing
from recording.inspection import OPEN, FileFacts, inspect, look
from recording.models import (FINAL_STATES, HistoryEntry, RecordingHistoryRow, RecordingRow, RecordingState,
                              RecordingView)
from recording.notifier import RecordingNotifier

log = logging.getLogger(__name__)

CATALOGUE, CHECK = "catalogue", "check"      # who changed an entry, in its history
_IDS = uuid.UUID("5f0c6d52-4a53-4a8e-9d3c-7b0f7f1f6a13")   # ids from keys: registering twice is one entry


def recording_id(key: str) -> str:
    return uuid.uuid5(_IDS, key).hex


@dataclass(frozen=True)
class NewRecording:
    kind: str
    key: str
    started_at: dt.datetime
    call_id: str | None = None
    consent: str | None = None
    consent_at: dt.datetime | None = None
    message_id: int | None = None
    agent_extension: str | None = None
    queue: str | None = None


@dataclass
class CallLinks:
    """What the call's events said about it while it was recorded."""

    agent_extension: str | None = None
    queue: str | None = None
    topic: str | None = None
    answered_at: dt.datetime | None = None   # the first answer: where the conversation begins in the files


class RecordingCatalogue:
    def __init__(self, engine: AsyncEngine, store: RecordingStore, notifier: RecordingNotifier, *,
                 close_wait: float = 15.0, poll: float = 0.25) -> None:
        self.engine, self.store, self.notifier = engine, store, notifier
        self.close_wait, self.poll = close_wait, poll
        self._sessions = make_sessionmaker(engine)

    async def register(self, new: NewRecording, state: RecordingState) -> str:
        return (await self.register_all([new], state))[0]

    async def register_all(self, news: list[NewRecording], state: RecordingState) -> list[str]:
        """The entries' ids, registered in one transaction (a call's three files at once); an entry already there
        for its key is kept as it is (the bus may deliver twice)."""
        rows = [{"id": recording_id(new.key), "state": state.value, **new.__dict__} for new in news]
        if rows:
            async with write_lock(self.engine), self.engine.begin() as conn:
                await insert_missing(conn, rows, CATALOGUE, utcnow())
        return [row["id"] for row in rows]

    async def finalise(self, entry_id: str, links: CallLinks | None = None) -> RecordingView:
        """Measure and hash the entry's file now and store what it is (no waiting for the PBX to close it: that is
        ``recording.finaliser``'s work for calls that just ended)."""
        key = (await self._row(entry_id)).key
        facts = await asyncio.to_thread(inspect, self.store, key)
        return (await self.store_finalised({entry_id: (facts, links)}))[0]

    async def store_finalised(self, found: dict[str, tuple[FileFacts, CallLinks | None]]) -> list[RecordingView]:
        """Store what the files were found to be (``recording.finaliser`` looked, waited and hashed), in one
        transaction, and publish each entry's ``RecordingFinalised``."""
        changes = {}
        for entry_id, (facts, links) in found.items():
            fields = _fields(facts) | {"finalised_at": utcnow()}
            if links is not None:
                fields |= {name: value for name, value in links.__dict__.items() if value is not None}
            state = RecordingState.TRUNCATED if facts.state == OPEN else facts.state   # never closed by the PBX
            changes[entry_id] = (state, fields)
        views = await self._change_all(changes, CATALOGUE)
        for view in views:
            await self.notifier.finalised(RecordingFinalised(
                at=utcnow(), recording_id=view.id, call_id=view.call_id, kind=view.kind, state=view.state,
                key=view.key, answered_after=view.answered_after))
            if view.state != RecordingState.READY:
                log.warning("recording %s of call %s finalised %s: %s", view.id, view.call_id, view.state,
                            view.error)
        return views

    async def check(self, entry_ids: Iterable[str] | None = None) -> list[str]:
        """Entries whose file is gone become ``missing`` (with history); the ids that changed."""
        stmt = select(RecordingRow.id, RecordingRow.key).where(RecordingRow.state.in_([s.value for s in FINAL_STATES]))
        if entry_ids is not None:
            stmt = stmt.where(RecordingRow.id.in_(list(entry_ids)))
        async with self._sessions() as session:
            watched = (await session.execute(stmt)).all()
        gone = []
        for entry_id, key in watched:
            if await asyncio.to_thread(self.store.size, key) is None:
                await self._change(entry_id, RecordingState.MISSING, CHECK,
                                   {"error": "the file is no longer in the store"})
                log.warning("recording %s: its file is gone from the store", entry_id)
                gone.append(entry_id)
        return gone

    async def unfinished(self) -> dict[str, str]:
        """Entries still being recorded or not inspected yet (after a restart: their calls ended meanwhile): their
        ids and keys."""
        stmt = select(RecordingRow.id, RecordingRow.key).where(RecordingRow.state.in_(
            [RecordingState.RECORDING.value, RecordingState.REGISTERED.value]))
        async with self.engine.connect() as conn:
            return dict((await conn.execute(stmt)).all())

    async def closed_now(self, key: str) -> bool:
        """Whether the file looks closed right now (no waiting)."""
        return (await asyncio.to_thread(look, self.store, key)).closed

    async def get(self, entry_id: str) -> RecordingView:
        row = await self._row(entry_id)
        history = await rows_by_key(self.engine, RecordingHistoryRow.recording_id, [entry_id],
                                    RecordingHistoryRow.id, view=_history_entry)
        return RecordingView.of(row, tuple(history[entry_id]))

    async def ids_of_calls(self, call_ids: Iterable[str]) -> dict[str, list[str]]:
        """Each call's recording ids, in the order they were registered."""
        found = await rows_by_key(self.engine, RecordingRow.call_id, call_ids, RecordingRow.started_at,
                                  RecordingRow.kind, view=lambda row: row.id)
        return found

    async def restrict(self, entry_id: str, actor: str, reason: str) -> RecordingView:
        """Put the entry under a restriction (GDPR art. 18): kept, not played, analysed or exported. ``reason`` is
        what asked for it (a subject request's reference), never personal data. Restricting twice keeps the first."""
        view = await self.get(entry_id)
        if view.restricted:
            return view
        return await self._change(entry_id, view.state, actor, {"restricted_at": utcnow(),
                                                                "restriction_reason": reason[:200]})

    async def lift_restriction(self, entry_id: str, actor: str) -> RecordingView:
        view = await self.get(entry_id)
        if not view.restricted:
            return view
        return await self._change(entry_id, view.state, actor, {"restricted_at": None, "restriction_reason": None})

    async def playable(self, entry_id: str) -> RecordingView:
        """The entry, if its audio may be played or exported now: not restricted, a file there to read."""
        view = await self.get(entry_id)
        if view.restricted:
            raise RecordingRestricted(f"recording {entry_id} is restricted")
        return view

    async def _row(self, entry_id: str) -> RecordingRow:
        async with self._sessions() as session:
            row = await session.get(RecordingRow, entry_id)
        if row is None:
            raise RecordingNotFound(f"no recording {entry_id}")
        return row

    async def _change(self, entry_id: str, state: str, actor: str, fields: dict) -> RecordingView:
        return (await self._change_all({entry_id: (state, fields)}, actor))[0]

    async def _change_all(self, changes: dict[str, tuple[str, dict]], actor: str) -> list[RecordingView]:
        """Each entry's new state and fields, with a history row each, in one transaction."""
        async with write_lock(self.engine), self.engine.begin() as conn:
            return await apply_changes(conn, changes, actor, utcnow())


def _fields(facts: FileFacts) -> dict:
    header = facts.header
    return {"size": facts.size, "duration_seconds": facts.duration_seconds, "sha256": facts.sha256,
            "file_format": "wav" if header else None, "codec": header.codec if header else None,
            "sample_rate": header.sample_rate if header else None, "channels": header.channels if header else None,
            "sample_width": header.bits // 8 if header else None, "error": facts.error}


def _history_entry(row: RecordingHistoryRow) -> HistoryEntry:
    return HistoryEntry(at=row.at, actor=row.actor, before=row.before, after=row.after, changes=row.changes)
