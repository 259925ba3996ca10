"""Errors of the audit trail; their texts name rows and routes, never what a request carried."""
from __future__ import annotations


class AuditError(Exception):
    """Base of the audit package's errors."""


class AuditUnavailable(AuditError):
    """A row could not be appended (the database refused or is away): the audited step must not go on."""


class InvalidAuditRecord(AuditError, ValueError):
    """A record that the trail refuses to hold (an unknown action, a field too long)."""
