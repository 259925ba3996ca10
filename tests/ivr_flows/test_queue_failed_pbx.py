"""Never cut off in silence, on the real sandbox PBX: with every member of the queue paused the caller hears an
apology (our IVR's, or the PBX's own when the IVR is not there), the call ends ``unanswered`` with its queue, never
``abandoned``, and the caller is owed a ``missed`` callback (REQUIREMENTS §5, LT-2021 §12.12)."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core import dialplan
from hotline.pbx.render import DEMO_AGENTS
from tests.service_fixture import RunningService, running_service

pytestmark = pytest.mark.pbx

CALLER = "+37060000077"       # made up
IVR_CALLER = "+37060000078"


@pytest.fixture
async def ivr_service(pbx, tmp_path) -> AsyncIterator[RunningService]:
    async with running_service(pbx, tmp_path, ivr=True) as running:
        yield running


async def pause_every_agent(pbx) -> None:
    """Every demo member paused in every queue (the sandbox is put back after the test)."""
    for extension in DEMO_AGENTS:
        await pbx.action(Action="QueuePause", Interface=dialplan.agent_interface(extension), Paused="true",
                         Reason="test")


async def missed_tasks_of(service: RunningService, number: str) -> list[dict]:
    _, tasks = await service.get("/api/callbacks?reason=missed")
    return [task for task in tasks if task["number"] == number]


def playback_of(sound: str):
    return lambda event: (event.get("Event") == "Newexten" and event.get("Application") == "Playback"
                          and sound in event.get("AppData", ""))


async def test_every_member_paused_the_pbx_apologises_and_the_caller_is_owed_a_missed_callback(pbx, hotline_service):
    await pause_every_agent(pbx)
    profile = hotline_service.service.profile
    async with pbx.events() as log:
        placed = await pbx.originate(profile.public_number, CALLER, talk=30)
        failed = await log.wait_for("UserEvent", UserEvent=dialplan.USEREVENT_QUEUE_FAILED, Linkedid=placed.uniqueid)
        # the service runs without its IVR here, so the dialplan's own apology plays: never silence
        await log.wait_until(playback_of("vm-sorry"), "the PBX's apology")
        await log.wait_for("Hangup", Uniqueid=placed.caller_leg)
    assert (failed["Queue"], failed["Status"]) == (profile.default_queue, "JOINEMPTY")
    call = await hotline_service.wait_call(placed.uniqueid, lambda call: call["state"] == "ended")
    assert (call["ended_cause"], call["queue"]) == ("unanswered", profile.default_queue)
    [task] = await missed_tasks_of(hotline_service, CALLER)
    assert (task["state"], task["reasons"], task["call_id"]) == ("pending", ["missed"], placed.uniqueid)


async def test_every_member_paused_our_ivr_apologises_and_the_caller_is_owed_a_missed_callback(pbx, ivr_service):
    await pause_every_agent(pbx)
    profile = ivr_service.service.profile
    # no keys: the menu's default queue, the callback offer declined by silence, then the queue fails
    placed = await pbx.originate(profile.public_number, IVR_CALLER, talk=180)
    call = await ivr_service.wait_call(placed.uniqueid, lambda call: call["state"] == "ended", timeout=150)
    steps = [(step["step"], step["outcome"]) for step in call["ivr"]]
    assert ("callback_offer", "declined") in steps and ("queue_failed", "declined") in steps
    assert (call["ended_cause"], call["queue"]) == ("unanswered", profile.default_queue)
    [task] = await missed_tasks_of(ivr_service, IVR_CALLER)
    assert (task["reasons"], task["call_id"]) == (["missed"], placed.uniqueid)
