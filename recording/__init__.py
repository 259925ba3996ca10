"""Recordings (a capability package; imports ``core`` only, learns of calls through domain events): the catalogue
of every recording file and its state, voice-activity analysis per party, retention and audited listening.
Issue 13 builds it; this is its public surface."""

# the catalogue (issue 13 item 1) and the analysis queue's results (item 2)
from recording.analysis_models import AnalysisState, AnalysisView
from recording.analysis_queue import AnalysisQueue
from recording.analysis_results import enqueue_finalised, latest_analysis, queue_summary, timeline_of
from recording.exceptions import RecordingError, RecordingNotFound, RecordingRestricted
from recording.models import HistoryEntry, RecordingKind, RecordingState, RecordingView
from recording.service import RecordingCatalogue
from recording.setup import Recordings, setup
from recording.store import LocalDirectoryStore

__all__ = ["AnalysisQueue", "AnalysisState", "AnalysisView", "HistoryEntry", "LocalDirectoryStore",
           "RecordingCatalogue", "RecordingError", "RecordingKind", "RecordingNotFound", "RecordingRestricted",
           "RecordingState", "RecordingView", "Recordings", "enqueue_finalised", "latest_analysis", "queue_summary",
           "setup", "timeline_of"]
