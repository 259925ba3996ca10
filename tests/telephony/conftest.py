"""Fixtures shared by the telephony tests."""
from __future__ import annotations

import pytest

from telephony.callbacks.service import CallbackService


@pytest.fixture
def callbacks(db_engine) -> CallbackService:
    """The callback task service over the test database (SQLite and PostgreSQL, see tests/db_fixtures.py)."""
    return CallbackService(db_engine)
