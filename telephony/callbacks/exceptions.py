"""What callback operations refuse, as domain errors (the web layer maps each to a status code)."""
from __future__ import annotations


class CallbackNotFound(LookupError):
    """No such task or call (or not one this user may see)."""


class CallbackConflict(Exception):
    """The task's state (or its number's open task) does not allow the change; the message says why."""


class InvalidCallbackRequest(ValueError):
    """The request cannot be stored as asked: unusable number, a time in the past, an unknown queue."""
