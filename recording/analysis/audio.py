"""One leg of a recording as 8 kHz mono 16-bit PCM, the form the detectors take.

Asterisk's MixMonitor writes exactly that (.wav, 8 kHz, 16-bit mono), so the common case is read with the
standard library's ``wave`` and no copy; anything else (another rate, stereo, 8-bit) goes through pydub.
"""
from __future__ import annotations

import audioop
import hashlib
import math
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

    def after(self, seconds: float) -> Leg:
        """The leg from ``seconds`` on (the same file's digest: its key names the file, the start is the job's)."""
        if seconds <= 0:
            return self
        return Leg(self.pcm[int(seconds * RATE) * WIDTH:], self.sha256)


def frame_rms(pcm: bytes, frame_ms: int) -> list[int]:
    step = RATE * WIDTH * frame_ms // 1000
    return [audioop.rms(pcm[at:at + step], WIDTH) for at in range(0, len(pcm) - step + 1, step)]


def snr_db(pcm: bytes) -> float:
    """The leg's estimated SNR: its loud 20 ms frames (95th percentile of RMS) over its noise floor (the 10th).
    It needs a tenth of the leg without speech, which a conversation's leg has (one listens while the other
    talks); on the labelled set it reads about 6 dB above the SNR the noise was mixed at. Capped at 99 dB."""
    levels = sorted(frame_rms(pcm, 20))
    if not levels:
        return 0.0
    floor, loud = max(levels[len(levels) // 10], 1), max(levels[int(len(levels) * 0.95)], 1)
    return round(min(99.0, 20 * math.log10(loud / floor)), 1)


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
