"""Frame-level accuracy of the analysis's detectors on the labelled set (``bench/vad_corpus.py``): each leg's
speech intervals, as the analysis computes them, against the truth on a 10 ms grid."""
from __future__ import annotations

from dataclasses import dataclass

from bench.vad_corpus import Recording
from core.analysis_policy import AnalysisPolicy
from recording.analysis.audio import read_leg
from recording.analysis.detectors import detect
from recording.analysis.synthetic import grid

# what is compared: the analysis as shipped (smoothed) for each aggressiveness, webrtcvad bare (no smoothing),
# Silero through the same smoothing, and "auto" (Silero for the legs whose estimated SNR is below 20 dB)
DETECTORS = {
    "webrtcvad 0": AnalysisPolicy(aggressiveness=0),
    "webrtcvad 1": AnalysisPolicy(aggressiveness=1),
    "webrtcvad 2 (default)": AnalysisPolicy(aggressiveness=2),
    "webrtcvad 3": AnalysisPolicy(aggressiveness=3),
    "webrtcvad 2, bare (no smoothing)": AnalysisPolicy(aggressiveness=2, bridge_ms=0, min_speech_ms=0),
    "silero 0.5": AnalysisPolicy(detector="silero"),
    "auto (silero below an estimated 20 dB)": AnalysisPolicy(detector="auto"),
}


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, truth: bytes, found: bytes) -> None:
        for want, got in zip(truth, found):
            self.tp += want and got
            self.fp += got and not want
            self.fn += want and not got

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def measure(recordings: list[Recording], detectors: dict[str, AnalysisPolicy] = DETECTORS
            ) -> dict[tuple[str, str, str], Counts]:
    """Counts per (detector, language, condition), both codecs pooled; also language "all"."""
    out: dict[tuple[str, str, str], Counts] = {}
    for recording in recordings:
        leg = read_leg(recording.path)
        truth = grid(recording.truth, leg.seconds)
        for name, policy in detectors.items():
            found = grid(detect(leg.pcm, policy), leg.seconds)
            for language in (recording.language, "all"):
                out.setdefault((name, language, recording.condition), Counts()).add(truth, found)
    return out
