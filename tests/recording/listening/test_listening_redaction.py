"""The subject's audio (GDPR-LT §14): their own leg copied sample for sample, the DPO's segments a 1 kHz tone of the
same length, on generated WAV files; what is not 16-bit PCM mono is refused."""
from __future__ import annotations

import array
import io
import math
import wave

import pytest

from recording.listening import BLEEP_HZ, NotRedactable, redact

RATE = 8000


def speechlike(seconds: float, rate: int = RATE) -> bytes:
    """A 300 Hz + 2300 Hz mixture: energy everywhere but at 1 kHz."""
    samples = [int(6000 * math.sin(2 * math.pi * 300 * i / rate) + 3000 * math.sin(2 * math.pi * 2300 * i / rate))
               for i in range(int(seconds * rate))]
    return array.array("h", samples).tobytes()


def wav(frames: bytes, rate: int = RATE, channels: int = 1, width: int = 2) -> io.BytesIO:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(frames)
    buffer.seek(0)
    return buffer


def samples_of(buffer: io.BytesIO) -> tuple[int, array.array]:
    buffer.seek(0)
    with wave.open(buffer) as audio:
        return audio.getframerate(), array.array("h", audio.readframes(audio.getnframes()))


def share_at(samples, frequency: float, rate: int) -> float:
    """Goertzel: the share of the samples' energy at ``frequency``."""
    coefficient, previous, before = 2 * math.cos(2 * math.pi * frequency / rate), 0.0, 0.0
    for sample in samples:
        previous, before = sample + coefficient * previous - before, previous
    energy = sum(s * s for s in samples)
    return 2 * (previous * previous + before * before - coefficient * previous * before) / (len(samples) * energy)


@pytest.mark.parametrize("rate", [8000, 16000])
def test_the_marked_segments_are_a_1_khz_tone_and_the_rest_is_the_leg_unchanged(rate):
    source = speechlike(6.0, rate)
    target = io.BytesIO()
    seconds = redact(wav(source, rate), target, [(1.0, 2.0), (4.5, 5.0), (1.5, 2.5)])   # overlapping: one span
    out_rate, out = samples_of(target)
    original = array.array("h", source)
    assert (out_rate, seconds, len(out)) == (rate, 6.0, len(original))
    bleeped = [(int(1.0 * rate), int(2.5 * rate)), (int(4.5 * rate), int(5.0 * rate))]
    for start, end in bleeped:
        segment = out[start:end]
        assert share_at(segment, BLEEP_HZ, rate) > 0.95, "a bleep is the tone alone"
        assert share_at(original[start:end], BLEEP_HZ, rate) < 0.01
    kept = [(0, bleeped[0][0]), (bleeped[0][1], bleeped[1][0]), (bleeped[1][1], len(original))]
    assert all(out[a:b] == original[a:b] for a, b in kept), "outside the bleeps, the subject's leg as recorded"


def test_a_bleep_across_read_chunks_is_one_continuous_tone():
    target = io.BytesIO()
    redact(wav(speechlike(3.0)), target, [(0.5, 2.5)])      # 16000 frames: two reads of 8000
    _, out = samples_of(target)
    tone = out[4000:20000]
    expected = [int(0.25 * 32767 * math.sin(2 * math.pi * BLEEP_HZ * i / RATE)) for i in range(4000, 20000)]
    assert list(tone) == expected


@pytest.mark.parametrize("channels, width", [(2, 2), (1, 1)])
def test_audio_that_is_not_16_bit_mono_is_refused(channels, width):
    with pytest.raises(NotRedactable, match="only 16-bit PCM mono"):
        redact(wav(b"\0" * 800, channels=channels, width=width), io.BytesIO())


def test_a_file_that_is_not_wav_is_refused():
    with pytest.raises(NotRedactable, match="not a WAV file"):
        redact(io.BytesIO(b"RIFF....garbage"), io.BytesIO())
