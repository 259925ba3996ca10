"""The audit trail: every write through the API and every read of personal data (who, when, what, why), in an
append-only table whose rows are hash-chained, so that a changed, deleted or inserted row is found
(``hotline audit verify``). The web side (the middleware that records requests) is ``hotline/web/audit.py``."""
from hotline.audit.chain import GENESIS, Verdict, verify
from hotline.audit.exceptions import AuditError, AuditUnavailable, InvalidAuditRecord
from hotline.audit.models import AuditHead, AuditRow
from hotline.audit.service import AuditRecord, AuditTrail

__all__ = [
    "GENESIS",
    "AuditError",
    "AuditHead",
    "AuditRecord",
    "AuditRow",
    "AuditTrail",
    "AuditUnavailable",
    "InvalidAuditRecord",
    "Verdict",
    "verify",
]
