"""The recordings catalogue's domain errors (a broken or missing file is a state, never one of these)."""
from __future__ import annotations


class RecordingError(Exception):
    """Base of the catalogue's errors."""


class RecordingNotFound(RecordingError, LookupError):
    """No catalogue entry with that id."""


class RecordingRestricted(RecordingError):
    """The recording is under a GDPR restriction: kept, but not played, analysed or exported."""
