"""Callback task storage on SQLite and PostgreSQL: create, one open task per number with merged reasons, listing."""
from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from core.clock import utcnow
from telephony.callbacks.models import CallbackFilter
from tests.telephony.callbacks.task_fixtures import update_task

NUMBER = "+37060000001"
OTHER = "+37061234567"


async def test_a_request_creates_a_pending_task_with_its_reason_and_due_time(callbacks):
    due = utcnow() + dt.timedelta(minutes=6)
    task_id = await callbacks.request_callback(NUMBER, "hold_refused", due_at=due, call_id="1.1",
                                               queue="general_info")
    task = await callbacks.get(task_id)
    assert (task.number, task.state, task.reasons, task.attempts) == (NUMBER, "pending", ("hold_refused",), 0)
    assert abs(task.due_at - due) < dt.timedelta(seconds=1) and task.due_at.tzinfo is not None
    assert (task.call_id, task.queue, task.extension) == ("1.1", "general_info", None)
    assert [entry.event for entry in await callbacks.history(task_id)] == ["created"]


async def test_one_open_recovery_task_per_number_reasons_merged_the_earlier_due_time_kept(callbacks):
    now = utcnow()
    first = await callbacks.request_callback(NUMBER, "hold_refused", due_at=now + dt.timedelta(minutes=10))
    second = await callbacks.request_callback(NUMBER, "missed", due_at=now + dt.timedelta(minutes=1),
                                              queue="employers")
    again = await callbacks.request_callback(NUMBER, "hold_refused", due_at=now + dt.timedelta(minutes=30))
    assert first == second == again
    [task] = await callbacks.list()
    assert task.reasons == ("hold_refused", "missed")        # each reason once, in the order asked
    assert abs(task.due_at - (now + dt.timedelta(minutes=1))) < dt.timedelta(seconds=1)
    assert (task.queue, task.promise) == ("employers", False)
    assert [entry.event for entry in await callbacks.history(first)] == ["created", "merged", "merged"]


@pytest.mark.parametrize("promise", ["agreed_time", "message", "qa_correction"])
async def test_a_promise_is_a_task_of_its_own_its_time_and_employee_untouched(callbacks, promise):
    now = utcnow()
    agreed = now + dt.timedelta(hours=3)
    owed = await callbacks.request_callback(NUMBER, "missed", due_at=now, queue="employers")
    kept = await callbacks.request_callback(NUMBER, promise, due_at=agreed, extension="104",
                                            agreed_at=agreed if promise == "agreed_time" else None)
    another = await callbacks.request_callback(NUMBER, promise, due_at=agreed, extension="102")
    assert len({owed, kept, another}) == 3                  # never merged, not even into each other
    task = await callbacks.get(kept)
    assert (task.reasons, task.extension, task.promise) == ((promise,), "104", True)
    assert abs(task.due_at - agreed) < dt.timedelta(seconds=1)   # not pulled forward by the missed call
    assert await callbacks.request_callback(NUMBER, "abandoned") == owed   # recovery merges as before
    assert (await callbacks.get(kept)).reasons == (promise,)


async def test_an_answered_call_settles_missed_abandoned_and_hold_refused_only(callbacks, db_engine):
    owed = await callbacks.request_callback(NUMBER, "missed")
    await callbacks.request_callback(NUMBER, "abandoned")
    promises = [await callbacks.request_callback(NUMBER, reason, extension="101")
                for reason in ("agreed_time", "message", "qa_correction")]
    cut_off = await callbacks.request_callback(OTHER, "missed")
    await callbacks.request_callback(OTHER, "dropped")      # a cut conversation: still owed after a call-in
    assert await callbacks.satisfy_open_tasks(NUMBER, call_id="in.9") == [owed]
    assert [(await callbacks.get(task)).state for task in promises] == ["pending"] * 3
    assert await callbacks.satisfy_open_tasks(OTHER, call_id="in.10") == []
    assert (await callbacks.get(cut_off)).state == "pending"


async def test_a_closed_task_does_not_absorb_a_new_request(callbacks, db_engine):
    done = await callbacks.request_callback(NUMBER, "hold_refused")
    await update_task(db_engine, done, state="done")
    fresh = await callbacks.request_callback(NUMBER, "missed")
    assert fresh != done
    assert (await callbacks.get(fresh)).reasons == ("missed",)
    dialing = fresh
    await update_task(db_engine, dialing, state="dialing")   # being dialled is still open
    assert await callbacks.request_callback(NUMBER, "hold_refused") == dialing


async def test_concurrent_requests_for_one_number_still_make_one_recovery_task(callbacks):
    ids = await asyncio.gather(*(callbacks.request_callback(NUMBER, reason)
                                 for reason in ("hold_refused", "dropped", "missed", "abandoned")))
    assert len(set(ids)) == 1
    [task] = await callbacks.list()
    assert sorted(task.reasons) == ["abandoned", "dropped", "hold_refused", "missed"]


async def test_unknown_reason_or_empty_number_is_refused_and_stores_nothing(callbacks):
    with pytest.raises(ValueError):
        await callbacks.request_callback(NUMBER, "because")
    with pytest.raises(ValueError):
        await callbacks.request_callback("", "missed")
    assert await callbacks.list() == []


async def test_listing_is_by_due_time_and_filters_by_state_reason_and_employee(callbacks, db_engine):
    now = utcnow()
    late = await callbacks.request_callback(NUMBER, "hold_refused", due_at=now + dt.timedelta(hours=1))
    soon = await callbacks.request_callback(OTHER, "message", due_at=now, extension="101")
    assert [t.id for t in await callbacks.list()] == [soon, late]
    assert [t.id for t in await callbacks.list(CallbackFilter(reason="message"))] == [soon]
    assert [t.id for t in await callbacks.list(CallbackFilter(extension="101"))] == [soon]
    await update_task(db_engine, late, state="cancelled")
    assert [t.id for t in await callbacks.list(CallbackFilter(state="pending"))] == [soon]
    assert [t.id for t in await callbacks.list(CallbackFilter(limit=1, offset=1))] == [late]
