"""The callback dialer's limits, against the fake originate sink on SQLite and PostgreSQL: it reads the database
only when a task may be due, settles a try that failed with an error, gives up on tasks no agent answers, starts
no try the closing would cut, and hands an employee's overdue tasks to their competence's queue."""
from __future__ import annotations

import asyncio
import datetime as dt

from core.clock import utcnow
from core.events import SlaAlert
from telephony.callbacks.admin import CallbackAdmin
from telephony.callbacks.dialer import FreeAgent
from tests.telephony.callbacks.fake_originate import AGENT_NO_ANSWER, HOLD, FakeOriginateAmi, dialer_for
from tests.telephony.callbacks.test_callback_dialer import (CLIENT, OTHER, POLICY, PROFILE, WORKER, Published,
                                                            make_dialer, settle)


async def test_the_dialer_reads_its_own_new_tasks_at_once_and_other_writers_at_the_rescan(db_engine, callbacks):
    ami, published = FakeOriginateAmi(), Published()
    dialer = make_dialer(db_engine, ami, published)
    now = utcnow()
    assert await dialer.dial_due(now) == []                    # nothing due: the look says so
    own = await dialer.runner.callbacks.request_callback(CLIENT, "missed")   # this service's own request
    assert await dialer.dial_due(now + dt.timedelta(seconds=1)) == [own]
    await settle(dialer)
    assert await dialer.dial_due(now + dt.timedelta(seconds=1.5)) == []   # the ended try's look: nothing more
    elsewhere = await callbacks.request_callback(OTHER, "missed")   # another instance, or the CLI
    soon = now + dt.timedelta(seconds=2)
    assert await dialer.dial_due(soon) == []                   # not read yet: nothing this process knows changed
    rescan = soon + dt.timedelta(seconds=dialer.lookout.rescan_seconds)
    assert await dialer.dial_due(rescan) == [elsewhere]

async def test_a_try_that_fails_with_an_error_is_settled_by_the_next_poll_not_the_next_reconnect(db_engine,
                                                                                                 callbacks):
    task_id = await callbacks.request_callback(CLIENT, "missed")
    ami, published = FakeOriginateAmi(default=HOLD), Published()
    dialer = make_dialer(db_engine, ami, published)
    dialer.poll_seconds = 0.05
    follow = dialer.runner.follow

    async def broken(attempt):   # the try raises while its call is up (a bug, a database error)
        ami.live.add(attempt.call_id)
        raise RuntimeError("injected")

    dialer.runner.follow = broken
    dialer.start()
    try:
        async with asyncio.timeout(10):
            while not ami.originates:
                await asyncio.sleep(0.01)
        call_id = ami.originates[0]["ChannelId"]
        dialer.runner.follow = follow   # the reconcile follows the call that is still up, to its end
        async with asyncio.timeout(10):
            while call_id not in dialer.tries:
                await asyncio.sleep(0.01)
        ami.finish(call_id, "ANSWER")
        async with asyncio.timeout(10):
            while (await callbacks.get(task_id)).state != "done":
                await asyncio.sleep(0.05)
    finally:
        await dialer.close()
    assert len(ami.originates) == 1   # settled, never dialled twice

async def test_a_task_no_agent_ever_answers_fails_after_the_limit_with_an_alert_and_a_reschedule_starts_over(
        db_engine, callbacks):
    limit = POLICY.max_no_agent_releases
    task_id = await callbacks.request_callback(CLIENT, "missed")
    ami, published = FakeOriginateAmi({CLIENT: AGENT_NO_ANSWER}), Published()
    dialer = make_dialer(db_engine, ami, published)
    now = utcnow()
    for n in range(limit):   # every try: the agent does not answer, the task is given back
        later = now + dt.timedelta(seconds=(POLICY.no_agent_retry_seconds + 1) * (n + 1))
        dialer.lookout.changed()
        assert await dialer.dial_due(now=later) == [task_id]
        await settle(dialer)
    task = await callbacks.get(task_id)
    assert (task.state, task.attempts) == ("failed", 0)   # the client was never dialled: no try counted
    [alert] = published.of(SlaAlert)
    assert "no agent answered" in alert.message and CLIENT not in alert.message
    assert len(ami.originates) == limit
    again = await CallbackAdmin(callbacks, PROFILE).reschedule(task_id, utcnow(), "supervisor-1")
    assert again.state == "pending"
    dialer.lookout.changed()
    restart = max(again.due_at, later) + dt.timedelta(seconds=1)   # due again in business hours
    assert await dialer.dial_due(now=restart) == [task_id]   # the count starts over
    await settle(dialer)
    assert (await callbacks.get(task_id)).state == "pending"

async def test_no_try_starts_when_the_line_closes_before_it_could_end(db_engine, callbacks):
    await callbacks.request_callback(CLIENT, "missed", due_at=utcnow() - dt.timedelta(minutes=10))
    closes = utcnow() + dt.timedelta(seconds=60)   # a minute before closing: less than a try takes

    def open_at(at: dt.datetime) -> dt.datetime:
        return at if at < closes else closes + dt.timedelta(hours=14)   # closed after `closes`, open again later

    ami = FakeOriginateAmi()
    dialer = make_dialer(db_engine, ami, Published(), open_at=open_at)
    assert await dialer.dial_due(now=utcnow()) == [] and ami.originates == []
    assert len(await dialer.dial_due(now=closes - dialer.try_length - dt.timedelta(seconds=1))) == 1
    await settle(dialer)

async def test_a_task_for_an_employee_who_is_never_free_goes_to_their_competence_queue_with_an_alert(
        db_engine, callbacks):
    overdue = dt.timedelta(seconds=POLICY.escalate_addressed_after_seconds)
    long_ago = utcnow() - overdue - dt.timedelta(minutes=1)
    waiting = await callbacks.request_callback(CLIENT, "message", due_at=long_ago, extension="105")
    recent = await callbacks.request_callback(OTHER, "message", due_at=utcnow(), extension="105")
    colleague = FreeAgent("101", frozenset({"employers"}))
    ami, published = FakeOriginateAmi(), Published()
    dialer = dialer_for(db_engine, ami, PROFILE, WORKER, lambda: [colleague], published,
                        queues_of=lambda extension: ("employers",) if extension == "105" else ())
    dialer.subscribe()
    assert await dialer.dial_due() == []   # 105 is never free: their tasks wait for them...

    assert await dialer.escalate_overdue() == 1   # ...until one has waited too long
    task = await callbacks.get(waiting)
    assert (task.extension, task.queue, task.state) == (None, "employers", "pending")
    assert (await callbacks.get(recent)).extension == "105"
    [alert] = published.of(SlaAlert)
    assert (alert.kind, alert.extension, alert.queue) == ("callback_escalated", "105", "employers")
    assert CLIENT not in alert.message
    assert await dialer.dial_due() == [waiting]   # a colleague of the same competence calls back now
    await settle(dialer)
    assert [entry.event for entry in await callbacks.history(waiting)][:2] == ["created", "escalated"]
