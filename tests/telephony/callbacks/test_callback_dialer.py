"""The callback dialer against a fake originate sink, on SQLite and PostgreSQL: agent first, outcomes, retries and
``failed`` with a supervisor alert, pacing to the free agents, competence, business hours, restart reconciliation."""
from __future__ import annotations

import asyncio
import datetime as dt

from core.clock import utcnow
from core.events import CallbackAssigned, CallbackResult, CallOffered, CallStateChanged, SlaAlert
from core.policy import load_profile
from telephony.callbacks.admin import CallbackAdmin
from telephony.callbacks.claims import claim_due, start_try
from telephony.callbacks.dialer import CallbackDialer, FreeAgent
from telephony.callbacks.models import CallbackFilter
from tests.telephony.callbacks.fake_originate import AGENT_NO_ANSWER, HOLD, FakeOriginateAmi, dialer_for

PROFILE = load_profile("lt-employment-1883")
POLICY = PROFILE.callbacks
CLIENT, OTHER, THIRD = "+37060000001", "+37060000002", "+37060000003"
WORKER = "test-worker"


class Published(list):
    async def __call__(self, event) -> None:
        self.append(event)

    def of(self, kind) -> list:
        return [event for event in self if isinstance(event, kind)]


def make_dialer(db_engine, ami: FakeOriginateAmi, published: Published, agents: list[FreeAgent] | None = None,
                open_at=lambda at: at) -> CallbackDialer:
    agents = [FreeAgent("101", frozenset({"general_info"}))] if agents is None else agents
    dialer = dialer_for(db_engine, ami, PROFILE, WORKER, lambda: agents, published, open_at=open_at)
    dialer.subscribe()
    return dialer


async def settle(dialer: CallbackDialer) -> None:
    """Until every try the dialer started has ended."""
    async with asyncio.timeout(10):
        while dialer.tries:
            await asyncio.sleep(0.01)


async def test_an_answered_callback_rings_the_agent_then_the_client_and_is_done_with_its_call(db_engine, callbacks):
    task_id = await callbacks.request_callback(CLIENT, "abandoned", call_id="origin-1", queue="general_info")
    ami, published = FakeOriginateAmi(), Published()
    dialer = make_dialer(db_engine, ami, published)

    assert await dialer.dial_due() == [task_id]
    await settle(dialer)

    [originate] = ami.originates
    assert (originate["Channel"], originate["Context"], originate["Exten"]) == (
        "Local/101@agent-reach", "hotline-callback", CLIENT)   # the agent's phone rings; the client comes after
    task = await callbacks.get(task_id)
    assert (task.state, task.attempts, task.agent, task.dial_call_id) == ("done", 1, "101", originate["ChannelId"])
    [assigned] = published.of(CallbackAssigned)
    assert (assigned.task_id, assigned.extension, assigned.reasons, assigned.origin_call_id) == (
        task_id, "101", ("abandoned",), "origin-1")
    [result] = published.of(CallbackResult)
    assert (result.outcome, result.state, result.call_id) == ("answered", "done", originate["ChannelId"])
    assert published.index(assigned) < published.index(result)
    # the produced call goes into the call history as an outbound call to the client
    [offered] = published.of(CallOffered)
    assert (offered.call_id, offered.caller, offered.direction) == (originate["ChannelId"], CLIENT, "outbound")
    states = [(e.state.value, e.cause.value if e.cause else None) for e in published.of(CallStateChanged)]
    assert states == [("offered", None), ("ringing", None), ("answered", None), ("ended", "completed")]
    assert ami.deleted == [originate["ChannelId"]]   # the AstDB copy of the result is cleaned up


async def test_busy_retries_after_the_backoff_then_fails_with_a_supervisor_alert(db_engine, callbacks):
    task_id = await callbacks.request_callback(CLIENT, "missed")
    ami, published = FakeOriginateAmi({CLIENT: "BUSY"}), Published()
    dialer = make_dialer(db_engine, ami, published)

    before = utcnow()
    await dialer.dial_due()
    await settle(dialer)
    task = await callbacks.get(task_id)
    assert (task.state, task.attempts) == ("pending", 1)
    assert task.due_at >= before + dt.timedelta(seconds=POLICY.retry_backoff_seconds[0])
    assert await dialer.dial_due() == []   # not due again before the backoff

    for attempt in range(2, POLICY.max_attempts + 1):
        await dialer.dial_due(now=task.due_at + dt.timedelta(seconds=1))
        await settle(dialer)
        task = await callbacks.get(task_id)
    assert (task.state, task.attempts) == ("failed", POLICY.max_attempts)
    assert [r.outcome for r in published.of(CallbackResult)] == ["busy"] * POLICY.max_attempts
    [alert] = published.of(SlaAlert)
    assert alert.kind == "callback_failed" and str(task_id) in alert.message and CLIENT not in alert.message


async def test_an_agent_who_does_not_answer_costs_the_client_no_try_and_rests_a_while(db_engine, callbacks):
    task_id = await callbacks.request_callback(CLIENT, "missed")
    ami, published = FakeOriginateAmi({CLIENT: AGENT_NO_ANSWER}), Published()
    dialer = make_dialer(db_engine, ami, published)

    await dialer.dial_due()
    await settle(dialer)

    task = await callbacks.get(task_id)
    assert (task.state, task.attempts) == ("pending", 0)
    assert task.due_at >= utcnow() + dt.timedelta(seconds=POLICY.no_agent_retry_seconds - 5)
    assert [r.outcome for r in published.of(CallbackResult)] == ["no_agent"]
    # the agent rests before the next callback rings them: another due task waits meanwhile
    await callbacks.request_callback(OTHER, "missed")
    assert await dialer.dial_due() == []
    rested = utcnow() + dt.timedelta(seconds=POLICY.no_agent_retry_seconds + 1)
    assert len(await dialer.dial_due(now=rested)) == 1
    await dialer.close()


async def test_no_more_tries_at_once_than_free_agents_and_an_agent_has_one_at_a_time(db_engine, callbacks):
    for number in (CLIENT, OTHER, THIRD):
        await callbacks.request_callback(number, "abandoned")
    ami, published = FakeOriginateAmi(default=HOLD), Published()
    dialer = make_dialer(db_engine, ami, published, agents=[FreeAgent("101", frozenset()),
                                                            FreeAgent("102", frozenset())])

    assert len(await dialer.dial_due()) == 2
    await asyncio.sleep(0.05)
    assert sorted(o["Channel"] for o in ami.originates) == ["Local/101@agent-reach", "Local/102@agent-reach"]
    assert await dialer.dial_due() == []   # both agents are on a try: the third task waits
    assert len(ami.originates) == 2

    ami.finish(ami.originates[0]["ChannelId"], "ANSWER")
    await asyncio.sleep(0.05)
    assert len(await dialer.dial_due()) == 1   # one agent free again: the third task goes to them
    await asyncio.sleep(0.05)
    assert len(ami.originates) == 3 and ami.originates[2]["Channel"] == ami.originates[0]["Channel"]
    await dialer.close()


async def test_a_task_goes_to_its_employee_or_a_member_of_its_queue_only(db_engine, callbacks):
    for_105 = await callbacks.request_callback(CLIENT, "message", extension="105")
    for_employers = await callbacks.request_callback(OTHER, "abandoned", queue="employers")
    ami, published = FakeOriginateAmi(), Published()
    dialer = make_dialer(db_engine, ami, published, agents=[FreeAgent("101", frozenset({"general_info"})),
                                                            FreeAgent("102", frozenset({"employers"}))])

    assert await dialer.dial_due() == [for_employers]
    await settle(dialer)
    assert [o["Channel"] for o in ami.originates] == ["Local/102@agent-reach"]
    assert (await callbacks.get(for_105)).state == "pending"   # waits for employee 105


async def test_the_most_urgent_task_gets_the_only_free_agent(db_engine, callbacks):
    await callbacks.request_callback(CLIENT, "abandoned")
    dropped = await callbacks.request_callback(OTHER, "dropped")
    dialer = make_dialer(db_engine, FakeOriginateAmi(), Published())
    assert await dialer.dial_due() == [dropped]
    await settle(dialer)


async def test_nothing_is_dialled_while_the_hotline_is_closed(db_engine, callbacks):
    await callbacks.request_callback(CLIENT, "abandoned")
    ami = FakeOriginateAmi()
    dialer = make_dialer(db_engine, ami, Published(), open_at=lambda at: at + dt.timedelta(hours=10))
    assert await dialer.dial_due() == [] and ami.originates == []


async def _left_dialing(db_engine, callbacks, number: str, call_id: str | None) -> int:
    """A task a previous run of this worker claimed (and, with ``call_id``, placed) before it died."""
    task_id = await callbacks.request_callback(number, "abandoned")
    [claimed] = await claim_due(db_engine, utcnow(), 1, WORKER)
    assert claimed.id == task_id
    if call_id is not None:
        await start_try(db_engine, task_id, call_id, "101")
    return task_id


async def test_tries_left_by_a_dead_run_are_followed_recorded_or_given_back_never_redialled(db_engine, callbacks):
    still_up = await _left_dialing(db_engine, callbacks, CLIENT, "cb-live")
    ended_meanwhile = await _left_dialing(db_engine, callbacks, OTHER, "cb-ended")
    never_placed = await _left_dialing(db_engine, callbacks, THIRD, None)
    ami, published = FakeOriginateAmi(), Published()
    ami.live.add("cb-live")
    ami.kept["cb-ended"] = "ANSWER"   # the client talked to the agent while the service was down
    dialer = make_dialer(db_engine, ami, published, agents=[])

    assert await dialer.reconcile() == 3
    assert (await callbacks.get(ended_meanwhile)).state == "done"
    assert "cb-ended" in ami.deleted
    placed_again = await callbacks.get(never_placed)
    assert (placed_again.state, placed_again.attempts) == ("pending", 0)
    assert (await callbacks.get(still_up)).state == "dialing"   # followed to its end

    ami.finish("cb-live", "NOANSWER")
    await settle(dialer)
    followed = await callbacks.get(still_up)
    assert (followed.state, followed.attempts) == ("pending", 1)
    assert ami.originates == []   # nothing was dialled again
    assert await dialer.reconcile() == 0


async def test_an_agreed_time_is_dialled_within_its_tolerance_not_earlier_and_before_older_missed_calls(
        db_engine, callbacks):
    tolerance = dt.timedelta(seconds=POLICY.agreed_time_tolerance_seconds)
    admin = CallbackAdmin(callbacks, PROFILE)
    now = utcnow()
    soon = (await admin.create_agreed(CLIENT, now + tolerance / 2, extension="101")).task_id
    later = (await admin.create_agreed(OTHER, now + tolerance * 3, extension="101")).task_id
    await callbacks.request_callback(THIRD, "missed", due_at=now - dt.timedelta(hours=1))
    dialer = make_dialer(db_engine, FakeOriginateAmi(), Published())

    assert await dialer.dial_due(now=now) == [soon]   # inside its window, and it outranks the missed call
    await settle(dialer)
    assert (await callbacks.get(soon)).state == "done"
    await dialer.dial_due(now=now)
    await settle(dialer)
    assert (await callbacks.get(later)).state == "pending"   # its window has not opened yet
    assert await dialer.dial_due(now=now + tolerance * 2 + dt.timedelta(seconds=1)) == [later]
    await settle(dialer)


async def test_a_callback_conversation_dropped_by_the_network_is_owed_another_call(db_engine, callbacks):
    task_id = await callbacks.request_callback(CLIENT, "abandoned", queue="general_info")
    ami = FakeOriginateAmi(default=HOLD)
    dialer = make_dialer(db_engine, ami, Published())
    await dialer.dial_due()
    await asyncio.sleep(0.05)
    call_id = ami.originates[0]["ChannelId"]
    client = "Local/37060000001@sandbox-mobile-0000002a"
    ami.emit({"Event": "DialBegin", "Uniqueid": call_id, "DestChannel": f"{client};1"})
    ami.emit({"Event": "Hangup", "Channel": f"{client};2", "Cause": "38"})   # network out of order, mid-talk
    ami.emit({"Event": "Hangup", "Channel": f"{client};1", "Cause": "16"})
    ami.finish(call_id, "ANSWER")
    await settle(dialer)

    assert (await callbacks.get(task_id)).state == "done"
    [again] = await callbacks.list(CallbackFilter(state="pending"))
    assert (again.number, again.reasons, again.call_id, again.queue) == (CLIENT, ("dropped",), call_id,
                                                                         "general_info")


async def test_a_callback_conversation_ended_normally_is_owed_nothing_more(db_engine, callbacks):
    await callbacks.request_callback(CLIENT, "abandoned")
    ami = FakeOriginateAmi(default=HOLD)
    dialer = make_dialer(db_engine, ami, Published())
    await dialer.dial_due()
    await asyncio.sleep(0.05)
    call_id = ami.originates[0]["ChannelId"]
    ami.emit({"Event": "DialBegin", "Uniqueid": call_id, "DestChannel": "PJSIP/trunk-00000001"})
    ami.emit({"Event": "Hangup", "Channel": "PJSIP/trunk-00000001", "Cause": "16"})
    ami.finish(call_id, "ANSWER")
    await settle(dialer)
    assert await callbacks.list(CallbackFilter(state="pending")) == []


async def test_the_tries_of_a_dialer_that_stopped_renewing_are_taken_over_and_reconciled_fresh_ones_are_not(
        db_engine, callbacks):
    alive_task = await callbacks.request_callback(CLIENT, "missed")
    orphan_task = await callbacks.request_callback(OTHER, "missed")
    sink = FakeOriginateAmi(default=HOLD)
    alive = make_dialer(db_engine, sink, Published(), agents=[FreeAgent("101", frozenset())])
    dead = dialer_for(db_engine, sink, PROFILE, "dead-instance", lambda: [FreeAgent("102", frozenset())],
                      Published())
    assert await alive.dial_due() == [alive_task] and await dead.dial_due() == [orphan_task]
    await asyncio.sleep(0.05)
    orphan_call = (await callbacks.get(orphan_task)).dial_call_id
    await dead.close()   # that instance is gone for good; its client talked to the agent meanwhile
    sink.kept[orphan_call] = "ANSWER"

    later = utcnow() + dt.timedelta(seconds=100)
    assert await alive.renew_and_take_over(now=later) == 1   # its own claim renewed, the dead one's taken
    await alive.reconcile()
    assert (await callbacks.get(orphan_task)).state == "done"
    kept = await callbacks.get(alive_task)
    own_call = next(o["ChannelId"] for o in sink.originates if o["Channel"] == "Local/101@agent-reach")
    assert (kept.state, kept.dial_call_id) == ("dialing", own_call)   # still its own try
    history = await callbacks.history(orphan_task)
    assert ("taken_over", "dialing") in [(entry.event, entry.state) for entry in history]
    assert await alive.renew_and_take_over(now=later + dt.timedelta(seconds=60)) == 0   # renewed: not stale
    await alive.close()
