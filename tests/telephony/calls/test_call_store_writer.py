"""The call store writer loses nothing when the database is missing or down, and bounds what it holds."""
from __future__ import annotations

import asyncio

from core.db import make_engine
from core.dialplan import CONTEXT_FROM_PSTN, CONTEXT_PUBLIC
from hotline import migrate
from telephony.calls.queries import CallFilter, list_calls
from telephony.calls.store import CallStoreWriter
from telephony.calls.tracker import CallTracker
from tests.telephony.ami_replay import recorded


def call_events():
    tracker = CallTracker((CONTEXT_FROM_PSTN, CONTEXT_PUBLIC))
    return [d for name in ("queue_answered", "direct_answered") for e in recorded(name) for d in tracker.handle(e)]


async def test_rows_survive_a_database_that_is_not_there_yet(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'late.sqlite3'}"
    engine = make_engine(url)  # no tables yet: every write fails
    writer = CallStoreWriter(engine, batch_size=2, max_delay=0.01)
    events = call_events()
    for event in events:
        await writer(event)
    await asyncio.sleep(0.05)  # let background writes be attempted (and fail)
    assert writer.rows_written == 0

    await migrate.upgrade(url)  # the database comes back
    await writer.close()

    calls = await list_calls(engine, CallFilter())
    assert len(calls) == 2
    assert sum(len(c.states) for c in calls) == sum(1 for e in events if type(e).__name__ == "CallStateChanged")
    await engine.dispose()


async def test_a_full_buffer_holds_the_bus_until_the_database_takes_rows(tmp_path, monkeypatch):
    monkeypatch.setattr("core.group_commit.RETRY_MIN", 0.01)
    url = f"sqlite+aiosqlite:///{tmp_path / 'down.sqlite3'}"
    engine = make_engine(url)
    writer = CallStoreWriter(engine, batch_size=4, max_delay=10, max_buffered=4)
    blocked, fed = None, 0
    for event in call_events():   # until the 4th buffered row: the writer must hold there
        handled = asyncio.create_task(writer(event))
        await asyncio.sleep(0.05)
        fed += 1
        if not handled.done():
            blocked = handled
            break
    assert blocked is not None and fed <= 4, "the writer must hold the bus once 4 rows wait"

    await migrate.upgrade(url)
    await asyncio.wait_for(blocked, 5)
    assert writer.rows_written >= 4
    await writer.close()
    await engine.dispose()
