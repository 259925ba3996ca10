"""Labelled test audio for the analysis (its tests and ``bench/vad.py``): speech placed at known offsets in
silence, the truth per 10 ms frame, a G.711 round trip and line noise at a chosen SNR. 8 kHz mono 16-bit PCM
throughout; ``audioop`` does the sample work in C (it is in the standard library up to Python 3.12)."""
from __future__ import annotations

import audioop
import wave
from pathlib import Path

from recording.analysis.audio import RATE, WIDTH, frame_rms
from recording.analysis.intervals import Intervals, bridge, runs

LABEL_FRAME_MS = 10
# a frame is speech when its clean-speech RMS is within 35 dB of the loudest frames (the 95th percentile);
# pauses inside a phrase up to 200 ms (ITU-T P.56's hangover) are speech too, as an annotator marks them
LABEL_RANGE_DB = 35.0
LABEL_BRIDGE_SECONDS = 0.2


def place(clips: list[tuple[float, bytes]], seconds: float) -> bytes:
    """A leg of ``seconds`` of digital silence with each ``(offset, pcm)`` clip written in at its offset."""
    leg = bytearray(round(seconds * RATE) * WIDTH)
    for offset, pcm in clips:
        at = round(offset * RATE) * WIDTH
        leg[at:at + len(pcm)] = pcm[:len(leg) - at]
    return bytes(leg)


def labels(clean: bytes) -> Intervals:
    """The truth: speech intervals of a clean leg (before codec and noise)."""
    levels = frame_rms(clean, LABEL_FRAME_MS)
    loud = sorted(level for level in levels if level > 0)
    if not loud:
        return []
    floor = loud[int(len(loud) * 0.95)] * 10 ** (-LABEL_RANGE_DB / 20)
    decisions = bytes(level >= floor for level in levels)
    return bridge(runs(decisions, LABEL_FRAME_MS / 1000), LABEL_BRIDGE_SECONDS)


def grid(intervals: Intervals, seconds: float, frame_ms: int = LABEL_FRAME_MS) -> bytearray:
    """Intervals as one byte per frame (1 = speech), to compare detectors with labels frame by frame."""
    frames = bytearray(int(seconds * 1000) // frame_ms)
    for start, end in intervals:
        first, last = round(start * 1000 / frame_ms), min(len(frames), round(end * 1000 / frame_ms))
        frames[first:last] = b"\x01" * max(0, last - first)
    return frames


def g711(pcm: bytes, codec: str) -> bytes:
    """Through the codec and back, as the sandbox's trunk and phones carry it (pjsip.conf: allow = ulaw,alaw)."""
    if codec == "ulaw":
        return audioop.ulaw2lin(audioop.lin2ulaw(pcm, WIDTH), WIDTH)
    if codec == "alaw":
        return audioop.alaw2lin(audioop.lin2alaw(pcm, WIDTH), WIDTH)
    raise ValueError(f"unknown codec {codec!r}: ulaw or alaw")


def mix_noise(speech: bytes, noise: bytes, snr_db: float, speech_rms: float) -> bytes:
    """``speech`` with ``noise`` (looped to length) scaled so that speech RMS over noise RMS is ``snr_db``."""
    noise = (noise * (len(speech) // len(noise) + 1))[:len(speech)]
    factor = speech_rms / (audioop.rms(noise, WIDTH) * 10 ** (snr_db / 20))
    return audioop.add(speech, audioop.mul(noise, WIDTH, factor), WIDTH)


def speech_rms(clean: bytes, truth: Intervals) -> float:
    """RMS of the clean leg over its labelled speech: the S of the SNR."""
    parts = [clean[round(start * RATE) * WIDTH:round(end * RATE) * WIDTH] for start, end in truth]
    return audioop.rms(b"".join(parts), WIDTH) if parts else 0.0


def write_wav(path: Path, pcm: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    with wave.open(str(partial), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(WIDTH)
        wav.setframerate(RATE)
        wav.writeframes(pcm)
    partial.rename(path)   # whole files only: another process of the pool may be reading the cache
    return path
