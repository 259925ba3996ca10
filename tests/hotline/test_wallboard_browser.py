"""The wallboard in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright): against the whole
service on the sandbox PBX, it loads, shows a call placed during the test without a reload, draws the chart; on the
web app alone (today's SLA from the database, pushes from the hub), it highlights by the profile's thresholds and
shows times in the profile's timezone whatever the browser's."""
from __future__ import annotations

import datetime as dt
import functools
import re

import pytest
from playwright.async_api import Page, expect

from core.clock import utcnow
from core.events import CallOffered, RingEnded, RingEndReason
from core.policy import PolicyProfile, load_profile
from hotline.push.hub import Audience, Push, PushHub
from hotline.web import HotlineMetrics, WebDeps, create_app, pages, sla, wallboard, ws
from telephony.calls.store import CallStoreWriter
from tests.hotline.browser_fixtures import (BROWSER_ZONE, check_shared_assets, clock_times, shared_assets_loaded,
                                            with_supervision)

CALLER = "+37060000077"   # made up
WAIT_MS = 40_000
LT = load_profile("lt-employment-1883")
QUEUE = "general_info"


async def painted_pixels(page: Page, selector: str) -> int:
    return await page.evaluate("""(selector) => {
        const canvas = document.querySelector(selector);
        const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
        return painted;
    }""", selector)


@pytest.mark.pbx
async def test_wallboard_shows_a_live_call_without_reload_and_draws_the_ring_histogram(
        pbx, hotline_service, browser, tmp_path):
    profile = load_profile(pbx.settings.profile)
    await pbx.set_all_agents(answer_after=2, talk=3)
    page = await browser.new_page(viewport={"width": 1280, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    response = await page.goto(f"{hotline_service.service.base_url}/wallboard?token={hotline_service.token}")
    assert response.status == 200
    await page.wait_for_selector("#status[data-state=live]", timeout=WAIT_MS)
    await page.wait_for_selector(f'#queues tr[data-queue="{profile.default_queue}"]', timeout=WAIT_MS)
    await page.evaluate("window.loadedOnce = true")   # gone if the page reloads

    placed = await pbx.originate(profile.public_number, CALLER, talk=3)
    row = f'#calls tr[data-call-id="{placed.uniqueid}"]'
    await page.wait_for_selector(row, timeout=WAIT_MS)                      # pushed in, not polled
    await page.wait_for_selector(f'{row}[data-state="answered"]', timeout=WAIT_MS)
    in_call = page.locator(f'#queues tr[data-queue="{profile.default_queue}"] td').nth(3)
    await expect(in_call).to_have_text("1", timeout=WAIT_MS)               # the pushed queue picture
    await page.wait_for_selector(row, state="detached", timeout=WAIT_MS)    # ended: off the live list
    await expect(in_call).to_have_text("0", timeout=WAIT_MS)

    # today's SLA refreshed by the pushed call states: the queue's row and a bar for the answered ring
    # (locator expectations, not wait_for_function: the page's CSP forbids the eval that one needs)
    await expect(page.locator("#histogram")).to_have_attribute("data-bars", re.compile(r"^[1-9]"), timeout=WAIT_MS)
    sla_row = page.locator(f'#sla-queues tr[data-key="{profile.default_queue}"] td')
    assert int(await sla_row.nth(1).inner_text()) >= 1          # offered
    assert await painted_pixels(page, "#histogram") > 1000
    assert await page.evaluate("window.loadedOnce === true")
    assert CALLER[1:] not in await page.content()   # the wallboard shows no phone numbers
    assert errors == []

    screenshot = tmp_path / "wallboard.png"
    await page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    print(f"wallboard screenshot: {screenshot}")


async def store_rings_now(engine) -> None:
    """Two calls to QUEUE a moment ago: one answered by 101 in ring 1, one that rang out at 102 (ratio 0.5)."""
    writer = CallStoreWriter(engine)
    start = utcnow() - dt.timedelta(seconds=1)
    for n, (extension, answered) in enumerate([("101", True), ("102", False)]):
        call_id = f"wallboard-{n}"
        await writer(CallOffered(at=start, call_id=call_id, caller=CALLER, dialed=LT.public_number,
                                 channel=f"PJSIP/trunk-{n}"))
        await writer(RingEnded(at=start + dt.timedelta(milliseconds=500), call_id=call_id, ring_id=f"{call_id}-1",
                               target=f"Local/{extension}@sandbox-agents", extension=extension, queue=QUEUE,
                               started_at=start, answered=answered, ring_count=1 if answered else 3,
                               within_sla=answered,
                               reason=RingEndReason.ANSWERED if answered else RingEndReason.TIMEOUT))
    await writer.close()


def one_waiting(since: dt.datetime) -> Push:
    """The queue picture with one caller waiting in QUEUE since ``since``."""
    return Push("queue_state", {"queues": [{"queue": QUEUE, "label": LT.queue(QUEUE).label, "waiting": 1,
                                            "longest_wait_since": since.isoformat(), "in_call": 0,
                                            "agents": {"available": 2}}], "agents": [], "calls": []})


@pytest.fixture
def wallboard_site(aiohttp_server, db_engine):
    """Starts the wallboard of a profile on the web app alone; gives the server and the push hub."""
    async def start(profile: PolicyProfile):
        hub = PushHub()
        deps = WebDeps.create(db_engine, HotlineMetrics().registry)
        app = create_app(deps, [functools.partial(sla.register_routes, profile=profile), wallboard.routes(profile),
                                pages.register_routes, ws.routes(hub)])
        return await aiohttp_server(app), hub

    return start


@pytest.mark.parametrize("thresholds, wait_class, ratio_class", [
    ({}, "num", "num ratio-bad"),                                                       # as shipped: 30 s, 0.9
    ({"long_wait_seconds": 1, "sla_ratio_target": 0.5}, "num wait-long", "num ratio-ok"),
])
async def test_the_wallboard_highlights_long_waits_and_sla_ratios_by_the_profiles_thresholds(
        wallboard_site, db_engine, tokens, browser, tmp_path, thresholds, wait_class, ratio_class):
    await store_rings_now(db_engine)
    site, hub = await wallboard_site(with_supervision(LT, **thresholds))
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    loaded = shared_assets_loaded(page)

    await page.goto(str(site.make_url(f"/wallboard?token={tokens['supervisor']}")))
    await page.wait_for_selector("#status[data-state=live]", timeout=WAIT_MS)
    assert hub.publish(Audience.supervising(), one_waiting(utcnow() - dt.timedelta(seconds=5))) == 1
    wait = page.locator(f'#queues tr[data-queue="{QUEUE}"] td').nth(2)
    await expect(wait).to_have_text(re.compile(r"^\d+s$"), timeout=WAIT_MS)
    await expect(wait).to_have_class(wait_class)
    ratio = page.locator(f'#sla-queues tr[data-key="{QUEUE}"] td').nth(4)
    await expect(ratio).to_have_text("50.0 %", timeout=WAIT_MS)
    await expect(ratio).to_have_class(ratio_class)
    for agent, met in (("101", "num ratio-ok"), ("102", "num ratio-bad")):   # 100 % and 0 %: either way
        await expect(page.locator(f'#sla-agents tr[data-key="{agent}"] td').nth(4)).to_have_class(met)

    await check_shared_assets(page, loaded, "wallboard")
    assert errors == []
    await page.screenshot(path=str(tmp_path / "wallboard-thresholds.png"), full_page=True)


async def test_the_wallboard_shows_its_clock_and_alert_times_in_the_profiles_timezone(wallboard_site, tokens, browser):
    site, hub = await wallboard_site(LT)
    page = await browser.new_page(timezone_id=BROWSER_ZONE)
    await page.goto(str(site.make_url(f"/wallboard?token={tokens['supervisor']}")))
    await page.wait_for_selector("#status[data-state=live]", timeout=WAIT_MS)
    assert await page.evaluate("() => Intl.DateTimeFormat().resolvedOptions().timeZone") == BROWSER_ZONE

    clock = page.locator("#clock")
    await expect(clock).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    assert await clock.inner_text() in clock_times(LT.timezone)
    alert = Push("sla_alert", {"kind": "ring_no_answer", "message": "agent 101 paused"}, at="2026-01-15T10:20:30+00:00")
    assert hub.publish(Audience.supervising(), alert) == 1
    await expect(page.locator("#alerts li")).to_contain_text("12:20:30 agent 101 paused")   # Vilnius is UTC+2
