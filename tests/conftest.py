"""Shared test fixtures. Each helper's fixtures live in their own module, listed here."""

pytest_plugins = [
    "tests.db_fixtures",
    "tests.api_fixtures",      # `tokens` (one user per role) and auth(token) headers
    "tests.hotline.browser_fixtures",   # `browser`: Debian's headless Chromium driven by Playwright
    # --- PBX sandbox (real Asterisk): session fixture `pbx`, see tests/pbx_sandbox.py -------------------------
    "tests.pbx_sandbox",
    "tests.sip_network",
    # --- the whole service against the sandbox PBX: fixture `hotline_service`, see tests/service_fixture.py ---
    "tests.service_fixture",
    # --- a second sandbox running the LV profile (module scope): `pbx_lv`, `hotline_service_lv`, tests/pbx_lv.py
    "tests.pbx_lv",
]
