"""Callback detection: call events in, callback tasks (or recorded reasons for none) out, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest

from core.calendar import next_business_moment
from core.dialplan import CONTEXT_FROM_PSTN, CONTEXT_PUBLIC
from core.events import CallDirection, CallOffered, CallRelinked, CallState, CallStateChanged, EndCause
from core.policy import load_profile
from telephony.callbacks.detection import CALLER_UNKNOWN, NO_USABLE_NUMBER, CallbackDetector, LiveCall
from telephony.callbacks.models import CallbackFilter
from telephony.calls.tracker import CallTracker
from tests.telephony.ami_replay import recorded
from tests.telephony.callbacks.task_fixtures import update_task

LT = load_profile("lt-employment-1883")
NUMBER = "+37060000002"
# a Tuesday, 10:00 in Vilnius: inside business hours, so due times stay where they are
AT = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def detector(callbacks) -> CallbackDetector:
    return CallbackDetector(callbacks, LT)


async def call(detector, call_id: str, *states: tuple, caller: str = NUMBER, dialed: str = "1883",
               at: dt.datetime = AT) -> None:
    """Feed one call's events: offered, then ``(state, queue, cause)`` steps; then commit what was decided."""
    await detector(CallOffered(at, call_id, caller, dialed, "PJSIP/trunk-1"))
    for state, queue, cause in states:
        await detector(CallStateChanged(at, call_id, state, queue=queue, cause=cause))
    await detector.flush()


QUEUED = (CallState.QUEUED, "general_info", None)
ANSWERED = (CallState.ANSWERED, "general_info", None)


def ended(cause: EndCause) -> tuple:
    return (CallState.ENDED, None, cause)


async def test_a_recorded_queue_abandon_gives_one_abandoned_task_for_the_caller(callbacks, detector):
    tracker = CallTracker((CONTEXT_FROM_PSTN, CONTEXT_PUBLIC))
    events = [out for message in recorded("queue_abandoned") for out in tracker.handle(message)]
    for event in events:
        await detector(event)
    await detector.flush()
    end = events[-1]
    assert end.cause is EndCause.ABANDONED
    [task] = await callbacks.list(CallbackFilter())
    assert (task.number, task.state, task.reasons) == (NUMBER, "pending", ("abandoned",))
    assert (task.call_id, task.queue) == (end.call_id, "general_info")
    assert task.due_at == next_business_moment(end.at, LT)
    assert detector.calls == {}, "the ended call is forgotten"


async def test_three_abandons_of_one_number_make_one_task_with_each_request_in_its_history(callbacks, detector):
    for n in range(3):
        await call(detector, f"1.{n}", QUEUED, ended(EndCause.ABANDONED))
    [task] = await callbacks.list(CallbackFilter())
    assert task.reasons == ("abandoned",) and task.call_id == "1.0"
    assert [(entry.event, entry.reason) for entry in await callbacks.history(task.id)] == [
        ("created", "abandoned"), ("merged", "abandoned"), ("merged", "abandoned")]


async def test_different_needs_of_one_number_merge_their_reasons_into_one_task(callbacks, detector):
    await call(detector, "1.1", QUEUED, ended(EndCause.ABANDONED))
    await call(detector, "1.2", ended(EndCause.UNANSWERED), dialed="101")
    [task] = await callbacks.list(CallbackFilter())
    assert task.reasons == ("abandoned", "missed")
    # answered, then cut off: the answer settled the old task, the drop opens a new one
    await call(detector, "1.3", QUEUED, ANSWERED, ended(EndCause.DROPPED))
    assert (await callbacks.get(task.id)).state == "satisfied"
    [dropped] = await callbacks.list(CallbackFilter(state="pending"))
    assert (dropped.reasons, dropped.call_id) == (("dropped",), "1.3")


@pytest.mark.parametrize("steps, dialed, reason", [
    ((ended(EndCause.ABANDONED),), "101", "missed"),               # direct line, caller gave up while it rang
    ((ended(EndCause.UNANSWERED),), "101", "missed"),              # direct line, busy / no answer
    ((QUEUED, ended(EndCause.UNANSWERED)), "1883", "missed"),      # the queue timed out
    ((QUEUED, ANSWERED, ended(EndCause.DROPPED)), "1883", "dropped"),
])
async def test_each_unanswered_or_dropped_ending_gets_its_reason(callbacks, detector, steps, dialed, reason):
    await call(detector, "2.1", *steps, dialed=dialed)
    [task] = await callbacks.list(CallbackFilter())
    assert task.reasons == (reason,)


@pytest.mark.parametrize("steps, dialed", [
    ((QUEUED, ANSWERED, ended(EndCause.COMPLETED)), "1883"),   # a normal conversation
    ((ended(EndCause.ABANDONED),), "1883"),                    # left in the IVR greeting, asked for no one
    ((ended(EndCause.CLOSED),), "1883"),                       # the line was closed: nobody was rung
    ((ended(EndCause.CLOSED),), "101"),                        # a direct line at night: nobody was rung either
])
async def test_calls_that_need_nothing_make_no_task_and_no_skip(callbacks, detector, steps, dialed):
    await call(detector, "3.1", *steps, dialed=dialed)
    assert await callbacks.list(CallbackFilter()) == []
    assert await callbacks.skips("3.1") == []


@pytest.mark.parametrize("caller", ["anonymous", "<unknown>", "", "12", "+999123456789"])
async def test_no_usable_number_means_no_task_and_the_reason_recorded(callbacks, detector, caller):
    await call(detector, "4.1", QUEUED, ended(EndCause.ABANDONED), caller=caller)
    assert await callbacks.list(CallbackFilter()) == []
    [skip] = await callbacks.skips("4.1")
    assert (skip.call_id, skip.cause, skip.reason) == ("4.1", "abandoned", NO_USABLE_NUMBER)
    assert skip.at == AT


async def test_a_caller_answered_on_a_new_call_has_their_pending_task_satisfied(callbacks, detector):
    await call(detector, "5.1", QUEUED, ended(EndCause.ABANDONED))
    [task] = await callbacks.list(CallbackFilter())
    await call(detector, "5.2", QUEUED, ANSWERED, caller="860000002")   # national form of the same number
    assert (await callbacks.get(task.id)).state == "satisfied"
    assert [(entry.event, entry.state) for entry in await callbacks.history(task.id)][-1] == ("satisfied",
                                                                                              "satisfied")
    # a later need opens a new task: the satisfied one is closed
    await call(detector, "5.3", QUEUED, ended(EndCause.ABANDONED))
    assert len(await callbacks.list(CallbackFilter(state="pending"))) == 1


async def test_a_task_being_dialled_is_left_to_the_dialer(callbacks, detector, db_engine):
    await call(detector, "6.1", QUEUED, ended(EndCause.ABANDONED))
    [task] = await callbacks.list(CallbackFilter())
    await update_task(db_engine, task.id, state="dialing")
    await call(detector, "6.2", QUEUED, ANSWERED)
    assert (await callbacks.get(task.id)).state == "dialing"


async def test_a_due_time_outside_business_hours_moves_to_the_next_opening(callbacks, detector):
    saturday = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.timezone.utc)
    await call(detector, "7.1", QUEUED, ended(EndCause.ABANDONED), at=saturday)
    [task] = await callbacks.list(CallbackFilter())
    assert task.due_at == dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.timezone.utc)   # Monday 08:00 Vilnius


async def test_a_relinked_call_keeps_its_caller(callbacks, detector):
    await detector(CallOffered(AT, "8.1", NUMBER, "1883", "PJSIP/trunk-1"))
    await detector(CallRelinked(AT, "8.1", "8.2"))
    await detector(CallStateChanged(AT, "8.2", CallState.QUEUED, queue="general_info"))
    await detector(CallStateChanged(AT, "8.2", CallState.ENDED, cause=EndCause.ABANDONED))
    await detector.flush()
    [task] = await callbacks.list(CallbackFilter())
    assert task.call_id == "8.2"


async def test_a_call_from_before_a_restart_is_looked_up_else_the_skip_recorded(callbacks):
    async def lookup(call_id: str) -> LiveCall | None:
        return LiveCall(NUMBER, "1883", "general_info") if call_id == "9.1" else None

    detector = CallbackDetector(callbacks, LT, lookup=lookup)
    for call_id in ("9.1", "9.2"):
        await detector(CallStateChanged(AT, call_id, CallState.ENDED, queue="general_info",
                                        cause=EndCause.ABANDONED))
    await detector.flush()
    [task] = await callbacks.list(CallbackFilter())
    assert (task.call_id, task.reasons) == ("9.1", ("abandoned",))
    assert [s.reason for s in await callbacks.skips("9.2")] == [CALLER_UNKNOWN]


async def test_the_live_call_map_is_bounded(callbacks):
    detector = CallbackDetector(callbacks, LT, max_calls=2)
    for n in range(5):
        await detector(CallOffered(AT, f"10.{n}", NUMBER, "1883", "PJSIP/trunk-1"))
    assert list(detector.calls) == ["10.3", "10.4"]


async def test_a_call_that_already_booked_a_callback_adds_no_second_reason(callbacks, detector):
    await detector(CallOffered(AT, "11.1", NUMBER, "150", "PJSIP/trunk-1"))
    task_id = await callbacks.request_callback(NUMBER, "message", call_id="11.1", extension="150")
    await detector(CallStateChanged(AT, "11.1", CallState.ENDED, cause=EndCause.UNANSWERED))
    await detector.flush()
    assert (await callbacks.get(task_id)).reasons == ("message",)
    assert [s.reason for s in await callbacks.skips("11.1")] == ["already_requested"]


async def test_the_dialers_own_calls_are_left_to_the_dialer(callbacks):
    pending = await callbacks.request_callback(NUMBER, "missed")
    stored = {"out-2": LiveCall(NUMBER, "1883", direction=CallDirection.OUTBOUND)}

    async def lookup(call_id: str) -> LiveCall | None:
        return stored.get(call_id)

    detector = CallbackDetector(callbacks, LT, lookup=lookup)
    await detector(CallOffered(AT, "out-1", NUMBER, "1883", "Local/101@agent-reach", CallDirection.OUTBOUND))
    await detector(CallStateChanged(AT, "out-1", CallState.ANSWERED))
    await detector(CallStateChanged(AT, "out-1", CallState.ENDED, cause=EndCause.DROPPED))
    await detector(CallStateChanged(AT, "out-2", CallState.ENDED, cause=EndCause.UNANSWERED))   # from before a restart
    await detector.flush()
    [task] = await callbacks.list(CallbackFilter())
    assert (task.id, task.state, task.reasons) == (pending, "pending", ("missed",))   # neither satisfied nor added
    assert await callbacks.skips("out-1") == [] and detector.calls == {}


@pytest.mark.parametrize(("before", "dialed", "reason"), [
    ([ANSWERED], "1883", "dropped"),                                       # talking when the outage cut it
    ([QUEUED], "1883", "missed"),                                          # waiting in a queue
    ([QUEUED, (CallState.RINGING, "general_info", None)], "1883", "missed"),
    ([(CallState.RINGING, None, None)], "102", "missed"),                  # a direct line ringing
    ([], "102", "missed"),                                                 # a direct line, not yet ringing
], ids=["answered", "queued", "ringing", "direct-ringing", "direct"])
async def test_a_call_cut_by_an_outage_is_owed_the_callback_its_last_state_calls_for(callbacks, detector, before,
                                                                                      dialed, reason):
    await call(detector, "out-1", *before, ended(EndCause.LOST_DURING_OUTAGE), dialed=dialed)
    [task] = await callbacks.list(CallbackFilter())
    assert (task.number, task.reasons, task.call_id) == (NUMBER, (reason,), "out-1")


async def test_a_caller_still_in_the_menus_when_the_outage_came_is_owed_nothing(callbacks, detector):
    await call(detector, "out-2", ended(EndCause.LOST_DURING_OUTAGE))
    assert await callbacks.list(CallbackFilter()) == []


async def test_a_call_from_before_a_restart_cut_by_the_outage_takes_its_last_state_from_the_store(callbacks):
    async def stored(call_id: str) -> LiveCall:
        return LiveCall(NUMBER, "1883", "general_info", last_state=CallState.ANSWERED)

    restarted = CallbackDetector(callbacks, LT, lookup=stored)   # knows nothing of the call but its store
    await restarted(CallStateChanged(AT, "old-1", CallState.ENDED, cause=EndCause.LOST_DURING_OUTAGE))
    await restarted.flush()
    [task] = await callbacks.list(CallbackFilter())
    assert task.reasons == ("dropped",)


async def test_a_foreign_callers_abandon_is_called_back_unless_the_profile_is_domestic_only(callbacks):
    foreign = "+4915112345678"
    await call(CallbackDetector(callbacks, LT), "f-1", QUEUED, ended(EndCause.ABANDONED), caller=foreign)
    [task] = await callbacks.list(CallbackFilter())
    assert (task.number, task.reasons) == (foreign, ("abandoned",))
    domestic = LT.model_copy(update={"callbacks": LT.callbacks.model_copy(update={"domestic_only": True})})
    await call(CallbackDetector(callbacks, domestic), "f-2", QUEUED, ended(EndCause.ABANDONED), caller=foreign)
    [skip] = await callbacks.skips("f-2")
    assert skip.reason == NO_USABLE_NUMBER
