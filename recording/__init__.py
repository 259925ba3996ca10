"""Recordings (a capability package; imports ``core`` only, learns of calls through domain events): the catalogue
of every recording file and its state, voice-activity analysis per party, retention and audited listening.
Issue 13 builds it; this is its public surface."""

# the catalogue (issue 13 item 1)
from recording.exceptions import RecordingError, RecordingNotFound, RecordingRestricted
from recording.listening import (AudioUnavailable, ListenSession, ListenSessions, NotSessionable, RangeNotSatisfiable,
                                 SessionExpired, SessionNotFound, chunks, parse_range)
from recording.models import HistoryEntry, RecordingKind, RecordingState, RecordingView
from recording.service import RecordingCatalogue
from recording.setup import Recordings, setup
from recording.store import LocalDirectoryStore

__all__ = ["AudioUnavailable", "HistoryEntry", "ListenSession", "ListenSessions", "LocalDirectoryStore",
           "NotSessionable", "RangeNotSatisfiable", "RecordingCatalogue", "RecordingError", "RecordingKind",
           "RecordingNotFound", "RecordingRestricted", "RecordingState", "RecordingView", "Recordings",
           "SessionExpired", "SessionNotFound", "chunks", "parse_range", "setup"]
