"""Pages without tokens in the address bar, in a real headless Chromium (Debian's /usr/bin/chromium driven by
Playwright) on the web app alone: the wallboard opened with ``?token=`` ends up at an address without it, holding
an HttpOnly, SameSite=Strict cookie its script cannot read, and gets live data over ``/ws`` with it; a wall
screen's ``wallboard`` user sees the wallboard but neither the callbacks page nor its writes; revoking the user
closes the page's socket."""
from __future__ import annotations

import datetime as dt
import functools

import pytest
from playwright.async_api import expect

from core.bus import EventBus
from core.clock import utcnow
from hotline.auth.service import create_user, revoke_tokens, token_checker
from hotline.push import setup as push_setup
from hotline.push.hub import Audience, PushHub
from hotline.web import HotlineMetrics, WebDeps, callbacks_page, create_app, pages, sla, wallboard, ws
from hotline.web import callbacks as callback_routes
from telephony.callbacks.admin import CallbackAdmin
from telephony.callbacks.service import CallbackService
from tests.hotline.test_wallboard_browser import LT, QUEUE, one_waiting

WAIT_MS = 15_000


@pytest.fixture
async def site(aiohttp_server, db_engine):
    """Both pages and what they call, push checking open sockets' access as the service does: (server, hub)."""
    bus, hub = EventBus(), PushHub()
    push = push_setup.setup(bus, db_engine, LT, hub=hub, access_check=token_checker(db_engine))
    await bus.start()
    push.start()
    callbacks = CallbackService(db_engine)
    app = create_app(WebDeps.create(db_engine, HotlineMetrics().registry), [
        wallboard.routes(LT), callbacks_page.routes(LT), pages.register_routes, ws.routes(hub),
        functools.partial(sla.register_routes, profile=LT),
        functools.partial(callback_routes.register_routes, callbacks=callbacks, admin=CallbackAdmin(callbacks, LT)),
    ])
    yield await aiohttp_server(app), hub
    await push.close()
    await bus.stop()


async def new_user(db_sessionmaker, name: str, role: str) -> str:
    async with db_sessionmaker() as session:
        _, token = await create_user(session, name, role)
        await session.commit()
    return token


async def test_the_wallboard_drops_the_token_from_its_address_and_runs_on_an_httponly_strict_cookie(
        site, db_sessionmaker, browser):
    server, hub = site
    token = await new_user(db_sessionmaker, "sup-1", "supervisor")
    context = await browser.new_context()
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    response = await page.goto(str(server.make_url(f"/wallboard?token={token}&screen=hall")))
    assert response.status == 200
    assert page.url == str(server.make_url("/wallboard?screen=hall"))   # the token gone, also from history
    assert "token" not in await page.evaluate("() => location.href + history.length")
    assert await page.evaluate("() => document.cookie") == ""             # HttpOnly: the script cannot read it
    (cookie,) = await context.cookies()
    assert (cookie["name"], cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == \
        ("hotline_session", True, "Strict", "/")
    assert cookie["value"] != token

    await page.wait_for_selector("#status[data-state=live]", timeout=WAIT_MS)
    assert hub.publish(Audience.watching(), one_waiting(utcnow() - dt.timedelta(seconds=5))) == 1
    await expect(page.locator(f'#queues tr[data-queue="{QUEUE}"] td').nth(1)).to_have_text("1", timeout=WAIT_MS)
    assert errors == []

    await page.click("#logout")   # sign out: the cookie cleared and the session ended, the reloaded page refused
    await expect(page.locator("body")).to_contain_text("unauthenticated", timeout=WAIT_MS)
    assert await context.cookies() == []
    await context.close()


async def test_a_wall_screen_sees_the_wallboard_but_not_the_callbacks_page_nor_its_writes(
        site, db_sessionmaker, db_engine, browser):
    server, hub = site
    token = await new_user(db_sessionmaker, "hall-screen", "wallboard")
    task = await CallbackService(db_engine).request_callback("+37060000094", "missed")   # made up
    page = await browser.new_page()
    await page.goto(str(server.make_url(f"/wallboard?token={token}")))
    await page.wait_for_selector("#status[data-state=live]", timeout=WAIT_MS)
    assert hub.publish(Audience.watching(), one_waiting(utcnow())) == 1
    await expect(page.locator(f'#queues tr[data-queue="{QUEUE}"] td').nth(1)).to_have_text("1", timeout=WAIT_MS)

    statuses = await page.evaluate("""async (task) => {
        const headers = { "X-Hotline-Request": "1", "Content-Type": "application/json" };
        const list = await fetch("/api/callbacks");
        const cancel = await fetch(`/api/callbacks/${task}/cancel`, { method: "POST", headers });
        return [list.status, cancel.status];
    }""", task)
    assert statuses == [403, 403]
    refused = await page.goto(str(server.make_url("/callbacks")))
    assert refused.status == 403
    assert (await CallbackService(db_engine).get(task)).state == "pending"


async def test_revoking_the_pages_user_closes_its_socket(site, db_sessionmaker, browser):
    server, hub = site
    token = await new_user(db_sessionmaker, "sup-2", "supervisor")
    page = await browser.new_page()
    await page.goto(str(server.make_url(f"/wallboard?token={token}")))
    await page.wait_for_selector("#status[data-state=live]", timeout=WAIT_MS)
    assert len(hub.clients) == 1

    async with db_sessionmaker() as session:
        await revoke_tokens(session, "sup-2")   # the page's session goes with them
        await session.commit()
    await page.wait_for_selector("#status[data-state=reconnecting]", timeout=WAIT_MS)
    assert hub.clients == {}
