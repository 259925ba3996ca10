"""Two service instances (two engines, own connection pools) claim 1,000 due tasks on the real PostgreSQL.

The fake originate sink counts the task ids each instance would dial: every task must be dialled exactly once.
PostgreSQL only: the guarantee comes from FOR UPDATE SKIP LOCKED (SQLite mode runs a single dialer).
"""
from __future__ import annotations

import asyncio
import collections
import datetime as dt

import pytest
from sqlalchemy import func, insert, select

from core.db import make_engine, make_sessionmaker, utcnow
from telephony.callback_claims import claim_due
from telephony.callbacks import CallbackTaskRow

pytestmark = pytest.mark.postgres

TASKS = 1000


async def _seed(engine, now: dt.datetime) -> None:
    rows = [dict(number=f"+3706{i:07d}", state="pending", reasons=["abandoned"], due_at=now - dt.timedelta(seconds=i),
                 attempts=0, created_at=now, updated_at=now) for i in range(TASKS)]
    async with make_sessionmaker(engine)() as session, session.begin():
        await session.execute(insert(CallbackTaskRow), rows)


async def _dialer(engine, worker: str, now: dt.datetime, sink: collections.Counter, originated: list) -> None:
    """One instance's dialer loop: claim a batch, 'originate' each task, until nothing is due."""
    while batch := await claim_due(engine, now, 7, worker):
        for task in batch:
            sink[task.id] += 1
            originated.append(task.id)
            await asyncio.sleep(0)   # yield as a real originate would, so the two instances interleave


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_two_instances_claim_every_due_task_exactly_once(db_engine, db_url):
    now = utcnow()
    await _seed(db_engine, now)
    instance_a, instance_b = make_engine(db_url), make_engine(db_url)
    sink: collections.Counter = collections.Counter()
    by_a: list[int] = []
    by_b: list[int] = []
    try:
        await asyncio.gather(_dialer(instance_a, "instance-a", now, sink, by_a),
                             _dialer(instance_b, "instance-b", now, sink, by_b))
    finally:
        await instance_a.dispose()
        await instance_b.dispose()

    assert len(sink) == TASKS                                   # 1000 distinct tasks dialled
    assert [task_id for task_id, count in sink.items() if count > 1] == []   # none twice
    assert by_a and by_b                                       # both instances really worked the same queue
    async with make_sessionmaker(db_engine)() as session:
        per_worker = dict((await session.execute(
            select(CallbackTaskRow.claimed_by, func.count()).where(CallbackTaskRow.state == "dialing",
                                                                    CallbackTaskRow.attempts == 1)
            .group_by(CallbackTaskRow.claimed_by))).all())
    assert per_worker == {"instance-a": len(by_a), "instance-b": len(by_b)}
