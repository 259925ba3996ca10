"""The recordings catalogue: one entry per file, registered when the PBX starts writing it, finalised once the PBX
closed it (size, duration, SHA-256, format), checked later for files gone behind its back. A missing, empty or
truncated file is a state of its entry with its reason, never an exception. Every state change appends a row to
``recording_history``; entries are updated, history never.

MixMonitor's own ``MixMonitorStop`` event comes only for ``StopMixMonitor``, not at hang-up, so the end of a file
is found by looking at it: after the call's end the file is polled until its header's length matches its size and
the size stays put, for at most ``close_wait`` seconds.
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
from recording.exceptions import RecordingNotFound
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


class RecordingCatalogue:
    def __init__(self, engine: AsyncEngine, store: RecordingStore, notifier: RecordingNotifier, *,
                 close_wait: float = 15.0, poll: float = 0.25) -> None:
        self.engine, self.store, self.notifier = engine, store, notifier
        self.close_wait, self.poll = close_wait, poll
        self._sessions = make_sessionmaker(engine)

    async def register(self, new: NewRecording, state: RecordingState) -> str:
        """The entry's id; an entry already there for the key is kept as it is (the bus may deliver twice)."""
        entry_id = recording_id(new.key)
        async with write_lock(self.engine), self._sessions() as session, session.begin():
            if await session.get(RecordingRow, entry_id) is not None:
                return entry_id
            session.add(RecordingRow(id=entry_id, state=state.value, **new.__dict__))
            session.add(RecordingHistoryRow(recording_id=entry_id, at=utcnow(), actor=CATALOGUE, before=None,
                                            after=state.value, changes={"key": new.key, "kind": new.kind}))
        return entry_id

    async def finalise(self, entry_id: str, links: CallLinks | None = None) -> RecordingView:
        """Wait for the file to be closed, measure and hash it, and store what it is."""
        row = await self._row(entry_id)
        await self._wait_closed(row.key)
        facts = await asyncio.to_thread(inspect, self.store, row.key)   # hashing a long call takes a while
        state = RecordingState.TRUNCATED if facts.state == OPEN else facts.state   # never closed by the PBX
        fields = _fields(facts)
        if links is not None:
            fields |= {name: value for name, value in links.__dict__.items() if value is not None}
        view = await self._change(entry_id, state, CATALOGUE, fields | {"finalised_at": utcnow()})
        await self.notifier.finalised(RecordingFinalised(at=utcnow(), recording_id=view.id, call_id=view.call_id,
                                                         kind=view.kind, state=view.state, key=view.key))
        if view.state != RecordingState.READY:
            log.warning("recording %s of call %s finalised %s: %s", view.id, view.call_id, view.state, view.error)
        return view

    async def _wait_closed(self, key: str) -> FileFacts:
        loop = asyncio.get_running_loop()
        deadline, previous = loop.time() + self.close_wait, None
        while True:
            facts = await asyncio.to_thread(look, self.store, key)
            if facts.closed and previous is not None and previous.size == facts.size:
                return facts
            if loop.time() >= deadline:
                return facts
            previous = facts
            await asyncio.sleep(self.poll)

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

    async def unfinished(self) -> list[str]:
        """Entries still being recorded or not inspected yet (after a restart: their calls ended meanwhile)."""
        stmt = select(RecordingRow.id).where(RecordingRow.state.in_(
            [RecordingState.RECORDING.value, RecordingState.REGISTERED.value]))
        async with self._sessions() as session:
            return list((await session.scalars(stmt)).all())

    async def closed_now(self, entry_id: str) -> bool:
        """Whether the entry's file looks closed right now (no waiting)."""
        return (await asyncio.to_thread(look, self.store, (await self._row(entry_id)).key)).closed

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

    async def _row(self, entry_id: str) -> RecordingRow:
        async with self._sessions() as session:
            row = await session.get(RecordingRow, entry_id)
        if row is None:
            raise RecordingNotFound(f"no recording {entry_id}")
        return row

    async def _change(self, entry_id: str, state: str, actor: str, fields: dict) -> RecordingView:
        async with write_lock(self.engine), self._sessions() as session, session.begin():
            row = await session.get(RecordingRow, entry_id)
            if row is None:
                raise RecordingNotFound(f"no recording {entry_id}")
            before = row.state
            changed = {name: value for name, value in fields.items() if getattr(row, name) != value}
            for name, value in changed.items():
                setattr(row, name, value)
            row.state = state
            session.add(RecordingHistoryRow(recording_id=entry_id, at=utcnow(), actor=actor, before=before,
                                            after=state, changes=_jsonable(changed) or None))
            await session.flush()
            return RecordingView.of(row)


def _fields(facts: FileFacts) -> dict:
    header = facts.header
    return {"size": facts.size, "duration_seconds": facts.duration_seconds, "sha256": facts.sha256,
            "file_format": "wav" if header else None, "codec": header.codec if header else None,
            "sample_rate": header.sample_rate if header else None, "channels": header.channels if header else None,
            "sample_width": header.bits // 8 if header else None, "error": facts.error}


def _jsonable(changes: dict) -> dict:
    return {name: value.isoformat() if isinstance(value, dt.datetime) else value for name, value in changes.items()}


def _history_entry(row: RecordingHistoryRow) -> HistoryEntry:
    return HistoryEntry(at=row.at, actor=row.actor, before=row.before, after=row.after, changes=row.changes)
