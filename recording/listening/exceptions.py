"""Errors of listening and of listen-only sessions (messages name ids, never a token or personal data)."""
from __future__ import annotations

from recording.exceptions import RecordingError


class ListenError(RecordingError):
    """Base of the listening errors."""


class SessionNotFound(ListenError, LookupError):
    """No listen-only session with that link or id."""


class SessionExpired(ListenError):
    """The listen-only session's link has expired."""

    def __init__(self, session) -> None:
        super().__init__(f"listen-only session {session.id} expired at {session.expires_at.isoformat()}")
        self.session = session


class NotSessionable(ListenError):
    """The recordings cannot make a listen-only session as asked (another call, no subject's leg, bleeps outside)."""


class AudioUnavailable(ListenError):
    """The recording has no audio to play now: still being recorded, or its file is gone."""
