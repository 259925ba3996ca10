"""Claiming due callback tasks (priority order, due time) and recording tries (backoff, max attempts → failed).

Runs on SQLite and PostgreSQL: ordering and state transitions are the same; locking is tested in
test_callback_claims_concurrency.py.
"""
from __future__ import annotations

import datetime as dt

import pytest

from core.calendar import next_business_moment
from core.clock import utcnow
from core.policy import Callbacks, load_profile
from telephony.callbacks.claims import backoff, claim_due, finish, release, start_try, take_over_stale
from telephony.callbacks.models import priority

LT = load_profile("lt-employment-1883")
POLICY = Callbacks(max_attempts=3, retry_backoff_seconds=(300, 900))


async def test_due_tasks_are_claimed_dropped_then_agreed_time_then_missed_or_abandoned_then_others(callbacks,
                                                                                                    db_engine):
    now = utcnow()
    early, later = now - dt.timedelta(minutes=30), now - dt.timedelta(minutes=5)
    message = await callbacks.request_callback("+37060000001", "message", due_at=early)
    missed_late = await callbacks.request_callback("+37060000002", "missed", due_at=later)
    abandoned_early = await callbacks.request_callback("+37060000003", "abandoned", due_at=early)
    agreed = await callbacks.request_callback("+37060000004", "agreed_time", due_at=later)
    dropped = await callbacks.request_callback("+37060000005", "dropped", due_at=later)
    # a task asked for twice takes its most urgent reason: hold_refused alone would come last
    merged = await callbacks.request_callback("+37060000006", "hold_refused", due_at=early)
    await callbacks.request_callback("+37060000006", "dropped", due_at=early)
    await callbacks.request_callback("+37060000007", "dropped", due_at=now + dt.timedelta(minutes=1))  # not due

    claimed = await claim_due(db_engine, now, 10, "dialer-a")

    assert [task.id for task in claimed] == [merged, dropped, agreed, abandoned_early, missed_late, message]
    assert all(task.state == "dialing" and task.attempts == 1 for task in claimed)
    assert await claim_due(db_engine, now, 10, "dialer-a") == []   # claimed tasks are not claimed again


async def test_a_claim_takes_at_most_the_limit_and_records_the_worker_and_history(callbacks, db_engine):
    now = utcnow()
    ids = [await callbacks.request_callback(f"+3706000001{i}", "missed", due_at=now - dt.timedelta(minutes=i))
           for i in range(3)]

    first = await claim_due(db_engine, now, 2, "dialer-b")

    assert [task.id for task in first] == [ids[2], ids[1]]   # the longest waiting first within one priority
    assert [entry.event for entry in await callbacks.history(ids[2])] == ["created", "claimed"]
    assert [task.id for task in await claim_due(db_engine, now, 2, "dialer-b")] == [ids[0]]


async def test_unanswered_tries_back_off_then_the_task_fails_after_max_attempts(callbacks, db_engine):
    now = utcnow()
    task_id = await callbacks.request_callback("+37060000020", "abandoned", due_at=now)

    await claim_due(db_engine, now, 1, "d")
    assert await finish(db_engine, task_id, "no_answer", policy=POLICY, now=now) == "pending"
    task = await callbacks.get(task_id)
    assert (task.attempts, task.due_at) == (1, now + dt.timedelta(seconds=300))
    assert await claim_due(db_engine, now + dt.timedelta(seconds=299), 1, "d") == []   # still backing off

    second = now + dt.timedelta(seconds=300)
    assert [t.id for t in await claim_due(db_engine, second, 1, "d")] == [task_id]
    assert await finish(db_engine, task_id, "busy", policy=POLICY, now=second) == "pending"
    assert (await callbacks.get(task_id)).due_at == second + dt.timedelta(seconds=900)

    third = second + dt.timedelta(seconds=900)
    assert [t.attempts for t in await claim_due(db_engine, third, 1, "d")] == [3]
    assert await finish(db_engine, task_id, "no_answer", policy=POLICY, now=third) == "failed"
    assert (await callbacks.get(task_id)).state == "failed"
    assert await claim_due(db_engine, third + dt.timedelta(days=1), 1, "d") == []
    events = [(entry.event, entry.state) for entry in await callbacks.history(task_id)]
    assert events[-2:] == [("claimed", "dialing"), ("no_answer", "failed")]


async def test_a_retry_that_would_fall_after_closing_waits_for_the_next_opening(callbacks, db_engine):
    friday_evening = dt.datetime(2026, 11, 27, 13, 42, tzinfo=dt.timezone.utc)   # 15:42 Vilnius, closes 15:45
    task_id = await callbacks.request_callback("+37060000031", "missed", due_at=friday_evening)
    await claim_due(db_engine, friday_evening, 1, "d")

    await finish(db_engine, task_id, "busy", policy=POLICY, now=friday_evening,
                 open_at=lambda at: next_business_moment(at, LT))
    monday_opening = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.timezone.utc)      # 08:00 Vilnius
    assert (await callbacks.get(task_id)).due_at == monday_opening   # not Friday 15:47, after closing


async def test_an_answered_try_closes_the_task(callbacks, db_engine):
    now = utcnow()
    task_id = await callbacks.request_callback("+37060000030", "dropped", due_at=now)
    await claim_due(db_engine, now, 1, "d")

    assert await finish(db_engine, task_id, "answered", policy=POLICY, now=now) == "done"
    assert (await callbacks.get(task_id)).state == "done"


async def test_finishing_a_task_that_is_no_longer_dialing_leaves_it_alone(callbacks, db_engine):
    now = utcnow()
    task_id = await callbacks.request_callback("+37060000040", "missed", due_at=now)

    assert await finish(db_engine, task_id, "no_answer", policy=POLICY, now=now) == "pending"
    assert (await callbacks.get(task_id)).attempts == 0
    with pytest.raises(ValueError):
        await finish(db_engine, task_id, "exploded", policy=POLICY, now=now)


def test_backoff_repeats_its_last_step_and_priority_takes_the_most_urgent_reason():
    assert [backoff(n, POLICY).total_seconds() for n in (1, 2, 3, 7)] == [300, 900, 900, 900]
    assert priority(("message", "missed")) == 2
    assert priority(("qa_correction",)) == 3


def test_profiles_carry_the_dialer_retry_settings():
    for name in ("lt-employment-1883", "lv-social-insurance"):
        callbacks = load_profile(name).callbacks
        assert callbacks.max_attempts == 3
        assert callbacks.retry_backoff_seconds == (300, 900, 1800)


async def test_a_number_is_dialled_for_one_task_at_a_time(callbacks, db_engine):
    now = utcnow()
    number = "+37060000008"
    agreed = await callbacks.request_callback(number, "agreed_time", due_at=now - dt.timedelta(minutes=1),
                                              agreed_at=now + dt.timedelta(minutes=4))
    missed = await callbacks.request_callback(number, "missed", due_at=now - dt.timedelta(minutes=10))
    [first] = await claim_due(db_engine, now, 10, "dialer-a")   # both due: the more urgent (the promise) alone
    assert first.id == agreed
    assert await claim_due(db_engine, now, 10, "dialer-b") == []   # not while the number is being dialled
    await finish(db_engine, agreed, "answered", policy=POLICY, now=now)
    [second] = await claim_due(db_engine, now, 10, "dialer-a")
    assert second.id == missed


async def test_a_late_end_of_a_try_after_another_dialer_took_the_task_over_changes_nothing(callbacks, db_engine):
    now = utcnow()
    task_id = await callbacks.request_callback("+37060000009", "missed", due_at=now - dt.timedelta(minutes=1))
    [claimed] = await claim_due(db_engine, now, 1, "dialer-a")
    await start_try(db_engine, task_id, "call-a", "101", now=now)
    # dialer A froze; B takes the stale claim over, finds call-a gone, gives the task back and tries again
    later = now + dt.timedelta(minutes=5)
    assert await take_over_stale(db_engine, "dialer-b", later, now=later) == [task_id]
    assert await release(db_engine, task_id, later, "no_agent", call_id="call-a", worker="dialer-b", now=later) \
        == "pending"
    [again] = await claim_due(db_engine, later, 1, "dialer-b")
    await start_try(db_engine, task_id, "call-b", "102", now=later)
    # A thaws and reports its old try: answered. B's try is what counts, so nothing changes
    assert await finish(db_engine, task_id, "answered", call_id="call-a", worker="dialer-a", now=later) == "dialing"
    assert await release(db_engine, task_id, later, "no_agent", call_id="call-a", worker="dialer-a") == "dialing"
    task = await callbacks.get(task_id)
    assert (task.state, task.dial_call_id, task.agent, task.attempts) == ("dialing", "call-b", "102", again.attempts)
    assert await finish(db_engine, task_id, "answered", call_id="call-b", worker="dialer-b", now=later) == "done"
