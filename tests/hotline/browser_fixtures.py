"""The real-browser fixture: ``browser``, Debian's headless Chromium (``/usr/bin/chromium``) driven by Playwright,
for the tests of the supervisors' pages (Playwright's own browser builds are not used), and what those tests
check on either page: the shared assets, times shown in the profile's timezone."""
from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, async_playwright

from core.policy import PolicyProfile, Supervision

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# what hotline.web.pages serves once for every page, in the order the skeleton loads its scripts
SHARED_ASSETS = {"/pages/pages.css": "text/css", "/pages/pages.js": "application/javascript",
                 "/pages/dom.js": "application/javascript"}
SHARED_SCRIPTS = ["/pages/pages.js", "/pages/dom.js"]
BROWSER_ZONE = "America/New_York"   # the browser's own timezone where a page must show the profile's instead


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    assert Path(CHROMIUM).exists(), "install Chromium: scripts/system-deps.sh (Debian package chromium)"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


def with_supervision(profile: PolicyProfile, **thresholds) -> PolicyProfile:
    """``profile`` with other thresholds in its ``[supervision]`` section (validated as a profile file's are)."""
    return profile.model_copy(update={"supervision": Supervision(**(profile.supervision.model_dump() | thresholds))})


def shared_assets_loaded(page: Page) -> list[str]:
    """The paths of the shared assets ``page`` has loaded, filled in as their responses arrive."""
    loaded: list[str] = []

    def seen(response) -> None:
        path = urlsplit(response.url).path
        if response.ok and path in SHARED_ASSETS:
            loaded.append(path)

    page.on("response", seen)
    return loaded


async def check_shared_assets(page: Page, loaded: list[str], name: str) -> None:
    """Page ``name`` loaded every shared asset (``loaded`` from :func:`shared_assets_loaded`), and its scripts, in
    document order (the order deferred scripts run in), are the shared ones, then its own."""
    assert sorted(loaded) == sorted(SHARED_ASSETS)
    scripts = await page.evaluate("() => [...document.scripts].map((s) => s.getAttribute('src')).filter(Boolean)")
    assert scripts == [*SHARED_SCRIPTS, f"/{name}/{name}.js"]


def clock_times(zone: str) -> set[str]:
    """``HH:MM:SS`` in ``zone`` for the last few seconds and the next: what a clock ticking there may show now."""
    now = dt.datetime.now(ZoneInfo(zone))
    return {(now + dt.timedelta(seconds=s)).strftime("%H:%M:%S") for s in range(-3, 2)}
