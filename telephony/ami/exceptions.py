"""The errors the AMI client raises: each is also one of the PBX port's domain errors (``core.ports``), which is
what callers outside this package catch."""
from __future__ import annotations

from core.ports import PbxActionRefused, PbxUnavailable


class AmiError(Exception):
    """Base of every error the AMI client raises."""


class AmiTimeout(AmiError, PbxUnavailable):
    """The PBX did not answer within the allowed time (action, login or connection wait)."""


class AmiDisconnected(AmiError, PbxUnavailable):
    """The connection is down or was lost before the action completed; the action was not retried."""


class AmiActionError(AmiError, PbxActionRefused):
    """The PBX answered ``Response: Error`` (the message is the PBX's own explanation)."""


class AmiAuthError(AmiError, PbxUnavailable):
    """The PBX refused the login (wrong username or secret)."""
