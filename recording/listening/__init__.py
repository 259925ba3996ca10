"""Audited listening (issue 13 items 4 and 6): a recording's bytes in HTTP ranges, read in chunks through the store
port, and listen-only sessions that play a data subject their own leg, redacted."""
from recording.listening.exceptions import (AudioUnavailable, ListenError, NotSessionable, SessionExpired,
                                            SessionNotFound)
from recording.listening.models import ListenSession, ListenSessionRow
from recording.listening.ranges import ByteRange, RangeNotSatisfiable, parse_range
from recording.listening.redaction import BLEEP_HZ, NotRedactable, redact
from recording.listening.sessions import ListenSessions
from recording.listening.streaming import chunks

__all__ = ["BLEEP_HZ", "AudioUnavailable", "ByteRange", "ListenError", "ListenSession", "ListenSessionRow",
           "ListenSessions", "NotRedactable", "NotSessionable", "RangeNotSatisfiable", "SessionExpired",
           "SessionNotFound", "chunks", "parse_range", "redact"]
