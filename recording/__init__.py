"""Recordings (a capability package; imports ``core`` only, learns of calls through domain events): the catalogue
of every recording file and its state, voice-activity analysis per party, retention and audited listening.
Issue 13 builds it; this is its public surface."""

# the catalogue (issue 13 item 1) and the analysis queue's results (item 2)
from recording.analysis_models import AnalysisState, AnalysisView
from recording.analysis_queue import AnalysisQueue
from recording.analysis_retention import AnalysisResultsPurge, ExpiredAnalyses
from recording.analysis_results import enqueue_finalised, latest_analysis, queue_summary, timeline_of
from recording.exceptions import RecordingError, RecordingNotFound, RecordingRestricted
from recording.listening import (AudioUnavailable, ListenSession, ListenSessions, NotSessionable, RangeNotSatisfiable,
                                 SessionExpired, SessionNotFound, chunks, parse_range)
from recording.models import HistoryEntry, RecordingKind, RecordingState, RecordingView
from recording.service import RecordingCatalogue
from recording.setup import Recordings, listen_dir_of, setup
from recording.store import LocalDirectoryStore
from recording.archive import Archiver, ArchivingStore
# retention and data-subject requests (issue 13 items 5 and 6)
from recording.retention import (ERASURE, RESTRICTED_KEPT, RETENTION, DerivedData, Graveyard, PurgedRecording,
                                 RetentionLoop, RetentionPurge)
from recording.listening.retention import ListenRenderingsPurge
from recording.subject_requests import (InvalidSubjectRequest, RequestKind, RequestState, SubjectRequest,
                                        SubjectRequestConflict, SubjectRequestNotFound, SubjectRequests)
import recording.subject_requests.models  # noqa: F401  tables subject_requests, subject_request_history

__all__ = ["ListenRenderingsPurge", "listen_dir_of", "AnalysisQueue", "Archiver", "ArchivingStore",
           "AnalysisResultsPurge", "AnalysisState", "AnalysisView", "AudioUnavailable", "chunks",
           "DerivedData", "enqueue_finalised", "ERASURE", "ExpiredAnalyses", "Graveyard", "HistoryEntry",
           "InvalidSubjectRequest", "latest_analysis", "ListenSession", "ListenSessions", "LocalDirectoryStore",
           "NotSessionable", "parse_range", "PurgedRecording", "queue_summary", "RangeNotSatisfiable",
           "RecordingCatalogue", "RecordingError", "RecordingKind", "RecordingNotFound", "RecordingRestricted",
           "Recordings", "RecordingState", "RecordingView", "RequestKind", "RequestState", "RESTRICTED_KEPT",
           "RETENTION", "RetentionLoop", "RetentionPurge", "SessionExpired", "SessionNotFound", "setup",
           "SubjectRequest", "SubjectRequestConflict", "SubjectRequestNotFound", "SubjectRequests", "timeline_of"]
