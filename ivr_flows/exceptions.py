"""What can go wrong on a FastAGI session, as exceptions a flow may catch (or let the server's safety net catch)."""
from __future__ import annotations


class AgiError(Exception):
    """Base of every FastAGI failure."""


class AgiHangup(AgiError):
    """The channel is gone (``HANGUP`` line or a ``511`` reply): nothing more can be said to the caller."""


class AgiConnectionLost(AgiHangup):
    """The PBX closed the connection (EOF), possibly in the middle of a reply."""


class AgiCommandError(AgiError):
    """The PBX refused a command: ``510`` (unknown command) or ``520`` (wrong usage; ``usage`` holds its text)."""

    def __init__(self, code: int, message: str, usage: str = "") -> None:
        super().__init__(f"AGI command refused: {code} {message}")
        self.code = code
        self.usage = usage


class AgiCommandFailed(AgiError):
    """The PBX ran the command and it reported failure (``200 result=-1`` and the like)."""


class AgiProtocolError(AgiError):
    """The peer sent something that is not AGI: an oversized line, an unknown reply code, a malformed reply."""


class AgiTimeout(AgiError, TimeoutError):
    """A command got no final reply within its time limit."""


class AgiSessionClosed(AgiError):
    """The server took the session back (deadline or shutdown): the flow may send no more commands."""
