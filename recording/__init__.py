"""Recordings (a capability package; imports ``core`` only, learns of calls through domain events): the catalogue
of every recording file and its state, voice-activity analysis per party, retention and audited listening.
Issue 13 builds it; this is its public surface."""

# the catalogue (issue 13 item 1)
from recording.exceptions import RecordingError, RecordingNotFound, RecordingRestricted
from recording.listening import ListenSessions
from recording.models import HistoryEntry, RecordingKind, RecordingState, RecordingView
from recording.service import RecordingCatalogue
from recording.setup import Recordings, setup
from recording.store import LocalDirectoryStore

__all__ = ["HistoryEntry", "ListenSessions", "LocalDirectoryStore", "RecordingCatalogue", "RecordingError", "RecordingKind",
           "RecordingNotFound", "RecordingRestricted", "RecordingState", "RecordingView", "Recordings", "setup"]
