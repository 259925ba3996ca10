"""The callback offer on the real sandbox PBX: the dialplan hands the queue's state to the offer before Queue(); with
nobody logged in the caller is offered a callback, keys 1 (call me back) and 1 (on this number) → a ``pending``
``hold_refused`` task with the confirmed number, and the call ends; a keyed-in number that is no number is asked
again and the valid one booked.

The call reaches the queue the quick way: a direct line whose softphone is unreachable (CHANUNAVAIL at once), key 2
"a colleague" → the default queue (the employee has no competence in the directory) → the offer. The last test
presses 1 while already waiting in the queue (queues.conf ``context = hotline-queue-exit``, route callback_request).
"""
from __future__ import annotations

from contextlib import asynccontextmanager

import pytest

from core import dialplan
from core.policy import load_profile
from ivr_flows.prompts import cache_name
from tests.service_fixture import running_service, until

pytestmark = pytest.mark.pbx

CALLER = "+37060000066"   # made up
EMPLOYEE = "151"


@asynccontextmanager
async def nobody_in_the_default_queue(pbx):
    """The call reaches the default queue with nobody logged in (so the offer is made); restored afterwards."""
    queue = load_profile(pbx.settings.profile).default_queue
    members = (await pbx.queue_members()).get(queue, {})
    for interface in members:
        await pbx.action(Action="QueueRemove", Queue=queue, Interface=interface)
    await pbx.set_agent(EMPLOYEE, unreachable=True)
    try:
        yield queue
    finally:
        await pbx.set_agent(EMPLOYEE, unreachable=False)
        if members:
            await pbx.ensure_demo_members()


async def booked_task(running) -> dict:
    async def booked() -> bool:
        _, tasks = await running.get("/api/callbacks?reason=hold_refused")
        return bool(tasks)
    await until(booked, timeout=60)
    _, [task] = await running.get("/api/callbacks")
    return task


async def test_offer_accepted_books_a_pending_callback_on_the_confirmed_number(pbx, tmp_path):
    async with nobody_in_the_default_queue(pbx) as queue, running_service(pbx, tmp_path, ivr=True) as running:
        # 2 during "cannot answer" (colleague); 1 during the offer; 1 during "this number?"
        placed = await pbx.originate(EMPLOYEE, CALLER, dtmf="ww2wwwwww1wwwwww1", talk=30)
        task = await booked_task(running)
        assert (task["number"], task["state"], task["reasons"], task["queue"]) == (
            CALLER, "pending", ["hold_refused"], queue)
        # we hung up after the goodbye: the caller would otherwise stay on the line 30 s more
        call = await running.wait_call(placed.uniqueid, lambda call: call["state"] == "ended", timeout=15)
        assert call["ended_cause"] == "callback_booked"   # not abandoned: they left with a promise


async def test_an_invalid_keyed_in_number_is_asked_again_and_the_valid_one_booked(pbx, tmp_path):
    async with nobody_in_the_default_queue(pbx), running_service(pbx, tmp_path, ivr=True) as running:
        # colleague (2); accept the offer (1); "another number" (2); "12#" is no number → asked again;
        # then 860000077# (a Lithuanian mobile in national form) is booked in E.164
        dtmf = "ww2wwwwww1wwwwww2wwwwww12#wwwwww860000077#"
        placed = await pbx.originate(EMPLOYEE, CALLER, dtmf=dtmf, talk=60)
        task = await booked_task(running)
        assert (task["number"], task["state"], task["reasons"]) == ("+37060000077", "pending", ["hold_refused"])
        await running.wait_call(placed.uniqueid, lambda call: call["state"] == "ended", timeout=20)


async def test_a_caller_waiting_in_the_queue_presses_1_and_is_called_back_instead(pbx, tmp_path):
    """Agents logged in but never answering: the wait estimate is short, so no offer before the queue; after a
    few seconds of waiting the caller presses 1 (queues.conf ``context``) → ``callback_request`` books the task."""
    await pbx.ensure_demo_members()
    await pbx.set_all_agents(answer_after=dialplan.NEVER_ANSWERS)
    await pbx.set_agent(EMPLOYEE, unreachable=True)
    try:
        async with running_service(pbx, tmp_path, ivr=True) as running, pbx.events() as log:
            # 2 during "cannot answer" (colleague) → default queue; 1 after ~6 s of waiting; 1 "this number"
            placed = await pbx.originate(EMPLOYEE, CALLER, dtmf="ww2" + "w" * 12 + "1wwwwww1", talk=30)
            task = await booked_task(running)
            await running.wait_call(placed.uniqueid, lambda call: call["state"] == "ended", timeout=15)
        assert (task["number"], task["state"], task["reasons"], task["queue"]) == (
            CALLER, "pending", ["hold_refused"], load_profile(pbx.settings.profile).default_queue)
        # the caller did wait in the queue and left it with the key (not the offer before the queue)
        assert log.matching("QueueCallerJoin", Linkedid=placed.uniqueid)
        assert log.matching("QueueCallerLeave", Linkedid=placed.uniqueid)
    finally:
        await pbx.set_agent(EMPLOYEE, unreachable=False)
        await pbx.set_all_agents()


async def test_waiting_callers_are_told_about_key_1_by_a_prompt_the_service_builds(pbx, tmp_path):
    profile = load_profile(pbx.settings.profile)
    announcement = cache_name(profile.language, profile.prompts.callback_in_queue)
    queues_conf = pbx.paths.host(pbx.paths.etc / "hotline" / "queues.conf").read_text()
    assert f"periodic-announce = {pbx.paths.prompts / announcement}" in queues_conf
    async with running_service(pbx, tmp_path, ivr=True):
        sound = pbx.paths.host(pbx.paths.prompts / f"{announcement}.sln")
        assert sound.stat().st_size > 8000  # more than half a second of 8 kHz 16-bit speech
