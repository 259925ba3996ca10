"""Archiving into the NATS object store: a finalised file moves (local copy gone, remote copy hashing to the
catalogue's SHA-256) and still reads through the ArchivingStore; a failed upload leaves the file local."""
from __future__ import annotations

import hashlib

from adapters import NatsObjectStore
from recording import Archiver, ArchivingStore, LocalDirectoryStore, RecordingCatalogue
from recording.handlers import RecordingEvents
from recording.notifier import RecordingNotifier
from tests.adapters.conftest import UNREACHABLE
from tests.recording.catalogue_fixtures import Catalogued
from tests.recording.wav_files import closed_wav


def archiving(engine, monitor, remote) -> tuple[Catalogued, ArchivingStore]:
    monitor.mkdir(exist_ok=True)
    store = ArchivingStore(LocalDirectoryStore(monitor), remote)
    published = []
    catalogue = RecordingCatalogue(engine, store, RecordingNotifier(published.append), close_wait=3.0, poll=0.05)
    return Catalogued(monitor, catalogue, RecordingEvents(catalogue), published), store


async def finalised_call(catalogued: Catalogued, call_id: str) -> None:
    await catalogued.start_recording(call_id)
    for name in catalogued.names(call_id):
        closed_wav(catalogued.monitor / name, 1.5)
    await catalogued.answer(call_id)
    await catalogued.hang_up(call_id)
    await catalogued.events.drain()


async def test_a_finalised_file_moves_to_the_object_store_and_still_reads(db_engine, tmp_path, nats_store):
    catalogued, store = archiving(db_engine, tmp_path / "monitor", nats_store)
    await finalised_call(catalogued, "c1")
    mix_path = catalogued.monitor / "hotline-c1.wav"
    content = mix_path.read_bytes()
    archiver = Archiver(catalogued.catalogue, store)
    for event in catalogued.published:
        await archiver(event)

    mix = (await catalogued.by_kind("c1"))["mix"]
    assert mix.state == "ready" and not mix_path.exists() and list(catalogued.monitor.iterdir()) == []
    with nats_store.open(mix.key) as file:
        assert hashlib.sha256(file.read()).hexdigest() == mix.sha256
    assert store.size(mix.key) == len(content)
    assert store.read_range(mix.key, 40, 100) == content[40:140]
    with store.open(mix.key) as file:
        assert file.read() == content
    assert await catalogued.catalogue.check() == []   # the catalogue's check finds the moved files
    assert store.delete(mix.key) is True and nats_store.size(mix.key) is None and store.delete(mix.key) is False


async def test_a_failed_upload_leaves_the_file_local_and_a_later_sweep_moves_it(db_engine, tmp_path, nats_store):
    away = NatsObjectStore(UNREACHABLE, "hotline-recordings", timeout=0.5)
    catalogued, store = archiving(db_engine, tmp_path / "monitor", away)
    await finalised_call(catalogued, "c2")
    before = {path.name: path.read_bytes() for path in catalogued.monitor.iterdir()}
    try:
        archiver = Archiver(catalogued.catalogue, store)
        for event in catalogued.published:
            await archiver(event)   # raises nothing
        assert await archiver.sweep() == 0
    finally:
        away.close()
    assert {path.name: path.read_bytes() for path in catalogued.monitor.iterdir()} == before
    assert store.size("hotline-c2.wav") == len(before["hotline-c2.wav"])   # still read, locally

    store.remote = nats_store   # the object store is back: the sweep moves all three
    assert await Archiver(catalogued.catalogue, store).sweep() == 3
    assert list(catalogued.monitor.iterdir()) == []
    assert nats_store.read_range("hotline-c2.wav", 0, 44) == before["hotline-c2.wav"][:44]


async def test_a_file_not_finalised_yet_stays_where_the_pbx_writes_it(db_engine, tmp_path, nats_store):
    catalogued, store = archiving(db_engine, tmp_path / "monitor", nats_store)
    await catalogued.start_recording("c3")
    for name in catalogued.names("c3"):
        closed_wav(catalogued.monitor / name, 1.0)
    assert await Archiver(catalogued.catalogue, store).sweep() == 0
    assert len(list(catalogued.monitor.iterdir())) == 3 and nats_store.size("hotline-c3.wav") is None


async def test_a_copy_that_does_not_hash_to_the_catalogues_sha256_keeps_the_local_file(db_engine, tmp_path,
                                                                                       nats_store):
    catalogued, store = archiving(db_engine, tmp_path / "monitor", nats_store)
    await finalised_call(catalogued, "c4")
    path = catalogued.monitor / "hotline-c4.wav"
    path.write_bytes(path.read_bytes()[:-2] + b"\x00\x01")   # changed after it was hashed
    archiver = Archiver(catalogued.catalogue, store)
    mix = (await catalogued.by_kind("c4"))["mix"]
    assert await archiver.archive(mix.id, mix.key) is False
    assert path.exists()
