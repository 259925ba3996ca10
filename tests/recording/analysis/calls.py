"""Two-leg calls for the analysis tests: real espeak-ng speech (cached under ~/.cache/hotline/) placed at known
offsets on the caller's and the agent's leg, digital silence elsewhere, written as MixMonitor writes them."""
from __future__ import annotations

from pathlib import Path

from core.settings import default_cache_dir
from hotline.pbx.speech import PHRASES, phrase_wav
from recording.analysis.audio import read_leg
from recording.analysis.synthetic import labels, place, write_wav

SPEECH_CACHE = default_cache_dir() / "analysis-speech"


def phrase(party: str, voice: str = "lt") -> bytes:
    return read_leg(phrase_wav(SPEECH_CACHE, voice, PHRASES[voice][party])).pcm


def phrase_seconds(party: str, voice: str = "lt") -> float:
    return len(phrase(party, voice)) / 16000


def leg(directory: Path, name: str, clips: list[tuple[float, bytes]], seconds: float) -> tuple[Path, float]:
    """The leg's file and its labelled speech seconds (the known length the analysis is held to)."""
    pcm = place(clips, seconds)
    return write_wav(directory / f"{name}.wav", pcm), sum(end - start for start, end in labels(pcm))


def monologue(party: str, seconds: float, pause: float = 0.8) -> list[tuple[float, bytes]]:
    """One party's phrase over and over from 1 s on, with ``pause`` seconds between: ``seconds`` of talk."""
    pcm = phrase(party)
    length = len(pcm) / 16000
    clips, at = [], 1.0
    while at + length <= 1.0 + seconds:
        clips.append((at, pcm))
        at += length + pause
    return clips
