"""The callbacks page in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright), served by the
web app alone (callback routes, the page, the push socket; no PBX): it sorts due, running, failed and upcoming
tasks into their sections, re-reads on the dialer's pushes (``callback_dialing``, ``callback_result``, the
``callback_failed`` alert), and reschedules or cancels without a reload."""
from __future__ import annotations

import datetime as dt
import functools
import json
import re

import aiohttp
import pytest
from playwright.async_api import Page, expect

from core.clock import utcnow
from hotline.auth.service import create_user
from hotline.push.hub import Audience, Push, PushHub
from hotline.web import HotlineMetrics, WebDeps, callbacks_page, create_app, pages, ws
from hotline.web import callbacks as callback_routes
from telephony.callbacks.admin import CallbackAdmin
from telephony.callbacks.service import CallbackService
from tests.api_fixtures import auth
from tests.hotline.browser_fixtures import (BROWSER_ZONE, SHARED_ASSETS, check_shared_assets, clock_times,
                                            shared_assets_loaded, with_supervision)
from tests.telephony.callbacks.task_fixtures import PROFILE, update_task

WAIT_MS = 15_000
NUMBERS = {name: f"+3706000010{n}" for n, name in enumerate(("due", "running", "failed", "upcoming", "later"))}


@pytest.fixture
async def tasks(db_engine) -> dict[str, int]:
    callbacks = CallbackService(db_engine)
    now = utcnow()
    ids = {
        "due": await callbacks.request_callback(NUMBERS["due"], "missed", due_at=now - dt.timedelta(minutes=3)),
        "running": await callbacks.request_callback(NUMBERS["running"], "abandoned", queue="employers"),
        "failed": await callbacks.request_callback(NUMBERS["failed"], "dropped"),
        "upcoming": await callbacks.request_callback(NUMBERS["upcoming"], "hold_refused",
                                                     due_at=now + dt.timedelta(days=2)),
    }
    await update_task(db_engine, ids["running"], state="dialing", attempts=1, agent="104")
    await update_task(db_engine, ids["failed"], state="failed", attempts=3)
    return ids


async def start_server(aiohttp_server, db_engine, profile=PROFILE):
    """The web app with the callbacks page of ``profile``; its server and its push hub."""
    hub = PushHub()
    deps = WebDeps.create(db_engine, HotlineMetrics().registry)
    # re-read only on pushes (and after own actions), so the test sees what a push does
    app = create_app(deps, [
        functools.partial(callback_routes.register_routes, callbacks=CallbackService(db_engine),
                          admin=CallbackAdmin(CallbackService(db_engine), profile)),
        callbacks_page.routes(profile, refresh_seconds=600), pages.register_routes, ws.routes(hub)])
    return await aiohttp_server(app), hub


@pytest.fixture
async def server(aiohttp_server, db_engine, tasks):
    return await start_server(aiohttp_server, db_engine)


def row(section: str, task_id: int) -> str:
    return f'#{section} tbody tr[data-task-id="{task_id}"]'


async def loads(page: Page, count: int) -> None:
    await expect(page.locator("body")).to_have_attribute("data-loads", str(count), timeout=WAIT_MS)


async def test_the_page_sorts_callbacks_refreshes_on_a_push_and_reschedules_without_reload(
        server, tasks, tokens, browser, db_engine, tmp_path):
    site, hub = server
    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    response = await page.goto(str(site.make_url(f"/callbacks?token={tokens['supervisor']}")))
    assert response.status == 200 and "default-src 'self'" in response.headers["content-security-policy"]
    await page.wait_for_selector("#status[data-state=live]", timeout=WAIT_MS)
    await loads(page, 2)   # the first read, and the one after the socket opened
    await page.evaluate("window.loadedOnce = true")   # gone if the page reloads
    for section in ("due", "running", "failed", "upcoming"):
        await expect(page.locator(f"#{section} tbody tr[data-task-id]")).to_have_count(1)
        await expect(page.locator(row(section, tasks[section]))).to_contain_text(NUMBERS[section])
    await expect(page.locator(row("running", tasks["running"]))).to_contain_text("104")   # the agent

    # a task that failed meanwhile shows up when the dialer's alert is pushed (the timer would take ten minutes)
    later = await CallbackService(db_engine).request_callback(NUMBERS["later"], "missed")
    await update_task(db_engine, later, state="failed", attempts=3)
    await expect(page.locator(row("failed", later))).to_have_count(0)
    alert = Push("sla_alert", {"kind": "callback_failed", "message": f"Callback task {later} failed"})
    assert hub.publish(Audience.supervising(), alert) == 1
    await expect(page.locator(row("failed", later))).to_have_count(1, timeout=WAIT_MS)
    await loads(page, 3)
    assert hub.publish(Audience.supervising(), Push("callback_dialing", {"task_id": later})) == 1
    await loads(page, 4)
    assert hub.publish(Audience.supervising(), Push("callback_result", {"task_id": later})) == 1
    await loads(page, 5)
    screenshot = tmp_path / "callbacks.png"
    await page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    print(f"callbacks page screenshot: {screenshot}")

    await page.locator(row("failed", tasks["failed"])).get_by_role("button", name="Reschedule").click()
    moved = page.locator(f'{row("due", tasks["failed"])}, {row("upcoming", tasks["failed"])}')
    await expect(moved).to_have_count(1, timeout=WAIT_MS)   # due now, or at the next opening hour
    await expect(page.locator(row("failed", tasks["failed"]))).to_have_count(0)
    await page.locator(row("upcoming", tasks["upcoming"])).get_by_role("button", name="Cancel").click()
    await expect(page.locator(row("upcoming", tasks["upcoming"]))).to_have_count(0, timeout=WAIT_MS)
    assert (await CallbackService(db_engine).get(tasks["upcoming"])).state == "cancelled"
    assert await page.evaluate("window.loadedOnce === true")
    assert errors == []


async def test_the_page_is_for_supervisors_and_its_assets_are_public(server, tokens, db_sessionmaker):
    site, _ = server
    async with db_sessionmaker() as session:
        _, agent = await create_user(session, "agent-101", "agent", extension="101")
        await session.commit()
    async with aiohttp.ClientSession() as http:
        assert (await http.get(site.make_url(f"/callbacks?token={agent}"))).status == 403
        assert (await http.get(site.make_url("/callbacks"))).status == 401
        page = await http.get(site.make_url("/callbacks"), headers=auth(tokens["admin"]))
        assert page.status == 200 and '"timezone": "Europe/Vilnius"' in await page.text()
        for path in ("/callbacks/callbacks.js", "/pages/dom.js"):
            script = await http.get(site.make_url(path))
            assert script.status == 200 and script.content_type == "application/javascript"


def test_the_embedded_config_cannot_close_its_script_element_nor_fill_a_placeholder():
    hostile = {"profile": "</script><script>alert(1)</script>", "queues": [{"label": "{{body}}"}]}
    text = pages.render_page(callbacks_page.PAGE, hostile)
    config = re.search(r'<script id="callbacks-config" type="application/json">(.*?)</script>', text, re.S)
    assert config is not None and json.loads(config.group(1)) == hostile
    assert text.count("<main>") == 1 and '"label": "{{body}}"' in text   # the body is set in once, not here
    assert '<script src="/pages/dom.js" defer></script>\n<script src="/callbacks/callbacks.js" defer>' in text


async def test_the_shared_assets_are_public_and_described_in_the_openapi_document(server):
    site, _ = server
    async with aiohttp.ClientSession() as http:
        for path, content_type in SHARED_ASSETS.items():
            asset = await http.get(site.make_url(path))
            assert asset.status == 200 and asset.content_type == content_type, path
        document = await (await http.get(site.make_url("/api/openapi.json"))).json()
    for path in SHARED_ASSETS:
        operation = document["paths"][path]["get"]
        assert operation["tags"] == ["pages"] and operation["summary"].startswith("Supervisor pages' shared")
        assert "security" not in operation


@pytest.mark.parametrize("late_callback_minutes, due_class", [(15, ""), (1, "late")])   # as shipped, and 1 minute
async def test_a_due_callback_is_marked_late_by_the_profiles_threshold(
        aiohttp_server, db_engine, tasks, tokens, browser, tmp_path, late_callback_minutes, due_class):
    site, _ = await start_server(aiohttp_server, db_engine,
                                 with_supervision(PROFILE, late_callback_minutes=late_callback_minutes))
    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    loaded = shared_assets_loaded(page)

    await page.goto(str(site.make_url(f"/callbacks?token={tokens['supervisor']}")))
    await loads(page, 2)
    # the due task is 3 minutes past its time; its "due" cell is the fourth
    await expect(page.locator(f'{row("due", tasks["due"])} td').nth(3)).to_have_class(due_class)
    await check_shared_assets(page, loaded, "callbacks")
    assert errors == []
    await page.screenshot(path=str(tmp_path / "callbacks-late.png"), full_page=True)


async def test_the_page_shows_times_in_the_profiles_timezone_not_the_browsers(server, tasks, tokens, browser,
                                                                               db_engine):
    site, _ = server
    page = await browser.new_page(timezone_id=BROWSER_ZONE, viewport={"width": 1280, "height": 1000})
    await page.goto(str(site.make_url(f"/callbacks?token={tokens['supervisor']}")))
    await loads(page, 2)
    assert await page.evaluate("() => Intl.DateTimeFormat().resolvedOptions().timeZone") == BROWSER_ZONE

    updated = await page.locator("#updated").inner_text()
    assert updated.startswith("updated ") and updated.removeprefix("updated ") in clock_times(PROFILE.timezone)
    due_at = (await CallbackService(db_engine).get(tasks["due"])).due_at.astimezone(PROFILE.tz)
    await expect(page.locator(f'{row("due", tasks["due"])} td').nth(3)).to_have_text(f"{due_at:%a %d/%m, %H:%M}")
