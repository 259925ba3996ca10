"""Screen pops: at once to the rung agent's open socket, from what is in memory; the caller's history (previous
contacts, open callbacks, unread messages) follows as ``screen_pop_history``, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

from core.bus import EventBus
from core.db import make_engine
from core.events import CallOffered
from core.policy import load_profile
from hotline.push import setup as push_setup
from hotline.push.hub import PushHub
from hotline.push.notifier import PushNotifier
from telephony.callbacks.service import CallbackService
from telephony.messages.service import MessageService
from tests.hotline.push_fixtures import T0, Connected, at, ring, store_call

CALLER = "+37060000042"   # made up


async def test_screen_pop_goes_to_the_rung_agent_with_caller_topic_and_previous_contacts(pushing, db_engine):
    bus, hub = pushing
    await store_call(db_engine, "old-1", CALLER, T0 - dt.timedelta(days=3),
                     [("offered", None, None), ("queued", "employers", None), ("ended", "employers", "abandoned")])
    await store_call(db_engine, "old-2", CALLER, T0 - dt.timedelta(days=1),
                     [("offered", None, None), ("queued", "job_seekers", None), ("answered", "job_seekers", None)])
    await store_call(db_engine, "too-old", CALLER, T0 - dt.timedelta(days=31), [("offered", None, None)])
    await store_call(db_engine, "someone-else", "+37069999999", T0 - dt.timedelta(days=1), [("offered", None, None)])
    a, b = Connected(hub, "agent", "101"), Connected(hub, "agent", "102")
    try:
        await bus.publish(CallOffered(at=at(0), call_id="c1", caller=CALLER, dialed="1883", channel="Local/x"))
        await bus.publish(ring("c1", "102"))
        await bus.publish(ring("c1", "101", seconds=10))
        pop = await b.next()
        assert pop["type"] == "screen_pop" and pop["at"] == at(2).isoformat()
        assert (pop["call_id"], pop["extension"], pop["caller"]) == ("c1", "102", CALLER)
        assert (pop["queue"], pop["queue_label"], pop["topic"]) == ("job_seekers", "Darbo ieškantiems", "job_seeker")
        assert "previous_contacts" not in pop   # the pop does not wait for the database
        pop = await b.next()   # its history follows
        assert (pop["type"], pop["ring_id"], pop["caller"]) == ("screen_pop_history", "c1.r102", CALLER)
        history = pop["previous_contacts"]
        assert history["days"] == 30 and history["count"] == 2
        assert [(c["call_id"], c["queue"], c["state"], c["ended_cause"]) for c in history["recent"]] == [
            ("old-2", "job_seekers", "answered", None), ("old-1", "employers", "ended", "abandoned")]
        assert pop["open_callbacks"] == [] and pop["messages"] == []
        first_of_a = await a.next()   # A's own pop, not B's
        assert (first_of_a["type"], first_of_a["extension"], first_of_a["ring_id"]) == ("screen_pop", "101", "c1.r101")
        assert (await a.next())["ring_id"] == "c1.r101"   # and its own history
    finally:
        await a.stop()
        await b.stop()


async def test_a_ring_of_a_call_offered_before_this_process_finds_the_caller_in_the_store(pushing, db_engine):
    bus, hub = pushing
    await store_call(db_engine, "c9", CALLER, T0, [("offered", None, None)])
    agent = Connected(hub, "agent", "103")
    try:
        await bus.publish(ring("c9", "103"))
        assert (await agent.next())["type"] == "screen_pop"
        pop = await agent.next_of("screen_pop_history")
        assert pop["caller"] == CALLER and pop["previous_contacts"]["count"] == 0
    finally:
        await agent.stop()


async def test_without_a_working_database_the_pop_still_goes_out_without_history(tmp_path):
    broken = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing-dir' / 'db.sqlite3'}")
    bus, hub = EventBus(), PushHub()
    push = push_setup.setup(bus, broken, load_profile("lt-employment-1883"), hub=hub)
    await bus.start()
    push.start()
    agent = Connected(hub, "agent", "101")
    try:
        await bus.publish(CallOffered(at=at(0), call_id="c1", caller=CALLER, dialed="1883", channel="Local/x"))
        await bus.publish(ring("c1", "101"))
        pop = await agent.next()
        assert (pop["type"], pop["call_id"], pop["caller"]) == ("screen_pop", "c1", CALLER)
        history = await agent.next()
        assert (history["type"], history["previous_contacts"], history["open_callbacks"]) == (
            "screen_pop_history", None, None)
    finally:
        await agent.stop()
        await push.close()
        await bus.stop()
        await broken.dispose()


async def test_a_ring_nobody_watches_is_not_looked_up_and_a_newer_ring_replaces_a_waiting_lookup(db_engine):
    hub = PushHub()
    notifier = PushNotifier(hub, db_engine, load_profile("lt-employment-1883"))   # its history worker not started
    notifier.screen_pop(ring("c1", "104"))   # nobody of 104 connected: no pop, no history wanted
    assert notifier.histories.waiting == 0 and hub.stats.published == 0
    agent = Connected(hub, "agent", "101")
    try:
        notifier.screen_pop(ring("c1", "101"))
        notifier.screen_pop(ring("c2", "101", seconds=9))   # the phone rings the next call before a lookup ran
        assert [(await agent.next())["call_id"] for _ in range(2)] == ["c1", "c2"]   # both pops went out
        assert (notifier.histories.waiting, notifier.histories.superseded) == (1, 1)   # one lookup: c2's
    finally:
        await agent.stop()


async def test_screen_pop_lists_the_callers_open_callbacks_and_unread_messages(pushing, db_engine):
    bus, hub = pushing
    callbacks = CallbackService(db_engine)
    task_id = await callbacks.request_callback(CALLER, "abandoned", due_at=T0, queue="job_seekers")
    done_elsewhere = await callbacks.request_callback("+37069999999", "missed", due_at=T0)
    messages = MessageService(db_engine, callbacks)
    message_id = await messages.leave_message(extension="103", caller=CALLER, reason="dėl pašalpos")
    read_id = await messages.leave_message(extension="103", caller=CALLER)
    await messages.mark_read(read_id)
    agent = Connected(hub, "agent", "102")
    try:
        # the caller ID arrives in national form; the stored numbers are E.164
        await bus.publish(CallOffered(at=at(0), call_id="c2", caller="860000042", dialed="1883", channel="Local/x"))
        await bus.publish(ring("c2", "102"))
        pop = await agent.next_of("screen_pop_history")
        # each message asked for a callback too: promises of their own beside the abandoned call's task
        assert sorted((c["reasons"], c["state"]) for c in pop["open_callbacks"]) == [
            (["abandoned"], "pending"), (["message"], "pending"), (["message"], "pending")]
        assert task_id in [c["id"] for c in pop["open_callbacks"]]
        assert done_elsewhere not in [c["id"] for c in pop["open_callbacks"]]
        assert [(m["id"], m["extension"], m["has_audio"]) for m in pop["messages"]] == [(message_id, "103", False)]
    finally:
        await agent.stop()
