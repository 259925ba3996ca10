"""One leg of a recording as 8 kHz mono 16-bit PCM, the form the detectors take.

Asterisk's MixMonitor writes exactly that (.wav, 8 kHz, 16-bit mono), so the common case is read with the
standard library's ``wave`` and no copy; anything else (another rate, stereo, 8-bit) goes through pydub.
"""
from __future__ import annotations

import hashlib
import wave
from dataclasses import dataclass
from pathlib import Path

RATE = 8000
WIDTH = 2


class AudioError(ValueError):
    """The file is not a readable WAV recording; the message names it."""


@dataclass(frozen=True)
class Leg:
    pcm: bytes           # 8 kHz mono signed 16-bit little-endian
    sha256: str          # of the file as stored: the analysis's cache key

    @property
    def seconds(self) -> float:
        return len(self.pcm) / (RATE * WIDTH)


def read_leg(path: str | Path) -> Leg:
    data = Path(path).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        with wave.open(str(path), "rb") as wav:
            if (wav.getframerate(), wav.getnchannels(), wav.getsampwidth(), wav.getcomptype()) == (RATE, 1, WIDTH,
                                                                                                  "NONE"):
                return Leg(wav.readframes(wav.getnframes()), digest)
    except (wave.Error, EOFError):
        pass   # not plain PCM for the wave module (WAVE_FORMAT_EXTENSIBLE, say): pydub may still read it
    try:
        return Leg(_resampled(path), digest)
    except Exception as exc:   # pydub raises whatever its parser met: all mean "not a WAV we can read"
        raise AudioError(f"{path}: not a readable WAV recording ({exc})") from exc


def _resampled(path: str | Path) -> bytes:
    # pydub warns when ffmpeg is missing; a WAV file never needs it (a non-WAV fails either way, as AudioError)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment
        segment = AudioSegment.from_wav(str(path))
    return segment.set_channels(1).set_sample_width(WIDTH).set_frame_rate(RATE).raw_data
