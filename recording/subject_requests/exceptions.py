"""Errors of data-subject requests; their messages never hold the subject's number."""
from __future__ import annotations


class SubjectRequestError(Exception):
    """Base of the subject requests' errors."""


class InvalidSubjectRequest(SubjectRequestError, ValueError):
    """The request's input is not usable (an unknown kind, a number that is no phone number, a bad date)."""


class SubjectRequestNotFound(SubjectRequestError, LookupError):
    """No subject request with that id."""


class SubjectRequestConflict(SubjectRequestError):
    """The request is not in a state that allows this (done and refused requests are closed)."""
