"""A second sandbox Asterisk running the Latvian profile (module scope), and the service against it."""
from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator

import pytest

from hotline import pbx as sandbox
from tests.pbx_sandbox import PbxSandbox, instance_settings, stop_sandbox
from tests.service_fixture import RunningService, running_service

LV_PROFILE = "lv-social-insurance"


@pytest.fixture(scope="module")
def pbx_lv() -> Iterator[PbxSandbox]:
    """A second sandbox Asterisk running the Latvian profile (its queues, 15 s member timeout)."""
    settings = instance_settings(f"test-lv-{os.getpid()}", profile=LV_PROFILE)
    asyncio.run(sandbox.up(settings))
    box = PbxSandbox(settings.model_copy(update={"ami_secret": sandbox.ami_credentials(settings).secret}))
    try:
        asyncio.run(box.ready_for_tests())  # queues are rendered without members; the directory is empty
        yield box
    finally:
        stop_sandbox(box)


@pytest.fixture
async def hotline_service_lv(pbx_lv, tmp_path) -> AsyncIterator[RunningService]:
    """The service against the LV sandbox (as ``hotline_service`` is against the session's ``pbx``)."""
    async with running_service(pbx_lv, tmp_path) as running:
        yield running
