"""The retention purge (REQUIREMENTS §4: deletion is automatic at the end of the profile's periods): audio past its
period goes with what derives from it, a tombstone stays (when, why, which period, the checksum); restricted
recordings are kept; call metadata and voice messages lose their personal data; two instances never take the same
rows; the loop outlives a database outage."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from core.db import make_engine, make_sessionmaker
from recording import RecordingRestricted, RecordingState, RetentionLoop
from recording.models import RecordingHistoryRow
from telephony.calls.models import CallRow
from telephony.messages.models import MessageRow
from tests.recording.retention_fixtures import (FakeDerived, add_call, add_message, days_ago, make_purge, recorded,
                                                stored)
from tests.recording.catalogue_fixtures import make_catalogue


async def test_a_recording_past_its_period_goes_with_its_derived_data_and_leaves_a_tombstone(catalogued, db_engine):
    old = await recorded(catalogued, "hotline-old.wav", days_ago(366), call_id="old")
    recent = await recorded(catalogued, "hotline-new.wav", days_ago(364), call_id="new")
    message = await add_message(db_engine, "+37060000001", days_ago(366))
    voice = await recorded(catalogued, "msg-old.wav", days_ago(366), kind="voice_message", message_id=message)
    checksum = (await catalogued.catalogue.get(old)).sha256
    derived = FakeDerived()

    counts = await make_purge(catalogued, derived).run(days_ago(0))

    assert counts["recordings"] == 1 and counts["voice_message_audio"] == 1 and counts["files_deleted"] == 2
    assert sorted(derived.purged) == sorted([old, voice]) and counts["fake_derived"] == 2
    assert not (catalogued.monitor / "hotline-old.wav").exists() and not (catalogued.monitor / "msg-old.wav").exists()
    assert (catalogued.monitor / "hotline-new.wav").exists()
    tombstone = await catalogued.catalogue.get(old)
    assert tombstone.state == RecordingState.DELETED and tombstone.sha256 == checksum   # provable later
    assert (tombstone.deletion_reason, tombstone.deletion_basis, tombstone.file_deleted) == (
        "retention", "retention.recordings_days=365", True)
    assert tombstone.deleted_at is not None
    last = tombstone.history[-1]
    assert (last.actor, last.before, last.after) == ("retention", "ready", "deleted")
    assert last.changes["deletion_reason"] == "retention"
    assert (await catalogued.catalogue.get(voice)).deletion_basis == "retention.voice_messages_days=365"
    assert (await catalogued.catalogue.get(recent)).state == RecordingState.READY
    # the real derived data of a voice message: its caller's details went with the audio
    row = await stored(db_engine, MessageRow, message)
    assert (row.caller, row.caller_name, row.reason, row.audio_path, row.anonymised_reason) == (
        None, None, "", None, "retention")


async def test_a_restricted_recording_is_kept_past_its_period_and_not_playable(catalogued):
    kept = await recorded(catalogued, "hotline-kept.wav", days_ago(400), call_id="kept")
    await catalogued.catalogue.restrict(kept, "dpo-1", "subject request 1")
    purge = make_purge(catalogued)

    assert (await purge.plan(days_ago(0)))["restricted_kept"] == 1
    counts = await purge.run(days_ago(0))

    assert counts["recordings"] == 0 and counts["restricted_kept"] == 1
    assert (catalogued.monitor / "hotline-kept.wav").exists()
    assert (await catalogued.catalogue.get(kept)).state == RecordingState.READY
    with pytest.raises(RecordingRestricted):
        await catalogued.catalogue.playable(kept)
    await catalogued.catalogue.lift_restriction(kept, "dpo-1")   # lifted: the next round takes it
    assert (await purge.run(days_ago(0)))["recordings"] == 1


async def test_a_file_already_gone_is_no_error_and_its_tombstone_says_so(catalogued):
    gone = await recorded(catalogued, "hotline-gone.wav", days_ago(400), call_id="gone")
    (catalogued.monitor / "hotline-gone.wav").unlink()

    counts = await make_purge(catalogued).run(days_ago(0))

    tombstone = await catalogued.catalogue.get(gone)
    assert counts["files_already_gone"] == 1 and counts["files_deleted"] == 0
    assert tombstone.state == RecordingState.DELETED and tombstone.file_deleted is False


async def test_old_call_metadata_loses_the_number_and_keeps_its_row(catalogued, db_engine):
    await add_call(db_engine, "c-old", "+37060000002", days_ago(1826))
    await add_call(db_engine, "c-new", "+37060000003", days_ago(1824))
    purge = make_purge(catalogued)
    assert (await purge.plan(days_ago(0)))["call_metadata"] == 1

    assert (await purge.run(days_ago(0)))["call_metadata"] == 1

    old, new = await stored(db_engine, CallRow, "c-old"), await stored(db_engine, CallRow, "c-new")
    assert (old.caller, old.anonymised_reason, old.dialed) == ("", "retention", "1883")
    assert old.anonymised_at is not None and new.caller == "+37060000003" and new.anonymised_at is None


async def test_the_dry_run_changes_nothing_and_counts_each_kind(catalogued, db_engine):
    await recorded(catalogued, "hotline-a.wav", days_ago(400), call_id="a")
    await recorded(catalogued, "hotline-b.wav", days_ago(400), call_id="b")
    await add_call(db_engine, "a", "+37060000004", days_ago(2000))

    plan = await make_purge(catalogued).plan(days_ago(0))

    assert plan == {"restricted_kept": 0, "recordings": 2, "voice_message_audio": 0, "call_metadata": 1,
                    "voice_messages": 0}
    assert (catalogued.monitor / "hotline-a.wav").exists()
    assert (await stored(db_engine, CallRow, "a")).caller == "+37060000004"
    assert (await make_purge(catalogued).plan(days_ago(0))) == plan


async def test_two_instances_purging_at_once_bury_each_recording_once(catalogued, db_url, db_engine):
    ids = [await recorded(catalogued, f"hotline-m{n}.wav", days_ago(400), call_id=f"m{n}") for n in range(12)]
    other = make_engine(db_url)   # a second service instance: its own engine, its own connections
    try:
        second = make_catalogue(other, catalogued.monitor)
        results = await asyncio.gather(make_purge(catalogued, batch=2).run(days_ago(0)),
                                       make_purge(second, batch=2).run(days_ago(0)))
    finally:
        await other.dispose()
    assert sum(result["recordings"] for result in results) == 12
    async with make_sessionmaker(db_engine)() as session:
        buried = (await session.scalars(select(RecordingHistoryRow.recording_id)
                                        .where(RecordingHistoryRow.after == "deleted"))).all()
    assert sorted(buried) == sorted(ids)   # one tombstone each, none twice


class FlakyPurge:
    """The real purge behind a database that is away for the first round."""

    def __init__(self, purge) -> None:
        self.purge, self.calls = purge, 0

    async def run(self, now):
        self.calls += 1
        if self.calls == 1:
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database restarting"))
        return await self.purge.run(now)


async def test_the_purge_loop_outlives_a_database_outage(catalogued):
    old = await recorded(catalogued, "hotline-outage.wav", days_ago(400), call_id="outage")
    loop = RetentionLoop(FlakyPurge(make_purge(catalogued)), interval=0.05)
    loop.start()
    try:
        for _ in range(200):
            if (await catalogued.catalogue.get(old)).state == RecordingState.DELETED:
                break
            await asyncio.sleep(0.05)
    finally:
        await loop.stop()
    assert loop.failures == 1 and loop.purge.calls >= 2
    assert (await catalogued.catalogue.get(old)).state == RecordingState.DELETED
