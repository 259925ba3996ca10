"""Domain events on the bus become push messages: screen pops with the caller's history, supervisor messages,
the queue picture (throttled), on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import datetime as dt

from core.bus import EventBus
from core.events import (AgentState, AgentStateChanged, CallbackAssigned, CallbackResult, CallState,
                         CallStateChanged, EndCause, PbxResynced, SlaAlert)
from core.policy import load_profile
from hotline.push import notifier as notifier_module
from hotline.push import setup as push_setup
from hotline.push.hub import PushHub
from hotline.push.queue_view import QueueView
from telephony.callbacks.service import CallbackService
from tests.hotline.push_fixtures import T0, Connected, at, ring, store_call

CALLER = "+37060000042"   # made up


async def test_supervisors_get_call_state_and_sla_alert_agents_do_not(pushing):
    bus, hub = pushing
    sup, agent = Connected(hub, "supervisor"), Connected(hub, "agent", "101")
    try:
        assert (await sup.next())["type"] == "queue_state"   # greeted with the current picture
        await bus.publish(CallStateChanged(at=at(1), call_id="c1", state=CallState.QUEUED, queue="employers"))
        await bus.publish(SlaAlert(at=at(2), kind="ring_no_answer_pause", message="agent 101 paused",
                                   extension="101", queue="employers"))
        await bus.publish(ring("c1", "101"))
        got = {}
        while set(got) < {"call_state", "sla_alert"}:
            message = await sup.next()
            got.setdefault(message["type"], message)
        assert got["call_state"] | {} == {"type": "call_state", "at": at(1).isoformat(), "call_id": "c1",
                                          "state": "queued", "queue": "employers", "target": None, "cause": None,
                                          "detail": ""}
        assert (got["sla_alert"]["kind"], got["sla_alert"]["extension"]) == ("ring_no_answer_pause", "101")
        assert (await agent.next())["type"] == "screen_pop"   # its first message: nothing of the supervisors'
    finally:
        await sup.stop()
        await agent.stop()


async def test_queue_state_is_throttled_a_burst_becomes_one_message_with_the_final_picture(db_engine):
    bus, hub = EventBus(), PushHub()
    push = push_setup.setup(bus, db_engine, load_profile("lt-employment-1883"), hub=hub)
    push.notifier.queue_state_interval = 3600    # nothing more until the interval is over
    await bus.start()
    push.start()
    sup = Connected(hub, "supervisor")
    try:
        assert (await sup.next())["type"] == "queue_state"   # greeting
        await bus.publish(CallStateChanged(at=at(0), call_id="c0", state=CallState.QUEUED, queue="employers"))
        assert [(await sup.next())["type"] for _ in range(2)] == ["call_state", "queue_state"]
        for n in range(1, 30):
            await bus.publish(CallStateChanged(at=at(n), call_id=f"c{n}", state=CallState.QUEUED, queue="employers"))
        await bus.drain()
        calls = [(await sup.next()) for _ in range(29)]
        assert all(m["type"] == "call_state" for m in calls)   # each change, but no queue_state in between
        assert sup.socket.frames.empty() and not sup.client.outbox
        push.notifier.queue_state()   # what the throttle sends once the interval is over
        final = await sup.next()
        employers = next(q for q in final["queues"] if q["queue"] == "employers")
        assert employers["waiting"] == 30 and employers["longest_wait_since"] == at(0).isoformat()
    finally:
        await sup.stop()
        await push.close()
        await bus.stop()


def test_queue_view_counts_waiting_longest_wait_and_agents_by_state_per_queue():
    view = QueueView({"job_seekers": "Job seekers", "employers": "Employers"},
                     members=lambda: {"employers": ["103"]})
    view.call_state(CallStateChanged(at=at(0), call_id="a", state=CallState.QUEUED, queue="job_seekers"))
    view.call_state(CallStateChanged(at=at(5), call_id="b", state=CallState.QUEUED, queue="job_seekers"))
    view.call_state(CallStateChanged(at=at(8), call_id="a", state=CallState.RINGING, target="Local/101"))
    view.call_state(CallStateChanged(at=at(9), call_id="c", state=CallState.ANSWERED, queue="employers"))
    view.ring_started(ring("a", "101"))
    view.ring_started(ring("b", "102"))
    view.agent_state(AgentStateChanged(at=at(8), extension="101", interface="Local/101", state=AgentState.RINGING))
    view.agent_state(AgentStateChanged(at=at(1), extension="102", interface="Local/102", state=AgentState.PAUSED,
                                       reason="ring_no_answer"))
    view.agent_state(AgentStateChanged(at=at(1), extension="103", interface="Local/103", state=AgentState.IN_CALL))
    snap = view.snapshot(at(20))
    jobs, employers = snap["queues"]
    assert jobs == {"queue": "job_seekers", "label": "Job seekers", "waiting": 2,
                    "longest_wait_since": at(0).isoformat(), "longest_wait_seconds": 20.0, "in_call": 0,
                    "agents": {"ringing": 1, "paused": 1}}   # ringing keeps the wait from when it queued
    assert (employers["waiting"], employers["in_call"], employers["agents"]) == (0, 1, {"in_call": 1})
    assert [a["reason"] for a in snap["agents"]] == ["", "ring_no_answer", ""]
    view.call_state(CallStateChanged(at=at(21), call_id="a", state=CallState.ENDED, cause=EndCause.ABANDONED))
    assert view.snapshot(at(22))["queues"][0]["longest_wait_since"] == at(5).isoformat()


async def test_after_a_resync_the_queue_picture_is_the_trackers(db_engine):
    live = [("kept", CallState.QUEUED, "employers"), ("new", CallState.QUEUED, "employers")]
    bus, hub = EventBus(), PushHub()
    push = push_setup.setup(bus, db_engine, load_profile("lt-employment-1883"), live_calls=lambda: live, hub=hub)
    await bus.start()
    try:
        for call_id in ("kept", "gone"):
            await bus.publish(CallStateChanged(at=at(0), call_id=call_id, state=CallState.QUEUED, queue="employers"))
        await bus.publish(PbxResynced(at=at(30), live_calls=2))
        await bus.drain()
        calls = {c["call_id"]: c["since"] for c in push.notifier.view.snapshot(at(31))["calls"]}
        assert calls == {"kept": at(0).isoformat(), "new": at(30).isoformat()}
    finally:
        await bus.stop()
        await push.close()


def test_a_call_the_tracker_no_longer_has_ages_out_of_the_queue_view_after_the_grace():
    view = QueueView({"employers": "Employers"})
    for call_id in ("live", "phantom", "fresh"):
        view.call_state(CallStateChanged(at=at(0 if call_id != "fresh" else 25), call_id=call_id,
                                         state=CallState.QUEUED, queue="employers"))
    grace = dt.timedelta(seconds=30)
    assert not view.age_out({"live", "phantom", "fresh"}, at(40), grace)
    assert not view.age_out({"live"}, at(20), grace)          # within the grace: its end may be on its way
    assert view.age_out({"live"}, at(40), grace)              # phantom's end event was lost; fresh is recent
    assert sorted(view.calls) == ["fresh", "live"]
    assert view.snapshot(at(41))["queues"][0]["waiting"] == 2


async def test_the_notifier_ages_phantom_callers_out_when_nothing_else_changes(db_engine, monkeypatch):
    monkeypatch.setattr(notifier_module, "AGE_OUT_EVERY", 0.05)
    monkeypatch.setattr(notifier_module, "AGE_OUT_GRACE", 0.0)
    bus, hub = EventBus(), PushHub()
    push = push_setup.setup(bus, db_engine, load_profile("lt-employment-1883"), live_calls=lambda: [], hub=hub)
    await bus.start()
    try:
        await bus.publish(CallStateChanged(at=at(0), call_id="phantom", state=CallState.QUEUED, queue="employers"))
        await bus.drain()
        push.start()
        async with asyncio.timeout(5):
            while push.notifier.view.calls:
                await asyncio.sleep(0.02)
    finally:
        await bus.stop()
        await push.close()


async def test_callback_assigned_goes_to_the_rung_agent_with_why_when_and_history_supervisors_see_it_running(
        pushing, db_engine):
    bus, hub = pushing
    await store_call(db_engine, "origin", CALLER, T0 - dt.timedelta(hours=2),
                     [("offered", None, None), ("queued", "employers", None), ("ended", "employers", "abandoned")])
    await store_call(db_engine, "tried", CALLER, T0 - dt.timedelta(hours=1),
                     [("offered", None, None), ("ended", None, "unanswered")], direction="outbound")
    task_id = await CallbackService(db_engine).request_callback(CALLER, "abandoned", call_id="origin",
                                                               queue="employers")
    agent, other, supervisor = (Connected(hub, "agent", "101"), Connected(hub, "agent", "102"),
                                Connected(hub, "supervisor", None))
    try:
        await bus.publish(CallbackAssigned(
            at=T0, task_id=task_id, extension="101", number=CALLER, reasons=("abandoned",), call_id="cb-1",
            origin_call_id="origin", queue="employers", requested_at=T0 - dt.timedelta(hours=2), attempt=1))
        pushed = await agent.next()
        assert pushed["type"] == "callback_assigned"
        assert (pushed["task_id"], pushed["number"], pushed["reasons"], pushed["call_id"]) == (
            task_id, CALLER, ["abandoned"], "cb-1")
        assert pushed["requested_at"] == (T0 - dt.timedelta(hours=2)).isoformat()
        assert pushed["queue_label"] and pushed["topic"]
        assert [(c["call_id"], c["direction"]) for c in pushed["previous_contacts"]["recent"]] == [
            ("tried", "outbound"), ("origin", "inbound")]   # an earlier try to call them back counts too
        assert [c["id"] for c in pushed["open_callbacks"]] == [task_id]
        running = await supervisor.next_of("callback_dialing")
        assert (running["task_id"], running["extension"]) == (task_id, "101") and CALLER not in str(running)

        await bus.publish(CallbackResult(at=T0, task_id=task_id, outcome="answered", state="done", extension="101",
                                         call_id="cb-1", attempts=1))
        assert (await agent.next())["type"] == "callback_result"
        assert (await supervisor.next_of("callback_result"))["state"] == "done"
        assert other.socket.frames.empty()   # another agent sees neither
    finally:
        for client in (agent, other, supervisor):
            await client.stop()


async def test_the_queue_state_task_stops_when_cancelled_even_as_a_change_arrives(db_engine):
    """A stop must never wait for ever: cancelling the task while its event is being set must end it (Python
    3.11's wait_for could swallow such a cancellation; the service's stop then hung)."""
    push = push_setup.setup(EventBus(), db_engine, load_profile("lt-employment-1883"), hub=PushHub())
    notifier = push.notifier
    notifier.queue_state_interval = 0
    for _ in range(2000):
        task = asyncio.create_task(notifier.run_queue_state())
        await asyncio.sleep(0)
        notifier._queue_state_due.set()
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=1)
        assert done, "the cancelled task kept running"
    await push.close()


async def test_nobody_watching_means_no_queue_picture_is_built_and_a_new_watcher_gets_the_current_one(db_engine,
                                                                                                      monkeypatch):
    bus, hub = EventBus(), PushHub()
    push = push_setup.setup(bus, db_engine, load_profile("lt-employment-1883"), hub=hub)
    built = []
    snapshot = QueueView.snapshot
    monkeypatch.setattr(QueueView, "snapshot", lambda view, now: built.append(now) or snapshot(view, now))
    await bus.start()
    agent = Connected(hub, "agent", "101")   # connected, but no wallboard or supervisor watches the queues
    try:
        await bus.publish(CallStateChanged(at=at(0), call_id="c0", state=CallState.QUEUED, queue="employers"))
        await bus.drain()
        push.notifier.queue_state()
        assert built == [] and hub.stats.published == 0
        sup = Connected(hub, "supervisor")
        try:
            greeting = await sup.next()
            employers = next(q for q in greeting["queues"] if q["queue"] == "employers")
            assert greeting["type"] == "queue_state" and employers["waiting"] == 1 and len(built) == 1
        finally:
            await sup.stop()
    finally:
        await agent.stop()
        await push.close()
        await bus.stop()
