"""Erasing (or purging) a recording deletes the redacted renderings of the listen-only sessions made of it at once,
not when the session expires; the session's row stays (who opened what, when)."""
from __future__ import annotations

import datetime as dt

from core.clock import utcnow
from core.db import make_sessionmaker
from recording import ListenRenderingsPurge
from recording.listening import ListenSessionRow
from tests.recording.retention_fixtures import make_purge, recorded, stored


async def test_an_erased_recordings_session_rendering_goes_at_once_and_its_row_stays(catalogued, tmp_path):
    rendered = tmp_path / "listen"
    rendered.mkdir()
    entry_id = await recorded(catalogued, "hotline-e1-caller.wav", utcnow(), kind="caller", call_id="e1")
    other_id = await recorded(catalogued, "hotline-e2-caller.wav", utcnow(), kind="caller", call_id="e2")
    engine = catalogued.catalogue.engine
    async with make_sessionmaker(engine)() as session, session.begin():
        for session_id, source in (("s1", entry_id), ("s2", other_id)):
            session.add(ListenSessionRow(id=session_id, token_hash=session_id * 32, owner_id=7, owner_name="dpo",
                                         call_id=None, recording_ids=[source], source_id=source, bleeps=[],
                                         created_at=utcnow(), expires_at=utcnow() + dt.timedelta(hours=1)))
            (rendered / f"{session_id}.wav").write_bytes(b"RIFF")
    purge = make_purge(catalogued, ListenRenderingsPurge(rendered))
    counts = await purge.erase([entry_id], "subject request 5", "dpo:7", utcnow())
    assert counts["listen_renderings"] == 1
    assert not (rendered / "s1.wav").exists() and (rendered / "s2.wav").exists()
    assert (await stored(engine, ListenSessionRow, "s1")) is not None
