"""The wallboard in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright) against the whole
service on the sandbox PBX: it loads, shows a call placed during the test without a reload, draws the chart."""
from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from core.policy import load_profile

pytestmark = pytest.mark.pbx

CALLER = "+37060000077"   # made up
WAIT_MS = 40_000


async def painted_pixels(page: Page, selector: str) -> int:
    return await page.evaluate("""(selector) => {
        const canvas = document.querySelector(selector);
        const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
        return painted;
    }""", selector)


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
