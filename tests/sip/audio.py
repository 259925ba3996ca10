"""What a recording holds: where speech is (energy per 100 ms window of a 16-bit mono WAV, merged into segments)
and which DTMF tones sound in it (Goertzel at the eight DTMF frequencies)."""
from __future__ import annotations

import array
import math
import wave
from pathlib import Path

WINDOW = 0.1
THRESHOLD = 300.0     # RMS of int16 samples: espeak speech through G.711 is in the thousands, silence ~0
GAP = 0.4             # pauses between words shorter than this belong to one segment


def voiced_segments(path: Path) -> list[tuple[float, float]]:
    """(start, end) seconds of each stretch of speech in the file."""
    with wave.open(str(path)) as audio:
        rate, frames = audio.getframerate(), audio.readframes(audio.getnframes())
    samples = array.array("h", frames)
    step = int(rate * WINDOW)
    segments: list[tuple[float, float]] = []
    for index in range(0, len(samples), step):
        window = samples[index:index + step]
        if not window or math.sqrt(sum(s * s for s in window) / len(window)) < THRESHOLD:
            continue
        start, end = index / rate, (index + len(window)) / rate
        if segments and start - segments[-1][1] <= GAP:
            segments[-1] = (segments[-1][0], end)
        else:
            segments.append((start, end))
    return segments


def voiced_between(segments: list[tuple[float, float]], start: float, end: float) -> float:
    """Seconds of speech inside [start, end]."""
    return sum(max(0.0, min(end, b) - max(start, a)) for a, b in segments)


# DTMF: each key is one low and one high frequency (ITU-T Q.23)
DTMF_LOW = (697.0, 770.0, 852.0, 941.0)
DTMF_HIGH = (1209.0, 1336.0, 1477.0, 1633.0)
DTMF_KEYS = ("123A", "456B", "789C", "*0#D")   # row: the low frequency, column: the high one
DTMF_FRAME = 0.04        # seconds per Goertzel frame
DTMF_FLOOR = 100.0       # RMS below which a frame is silence
DTMF_SHARE = 0.25        # each of the two frequencies carries at least this share of the frame's energy ...
DTMF_TOGETHER = 0.7      # ... and the two together at least this much: speech spreads over many frequencies
DTMF_MARGIN = 4.0        # the pair's frequencies are this many times stronger than the rest of their group
DTMF_MIN_FRAMES = 2      # a tone lasts at least 80 ms (Q.24 asks receivers for 40 ms; senders send 100+)


def _share(samples: array.array | list, frequency: float, rate: int, energy: float) -> float:
    """Goertzel: the share of the frame's energy at ``frequency`` (a pure tone alone gives 1.0)."""
    coefficient = 2 * math.cos(2 * math.pi * frequency / rate)
    previous = before = 0.0
    for sample in samples:
        previous, before = sample + coefficient * previous - before, previous
    power = previous * previous + before * before - coefficient * previous * before
    return 2 * power / (len(samples) * energy)


def _strongest(shares: list[float]) -> int | None:
    best = max(range(len(shares)), key=shares.__getitem__)
    others = [s for i, s in enumerate(shares) if i != best]
    return best if shares[best] >= DTMF_SHARE and shares[best] >= DTMF_MARGIN * max(others) else None


def frame_key(samples: array.array | list, rate: int) -> str | None:
    """The DTMF key sounding in one frame, or None (silence, speech, a single tone)."""
    energy = sum(s * s for s in samples)
    if not samples or math.sqrt(energy / len(samples)) < DTMF_FLOOR:
        return None
    low = [_share(samples, f, rate, energy) for f in DTMF_LOW]
    high = [_share(samples, f, rate, energy) for f in DTMF_HIGH]
    row, column = _strongest(low), _strongest(high)
    if row is None or column is None or low[row] + high[column] < DTMF_TOGETHER:
        return None
    return DTMF_KEYS[row][column]


def dtmf_tones(path: Path) -> list[tuple[float, str]]:
    """(start seconds, key) of each DTMF tone in a 16-bit mono WAV (40 ms Goertzel frames)."""
    with wave.open(str(path)) as audio:
        rate, frames = audio.getframerate(), audio.readframes(audio.getnframes())
    samples = array.array("h", frames)
    step = int(rate * DTMF_FRAME)
    keys = [frame_key(samples[i:i + step], rate) for i in range(0, len(samples) - step + 1, step)]
    tones: list[tuple[float, str]] = []
    index = 0
    while index < len(keys):
        run = index
        while run < len(keys) and keys[run] is not None and keys[run] == keys[index]:
            run += 1
        if keys[index] is not None and run - index >= DTMF_MIN_FRAMES:
            tones.append((index * DTMF_FRAME, keys[index]))
        index = max(run, index + 1)
    return tones
