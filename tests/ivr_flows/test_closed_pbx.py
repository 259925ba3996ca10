"""The closed line on the real sandbox PBX (issue 10 item 7): on a national holiday and outside the weekly hours
the caller hears the hours and may book a callback; nobody's phone rings, the call ends ``closed`` and is owed no
missed callback. The same call while open reaches the queue as before; with the service down the PBX's own apology
plays. The sandbox is always open: these tests load a profile's real opening-hours lines (tests/pbx_hours.py)."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core import dialplan
from tests.pbx_hours import closed_today, closure_today, hours_of, open_only_on, today_in
from tests.service_fixture import RunningService, running_service

pytestmark = pytest.mark.pbx

HOLIDAY_CALLER = "+37060000091"   # made up
EVENING_CALLER = "+37060000092"
OPEN_CALLER = "+37060000093"
DOWN_CALLER = "+37060000094"
EVERY_DAY = set(range(1, 8))


@pytest.fixture
async def ivr_service(pbx, tmp_path) -> AsyncIterator[RunningService]:
    async with running_service(pbx, tmp_path, ivr=True) as running:
        yield running


async def tasks_of(service: RunningService, number: str) -> list[dict]:
    _, tasks = await service.get("/api/callbacks")
    return [task for task in tasks if task["number"] == number]


def nobody_rang(log) -> None:
    """No queue offered the call, and nothing dialled an agent, a softphone or a public number (fallback)."""
    rung = [event.get("DestChannel") for event in log.matching("DialBegin")]
    assert log.matching("AgentCalled") == [] and rung == [], f"somebody's phone rang: {rung}"


def playback_of(sound: str):
    return lambda event: (event.get("Event") == "Newexten" and event.get("Application") == "Playback"
                          and sound in event.get("AppData", ""))


async def test_on_a_national_holiday_our_closed_flow_runs_nobody_rings_and_nothing_is_owed(pbx, ivr_service):
    profile = ivr_service.service.profile
    async with hours_of(pbx, open_only_on(profile, EVERY_DAY)), closure_today(pbx, profile), \
            pbx.events() as log:
        placed = await pbx.originate(profile.public_number, HOLIDAY_CALLER, talk=90)   # presses nothing
        closed = await log.wait_for("UserEvent", UserEvent=dialplan.USEREVENT_CLOSED, Linkedid=placed.uniqueid)
        # (hotline's AMI user does not read the `agi` class: the dialplan's own step shows the route)
        agi = await log.wait_until(lambda e: e.get("Event") == "Newexten" and e.get("Application") == "AGI"
                                   and f"/{dialplan.AGI_CLOSED_PATH}," in e.get("AppData", "")
                                   and e.get("Linkedid") == placed.uniqueid, "the closed route's AGI")
        call = await ivr_service.wait_call(placed.uniqueid, lambda call: call["state"] == "ended", timeout=90)
        nobody_rang(log)
    assert closed["Dialled"] == profile.public_number and agi["Channel"]
    assert call["ended_cause"] == "closed" and call["queue"] is None
    assert [(step["step"], step["outcome"]) for step in call["ivr"]] == [("closed", "goodbye")]
    assert await tasks_of(ivr_service, HOLIDAY_CALLER) == []   # the line was closed: no missed callback owed


async def test_outside_the_weekly_hours_the_caller_books_a_callback_for_when_the_line_opens(pbx, ivr_service):
    profile = ivr_service.service.profile
    async with hours_of(pbx, closed_today(profile)), pbx.events() as log:
        # key 2 during the hours: a callback; key 1: on the number they call from
        placed = await pbx.originate(profile.public_number, EVENING_CALLER, dtmf="ww2wwwwww1", talk=60)
        call = await ivr_service.wait_call(placed.uniqueid, lambda call: call["state"] == "ended", timeout=90)
        nobody_rang(log)
    assert call["ended_cause"] == "closed"
    assert ("closed", "booked") in [(step["step"], step["outcome"]) for step in call["ivr"]]
    [task] = await tasks_of(ivr_service, EVENING_CALLER)
    assert (task["reasons"], task["queue"], task["call_id"]) == (["after_hours"], profile.default_queue,
                                                                placed.uniqueid)


async def test_the_same_call_while_open_reaches_the_queue(pbx, hotline_service):
    profile = hotline_service.service.profile
    async with hours_of(pbx, open_only_on(profile, {today_in(profile).isoweekday()})), pbx.events() as log:
        placed = await pbx.originate(profile.public_number, OPEN_CALLER, talk=3)
        await log.wait_for("AgentCalled", Linkedid=placed.uniqueid)
        call = await hotline_service.wait_call(placed.uniqueid, lambda call: call["state"] == "ended")
        assert log.matching("UserEvent", UserEvent=dialplan.USEREVENT_CLOSED) == []
    assert (call["ended_cause"], call["queue"]) == ("completed", profile.default_queue)


async def test_with_the_service_down_a_closed_line_plays_the_pbx_apology_and_nobody_rings(pbx, hotline_service):
    profile = hotline_service.service.profile   # no IVR here: the closed route's AGI fails
    async with hours_of(pbx, closed_today(profile)), pbx.events() as log:
        placed = await pbx.originate(profile.public_number, DOWN_CALLER, talk=30)
        await log.wait_until(playback_of("im-sorry"), "the PBX's apology")
        await log.wait_for("Hangup", Uniqueid=placed.caller_leg)
        call = await hotline_service.wait_call(placed.uniqueid, lambda call: call["state"] == "ended")
        nobody_rang(log)
    assert call["ended_cause"] == "closed"
    assert await tasks_of(hotline_service, DOWN_CALLER) == []


async def test_a_direct_line_at_night_rings_nobody(pbx, hotline_service):
    profile = hotline_service.service.profile
    async with hours_of(pbx, closed_today(profile)), pbx.events() as log:
        placed = await pbx.originate("101", DOWN_CALLER, talk=30)
        closed = await log.wait_for("UserEvent", UserEvent=dialplan.USEREVENT_CLOSED, Linkedid=placed.uniqueid)
        call = await hotline_service.wait_call(placed.uniqueid, lambda call: call["state"] == "ended")
        nobody_rang(log)
    assert closed["Dialled"] == "101" and call["ended_cause"] == "closed"
    assert await tasks_of(hotline_service, DOWN_CALLER) == []
