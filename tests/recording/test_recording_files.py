"""What a recording file is, from its size and header: ready, empty, truncated, still open, missing."""
from __future__ import annotations

import hashlib

import pytest

from recording.inspection import OPEN, inspect, look
from recording.store import LocalDirectoryStore
from tests.recording.wav_files import closed_wav, cut_wav, empty_wav, open_header, tone


def test_a_closed_file_is_ready_with_its_duration_checksum_and_format(tmp_path):
    path = closed_wav(tmp_path / "hotline-1.wav", 2.5)
    facts = inspect(LocalDirectoryStore(tmp_path), "hotline-1.wav")
    assert facts.state == "ready" and facts.error is None
    assert facts.size == path.stat().st_size and facts.duration_seconds == 2.5
    assert facts.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (facts.header.codec, facts.header.sample_rate, facts.header.channels, facts.header.bits) == (
        "pcm_s16le", 8000, 1, 16)


def test_a_header_only_file_is_empty(tmp_path):
    empty_wav(tmp_path / "e.wav")
    facts = inspect(LocalDirectoryStore(tmp_path), "e.wav")
    assert (facts.state, facts.duration_seconds, facts.size) == ("empty", 0.0, 44)


def test_a_file_cut_short_is_truncated_and_measured_as_far_as_it_goes(tmp_path):
    cut_wav(tmp_path / "t.wav", 4.0, keep_seconds=1.5)
    facts = inspect(LocalDirectoryStore(tmp_path), "t.wav")
    assert facts.state == "truncated" and facts.duration_seconds == 1.5
    assert "header says 64000 data bytes, the file holds 24000" == facts.error
    assert facts.sha256 is not None


def test_a_header_without_its_length_is_a_file_still_open(tmp_path):
    (tmp_path / "o.wav").write_bytes(open_header() + tone(1.0))
    facts = look(LocalDirectoryStore(tmp_path), "o.wav")
    assert facts.state == OPEN and not facts.closed and facts.duration_seconds == 1.0


def test_no_file_is_missing_and_garbage_is_truncated(tmp_path):
    store = LocalDirectoryStore(tmp_path)
    assert inspect(store, "gone.wav").state == "missing"
    (tmp_path / "junk.wav").write_bytes(b"not a wav file at all")
    junk = inspect(store, "junk.wav")
    assert (junk.state, junk.error) == ("truncated", "no RIFF/WAVE header")


@pytest.mark.parametrize("key", ["../hotline.sqlite3", "sub/x.wav", "", ".."])
def test_a_key_cannot_reach_outside_the_store(tmp_path, key):
    with pytest.raises(ValueError):
        LocalDirectoryStore(tmp_path / "monitor").size(key)
