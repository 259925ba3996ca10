"""The catalogue's fixture: ``catalogued``, a catalogue over a temporary monitor directory and a migrated database
(SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest

from tests.recording.analysis_fixtures import analysed, recordings_api  # noqa: F401  the analysis queue's
from tests.recording.catalogue_fixtures import Catalogued, make_catalogue


@pytest.fixture
def catalogued(db_engine, tmp_path) -> Catalogued:
    return make_catalogue(db_engine, tmp_path / "monitor")
