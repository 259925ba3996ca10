"""The employee-unavailable flow over the fake AGI client: leave a message (also when hanging up mid-message) or be
passed to a colleague of the same competence."""
from __future__ import annotations

import pytest

from core.policy import load_profile
from ivr_flows.message_flow import MessageFlow
from ivr_flows.prompts import PromptSet
from tests.ivr_flows.fake_pbx import FakeAgiCall
from tests.ivr_flows.flow_script import OK, PLAYED, converse, digit_reply

PROFILE = load_profile("lt-employment-1883")   # messages: at most 60 s, 5 s of silence ends them
CALLER_ID = "37060000001"
SPOOL = "/var/lib/hotline-sandbox/test/spool"


class Drop:
    def __init__(self) -> None:
        self.messages: list[dict] = []

    async def leave_message(self, **message) -> int:
        self.messages.append(message)
        return len(self.messages)


class Directory:
    def __init__(self, competences: dict[str, list[str]]) -> None:
        self._competences = competences

    async def competences(self, extension: str) -> list[str]:
        return self._competences.get(extension, [])


@pytest.fixture
async def unavailable(start_agi):
    drop = Drop()
    directory = Directory({"101": ["not_a_queue", "employers", "job_seekers"]})
    steps = []

    async def publish(event) -> None:
        steps.append((event.step.value, event.choice, event.outcome))
    server = await start_agi(routes={"unavailable": MessageFlow(PROFILE, PromptSet(), drop, directory, publish)})

    async def call(extension="101", status="NOANSWER", callerid=CALLER_ID) -> FakeAgiCall:
        return await FakeAgiCall.connect(server.port, script="unavailable", agi_linkedid="1700000000.7",
                                         agi_callerid=callerid, agi_arg_1=extension, agi_arg_2=status)
    call.drop = drop
    call.steps = steps
    return call


async def test_key_1_records_a_message_stored_with_the_callers_number(unavailable):
    call = await unavailable()
    commands = await converse(call, [
        ("ANSWER", OK),
        ('STREAM FILE "vm-isunavail" "12"', digit_reply("1")),
        ('STREAM FILE "vm-intro"', PLAYED),
        ('GET VARIABLE "ASTSPOOLDIR"', f"200 result=1 ({SPOOL})"),
        (f'RECORD FILE "{SPOOL}/monitor/hotline-message-101-', "200 result=0 (silence) endpos=40000"),
        ('STREAM FILE "vm-msgsaved"', PLAYED),
        ('STREAM FILE "vm-goodbye"', PLAYED),
        ("HANGUP", "200 result=1"),
    ])
    await call.wait_closed()
    record = commands[4].split()
    # max length and the silence that ends it come from the profile; a beep before; # stops it
    assert record[3:] == ['"wav"', '"#"', '"60000"', '"BEEP"', '"s=5"']
    [message] = unavailable.drop.messages
    assert message["extension"] == "101" and message["caller"] == "+" + CALLER_ID
    assert message["call_id"] == "1700000000.7"
    assert message["audio_path"] == record[2].strip('"') + ".wav"
    assert unavailable.steps == [("unavailable", "1", "message")]


async def test_a_caller_hanging_up_while_speaking_still_leaves_the_message(unavailable):
    call = await unavailable(status="BUSY")
    await converse(call, [
        ("ANSWER", OK),
        ('STREAM FILE "vm-isunavail"', digit_reply("1")),
        ('STREAM FILE "vm-intro"', PLAYED),
        ('GET VARIABLE "ASTSPOOLDIR"', f"200 result=1 ({SPOOL})"),
        ("RECORD FILE", "HANGUP"),
    ])
    assert await call.wait_closed() == b""   # the flow ends (no goodbye to a gone caller) once it stored the message
    [message] = unavailable.drop.messages
    assert message["extension"] == "101" and message["audio_path"].endswith(".wav")


async def test_key_2_passes_the_caller_to_a_colleague_of_the_same_competence(unavailable):
    call = await unavailable(status="CHANUNAVAIL")
    await converse(call, [
        ("ANSWER", OK),
        ('STREAM FILE "vm-isunavail"', digit_reply("2")),
        ('SET VARIABLE "HOTLINE_QUEUE" "employers"', "200 result=1"),   # the first competence that is a queue
    ])
    assert await call.wait_closed() == b""
    assert unavailable.drop.messages == []
    assert unavailable.steps == [("unavailable", "2", "colleague")]


async def test_no_choice_after_the_menu_rounds_goes_to_a_person_in_the_default_queue(unavailable):
    call = await unavailable(extension="150")   # not in the directory: no competence known
    await converse(call, [
        ("ANSWER", OK),
        ('STREAM FILE "vm-isunavail"', PLAYED),
        ('GET DATA "vm-leavemsg"', "200 result="),
        ('GET DATA "vm-leavemsg"', "200 result=7"),
        ('SET VARIABLE "HOTLINE_QUEUE" "general_info"', "200 result=1"),
    ])
    assert await call.wait_closed() == b""


async def test_an_anonymous_caller_leaves_a_message_without_a_number(unavailable):
    call = await unavailable(callerid="anonymous")
    await converse(call, [
        ("ANSWER", OK),
        ('STREAM FILE "vm-isunavail"', PLAYED),
        ('GET DATA "vm-leavemsg"', "200 result=1"),
        ('STREAM FILE "vm-intro"', PLAYED),
        ('GET VARIABLE "ASTSPOOLDIR"', f"200 result=1 ({SPOOL})"),
        ("RECORD FILE", "200 result=35 (dtmf) endpos=16000"),
        ('STREAM FILE "vm-msgsaved"', PLAYED),
        ('STREAM FILE "vm-goodbye"', PLAYED),
        ("HANGUP", "200 result=1"),
    ])
    await call.wait_closed()
    assert unavailable.drop.messages[0]["caller"] is None


async def test_a_bad_extension_argument_falls_back_to_the_queue(unavailable):
    call = await unavailable(extension="1;DROP")
    assert await call.expect() == 'SET VARIABLE "HOTLINE_FALLBACK" "error"'
    await call.reply(OK)
    await call.wait_closed()
