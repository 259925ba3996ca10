"""Recordings (a capability package; imports ``core`` only, learns of calls through domain events): the catalogue
of every recording file and its state, voice-activity analysis per party, retention and audited listening.
Issue 13 builds it; this is its public surface."""

# the catalogue (issue 13 item 1)
from recording.exceptions import RecordingError, RecordingNotFound, RecordingRestricted
from recording.models import HistoryEntry, RecordingKind, RecordingState, RecordingView
from recording.service import RecordingCatalogue
from recording.setup import Recordings, setup
from recording.store import LocalDirectoryStore
# retention and data-subject requests (issue 13 items 5 and 6)
from recording.retention import (ERASURE, RESTRICTED_KEPT, RETENTION, DerivedData, Graveyard, PurgedRecording,
                                 RetentionLoop, RetentionPurge)
from recording.subject_requests import (InvalidSubjectRequest, RequestKind, RequestState, SubjectRequest,
                                        SubjectRequestConflict, SubjectRequestNotFound, SubjectRequests)
import recording.subject_requests.models  # noqa: F401  tables subject_requests, subject_request_history

__all__ = ["DerivedData", "ERASURE", "Graveyard", "HistoryEntry", "InvalidSubjectRequest", "LocalDirectoryStore",
           "PurgedRecording", "RESTRICTED_KEPT", "RETENTION", "RecordingCatalogue", "RecordingError", "RecordingKind",
           "RecordingNotFound", "RecordingRestricted", "RecordingState", "RecordingView", "Recordings", "RequestKind",
           "RequestState", "RetentionLoop", "RetentionPurge", "SubjectRequest", "SubjectRequestConflict",
           "SubjectRequestNotFound", "SubjectRequests", "setup"]
