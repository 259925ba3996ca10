"""A restricted recording (GDPR art. 18) stays in the catalogue but is not playable until the restriction is lifted;
both changes are appended to its history."""
from __future__ import annotations

import pytest

from recording import RecordingRestricted, RecordingState
from recording.service import NewRecording
from tests.recording.catalogue_fixtures import T0


async def test_a_restricted_recording_is_kept_but_not_playable_until_lifted(catalogued):
    catalogue = catalogued.catalogue
    entry_id = await catalogue.register(NewRecording(kind="mix", key="hotline-r1.wav", started_at=T0, call_id="r1"),
                                        RecordingState.RECORDING)
    assert (await catalogue.playable(entry_id)).id == entry_id

    restricted = await catalogue.restrict(entry_id, "dpo:7", "subject request SR-3")
    again = await catalogue.restrict(entry_id, "dpo:7", "subject request SR-4")   # the first restriction holds
    assert restricted.restricted and again.restriction_reason == "subject request SR-3"
    with pytest.raises(RecordingRestricted):
        await catalogue.playable(entry_id)

    lifted = await catalogue.lift_restriction(entry_id, "dpo:7")
    assert not lifted.restricted and (await catalogue.playable(entry_id)).state == "recording"
    history = (await catalogue.get(entry_id)).history
    assert [(h.actor, sorted(h.changes or {})) for h in history[1:]] == [
        ("dpo:7", ["restricted_at", "restriction_reason"]), ("dpo:7", ["restricted_at", "restriction_reason"])]
    assert history[2].changes == {"restricted_at": None, "restriction_reason": None}
