"""The closed line over the fake AGI client: the hours, then a message (for the queue on the public number, for the
employee on a direct line) or a callback due when the line opens; nothing, or only wrong keys, is goodbye; a caller
who hangs up mid-flow ends it."""
from __future__ import annotations

import pytest

from core.calendar import next_business_moment
from core.clock import utcnow
from core.policy import load_profile
from ivr_flows.closed_flow import ClosedFlow
from ivr_flows.prompts import PromptSet
from tests.ivr_flows.fake_pbx import FakeAgiCall
from tests.ivr_flows.flow_script import OK, PLAYED, Requests, converse, digit_reply
from tests.ivr_flows.test_message_flow import SPOOL, Drop

PROFILE = load_profile("lt-employment-1883")   # 2 menu rounds, default queue general_info
CALLER_ID = "37060000001"                       # made up
HOURS = 'STREAM FILE "im-sorry" "12"'           # the hours (core sound stand-in), keys 1 and 2 interrupt
GOODBYE = [('STREAM FILE "vm-goodbye"', PLAYED), ("HANGUP", "200 result=1")]


class Addressed(Requests):
    async def request_callback(self, number, reason, *, extension=None, **fields):
        await super().request_callback(number, reason, **fields)
        self.calls[-1]["extension"] = extension
        return len(self.calls)


@pytest.fixture
async def closed(start_agi):
    drop, requests, steps = Drop(), Addressed(), []

    async def publish(event) -> None:
        steps.append((event.step.value, event.choice, event.outcome))
    server = await start_agi(routes={"closed": ClosedFlow(PROFILE, PromptSet(), drop, requests, publish)})

    async def call(dialled=PROFILE.public_number, callerid=CALLER_ID) -> FakeAgiCall:
        return await FakeAgiCall.connect(server.port, script="closed", agi_linkedid="1700000000.9",
                                         agi_callerid=callerid, agi_arg_1=dialled)
    call.drop, call.requests, call.steps = drop, requests, steps
    return call


async def test_the_caller_hears_the_hours_and_nothing_chosen_is_goodbye(closed):
    call = await closed()
    await converse(call, [("ANSWER", OK), (HOURS, PLAYED), ('GET DATA "vm-leavemsg"', "200 result="),
                          ('GET DATA "vm-leavemsg"', "200 result="), *GOODBYE])
    await call.wait_closed()
    assert closed.drop.messages == [] and closed.requests.calls == []
    assert closed.steps == [("closed", "", "goodbye")]


async def test_dtmf_garbage_is_asked_again_then_goodbye(closed):
    call = await closed()
    await converse(call, [("ANSWER", OK), (HOURS, PLAYED), ('GET DATA "vm-leavemsg"', "200 result=9"),
                          ('GET DATA "vm-leavemsg"', "200 result=*"), *GOODBYE])
    await call.wait_closed()
    assert closed.drop.messages == [] and closed.requests.calls == []


async def test_key_1_on_the_public_number_leaves_a_message_for_the_default_queue_due_when_the_line_opens(closed):
    call = await closed()
    await converse(call, [
        ("ANSWER", OK), (HOURS, digit_reply("1")),
        ('STREAM FILE "vm-intro"', PLAYED),
        ('GET VARIABLE "ASTSPOOLDIR"', f"200 result=1 ({SPOOL})"),
        (f'RECORD FILE "{SPOOL}/monitor/hotline-message-general_info-', "200 result=0 (silence) endpos=40000"),
        ('STREAM FILE "vm-msgsaved"', PLAYED), *GOODBYE,
    ])
    await call.wait_closed()
    [message] = closed.drop.messages
    assert (message["extension"], message["queue"], message["caller"]) == (None, "general_info", "+" + CALLER_ID)
    assert message["due_at"] == next_business_moment(message["due_at"], PROFILE)   # inside business hours
    assert closed.steps == [("closed", "1", "message")]


async def test_key_1_on_a_direct_line_leaves_the_message_for_that_employee(closed):
    call = await closed(dialled="101")
    await converse(call, [
        ("ANSWER", OK), (HOURS, PLAYED), ('GET DATA "vm-leavemsg"', "200 result=1"),
        ('STREAM FILE "vm-intro"', PLAYED),
        ('GET VARIABLE "ASTSPOOLDIR"', f"200 result=1 ({SPOOL})"),
        ("RECORD FILE", "HANGUP"),   # the caller hung up while speaking: still a message, no goodbye
    ])
    assert await call.wait_closed() == b""
    [message] = closed.drop.messages
    assert (message["extension"], message["queue"]) == ("101", None)


async def test_key_2_books_a_callback_on_the_callers_number_due_when_the_line_opens(closed):
    call = await closed()
    before = utcnow()
    await converse(call, [
        ("ANSWER", OK), (HOURS, digit_reply("2")),
        ('GET DATA "vm-tocallnum"', "200 result=1"),   # the number they call from
        ('STREAM FILE "auth-thankyou"', PLAYED), *GOODBYE,
    ])
    await call.wait_closed()
    [booked] = closed.requests.calls
    assert (booked["number"], booked["reason"], booked["queue"], booked["extension"]) == (
        "+" + CALLER_ID, "after_hours", "general_info", None)
    assert booked["due_at"] >= next_business_moment(before, PROFILE)
    assert booked["due_at"] == next_business_moment(booked["due_at"], PROFILE)
    assert booked["call_id"] == "1700000000.9"
    assert closed.steps == [("closed", "2", "booked")]


async def test_key_2_on_a_direct_line_keys_in_another_number_for_that_employee(closed):
    call = await closed(dialled="102")
    await converse(call, [
        ("ANSWER", OK), (HOURS, digit_reply("2")),
        ('GET DATA "vm-tocallnum"', "200 result=2"),
        ('GET DATA "vm-enter-num-to-call"', "200 result=861234567"),
        ('STREAM FILE "auth-thankyou"', PLAYED), *GOODBYE,
    ])
    await call.wait_closed()
    [booked] = closed.requests.calls
    assert (booked["number"], booked["extension"], booked["queue"]) == ("+37061234567", "102", None)


async def test_no_valid_number_is_goodbye_without_a_task(closed):
    call = await closed(callerid="anonymous")
    await converse(call, [
        ("ANSWER", OK), (HOURS, digit_reply("2")),
        ('GET DATA "vm-enter-num-to-call"', "200 result=12"), ('STREAM FILE "vm-pls-try-again"', PLAYED),
        ('GET DATA "vm-enter-num-to-call"', "200 result="), ('STREAM FILE "vm-pls-try-again"', PLAYED),
        *GOODBYE,
    ])
    await call.wait_closed()
    assert closed.requests.calls == []
    assert closed.steps == [("closed", "2", "no_valid_number")]


async def test_a_caller_hanging_up_during_the_hours_ends_the_flow_with_nothing_booked(closed):
    call = await closed()
    await converse(call, [("ANSWER", OK), (HOURS, "HANGUP")])
    assert await call.wait_closed() == b""
    assert closed.drop.messages == [] and closed.requests.calls == [] and closed.steps == []
