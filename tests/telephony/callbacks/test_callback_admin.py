"""Agreed-time callbacks, follow-ups, dropped marks, cancel, reschedule and task detail on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest

from core.calendar import next_business_moment
from core.clock import utcnow
from telephony.callbacks.admin import CallbackAdmin, CallbackRequest, DroppedMark
from telephony.callbacks.exceptions import CallbackConflict, CallbackNotFound, InvalidCallbackRequest
from tests.telephony.callbacks.task_fixtures import PROFILE, business_time, store_call, update_task

NUMBER = "+37060000001"        # made up
TOLERANCE = dt.timedelta(seconds=PROFILE.callbacks.agreed_time_tolerance_seconds)


@pytest.fixture
def admin(callbacks) -> CallbackAdmin:
    return CallbackAdmin(callbacks, PROFILE)


async def test_an_agreed_time_is_due_tolerance_early_with_agreed_time_priority(admin, callbacks):
    agreed = business_time()
    created = await admin.create_agreed("860000001", agreed, extension="101", note="answer on the benefit")
    task = await callbacks.get(created.task_id)
    assert (task.number, task.state, task.reasons, task.priority) == (NUMBER, "pending", ("agreed_time",), 1)
    assert (task.agreed_at, task.due_at) == (agreed, agreed - TOLERANCE)
    assert (task.extension, task.note, created.warning) == ("101", "answer on the benefit", None)


async def test_an_agreed_time_outside_business_hours_is_kept_with_a_warning(admin, callbacks):
    agreed = business_time() - dt.timedelta(hours=3)   # two hours before opening
    created = await admin.create_agreed(NUMBER, agreed)
    task = await callbacks.get(created.task_id)
    assert (task.agreed_at, task.due_at) == (agreed, agreed - TOLERANCE)   # not moved into business hours
    assert "outside business hours" in created.warning


async def test_a_past_naive_or_unusable_agreed_time_request_is_refused_and_stores_nothing(admin, callbacks):
    now = utcnow()
    with pytest.raises(InvalidCallbackRequest, match="in the past"):
        await admin.create_agreed(NUMBER, now - TOLERANCE - dt.timedelta(minutes=1))
    with pytest.raises(InvalidCallbackRequest, match="timezone"):
        await admin.create_agreed(NUMBER, business_time().replace(tzinfo=None))
    for unusable in ("12345", "anonymous", "+999123456789"):   # too short, withheld, no such country code
        with pytest.raises(InvalidCallbackRequest, match="give a valid phone number"):
            await admin.create_agreed(unusable, business_time())
    with pytest.raises(InvalidCallbackRequest, match="unknown queue"):
        await admin.create_agreed(NUMBER, business_time(), queue="nope")
    assert await callbacks.list() == []
    # within the tolerance a time just gone is still kept: the window around it is open now
    late = await admin.create_agreed(NUMBER, now - dt.timedelta(minutes=1))
    assert (await callbacks.get(late.task_id)).due_at <= now


async def test_a_follow_up_of_a_done_task_keeps_the_number_and_links_the_call(admin, callbacks, db_engine):
    first = await callbacks.request_callback(NUMBER, "abandoned", call_id="in.1", queue="employers")
    with pytest.raises(CallbackConflict, match="still pending"):
        await admin.follow_up(first, business_time())
    await update_task(db_engine, first, state="done", dial_call_id="out.7", agent="104")
    agreed = business_time()
    follow = await admin.follow_up(first, agreed, "the decision comes on Friday")
    task = await callbacks.get(follow.task_id)
    assert follow.task_id != first
    assert (task.number, task.reasons, task.call_id, task.queue) == (NUMBER, ("agreed_time",), "out.7", "employers")
    assert (task.extension, task.agreed_at, task.note) == ("104", agreed, "the decision comes on Friday")
    with pytest.raises(CallbackNotFound):
        await admin.follow_up(99999, agreed)


async def test_an_agreed_time_for_a_number_being_dialled_is_a_promise_of_its_own_not_merged_into_the_try(
        admin, callbacks, db_engine):
    dialing = await callbacks.request_callback(NUMBER, "missed")
    await update_task(db_engine, dialing, state="dialing")
    agreed = await admin.create_agreed(NUMBER, business_time(), extension="102")
    assert agreed.task_id != dialing and (await callbacks.get(dialing)).reasons == ("missed",)
    promise = await callbacks.get(agreed.task_id)
    assert (promise.state, promise.reasons, promise.extension, promise.promise) == (
        "pending", ("agreed_time",), "102", True)


async def test_cancel_closes_an_open_task_and_refuses_a_closed_one(admin, callbacks, db_engine):
    pending = await callbacks.request_callback(NUMBER, "missed")
    task = await admin.cancel(pending, "supervisor-1")
    assert task.state == "cancelled"
    assert [entry.event for entry in await callbacks.history(pending)] == ["created", "cancelled"]
    with pytest.raises(CallbackConflict, match="is cancelled"):
        await admin.cancel(pending, "supervisor-1")
    dialing = await callbacks.request_callback(NUMBER, "missed")
    await update_task(db_engine, dialing, state="dialing")
    assert (await admin.cancel(dialing, "supervisor-1")).state == "cancelled"
    with pytest.raises(CallbackNotFound):
        await admin.cancel(99999, "supervisor-1")


async def test_rescheduling_a_failed_task_makes_it_pending_with_its_tries_back(admin, callbacks, db_engine):
    failed = await callbacks.request_callback(NUMBER, "missed")
    await update_task(db_engine, failed, state="failed", attempts=3)
    wanted = utcnow() + dt.timedelta(hours=1)
    task = await admin.reschedule(failed, wanted, "supervisor-1")
    assert (task.state, task.attempts) == ("pending", 0)
    assert task.due_at == next_business_moment(wanted, PROFILE)   # due only inside business hours
    history = [(entry.event, entry.state) for entry in await callbacks.history(failed)]
    assert history[-1] == ("rescheduled", "pending")
    later = business_time(days_ahead=5)
    assert (await admin.reschedule(failed, later, "supervisor-1")).due_at == later   # a pending one too


async def test_rescheduling_a_dialing_or_closed_task_is_a_conflict(admin, callbacks, db_engine):
    task_id = await callbacks.request_callback(NUMBER, "missed")
    for state in ("dialing", "done", "cancelled"):
        await update_task(db_engine, task_id, state=state)
        with pytest.raises(CallbackConflict, match=f"is {state}"):
            await admin.reschedule(task_id, utcnow(), "supervisor-1")
    with pytest.raises(CallbackNotFound):
        await admin.reschedule(99999, utcnow(), "supervisor-1")


async def test_a_failed_task_is_not_reopened_beside_its_numbers_open_task(admin, callbacks, db_engine):
    failed = await callbacks.request_callback(NUMBER, "missed")
    await update_task(db_engine, failed, state="failed", attempts=3)
    newer = await callbacks.request_callback(NUMBER, "abandoned")
    with pytest.raises(CallbackConflict, match=f"task {newer}"):
        await admin.reschedule(failed, utcnow(), "supervisor-1")
    assert ((await callbacks.get(failed)).state, (await callbacks.get(newer)).state) == ("failed", "pending")


async def test_three_abandons_are_one_task_with_one_reason_and_three_requests(admin, callbacks):
    ids = {await callbacks.request_callback(NUMBER, "abandoned", call_id=f"in.{n}") for n in (1, 2, 3)}
    [task_id] = ids
    assert (await callbacks.get(task_id)).reasons == ("abandoned",)
    requests = await admin.requests(task_id)
    assert [(r.reason, r.call_id) for r in requests] == [("abandoned", f"in.{n}") for n in (1, 2, 3)]
    assert all(isinstance(r, CallbackRequest) and r.at.tzinfo is not None for r in requests)
    detail = await admin.detail(task_id)
    assert [(h.event, h.call_id) for h in detail.history] == [("created", "in.1"), ("merged", "in.2"),
                                                              ("merged", "in.3")]


async def test_an_agent_marking_their_answered_call_dropped_makes_a_dropped_task(admin, callbacks, db_engine):
    await store_call(db_engine, "in.9", "37060000001", [("offered", None), ("queued", None),
                                                        ("answered", "Local/101@sandbox-agents")])
    with pytest.raises(CallbackNotFound, match="answered by extension 102"):
        await admin.mark_call_dropped("in.9", answered_by="102")
    before = utcnow()
    mark = await admin.mark_call_dropped("in.9", answered_by="101")
    task = await callbacks.get(mark.task_id)
    assert (task.number, task.reasons, task.priority, task.call_id, task.queue) == (
        NUMBER, ("dropped",), 0, "in.9", "job_seekers")
    assert next_business_moment(before, PROFILE) <= task.due_at <= next_business_moment(utcnow(), PROFILE)
    assert await callbacks.requested_by_call("in.9")   # the detector will not add a second request at the end
    with pytest.raises(CallbackNotFound):
        await admin.mark_call_dropped("in.missing")


async def test_a_dropped_mark_without_usable_number_records_why_and_a_never_answered_call_is_refused(
        admin, callbacks, db_engine):
    await store_call(db_engine, "in.anon", "anonymous", [("offered", None), ("answered", "PJSIP/101")])
    assert await admin.mark_call_dropped("in.anon") == DroppedMark(None, "no_usable_number")
    [skip] = await callbacks.skips("in.anon")
    assert (skip.cause, skip.reason) == ("dropped", "no_usable_number")
    await store_call(db_engine, "in.rang", NUMBER, [("offered", None), ("ringing", "PJSIP/101")])
    with pytest.raises(CallbackConflict, match="never answered"):
        await admin.mark_call_dropped("in.rang")
    assert await callbacks.list() == []


async def test_the_history_says_who_changed_what_before_and_after(admin, callbacks, db_engine):
    task_id = await callbacks.request_callback(NUMBER, "missed", queue="employers", actor="callback-detector")
    wanted = business_time(days_ahead=2)
    before_due = (await callbacks.get(task_id)).due_at
    await admin.reschedule(task_id, wanted, "supervisor-1")
    await admin.cancel(task_id, "supervisor-2")
    created, rescheduled, cancelled = await callbacks.history(task_id)
    assert (created.actor, created.changes["reasons"], created.changes["queue"]) == (
        "callback-detector", [None, ["missed"]], [None, "employers"])
    assert rescheduled.actor == "supervisor-1"
    assert rescheduled.changes["due_at"] == [before_due.isoformat(), wanted.isoformat()]
    assert (cancelled.actor, cancelled.changes) == ("supervisor-2", {"state": ["pending", "cancelled"]})
