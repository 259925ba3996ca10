"""Two service instances (two engines, own connection pools, each its own dialer) work 1,000 due tasks on the real
PostgreSQL; each dialer originates into a fake sink that answers every call.

Every task must be originated exactly once (counted at the sink) and end ``done``. PostgreSQL only: the guarantee
comes from FOR UPDATE SKIP LOCKED (SQLite mode runs a single dialer).
"""
from __future__ import annotations

import asyncio
import collections
import datetime as dt

import pytest
from sqlalchemy import func, insert, select

from core.clock import utcnow
from core.db import make_engine, make_sessionmaker
from core.policy import load_profile
from telephony.callbacks.dialer import CallbackDialer, FreeAgent
from telephony.callbacks.models import CallbackTaskRow
from tests.telephony.callbacks.fake_originate import FakeOriginateAmi, dialer_for

pytestmark = pytest.mark.postgres

TASKS = 1000
AGENTS_PER_INSTANCE = 10


async def _seed(engine, now: dt.datetime) -> None:
    rows = [dict(number=f"+3706{i:07d}", state="pending", reasons=["abandoned"], due_at=now - dt.timedelta(seconds=i),
                 attempts=0, created_at=now, updated_at=now, priority=2) for i in range(TASKS)]
    async with make_sessionmaker(engine)() as session, session.begin():
        await session.execute(insert(CallbackTaskRow), rows)


def _dialer(engine, worker: str, sink: FakeOriginateAmi) -> CallbackDialer:
    agents = [FreeAgent(f"{worker}-{n}", frozenset()) for n in range(AGENTS_PER_INSTANCE)]

    async def publish(event) -> None:
        await asyncio.sleep(0)

    dialer = dialer_for(engine, sink, load_profile("lt-employment-1883"), worker, lambda: agents, publish)
    dialer.subscribe()
    return dialer


async def _work(dialer: CallbackDialer, sinks: list[FakeOriginateAmi]) -> None:
    """One instance's dialer rounds until the sinks saw as many originates as there are tasks."""
    while sum(len(sink.originates) for sink in sinks) < TASKS:
        await dialer.dial_due()
        await asyncio.sleep(0.001)
    while dialer.tries:   # the last tries finish
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_two_instances_originate_every_due_task_exactly_once(db_engine, db_url):
    await _seed(db_engine, utcnow())
    instance_a, instance_b = make_engine(db_url), make_engine(db_url)
    sink_a, sink_b = FakeOriginateAmi(), FakeOriginateAmi()
    dialer_a, dialer_b = _dialer(instance_a, "instance-a", sink_a), _dialer(instance_b, "instance-b", sink_b)
    try:
        async with asyncio.timeout(120):
            await asyncio.gather(_work(dialer_a, [sink_a, sink_b]), _work(dialer_b, [sink_a, sink_b]))
    finally:
        await dialer_a.close()
        await dialer_b.close()
        await instance_a.dispose()
        await instance_b.dispose()

    originated = collections.Counter(sink_a.tasks_originated() + sink_b.tasks_originated())
    assert len(originated) == TASKS                                        # 1000 distinct tasks dialled
    assert [task_id for task_id, count in originated.items() if count > 1] == []   # none twice
    assert sink_a.originates and sink_b.originates       # both instances really worked the same tasks
    async with make_sessionmaker(db_engine)() as session:
        states = dict((await session.execute(
            select(CallbackTaskRow.state, func.count()).group_by(CallbackTaskRow.state))).all())
        per_worker = dict((await session.execute(
            select(CallbackTaskRow.claimed_by, func.count()).group_by(CallbackTaskRow.claimed_by))).all())
    assert states == {"done": TASKS}
    assert per_worker == {"instance-a": len(sink_a.originates), "instance-b": len(sink_b.originates)}
