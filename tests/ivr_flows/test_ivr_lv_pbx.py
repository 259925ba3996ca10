"""The LV profile's IVR on its own sandbox Asterisk: Latvian prompts, the LV menu (key 2 = benefits)."""
from __future__ import annotations

import math
from collections.abc import AsyncIterator

import pytest

from core.policy import load_profile
from tests.pbx_lv import LV_PROFILE
from tests.service_fixture import RunningService, running_service

pytestmark = pytest.mark.pbx

CALLER = "+37120000055"  # made up


@pytest.fixture
async def ivr_service_lv(pbx_lv, tmp_path) -> AsyncIterator[RunningService]:
    async with running_service(pbx_lv, tmp_path, ivr=True) as running:
        yield running


async def test_lv_prompts_and_menu(pbx_lv, ivr_service_lv):
    profile = load_profile(LV_PROFILE)
    prompts = ivr_service_lv.service.ivr.prompts
    assert prompts.fallbacks == []
    sounds = pbx_lv.paths.host(pbx_lv.paths.lib / "sounds" / "hotline")
    for key in ("greeting", "consent", "menu", "invalid_choice"):
        name = prompts[key].rsplit("/", 1)[1]
        assert name.startswith("lv-") and (sounds / f"{name}.sln").stat().st_size > 0
    before_menu = prompts.seconds["greeting"] + prompts.seconds["consent"] + 1.0
    await pbx_lv.set_all_agents(answer_after=1, talk=1)
    async with pbx_lv.events() as log:
        call = await pbx_lv.originate(profile.public_number, CALLER, talk=20,
                                      dtmf="w" * math.ceil(before_menu / 0.5) + "2")
        join = await log.wait_for("QueueCallerJoin", timeout=40, Linkedid=call.uniqueid)
    assert join["Queue"] == "benefits"
    # each step after a prompt means STREAM FILE found and played the Latvian file (a missing one would fail)
    stored = await ivr_service_lv.wait_call(call.uniqueid, lambda c: any(s["step"] == "queued" for s in c["ivr"]))
    assert [(s["step"], s["choice"], s["outcome"]) for s in stored["ivr"]] == [
        ("entered", "", ""), ("greeting", "", ""), ("consent", "", ""), ("menu", "2", "benefits"),
        ("queued", "", "benefits")]
    assert stored["topic"] == "benefits"
    assert ivr_service_lv.service.ivr.server.stats.fallbacks == {}
