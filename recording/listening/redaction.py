"""The audio a data subject may listen to (GDPR-LT §14): their own voice and nobody else's.

The source is the caller's own leg (MixMonitor's ``r()`` file: what the caller's line sent), never the mix nor
the agent's leg, so the agent - the third party - is silent throughout. The segments the DPO marks (a name said, a
third person in the room) are replaced by a 1 kHz bleep of the same length, so the timing stays and nothing of
what was said there survives. Pure and blocking: run it off the event loop. Input and output are 16-bit PCM WAV.
"""
from __future__ import annotations

import math
import struct
import wave
from collections.abc import Sequence
from typing import BinaryIO

BLEEP_HZ = 1000.0
BLEEP_LEVEL = 0.25          # of full scale: clearly a tone, not painful
FRAMES_PER_READ = 8000


class NotRedactable(ValueError):
    """The source is not audio the redaction can work on (not 16-bit PCM mono WAV)."""


def bleep(start_frame: int, frames: int, rate: int) -> bytes:
    """``frames`` samples of the tone, its phase continuing from ``start_frame`` (one tone across read chunks)."""
    amplitude, step = BLEEP_LEVEL * 32767, 2 * math.pi * BLEEP_HZ / rate
    return struct.pack(f"<{frames}h", *(int(amplitude * math.sin(step * (start_frame + i))) for i in range(frames)))


def _frame_spans(segments: Sequence[tuple[float, float]], rate: int) -> list[tuple[int, int]]:
    spans = sorted((max(0, int(start * rate)), max(0, math.ceil(end * rate))) for start, end in segments)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _bleeped(data: bytes, first: int, spans: list[tuple[int, int]], rate: int) -> bytes:
    """``data`` (frames from ``first``) with the frames inside ``spans`` replaced by the tone."""
    count = len(data) // 2
    out, position = bytearray(data), first
    for start, end in spans:
        lo, hi = max(start, first), min(end, first + count)
        if lo < hi:
            out[(lo - position) * 2:(hi - position) * 2] = bleep(lo, hi - lo, rate)
    return bytes(out)


def redact(source: BinaryIO, target: BinaryIO, bleeps: Sequence[tuple[float, float]] = ()) -> float:
    """Write ``source`` (the subject's own leg) to ``target`` with ``bleeps`` ([start, end] seconds) replaced by
    the tone; the seconds written."""
    try:
        reader = wave.open(source, "rb")
    except (wave.Error, EOFError) as exc:
        raise NotRedactable(f"not a WAV file ({exc})") from None
    with reader:
        if reader.getsampwidth() != 2 or reader.getnchannels() != 1 or reader.getcomptype() != "NONE":
            raise NotRedactable(f"{reader.getsampwidth() * 8}-bit, {reader.getnchannels()} channel(s), "
                                f"{reader.getcomptype()}: only 16-bit PCM mono is redacted")
        rate = reader.getframerate()
        spans = _frame_spans(bleeps, rate)
        with wave.open(target, "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(rate)
            written = 0
            while data := reader.readframes(FRAMES_PER_READ):
                writer.writeframes(_bleeped(data, written, spans, rate))
                written += len(data) // 2
    return written / rate
