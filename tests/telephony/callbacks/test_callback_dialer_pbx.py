"""The callback dialer on the real sandbox PBX: a caller abandons the queue, gets a pending task, and the dialer
rings a sandbox agent first, then the caller; the task ends `done` with the call it produced. A callback
conversation the network cuts is owed another call."""
from __future__ import annotations

import datetime as dt

import pytest

from core.clock import utcnow
from hotline.pbx import desk_phones
from telephony.callbacks.claims import dialing_tasks
from telephony.callbacks.models import CallbackFilter
from tests.profiles import always_open_profile
from tests.service_fixture import running_service, until

pytestmark = pytest.mark.pbx

CALLER = "+37060000091"   # made up
CALLER_DIGITS = CALLER.lstrip("+")
DROPPING_CLIENT = "+37060000094"   # made up
PROMISED_CLIENT = "+37060000095"   # made up


async def test_an_abandoned_caller_is_called_back_agent_first_and_the_task_is_done_with_its_call(pbx, tmp_path):
    profile_path = str(always_open_profile(tmp_path))
    await pbx.set_all_agents(answer_after="never")
    async with running_service(pbx, tmp_path, profile=profile_path) as first:   # no dialer yet
        placed = await pbx.originate(first.service.profile.public_number, CALLER, timeout=4)

        async def abandoned_task():
            _, tasks = await first.get("/api/callbacks?reason=abandoned")
            return next((t for t in tasks if t["number"] == CALLER), None)

        await until(abandoned_task, timeout=60)
        task = await abandoned_task()
        assert (task["state"], task["call_id"]) == ("pending", placed.uniqueid)

    await pbx.set_all_agents(answer_after=1, talk=30)   # the agent stays until the client hangs up
    await pbx.set_public_phones(talk=2)
    async with pbx.events() as log, running_service(pbx, tmp_path, profile=profile_path, dialer=True) as second:
        callbacks = second.service.telephony.callbacks.service

        async def done():
            return (await callbacks.get(task["id"])).state == "done"

        await until(done, timeout=60)
        finished = await callbacks.get(task["id"])
        history = await callbacks.history(task["id"])
        assert not await dialing_tasks(second.service.engine, second.service.telephony.callbacks.dialer.worker)
        async with second.http.get("/metrics") as response:
            metrics = await response.text()
        produced_call = await second.wait_call(finished.dial_call_id, lambda call: call["state"] == "ended")

    produced = finished.dial_call_id
    assert produced and finished.attempts == 1 and finished.agent
    events = [(entry.event, entry.state) for entry in history]
    assert events[0] == ("created", "pending") and ("claimed", "dialing") in events and events[-1] == ("answered",
                                                                                                         "done")
    # agent first: the agent's phone rang (and answered) before the client's phone was dialled
    agent_leg = await log.wait_for("Newchannel", Uniqueid=produced)
    desk_phone = f"PJSIP/{desk_phones.endpoint(finished.agent)}-"
    agent_phone = await log.wait_until(lambda e: e.get("Event") == "DialBegin"
                                       and e.get("DestChannel", "").startswith(desk_phone), "the agent's phone rung")
    client_phone = await log.wait_for_trunk_dial(CALLER_DIGITS)
    positions = {id(event): index for index, event in enumerate(log.events)}
    assert positions[id(agent_leg)] < positions[id(agent_phone)] < positions[id(client_phone)]
    assert len(log.trunk_dials(CALLER_DIGITS)) == 1   # the client was dialled once
    assert (await log.wait_for("UserEvent", Uniqueid=produced))["DialStatus"] == "ANSWER"
    assert 'hotline_callback_tries_total{outcome="answered",state="done"} 1.0' in metrics
    # the produced call is in the call history: outbound, to the caller, answered by the agent's call
    assert (produced_call["direction"], produced_call["caller"], produced_call["ended_cause"]) == (
        "outbound", CALLER, "completed")
    assert [s["state"] for s in produced_call["states"]] == ["offered", "ringing", "answered", "ended"]


async def test_a_callback_conversation_cut_by_the_network_gets_a_new_dropped_task(pbx, tmp_path):
    await pbx.set_all_agents(answer_after=1, talk=60)
    await pbx.set_public_phones(talk=60)
    async with pbx.events() as log, running_service(pbx, tmp_path, profile=str(always_open_profile(tmp_path)),
                                                    dialer=True) as running:
        callbacks = running.service.telephony.callbacks.service
        first = await callbacks.request_callback(DROPPING_CLIENT, "missed")
        client_phone = await log.wait_for_trunk_dial(DROPPING_CLIENT)
        await log.wait_for("Newstate", Uniqueid=client_phone["DestUniqueid"], ChannelStateDesc="Up")
        # mid-conversation the client's network goes away ("network out of order" on their leg)
        await pbx.action(Action="Hangup", Channel=client_phone["DestChannel"], Cause="38")

        async def dropped_task():
            tasks = await callbacks.list(CallbackFilter(reason="dropped"))
            return next((task for task in tasks if task.number == DROPPING_CLIENT), None)

        await until(dropped_task, timeout=30)
        again = await dropped_task()
        done = await callbacks.get(first)
        cut_call = await running.wait_call(done.dial_call_id, lambda call: call["state"] == "ended")
    assert (done.state, again.call_id) == ("done", done.dial_call_id)   # the new task comes from the cut call
    assert (cut_call["direction"], cut_call["ended_cause"]) == ("outbound", "dropped")


async def test_an_agreed_time_survives_the_numbers_answered_call_and_is_dialled_at_its_time(pbx, tmp_path):
    profile_path = str(always_open_profile(tmp_path))
    await pbx.set_all_agents(answer_after=0.5, talk=2)
    await pbx.set_public_phones(talk=2)
    async with running_service(pbx, tmp_path, profile=profile_path) as first:   # no dialer yet
        admin, callbacks = first.service.telephony.callbacks.admin, first.service.telephony.callbacks.service
        agreed_at = utcnow() + dt.timedelta(minutes=2)
        promise = await admin.create_agreed(PROMISED_CLIENT, agreed_at, extension="102", note="results on Friday")
        missed = await callbacks.request_callback(PROMISED_CLIENT, "missed")
        # the client calls in and an agent answers: the missed call is settled, the promise is not
        placed = await pbx.originate(first.service.profile.public_number, PROMISED_CLIENT, talk=3)
        await first.wait_call(placed.uniqueid, lambda call: call["state"] == "ended")

        async def settled() -> bool:
            return (await callbacks.get(missed)).state == "satisfied"

        await until(settled, timeout=15)
        kept = await callbacks.get(promise.task_id)
        assert (kept.state, kept.extension, kept.agreed_at) == ("pending", "102", agreed_at)
        assert "satisfied" not in [entry.event for entry in await callbacks.history(promise.task_id)]

    tolerance = dt.timedelta(seconds=first.service.profile.callbacks.agreed_time_tolerance_seconds)
    async with pbx.events() as log, running_service(pbx, tmp_path, profile=profile_path, dialer=True) as second:
        callbacks = second.service.telephony.callbacks.service

        async def done() -> bool:
            return (await callbacks.get(promise.task_id)).state == "done"

        await until(done, timeout=60)
        dialled = await log.wait_for_trunk_dial(PROMISED_CLIENT)
    task = await callbacks.get(promise.task_id)
    assert task.agent == "102"   # the employee who promised it, not whoever was free
    at = dt.datetime.fromtimestamp(float(dialled["Timestamp"]), dt.UTC)
    assert agreed_at - tolerance <= at <= agreed_at + tolerance   # within the window around the agreed time
