"""The queue could not take the caller: the apology, the caller's own number kept for the missed callback the
call's end owes, another number keyed in and booked, an anonymous caller asked for one (fake AGI client)."""
from __future__ import annotations

import pytest

from core.clock import utcnow
from core.policy import load_profile
from ivr_flows.prompts import PromptSet
from ivr_flows.queue_failed import QueueFailedFlow
from tests.ivr_flows.fake_pbx import FakeAgiCall
from tests.ivr_flows.flow_script import BOOKED, OK, PLAYED, Requests, converse

PROFILE = load_profile("lt-employment-1883")   # 2 number attempts
CALLER_ID = "37060000001"                       # made up: a valid Lithuanian mobile number without its "+"
APOLOGY = [("ANSWER", OK), ('STREAM FILE "vm-sorry"', PLAYED)]
GOODBYE = [('STREAM FILE "vm-goodbye"', PLAYED), ("HANGUP", "200 result=1")]


@pytest.fixture
async def failed_queue(start_agi):
    requests, steps = Requests(), []

    async def publish(event) -> None:
        steps.append((event.step.value, event.choice, event.outcome))
    server = await start_agi(routes={"queue_failed": QueueFailedFlow(PROFILE, PromptSet(), requests, publish)})

    async def call(callerid=CALLER_ID, queue="employers", status="JOINEMPTY") -> FakeAgiCall:
        return await FakeAgiCall.connect(server.port, script="queue_failed", agi_linkedid="1700000000.7",
                                         agi_callerid=callerid, agi_arg_1=queue, agi_arg_2=status)
    call.requests, call.steps = requests, steps
    return call


async def test_a_caller_who_does_nothing_hears_the_apology_and_is_left_to_the_missed_callback(failed_queue):
    call = await failed_queue()
    await converse(call, [*APOLOGY, ('GET DATA "vm-tocallnum"', "200 result="), *GOODBYE])
    await call.wait_closed()
    assert failed_queue.requests.calls == []   # the call's end asks for it, on the caller's own number
    assert failed_queue.steps == [("queue_failed", "", "declined")]


async def test_key_1_keys_in_another_number_booked_as_a_missed_callback_of_that_queue(failed_queue):
    call = await failed_queue(queue="employers")
    before = utcnow()
    await converse(call, [*APOLOGY, ('GET DATA "vm-tocallnum"', "200 result=1"),
                          ('GET DATA "vm-enter-num-to-call"', "200 result=861234567"),
                          BOOKED, ('STREAM FILE "auth-thankyou"', PLAYED), ("HANGUP", "200 result=1")])
    await call.wait_closed()
    [booked] = failed_queue.requests.calls
    assert (booked["number"], booked["reason"], booked["queue"]) == ("+37061234567", "missed", "employers")
    assert booked["call_id"] == "1700000000.7" and booked["due_at"] >= before
    assert failed_queue.steps == [("queue_failed", "1", "booked")]


async def test_an_anonymous_caller_is_asked_for_a_number_at_once(failed_queue):
    call = await failed_queue(callerid="anonymous")
    await converse(call, [*APOLOGY, ('GET DATA "vm-enter-num-to-call"', "200 result=37061234567"),
                          BOOKED, ('STREAM FILE "auth-thankyou"', PLAYED), ("HANGUP", "200 result=1")])
    await call.wait_closed()
    assert [c["number"] for c in failed_queue.requests.calls] == ["+37061234567"]


async def test_an_anonymous_caller_without_a_valid_number_still_gets_a_goodbye(failed_queue):
    call = await failed_queue(callerid="anonymous")
    invalid = [('GET DATA "vm-enter-num-to-call"', "200 result=12"), ('STREAM FILE "vm-pls-try-again"', PLAYED)]
    await converse(call, [*APOLOGY, *invalid, *invalid, *GOODBYE])
    await call.wait_closed()
    assert failed_queue.requests.calls == [] and failed_queue.steps == [("queue_failed", "", "declined")]
