"""The callback offer flow over the fake AGI client: when it is offered, caller ID or keyed-in number, re-prompts."""
from __future__ import annotations

import datetime as dt

import pytest

from core.clock import utcnow
from core.policy import load_profile
from ivr_flows.callback_offer import CallbackOfferFlow, CallbackRequestFlow, QueueSnapshot, estimated_wait
from ivr_flows.prompts import PromptSet
from tests.ivr_flows.fake_pbx import FakeAgiCall
from tests.ivr_flows.flow_script import BOOKED, OK, PLAYED, Requests, converse

PROFILE = load_profile("lt-employment-1883")   # offer after 120 s, 180 s per caller, 2 number attempts
CALLER_ID = "37060000001"                       # made up, a valid Lithuanian mobile number without its "+"

# the call is answered and the caller keys 1 at the offer: call me back
ACCEPTED = [("ANSWER", OK), ('GET DATA "vm-tocallback"', "200 result=1")]
# the caller keys 1 (call me back on the number I call from), is thanked and the call ends: booked
ON_THIS_NUMBER = [
    ('GET DATA "vm-tocallnum"', "200 result=1"),
    BOOKED, ('STREAM FILE "auth-thankyou"', PLAYED),
    ('STREAM FILE "vm-goodbye"', PLAYED),
    ("HANGUP", "200 result=1"),
]


@pytest.fixture
async def offer(start_agi):
    requests = Requests()
    steps = []

    async def publish(event) -> None:
        steps.append((event.step.value, event.choice, event.outcome))
    server = await start_agi(routes={
        "callback_offer": CallbackOfferFlow(PROFILE, PromptSet(), requests, publish),
        "callback_request": CallbackRequestFlow(PROFILE, PromptSet(), requests, publish)})

    async def call(queue="general_info", waiting="3", ready="0", callerid=CALLER_ID,
                   script="callback_offer") -> FakeAgiCall:
        return await FakeAgiCall.connect(server.port, script=script, agi_linkedid="1700000000.42",
                                         agi_callerid=callerid, agi_arg_1=queue, agi_arg_2=waiting,
                                         agi_arg_3=ready)
    call.requests = requests
    call.steps = steps
    return call


def test_the_wait_estimate_shares_the_callers_ahead_among_ready_agents():
    assert estimated_wait(QueueSnapshot("q", waiting=4, ready=2), 180) == 360
    assert estimated_wait(QueueSnapshot("q", waiting=0, ready=1), 180) == 0
    assert estimated_wait(QueueSnapshot("q", waiting=5, ready=0), 180) is None   # nobody to answer


@pytest.mark.parametrize(("waiting", "ready", "offered"), [(0, 0, True), (2, 1, True), (1, 1, True),
                                                               (1, 2, False), (0, 3, False)])
def test_offered_when_nobody_is_ready_or_the_wait_exceeds_the_threshold(waiting, ready, offered):
    flow = CallbackOfferFlow(PROFILE, PromptSet(), Requests())
    assert flow.should_offer(QueueSnapshot("q", waiting, ready)) is offered


async def test_short_wait_no_offer_the_caller_goes_on_to_the_queue(offer):
    call = await offer(waiting="0", ready="2")
    assert await call.wait_closed() == b""   # not one command: the dialplan queues the call
    assert offer.requests.calls == []


async def test_accepted_with_the_caller_id_books_a_hold_refused_callback_and_hangs_up(offer):
    call = await offer(waiting="4", ready="2")
    before = utcnow()
    commands = await converse(call, [
        *ACCEPTED,
        *ON_THIS_NUMBER,
    ])
    await call.wait_closed()
    [booked] = offer.requests.calls
    assert booked["number"] == "+" + CALLER_ID and booked["reason"] == "hold_refused"
    assert booked["call_id"] == "1700000000.42" and booked["queue"] == "general_info"
    # due when the caller's turn would have come: 4 callers ahead x 180 s / 2 agents
    assert before + dt.timedelta(seconds=359) <= booked["due_at"] <= utcnow() + dt.timedelta(seconds=361)
    assert all(CALLER_ID not in line for line in commands)
    assert offer.steps == [("callback_offer", "1", "booked")]   # in the call's IVR history


async def test_an_invalid_keyed_in_number_is_re_prompted_and_a_valid_one_is_used(offer):
    call = await offer(callerid="anonymous")  # no usable caller ID: straight to keying in
    await converse(call, [
        *ACCEPTED,
        ('GET DATA "vm-enter-num-to-call"', "200 result=123"),   # not a number
        ('STREAM FILE "vm-pls-try-again"', PLAYED),
        ('GET DATA "vm-enter-num-to-call"', "200 result=861234567"),   # national form
        BOOKED, ('STREAM FILE "auth-thankyou"', PLAYED),
        ('STREAM FILE "vm-goodbye"', PLAYED),
        ("HANGUP", "200 result=1"),
    ])
    await call.wait_closed()
    [booked] = offer.requests.calls
    assert booked["number"] == "+37061234567"
    assert booked["due_at"] <= utcnow()   # nobody ready: due at once


async def test_key_2_keys_in_another_number_instead_of_the_caller_id(offer):
    call = await offer()
    await converse(call, [
        *ACCEPTED,
        ('GET DATA "vm-tocallnum"', "200 result=2"),
        ('GET DATA "vm-enter-num-to-call"', "200 result=37069999999"),
        BOOKED, ('STREAM FILE "auth-thankyou"', PLAYED),
        ('STREAM FILE "vm-goodbye"', PLAYED),
        ("HANGUP", "200 result=1"),
    ])
    await call.wait_closed()
    assert [c["number"] for c in offer.requests.calls] == ["+37069999999"]


async def test_an_invalid_number_is_not_accepted_and_after_the_attempts_the_caller_stays_queued(offer):
    call = await offer(callerid="")
    await converse(call, [
        *ACCEPTED,
        ('GET DATA "vm-enter-num-to-call"', "200 result=99912345"),      # no such number anywhere
        ('STREAM FILE "vm-pls-try-again"', PLAYED),
        ('GET DATA "vm-enter-num-to-call"', "200 result="),               # nothing
        ('STREAM FILE "vm-pls-try-again"', PLAYED),
    ])
    assert await call.wait_closed() == b""   # no hangup, no fallback: the dialplan queues the caller
    assert offer.requests.calls == []
    assert offer.steps == [("callback_offer", "1", "no_valid_number")]


async def test_declined_or_silent_offer_books_nothing(offer):
    call = await offer()
    await converse(call, [("ANSWER", OK), ('GET DATA "vm-tocallback"', "200 result=")])
    assert await call.wait_closed() == b""
    assert offer.requests.calls == []
    assert offer.steps == [("callback_offer", "", "declined")]


async def test_malformed_queue_counts_fall_back_to_the_queue(offer):
    call = await offer(waiting="lots")
    assert await call.expect() == 'SET VARIABLE "HOTLINE_FALLBACK" "error"'
    await call.reply(OK)
    await call.wait_closed()


async def test_a_booked_caller_is_hung_up_even_when_the_goodbye_prompt_fails(offer):
    call = await offer()
    await converse(call, [
        *ACCEPTED,
        ('GET DATA "vm-tocallnum"', "200 result=1"),
        BOOKED, ('STREAM FILE "auth-thankyou"', "200 result=-1 endpos=0"),   # the file is missing on the PBX
        ("CHANNEL STATUS", "200 result=6"),                           # the caller is still there
        ("HANGUP", "200 result=1"),                                   # not the fallback into the queue
    ])
    await call.wait_closed()
    assert len(offer.requests.calls) == 1


# -- the caller waiting in the queue pressed 1 (route callback_request; the second count is the queue position) --
async def test_a_waiting_caller_who_asks_is_not_offered_but_asked_for_the_number_and_booked(offer):
    call = await offer(waiting="3", ready="3", script="callback_request")   # a short wait: no offer needed
    before = utcnow()
    await converse(call, [
        ("ANSWER", OK),
        *ON_THIS_NUMBER,
    ])
    await call.wait_closed()
    [booked] = offer.requests.calls
    assert (booked["number"], booked["reason"], booked["queue"]) == ("+" + CALLER_ID, "hold_refused", "general_info")
    # position 3: 2 callers ahead x 180 s / 3 agents
    assert before + dt.timedelta(seconds=119) <= booked["due_at"] <= utcnow() + dt.timedelta(seconds=121)
    assert offer.steps == [("callback_request", "1", "booked")]


async def test_a_waiting_caller_without_a_valid_number_is_left_to_the_dialplan_to_requeue(offer):
    call = await offer(callerid="anonymous", waiting="", ready="1", script="callback_request")
    await converse(call, [
        ("ANSWER", OK),
        ('GET DATA "vm-enter-num-to-call"', "200 result=1"),
        ('STREAM FILE "vm-pls-try-again"', PLAYED),
        ('GET DATA "vm-enter-num-to-call"', "200 result="),
        ('STREAM FILE "vm-pls-try-again"', PLAYED),
    ])
    assert await call.wait_closed() == b""   # no hangup: the dialplan queues the caller again
    assert offer.requests.calls == []
    assert offer.steps == [("callback_request", "1", "no_valid_number")]


def test_the_queue_position_counts_the_callers_ahead():
    assert QueueSnapshot.from_position_args(("q", "3", "2")) == QueueSnapshot("q", waiting=2, ready=2)
    assert QueueSnapshot.from_position_args(("q", "", "1")) == QueueSnapshot("q", waiting=0, ready=1)
    with pytest.raises(ValueError):
        QueueSnapshot.from_position_args(("q",))
