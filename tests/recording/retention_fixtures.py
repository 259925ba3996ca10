"""What the retention and subject-request tests store: finalised recordings (a real WAV file each) of a given age,
calls from a number, messages with their voice recordings, and a fake derived-data hook that notes what it got."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.clock import utcnow
from core.db import make_sessionmaker
from core.policy import load_profile
from recording import Graveyard, RecordingState, RetentionPurge
from recording.service import NewRecording
from telephony import MessageDetailsHook, call_metadata, message_details
from telephony.calls.models import CallRow
from telephony.messages.models import MessageRow
from tests.recording.catalogue_fixtures import Catalogued
from tests.recording.wav_files import closed_wav

LT = load_profile("lt-employment-1883")


def days_ago(days: float) -> dt.datetime:
    return utcnow() - dt.timedelta(days=days)


@dataclass
class FakeDerived:
    """A kind of derived data (as the analysis will be): what it was asked to purge, on which connection."""

    name: str = "fake_derived"
    purged: list[str] = field(default_factory=list)

    async def purge(self, conn, recordings: Sequence) -> int:
        assert conn.in_transaction()   # inside the purge's own transaction
        self.purged += [r.id for r in recordings]
        return len(recordings)


def make_purge(catalogued: Catalogued, *hooks, batch: int = 100, profile=LT) -> RetentionPurge:
    engine = catalogued.catalogue.engine
    graveyard = Graveyard(engine, catalogued.catalogue.store, [MessageDetailsHook(engine), *hooks], batch=batch)
    return RetentionPurge(engine, graveyard, profile.retention, [call_metadata(engine), message_details(engine)])


async def recorded(catalogued: Catalogued, name: str, started_at: dt.datetime, *, kind: str = "mix",
                   call_id: str | None = None, message_id: int | None = None) -> str:
    """A finalised (ready) recording of ``kind`` with its file in the monitor directory; its id."""
    closed_wav(catalogued.monitor / name, 0.2)
    catalogue = catalogued.catalogue
    entry_id = await catalogue.register(NewRecording(kind=kind, key=name, started_at=started_at, call_id=call_id,
                                                     message_id=message_id), RecordingState.RECORDING)
    assert (await catalogue.finalise(entry_id)).state == RecordingState.READY
    return entry_id


async def add_call(engine, call_id: str, caller: str, started_at: dt.datetime) -> None:
    async with make_sessionmaker(engine)() as session, session.begin():
        session.add(CallRow(id=call_id, caller=caller, dialed="1883", started_at=started_at))


async def add_message(engine, caller: str, created_at: dt.datetime) -> int:
    async with make_sessionmaker(engine)() as session, session.begin():
        row = MessageRow(extension="101", caller=caller, caller_name="Vardenis Pavardenis", reason="dėl pažymos",
                         audio_path="msg.wav", created_at=created_at)
        session.add(row)
        await session.flush()
        return row.id


async def stored(engine, model, key):
    async with make_sessionmaker(engine)() as session:
        return await session.get(model, key)
