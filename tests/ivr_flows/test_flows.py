"""The menu flow against a scripted PBX (FakeAgiCall): what the caller hears, where the call goes, what is
recorded in the call's history, and that recording starts only after the consent announcement played out."""
from __future__ import annotations

import asyncio
import logging

from core.events import IvrStep, IvrStepRecorded, RecordingStarted
from ivr_flows.flows import MenuFlow
from ivr_flows.preverify import PreVerifications
from ivr_flows.prompts import PromptSet
from tests.ivr_flows.fake_pbx import FakeAgiCall
from tests.ivr_flows.menu_pbx import LT, PROMPTS, UNIQUEID, Mute, Pbx, run_flow, steps

async def test_key_2_joins_the_employers_queue_with_its_topic(start_agi):
    pbx = Pbx(["2"])
    events, _, server = await run_flow(start_agi, pbx)
    assert [c[0] for c in pbx.commands[:3]] == ["GET", "ANSWER", "STREAM"]   # answered before any prompt
    assert pbx.played() == ["/snd/greeting", "/snd/consent", "/snd/menu"]
    assert pbx.variables() == {"HOTLINE_TOPIC": "employer", "HOTLINE_QUEUE": "employers"}
    assert steps(events) == [("entered", "", "", None), ("greeting", "", "", None), ("consent", "", "", None),
                             ("menu", "2", "employers", "employer"), ("queued", "", "employers", "employer")]
    assert all(e.call_id == UNIQUEID for e in events)
    assert server.stats.fallbacks == {}


async def test_recording_starts_right_after_the_consent_announcement_with_both_legs(start_agi):
    pbx = Pbx(["2"])
    events, _, _ = await run_flow(start_agi, pbx)
    verbs = [" ".join(c[:2]) for c in pbx.commands]
    consent = pbx.commands.index(["STREAM", "FILE", "/snd/consent", ""])
    mixmonitor = next(i for i, c in enumerate(pbx.commands) if c[:2] == ["EXEC", "MixMonitor"])
    assert mixmonitor == consent + 1, verbs
    assert pbx.commands[mixmonitor][2] == (f"hotline-{UNIQUEID}.wav,r(hotline-{UNIQUEID}-caller.wav)"
                                           f"t(hotline-{UNIQUEID}-agent.wav)")
    started = [e for e in events if isinstance(e, RecordingStarted)]
    assert [(e.path, e.caller_leg, e.agent_leg) for e in started] == [
        (f"hotline-{UNIQUEID}.wav", f"hotline-{UNIQUEID}-caller.wav", f"hotline-{UNIQUEID}-agent.wav")]


async def test_a_caller_hanging_up_during_the_consent_announcement_is_never_recorded(start_agi):
    pbx = Pbx(["2"], hang_up_on="/snd/consent")
    events, _, server = await run_flow(start_agi, pbx)
    assert not [c for c in pbx.commands if c[0] == "EXEC"]
    assert not [e for e in events if isinstance(e, RecordingStarted)]
    assert [s[0] for s in steps(events)] == ["entered", "greeting"]   # consent never counted as heard
    assert server.stats.fallbacks == {}                                # nobody left to set it on


async def test_garbage_then_silence_plays_invalid_choice_and_goes_to_the_default_queue(start_agi):
    pbx = Pbx(["9", ""])
    events, _, _ = await run_flow(start_agi, pbx)
    assert pbx.played() == ["/snd/greeting", "/snd/consent", "/snd/menu", "/snd/invalid_choice", "/snd/menu",
                            "/snd/invalid_choice"]
    assert pbx.variables()["HOTLINE_QUEUE"] == LT.default_queue == "general_info"
    assert steps(events)[3:] == [("menu", "9", "invalid", None), ("menu", "", "no_choice", None),
                                 ("queued", "", "general_info", "general")]


async def test_a_profile_that_does_not_record_skips_consent_and_recording(start_agi):
    pbx = Pbx(["3"])
    events, _, _ = await run_flow(start_agi, pbx, LT.model_copy(update={"records_calls": False}))
    assert pbx.played() == ["/snd/greeting", "/snd/menu"]
    assert not [c for c in pbx.commands if c[0] == "EXEC"]
    assert "consent" not in [s[0] for s in steps(events)]
    assert pbx.variables()["HOTLINE_QUEUE"] == "e_services"


async def test_job_seekers_key_in_the_last_4_digits_kept_only_for_the_agent_screen(start_agi, caplog):
    caplog.set_level(logging.DEBUG)
    pbx = Pbx(["1", "4821"])
    events, preverifications, _ = await run_flow(start_agi, pbx)
    assert pbx.played()[-1] == "/snd/preverify"
    get_data = [c for c in pbx.commands if c[:2] == ["GET", "DATA"]]
    assert get_data[-1][4] == "4"                                  # up to 4 keys
    assert ("preverify", "", "provided", None) in steps(events)
    assert "4821" not in repr(events) and "4821" not in caplog.text
    assert "4821" not in repr(pbx.variables())                     # not a channel variable (AMI VarSet)
    assert "4821" not in repr(preverifications)
    assert preverifications.take(UNIQUEID) == "4821"
    assert preverifications.take(UNIQUEID) is None                 # read once


async def test_too_few_digits_are_not_kept(start_agi):
    pbx = Pbx(["1", "48"])
    events, preverifications, _ = await run_flow(start_agi, pbx)
    assert ("preverify", "", "skipped", None) in steps(events)
    assert not preverifications.has(UNIQUEID)
    assert pbx.variables()["HOTLINE_QUEUE"] == "job_seekers"


async def test_our_code_hanging_mid_call_is_cut_short_and_the_caller_falls_back(start_agi):
    stuck = asyncio.Event()

    async def publish(event):
        if isinstance(event, IvrStepRecorded) and event.step == IvrStep.MENU:
            await stuck.wait()   # a part of ours that never returns

    pbx = Pbx(["2"])
    _, _, server = await run_flow(start_agi, pbx, publish=publish)
    assert pbx.commands[-1] == ["SET", "VARIABLE", "HOTLINE_FALLBACK", "timeout"]
    assert "HOTLINE_QUEUE" not in pbx.variables()    # the dialplan's preset default queue stands
    assert server.stats.fallbacks == {"timeout": 1}


async def test_our_code_raising_mid_call_sets_the_error_fallback(start_agi):
    async def publish(event):
        if isinstance(event, IvrStepRecorded) and event.step == IvrStep.MENU:
            raise RuntimeError("injected fault")

    pbx = Pbx(["2"])
    _, _, server = await run_flow(start_agi, pbx, publish=publish)
    assert pbx.commands[-1] == ["SET", "VARIABLE", "HOTLINE_FALLBACK", "error"]
    assert "HOTLINE_QUEUE" not in pbx.variables()
    assert server.stats.fallbacks == {"error": 1}


async def test_without_the_consent_announcement_nothing_is_recorded_and_supervisors_are_alerted(start_agi):
    """The consent prompt could not be made (its file removed, espeak-ng failing): no beep stands in for it, the
    call goes on to its queue unrecorded, and one alert says why (not one per call)."""
    from core.events import SlaAlert
    from ivr_flows.flows import ALERT_NO_CONSENT_PROMPT, OUTCOME_NOT_RECORDED

    without = PromptSet(names={k: v for k, v in PROMPTS.names.items() if k != "consent"}, seconds=PROMPTS.seconds,
                        missing=["consent"])
    events: list[object] = []

    async def collect(event: object) -> None:
        events.append(event)

    flow = MenuFlow(LT, without, collect, PreVerifications(), Mute([]))
    server = await start_agi(routes={"ivr": flow})
    for _ in range(2):   # two calls
        pbx = Pbx(["2"])
        await asyncio.wait_for(pbx.serve(await FakeAgiCall.connect(server.port)), 10)
        assert pbx.played() == ["/snd/greeting", "/snd/menu"]
        assert not [c for c in pbx.commands if c[0] == "EXEC"], "no MixMonitor"
        assert pbx.variables()["HOTLINE_QUEUE"] == "employers"
    assert not [e for e in events if isinstance(e, RecordingStarted)]
    assert [(s[0], s[2]) for s in steps(events) if s[0] == "consent"] == [("consent", OUTCOME_NOT_RECORDED)] * 2
    assert [e.kind for e in events if isinstance(e, SlaAlert)] == [ALERT_NO_CONSENT_PROMPT]
