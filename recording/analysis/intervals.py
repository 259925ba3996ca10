"""Time intervals in seconds as sorted, non-overlapping ``(start, end)`` tuples: the algebra the call metrics are
made of (a few runs per minute of audio, not a value per frame, so plain Python is fast enough)."""
from __future__ import annotations

import re

Intervals = list[tuple[float, float]]

_RUN = re.compile(rb"\x01+")


def runs(decisions: bytes, frame_seconds: float, *, bridge_frames: int = 0, min_frames: int = 0) -> Intervals:
    """Speech runs of a per-frame decision string (1 = speech), joined over gaps of up to ``bridge_frames`` (the
    pauses inside and between words), dropping runs of fewer than ``min_frames`` speech frames (clicks, line
    bursts). Runs are not lengthened: webrtcvad already holds speech a little past its end."""
    merged: list[list[int]] = []   # [start, end, speech frames]
    for match in _RUN.finditer(decisions):
        start, end = match.span()
        if merged and start - merged[-1][1] <= bridge_frames:
            merged[-1][1] = end
            merged[-1][2] += end - start
        else:
            merged.append([start, end, end - start])
    return [(round(start * frame_seconds, 3), round(end * frame_seconds, 3))
            for start, end, speech in merged if speech >= max(min_frames, 1)]


def total(intervals: Intervals) -> float:
    return sum((end - start for start, end in intervals), 0.0)


def union(a: Intervals, b: Intervals) -> Intervals:
    out: Intervals = []
    for start, end in sorted(a + b):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def intersect(a: Intervals, b: Intervals) -> Intervals:
    out: Intervals = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def gaps(intervals: Intervals, duration: float) -> Intervals:
    """What ``intervals`` leave uncovered of ``[0, duration]``."""
    out: Intervals = []
    at = 0.0
    for start, end in intervals:
        if start > at:
            out.append((at, start))
        at = max(at, end)
    if duration > at:
        out.append((at, duration))
    return out


def subtract(a: Intervals, b: Intervals, duration: float) -> Intervals:
    return intersect(a, gaps(b, duration))


def bridge(intervals: Intervals, gap: float) -> Intervals:
    """Join neighbours at most ``gap`` seconds apart."""
    out: Intervals = []
    for start, end in intervals:
        if out and start - out[-1][1] <= gap:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def longer_than(intervals: Intervals, seconds: float) -> Intervals:
    return [(start, end) for start, end in intervals if end - start > seconds]
