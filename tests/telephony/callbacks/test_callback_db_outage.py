"""A database failure never drops a callback: PostgreSQL refuses every connection (its connections killed) while a
caller abandons the queue; the detector's ledger keeps its decision and tries again; once PostgreSQL is back the
task is written, once."""
from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy.engine import make_url

from core.bus import EventBus
from core.db import is_transient_error, make_engine
from core.events import CallOffered, CallState, CallStateChanged, EndCause
from core.policy import load_profile
from hotline.migrate import upgrade
from telephony.callbacks.detection import CallbackDetector
from telephony.callbacks.service import CallbackService
from tests.db_fixtures import _admin, _reset_schema

pytestmark = pytest.mark.postgres

NUMBER = "+37060000098"   # made up
AT = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.timezone.utc)   # a Tuesday, inside business hours


async def test_the_task_of_a_call_that_ended_while_postgresql_was_away_is_written_once_it_is_back(
        postgres_database_url):
    await _reset_schema(postgres_database_url)
    await upgrade(postgres_database_url)
    database = make_url(postgres_database_url).database
    engine = make_engine(postgres_database_url)
    callbacks = CallbackService(engine)
    bus = EventBus()
    detector = CallbackDetector(callbacks, load_profile("lt-employment-1883"))
    bus.subscribe("callback_detection", detector, CallOffered, CallStateChanged, durable=True,
                  retry=is_transient_error)
    await bus.start()
    try:
        assert await callbacks.list() == []    # the pool holds a live connection now
        # the database goes away: no new connections, the pooled ones killed
        await _admin([f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false',
                      f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"])
        await bus.publish(CallOffered(AT, "cut-1", NUMBER, "1883", "PJSIP/trunk-1"))
        await bus.publish(CallStateChanged(AT, "cut-1", CallState.QUEUED, queue="general_info"))
        await bus.publish(CallStateChanged(AT, "cut-1", CallState.ENDED, cause=EndCause.ABANDONED))
        async with asyncio.timeout(10):
            while detector.ledger.failed_writes < 2:   # it is failing, and trying again
                await asyncio.sleep(0.05)
        await _admin([f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'])
        await asyncio.wait_for(bus.drain(), 30)
        async with asyncio.timeout(30):
            while detector.ledger.pending:   # the next background try writes it
                await asyncio.sleep(0.05)
        [task] = await callbacks.list()
        assert (task.number, task.reasons, task.call_id) == (NUMBER, ("abandoned",), "cut-1")
        assert [entry.event for entry in await callbacks.history(task.id)] == ["created"]
        assert bus.stats()["callback_detection"].failed == 0
    finally:
        await _admin([f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'])
        await bus.stop()
        await engine.dispose()
