"""Voice-activity analysis of a call's recording, per party (issue 13): pure functions of the two legs' files and
the profile's ``analysis`` section; no database, no event loop (``Analyser`` runs them in worker processes)."""
from recording.analysis.audio import AudioError, read_leg
from recording.analysis.detectors import DetectorUnavailable, detect
from recording.analysis.metrics import ANALYSER_VERSION, CallAnalysis, analyse_intervals, analysis_key
from recording.analysis.pipeline import analyse_call, analyse_job
from recording.analysis.pool import Analyser
from recording.analysis.timeline import timeline_png

__all__ = ["ANALYSER_VERSION", "Analyser", "AudioError", "CallAnalysis", "DetectorUnavailable", "analyse_call",
           "analyse_intervals", "analyse_job", "analysis_key", "detect", "read_leg", "timeline_png"]
