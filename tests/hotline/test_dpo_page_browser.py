"""The DPO's page in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright): open requests,
soonest deadline first, an overdue one marked; the page is the DPO's alone."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import expect

from core.settings import Settings
from tests.hotline.browser_fixtures import check_shared_assets, shared_assets_loaded
from tests.hotline.subject_request_fixtures import subject_request_app

WAIT_MS = 15_000


@pytest.fixture
async def served(aiohttp_server, db_engine, tmp_path):
    app, requests = subject_request_app(db_engine, tmp_path / "monitor", Settings(_env_file=None))
    today = requests.today()
    made = {
        # one month from two months ago: overdue
        "late": await requests.receive("access", "+37060000041", today - dt.timedelta(days=62), "dpo-1"),
        # received today: 5 working days, then one month
        "rectify": await requests.receive("rectification", "+37060000042", today, "dpo-1"),
        "access": await requests.receive("access", "+37060000043", today, "dpo-1"),
    }
    closed = await requests.receive("erasure", "+37060000044", today, "dpo-1")
    await requests.set_state(closed.id, "refused", "dpo-1", reason="not justified")
    return await aiohttp_server(app), made


async def test_the_page_lists_due_requests_soonest_first_and_marks_the_overdue_one(served, tokens, browser):
    site, made = served
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    loaded = shared_assets_loaded(page)

    response = await page.goto(str(site.make_url(f"/dpo?token={tokens['dpo']}")))
    assert response.status == 200
    await expect(page.locator("body")).to_have_attribute("data-loads", "1", timeout=WAIT_MS)

    rows = page.locator("#requests tbody tr")
    await expect(rows).to_have_count(3)   # the refused one is closed
    order = [int(await rows.nth(n).get_attribute("data-request-id")) for n in range(3)]
    assert order == [made["late"].id, made["rectify"].id, made["access"].id]
    late = page.locator(f'tr[data-request-id="{made["late"].id}"]')
    await expect(late).to_have_attribute("data-overdue", "true")
    await expect(late).to_contain_text("overdue")
    await expect(late).to_contain_text("+37060000041")
    for name in ("rectify", "access"):
        row = page.locator(f'tr[data-request-id="{made[name].id}"]')
        await expect(row).to_have_attribute("data-overdue", "false")
        await expect(row).not_to_contain_text("overdue")
    await expect(page.locator("#status")).to_have_attribute("data-state", "live")
    await check_shared_assets(page, loaded, "dpo")
    assert errors == []


async def test_the_page_is_the_dpos_alone(served, tokens, browser):
    site, _ = served
    page = await browser.new_page()
    for role in ("supervisor", "admin", "qa", "agent"):
        assert (await page.goto(str(site.make_url(f"/dpo?token={tokens[role]}")))).status == 403
