"""Where a recording holds speech: energy per 100 ms window of a 16-bit mono WAV, merged into segments."""
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
