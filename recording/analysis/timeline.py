"""The call's timeline for reviewers as a PNG: two lanes, caller above and agent below, speech coloured; a red
strip over the caller's flagged monologues, a grey mark between the lanes for dead air and amber for holds.

Written with zlib alone (no imaging library is a dependency of hotline): an 8-bit RGB PNG, every row filter 0.
"""
from __future__ import annotations

import struct
import zlib

from recording.analysis.metrics import CallAnalysis

WIDTH = 1000
HEIGHT = 100
# rows [top, bottom) of each band
FLAG_BAND = (0, 6)
CALLER_LANE = (6, 46)
MARK_BAND = (46, 54)
AGENT_LANE = (54, 94)

BACKGROUND = (255, 255, 255)
LANE = (236, 236, 236)
CALLER = (31, 119, 180)
AGENT = (44, 160, 44)
MUSIC = (180, 150, 210)
MONOLOGUE = (214, 39, 40)
DEAD_AIR = (120, 120, 120)
HOLD = (255, 190, 0)


def column(seconds: float, duration: float, width: int = WIDTH) -> int:
    """The pixel column showing the moment ``seconds`` into the call."""
    return min(width - 1, int(seconds / duration * width)) if duration > 0 else 0


def _paint(base: tuple[int, int, int], layers: list[tuple[list[tuple[float, float]], tuple[int, int, int]]],
           duration: float, width: int) -> bytes:
    colours = [base] * width
    for intervals, colour in layers:
        for start, end in intervals:
            for x in range(column(start, duration, width), column(end, duration, width) + 1):
                colours[x] = colour
    return b"".join(bytes(colour) for colour in colours)


def timeline_png(result: CallAnalysis, width: int = WIDTH) -> bytes:
    duration = result.duration_seconds
    bands = [
        (FLAG_BAND, _paint(BACKGROUND, [(result.monologues, MONOLOGUE)], duration, width)),
        (CALLER_LANE, _paint(LANE, [(result.caller_speech, CALLER)], duration, width)),
        (MARK_BAND, _paint(BACKGROUND, [(result.dead_air, DEAD_AIR), (result.holds, HOLD)], duration, width)),
        (AGENT_LANE, _paint(LANE, [(result.agent_speech, AGENT), (result.music, MUSIC)], duration, width)),
    ]
    blank = b"\x00" + bytes(BACKGROUND) * width
    rows = [blank] * HEIGHT
    for (top, bottom), pixels in bands:
        rows[top:bottom] = [b"\x00" + pixels] * (bottom - top)
    header = struct.pack(">IIBBBBB", width, HEIGHT, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + _chunk(b"IEND", b""))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
