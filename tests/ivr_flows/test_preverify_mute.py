"""Personal-code digits never recorded (issue 12 item 5), against the scripted PBX: the recording is muted for
the whole digit entry and unmuted after; no confirmed mute, no digits asked for; an unrecorded call needs no mute;
an unmute that fails leaves the rest muted and alerts supervisors."""
from __future__ import annotations

import logging

import pytest

from core.events import SlaAlert
from core.ports import PbxActionRefused, PbxUnavailable
from ivr_flows.flows import OUTCOME_SKIPPED_UNMUTED
from ivr_flows.muting import ALERT_UNMUTE_FAILED
from ivr_flows.prompts import PromptSet
from tests.ivr_flows.menu_pbx import CHANNEL, LT, PROMPTS, UNIQUEID, Mute, Pbx, run_flow, steps

DIGITS = "4821"                               # made up
NUMBERED_CHANNEL = "PJSIP/37060000001-00000007"   # channel names may hold a caller's number
PREVERIFY = ["GET", "DATA", "/snd/preverify"]


def verbs(pbx: Pbx) -> list[list[str]]:
    """The mutes and the AGI commands around them, from the menu's choice on."""
    return [c[:3] if c[0] == "GET" else c for c in pbx.commands[pbx.commands.index(["GET", "DATA", "/snd/menu", "5000",
                                                                                    "1"]) + 1:]]


def mutes(pbx: Pbx) -> list[list[str]]:
    return [c for c in pbx.commands if c[0] in ("MUTE", "UNMUTE")]


def alerts(events) -> list[SlaAlert]:
    return [e for e in events if isinstance(e, SlaAlert)]


async def test_the_recording_is_muted_for_the_whole_digit_entry_and_unmuted_after(start_agi):
    pbx = Pbx(["1", DIGITS])
    events, preverifications, _ = await run_flow(start_agi, pbx)
    assert verbs(pbx) == [["MUTE", CHANNEL], PREVERIFY, ["UNMUTE", CHANNEL],
                          ["SET", "VARIABLE", "HOTLINE_TOPIC", "job_seeker"],
                          ["SET", "VARIABLE", "HOTLINE_QUEUE", "job_seekers"]]
    assert ("preverify", "", "provided", None) in steps(events)
    assert preverifications.take(UNIQUEID) == DIGITS
    assert not alerts(events)


@pytest.mark.parametrize("failure, unmuted_after", [
    (PbxActionRefused("Cannot set mute flag"), False),   # refused: nothing was muted, nothing to undo
    (PbxUnavailable("AMI not connected"), True),          # not known: one quiet unmute, in case it lands
    ("hang", True),                                       # no answer within the mute timeout: the same
])
async def test_a_mute_not_confirmed_means_the_digits_are_not_asked_for(start_agi, caplog, failure, unmuted_after):
    caplog.set_level(logging.DEBUG)
    pbx = Pbx(["1", DIGITS])
    mute = Mute(pbx.commands, [failure])
    events, preverifications, server = await run_flow(start_agi, pbx, mute=mute, agi_channel=NUMBERED_CHANNEL)
    assert PREVERIFY not in [c[:3] for c in pbx.commands]            # the caller was never asked for digits
    assert mutes(pbx) == [["MUTE", NUMBERED_CHANNEL]] + ([["UNMUTE", NUMBERED_CHANNEL]] if unmuted_after else [])
    assert ("preverify", "", OUTCOME_SKIPPED_UNMUTED, None) in steps(events)
    assert pbx.variables()["HOTLINE_QUEUE"] == "job_seekers"        # on to the queue: the agent verifies by voice
    assert not preverifications.has(UNIQUEID)
    assert server.stats.fallbacks == {}
    assert f"call {UNIQUEID}: recording not muted" in caplog.text
    assert "37060000001" not in caplog.text and "37060000001" not in repr(events)


@pytest.mark.parametrize("profile, prompts", [
    (LT.model_copy(update={"records_calls": False}), PROMPTS),   # the profile does not record
    (LT, PromptSet(names={k: v for k, v in PROMPTS.names.items() if k != "consent"}, seconds=PROMPTS.seconds,
                   missing=["consent"])),                       # no consent announcement: not recorded either
])
async def test_an_unrecorded_call_is_asked_for_the_digits_without_any_mute(start_agi, profile, prompts):
    pbx = Pbx(["1", DIGITS])
    events, preverifications, _ = await run_flow(start_agi, pbx, profile, prompts=prompts)
    assert not mutes(pbx) and not [c for c in pbx.commands if c[:2] == ["EXEC", "MixMonitor"]]
    assert PREVERIFY in [c[:3] for c in pbx.commands]
    assert preverifications.take(UNIQUEID) == DIGITS


async def test_an_unmute_failing_twice_leaves_the_rest_muted_and_alerts_supervisors(start_agi, caplog):
    caplog.set_level(logging.DEBUG)
    pbx = Pbx(["1", DIGITS])
    mute = Mute(pbx.commands, [None, PbxUnavailable("lost"), PbxActionRefused("No such channel")])
    events, preverifications, server = await run_flow(start_agi, pbx, mute=mute, agi_channel=NUMBERED_CHANNEL)
    assert verbs(pbx)[:4] == [["MUTE", NUMBERED_CHANNEL], PREVERIFY, ["UNMUTE", NUMBERED_CHANNEL],
                              ["UNMUTE", NUMBERED_CHANNEL]]
    [alert] = alerts(events)
    assert alert.kind == ALERT_UNMUTE_FAILED and UNIQUEID in alert.message and "37060000001" not in alert.message
    assert preverifications.take(UNIQUEID) == DIGITS                # the digits themselves were taken safely
    assert pbx.variables()["HOTLINE_QUEUE"] == "job_seekers" and server.stats.fallbacks == {}
    assert "37060000001" not in caplog.text and DIGITS not in caplog.text


async def test_an_unmute_that_works_the_second_time_raises_no_alert(start_agi):
    pbx = Pbx(["1", DIGITS])
    events, _, _ = await run_flow(start_agi, pbx, mute=Mute(pbx.commands, [None, PbxUnavailable("lost")]))
    assert verbs(pbx)[:4] == [["MUTE", CHANNEL], PREVERIFY, ["UNMUTE", CHANNEL], ["UNMUTE", CHANNEL]]
    assert not alerts(events)


async def test_a_caller_hanging_up_during_the_digits_gets_no_unmute(start_agi):
    pbx = Pbx(["1"], hang_up_on="/snd/preverify")
    events, preverifications, _ = await run_flow(start_agi, pbx)
    assert mutes(pbx) == [["MUTE", CHANNEL]]
    assert not preverifications.has(UNIQUEID) and not alerts(events)
