"""WAV files as the PBX leaves them, made with ``wave``: closed, header only, cut short, still being written."""
from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 8000


def tone(seconds: float, rate: int = RATE) -> bytes:
    frames = int(seconds * rate)
    return b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(frames))


def closed_wav(path: Path, seconds: float) -> Path:
    """A file the PBX closed: its header holds the data's length."""
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(RATE)
        audio.writeframes(tone(seconds))
    return path


def empty_wav(path: Path) -> Path:
    return closed_wav(path, 0)


def cut_wav(path: Path, seconds: float, keep_seconds: float) -> Path:
    """A closed file of ``seconds`` of which only the first ``keep_seconds`` of audio survived."""
    closed_wav(path, seconds)
    with path.open("r+b") as file:
        file.truncate(44 + int(keep_seconds * RATE) * 2)
    return path


def open_header(rate: int = RATE) -> bytes:
    """What Asterisk writes when it opens a WAV file: the lengths still zero."""
    fmt = struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return b"RIFF" + struct.pack("<I", 0) + b"WAVE" + b"fmt " + fmt + b"data" + struct.pack("<I", 0)


def close_header(path: Path) -> None:
    """What Asterisk does when it closes the file: the lengths put in."""
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.seek(4)
        file.write(struct.pack("<I", size - 8))
        file.seek(40)
        file.write(struct.pack("<I", size - 44))
