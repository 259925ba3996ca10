"""The NATS object store behind the recording-store port, on the real server: sizes, ranges (read by chunk),
whole files, deletes and uploads; a server that is not there is a clear error within the timeout."""
from __future__ import annotations

import hashlib
import os
import threading
import time

import pytest

from adapters import NatsObjectStore
from adapters.object_store.nats_store import CHUNK_SIZE
from core.ports import RecordingFileMissing, RecordingStoreUnavailable
from tests.adapters.conftest import UNREACHABLE

DATA = os.urandom(2 * CHUNK_SIZE + 1000)   # three chunks, the last one short


@pytest.fixture
def stored(nats_store, tmp_path) -> NatsObjectStore:
    (tmp_path / "hotline-c1.wav").write_bytes(DATA)
    assert nats_store.put("hotline-c1.wav", tmp_path / "hotline-c1.wav") == hashlib.sha256(DATA).hexdigest()
    return nats_store


def test_a_put_file_has_its_size_and_reads_back_whole(stored):
    assert stored.size("hotline-c1.wav") == len(DATA)
    with stored.open("hotline-c1.wav") as file:
        assert file.read() == DATA


@pytest.mark.parametrize("start, length", [
    (0, 44),                                  # the header
    (CHUNK_SIZE - 10, 20),                    # across a chunk's end
    (CHUNK_SIZE + 5, 100),                    # inside the middle chunk
    (len(DATA) - 30, 30),                     # the end
    (len(DATA) - 30, 1000),                   # past the end: what there is
    (len(DATA) + 5, 10),                      # beyond it: nothing
    (0, len(DATA)),                           # all of it
])
def test_ranges_read_the_bytes_of_the_file(stored, start, length):
    assert stored.read_range("hotline-c1.wav", start, length) == DATA[start:start + length]


def test_a_range_of_an_object_whose_chunks_interleave_with_anothers_walks_them(nats_store, tmp_path):
    """Two uploads at once: the chunks are not contiguous in the stream, the walk still finds the right ones."""
    other = os.urandom(3 * CHUNK_SIZE)
    (tmp_path / "a.wav").write_bytes(DATA)
    (tmp_path / "b.wav").write_bytes(other)
    uploads = [threading.Thread(target=nats_store.put, args=(name, tmp_path / name)) for name in ("a.wav", "b.wav")]
    for upload in uploads:
        upload.start()
    for upload in uploads:
        upload.join()
    assert nats_store.read_range("a.wav", CHUNK_SIZE * 2, 50) == DATA[CHUNK_SIZE * 2:CHUNK_SIZE * 2 + 50]
    assert nats_store.read_range("b.wav", CHUNK_SIZE + 7, CHUNK_SIZE) == other[CHUNK_SIZE + 7:2 * CHUNK_SIZE + 7]


def test_delete_removes_the_file_once(stored):
    assert stored.delete("hotline-c1.wav") is True
    assert stored.delete("hotline-c1.wav") is False
    assert stored.size("hotline-c1.wav") is None


def test_a_missing_key_has_no_size_and_cannot_be_read(nats_store):
    assert nats_store.size("never.wav") is None
    with pytest.raises(RecordingFileMissing):
        nats_store.read_range("never.wav", 0, 10)
    with pytest.raises(RecordingFileMissing):
        nats_store.open("never.wav")
    assert nats_store.delete("never.wav") is False


def test_an_empty_file_round_trips(nats_store, tmp_path):
    (tmp_path / "e.wav").write_bytes(b"")
    assert nats_store.put("e.wav", tmp_path / "e.wav") == hashlib.sha256(b"").hexdigest()
    assert (nats_store.size("e.wav"), nats_store.read_range("e.wav", 0, 10), nats_store.open("e.wav").read()) == (
        0, b"", b"")


@pytest.mark.parametrize("key", ["../x.wav", "sub/x.wav", ""])
def test_a_key_is_a_file_name(nats_store, key):
    with pytest.raises(ValueError):
        nats_store.size(key)


def test_nats_away_is_a_clear_error_within_the_timeout_not_a_hang(tmp_path):
    store = NatsObjectStore(UNREACHABLE, "hotline-recordings", timeout=1.0)
    (tmp_path / "x.wav").write_bytes(b"abc")
    try:
        for call in (lambda: store.size("x.wav"), lambda: store.put("x.wav", tmp_path / "x.wav")):
            began = time.monotonic()
            with pytest.raises(RecordingStoreUnavailable) as raised:
                call()
            assert time.monotonic() - began < 3.0
            assert isinstance(raised.value, OSError) and "127.0.0.1:1" in str(raised.value)
    finally:
        store.close()
