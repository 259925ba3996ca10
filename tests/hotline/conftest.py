"""Fixtures shared by the tests of hotline/ (the composition root)."""
from __future__ import annotations

import pytest

from core.bus import EventBus
from core.policy import load_profile
from hotline.push import setup as push_setup
from hotline.push.hub import PushHub


@pytest.fixture
async def pushing(db_engine):
    bus, hub = EventBus(), PushHub()
    push = push_setup.setup(bus, db_engine, load_profile("lt-employment-1883"), hub=hub)
    await bus.start()
    push.start()
    yield bus, hub
    await push.close()
    await bus.stop()
