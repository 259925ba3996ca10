"""What a recording file is: its WAV header read by hand (``wave`` trusts the header, and the header is what may be
wrong), its size, duration and SHA-256. Blocking I/O through the store: run it off the event loop.

Asterisk writes a WAV file's header with a zero data length when it opens it and puts the real length in when it
closes it; so a header that matches the file's size is a closed file, and a zero length in front of data is a file
still being written (or one the PBX never closed).
"""
from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from core.ports import RecordingFileMissing, RecordingStore
from recording.models import RecordingState

HEADER_BYTES = 4096            # the fmt and data chunks of any WAV file we record are well inside
CODECS = {1: "pcm", 3: "float", 6: "alaw", 7: "mulaw"}   # WAVE format tags
OPEN = "open"                  # not a catalogue state: a file still being written (its header not closed yet)


@dataclass(frozen=True)
class WavHeader:
    format_tag: int
    channels: int
    sample_rate: int
    block_align: int
    bits: int
    data_offset: int
    declared: int              # the data chunk's length as the header says

    @property
    def codec(self) -> str:
        name = CODECS.get(self.format_tag, f"tag{self.format_tag}")
        return f"{name}_s{self.bits}le" if name == "pcm" else name


@dataclass(frozen=True)
class FileFacts:
    state: str                 # a RecordingState value, or OPEN
    size: int | None = None
    duration_seconds: float | None = None
    header: WavHeader | None = None
    error: str | None = None
    sha256: str | None = None

    @property
    def closed(self) -> bool:
        return self.state in (RecordingState.READY, RecordingState.EMPTY)


def parse_header(head: bytes) -> WavHeader | str:
    """The header, or why there is none."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return "no RIFF/WAVE header"
    fmt, position = None, 12
    while position + 8 <= len(head):
        chunk, length = head[position:position + 4], struct.unpack_from("<I", head, position + 4)[0]
        if chunk == b"fmt " and position + 24 <= len(head):
            fmt = struct.unpack_from("<HHIIHH", head, position + 8)
        elif chunk == b"data":
            if fmt is None:
                return "data before the fmt chunk"
            tag, channels, rate, _, align, bits = fmt
            if not channels or not rate or not align:
                return "fmt chunk with zero channels, rate or frame size"
            return WavHeader(tag, channels, rate, align, bits, position + 8, length)
        position += 8 + length + (length & 1)
    return "no data chunk in the header"


def classify(size: int | None, head: bytes) -> FileFacts:
    """State, size and duration from the file's size and its first bytes (no hashing)."""
    if size is None:
        return FileFacts(RecordingState.MISSING, error="no file in the store")
    header = parse_header(head)
    if isinstance(header, str):
        return FileFacts(RecordingState.TRUNCATED, size, error=header)
    present = max(0, size - header.data_offset)

    def facts(state: str, data: int, error: str | None = None) -> FileFacts:
        frames = data // header.block_align
        return FileFacts(state, size, round(frames / header.sample_rate, 3), header, error)

    if header.declared == 0:
        return facts(RecordingState.EMPTY, 0) if present == 0 else facts(OPEN, present, "header never closed")
    if header.declared > present:
        return facts(RecordingState.TRUNCATED, present,
                     f"header says {header.declared} data bytes, the file holds {present}")
    if present - header.declared > 1 and not _chunk_follows(head, header):
        return facts(RecordingState.TRUNCATED, present,
                     f"header says {header.declared} data bytes, the file holds {present}")
    return facts(RecordingState.READY, header.declared)


def _chunk_follows(head: bytes, header: WavHeader) -> bool:
    """A WAV file may carry chunks after its data (LIST, ...); bytes that are not one mean the header is stale.
    Only knowable when the data ends inside the bytes read: a long file with a stale length shows as long."""
    end = header.data_offset + header.declared + (header.declared & 1)
    if end + 8 > len(head):
        return True
    return head[end:end + 4].isalnum()


def look(store: RecordingStore, key: str) -> FileFacts:
    """The file's state from its size and header (cheap: what the close-wait polls)."""
    size = store.size(key)
    if size is None:
        return classify(None, b"")
    try:
        head = store.read_range(key, 0, HEADER_BYTES)
    except RecordingFileMissing:
        return classify(None, b"")
    return classify(size, head)


def inspect(store: RecordingStore, key: str) -> FileFacts:
    """``look`` plus the SHA-256 of the whole file (read once, in chunks)."""
    facts = look(store, key)
    if facts.state == RecordingState.MISSING:
        return facts
    try:
        with store.open(key) as file:
            # one reused buffer (read in chunks into it), not a fresh megabyte per read
            digest = hashlib.file_digest(file, "sha256")
    except RecordingFileMissing:
        return classify(None, b"")
    return FileFacts(facts.state, facts.size, facts.duration_seconds, facts.header, facts.error,
                     digest.hexdigest())
