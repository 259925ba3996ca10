"""Recorded real traffic replayed through the call model, then stored and read back on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from core.events import CallOffered, CallState, CallStateChanged, EndCause
from telephony.calls.queries import CallFilter, get_call, list_calls, load_open_calls
from telephony.calls.store import CallStoreWriter
from telephony.calls.tracker import CallTracker
from tests.telephony.ami_replay import INBOUND, recorded


def replay(name: str, tracker: CallTracker | None = None, upto: int | None = None):
    tracker = tracker or CallTracker(INBOUND)
    out = []
    for event in recorded(name)[:upto]:
        out.extend(tracker.handle(event))
    return tracker, out


def state_names(events):
    return [e.state.value for e in events if isinstance(e, CallStateChanged)]


def test_answered_queue_call_from_the_sandbox():
    tracker, out = replay("queue_answered")
    offered = [e for e in out if isinstance(e, CallOffered)]
    assert len(offered) == 1
    assert offered[0].caller == "+37060000001" and offered[0].dialed == "1883"
    assert state_names(out) == ["offered", "queued", "ringing", "answered", "ended"]
    answered = next(e for e in out if isinstance(e, CallStateChanged) and e.state is CallState.ANSWERED)
    assert answered.target.startswith("Local/10") and answered.target.endswith("@sandbox-agents")
    assert answered.queue == "general_info"
    assert out[-1].cause is EndCause.COMPLETED
    assert tracker.calls == {} and tracker.channel_linkedid == {}


def test_caller_leaving_a_queue_nobody_answers_is_abandoned():
    tracker, out = replay("queue_abandoned")
    assert state_names(out)[:3] == ["offered", "queued", "ringing"]
    assert out[-1].state is CallState.ENDED and out[-1].cause is EndCause.ABANDONED
    assert tracker.calls == {}


def test_direct_line_call_rings_the_extension_and_completes():
    _, out = replay("direct_answered")
    assert [e.dialed for e in out if isinstance(e, CallOffered)] == ["101"]
    states = [e for e in out if isinstance(e, CallStateChanged)]
    assert [s.state.value for s in states] == ["offered", "ringing", "answered", "ended"]
    assert states[1].target == "Local/101@sandbox-agents"
    assert states[-1].cause is EndCause.COMPLETED


async def test_call_history_is_stored_and_read_back(db_engine):
    writer = CallStoreWriter(db_engine, batch_size=3)  # small batches: several flushes, order kept across them
    for name in ("queue_answered", "queue_abandoned", "direct_answered"):
        for event in replay(name)[1]:
            await writer(event)
    await writer.close()

    calls = await list_calls(db_engine, CallFilter())
    assert {c.dialed for c in calls} == {"1883", "101"} and len(calls) == 3
    answered = next(c for c in calls if c.caller == "+37060000001")
    assert [s.state for s in answered.states] == ["offered", "queued", "ringing", "answered", "ended"]
    assert answered.state == "ended" and answered.ended_cause == "completed" and answered.queue == "general_info"
    assert all(s.at.tzinfo is not None for s in answered.states)
    assert [s.at for s in answered.states] == sorted(s.at for s in answered.states)
    again = await get_call(db_engine, answered.id)
    assert again.states == answered.states
    assert await get_call(db_engine, "no-such-call") is None
    assert await load_open_calls(db_engine) == []


async def test_a_call_live_when_the_service_stopped_is_found_again(db_engine):
    writer = CallStoreWriter(db_engine)
    _, out = replay("queue_answered", upto=60)  # stop mid-call
    for event in out:
        await writer(event)
    await writer.close()
    [open_call] = await load_open_calls(db_engine)
    assert open_call.state in (CallState.QUEUED, CallState.RINGING, CallState.ANSWERED)

    # the service restarts and stores the adopted call again: the duplicate offer is ignored, not an error
    writer = CallStoreWriter(db_engine)
    for event in out:
        await writer(event)
    await writer.close()
    assert len(await list_calls(db_engine, CallFilter())) == 1


@pytest.mark.parametrize("name", ["queue_answered", "queue_abandoned", "direct_answered"])
def test_events_delivered_twice_change_nothing(name):
    """A replayed event (e.g. held back during a resync) must not add states."""
    tracker = CallTracker(INBOUND)
    out = []
    for event in recorded(name):
        out.extend(tracker.handle(event))
        if event.get("Event") not in ("Hangup", "Newchannel"):
            out.extend(tracker.handle(event))
    assert state_names(out) == state_names(replay(name)[1])
