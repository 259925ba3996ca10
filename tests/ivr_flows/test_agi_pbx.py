"""Our FastAGI server against the real sandbox Asterisk: the queue a route picks is the one joined, and a route
that fails still gets the caller to the default queue, with HOTLINE_FALLBACK set, within 5 s; a caller who hangs up
mid-prompt is a hang-up, not a failure of the flow."""
from __future__ import annotations

import asyncio
import logging

import pytest

from core import dialplan
from core.policy import load_profile
from ivr_flows import AgiHangup, AgiLimits, AgiServer

pytestmark = pytest.mark.pbx

CALLER = "37060000002"  # made up
FALLBACK_BOUND = 5.0


async def no_offer(session) -> None:
    """The callback offer the dialplan runs before Queue(): declined at once (not what these tests are about)."""


async def serve(pbx, handler, limits: AgiLimits | None = None) -> AgiServer:
    server = AgiServer(limits)
    server.add_route(dialplan.AGI_IVR_PATH, handler)
    server.add_route(dialplan.AGI_CALLBACK_OFFER_PATH, no_offer)
    await server.start("127.0.0.1", pbx.agi_port)
    return server


async def test_route_picks_the_queue_and_a_failing_route_still_reaches_the_default_queue(pbx):
    profile = load_profile(pbx.settings.profile)
    chosen = next(q.name for q in profile.queues if q.name != profile.default_queue)
    linkedids: list[str | None] = []

    async def pick_queue(session):
        await session.answer()
        linkedids.append(await session.linkedid())
        await session.set_variable(dialplan.VAR_QUEUE, chosen)

    async def broken(session):
        await session.answer()
        raise RuntimeError("injected fault")

    await pbx.set_all_agents(answer_after=0, talk=1)
    server = await serve(pbx, pick_queue)
    try:
        async with pbx.events() as log:
            call = await pbx.originate(profile.public_number, CALLER, talk=2)
            join = await log.wait_for("QueueCallerJoin", Linkedid=call.uniqueid)
            await log.wait_for("Hangup", Uniqueid=call.uniqueid)
    finally:
        await server.stop()
    assert join["Queue"] == chosen
    assert linkedids == [call.uniqueid]  # asked from the channel: Asterisk sends no agi_linkedid header
    assert server.stats.fallbacks == {}

    server = await serve(pbx, broken)
    try:
        fallback, join = await fallback_then_queue(pbx, profile.public_number, talk=2)
    finally:
        await server.stop()
    assert fallback["Value"] == "error"
    assert join["Queue"] == profile.default_queue
    assert server.stats.fallbacks == {"error": 1}


async def fallback_then_queue(pbx, dialed: str, talk: float) -> tuple[dict, dict]:
    """Place a call into the AGI; once our route has run, the fallback variable is set and the caller queued,
    both within FALLBACK_BOUND. Returns the VarSet and QueueCallerJoin events."""
    async with pbx.events() as log:
        call = await pbx.originate(dialed, CALLER, talk=talk)
        await log.wait_for("Newexten", Uniqueid=call.caller_leg, Application="AGI")
        async with asyncio.timeout(FALLBACK_BOUND):
            fallback = await log.wait_for("VarSet", Uniqueid=call.caller_leg, Variable=dialplan.VAR_FALLBACK)
            join = await log.wait_for("QueueCallerJoin", Linkedid=call.uniqueid)
        await log.wait_for("Hangup", Uniqueid=call.uniqueid)
    return fallback, join


async def test_a_hanging_route_is_cut_at_the_session_deadline_and_the_caller_queued(pbx):
    profile = load_profile(pbx.settings.profile)

    async def hanging(session):
        await session.answer()
        await asyncio.Event().wait()  # a flow stuck on something that never comes

    await pbx.set_all_agents(answer_after=0, talk=1)
    server = await serve(pbx, hanging, AgiLimits(session_timeout=2.0))
    try:
        fallback, join = await fallback_then_queue(pbx, profile.public_number, talk=6)  # past the deadline
    finally:
        await server.stop()
    assert fallback["Value"] == "timeout"
    assert join["Queue"] == profile.default_queue


async def test_a_caller_hanging_up_during_the_menu_is_a_hangup_not_a_flow_failure(pbx, caplog):
    profile = load_profile(pbx.settings.profile)
    outcome = asyncio.get_running_loop().create_future()

    async def long_menu(session):
        await session.answer()
        try:
            await session.get_data("conf-getpin", 10_000, 4)   # the caller leaves while this plays
        except BaseException as exc:
            outcome.set_result(exc)
            raise

    server = await serve(pbx, long_menu)
    try:
        with caplog.at_level(logging.INFO, logger="ivr_flows.agi_server"):
            async with pbx.events() as log:
                call = await pbx.originate(profile.public_number, CALLER, talk=1)
                await log.wait_for("Hangup", Uniqueid=call.uniqueid)
            assert isinstance(await asyncio.wait_for(outcome, 10), AgiHangup)
    finally:
        await server.stop()
    assert server.stats.fallbacks == {}
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
