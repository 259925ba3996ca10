"""Event time: the PBX's own ``Timestamp`` header (manager.conf timestampevents=yes) when present, else now."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from core.clock import utcnow

_UTC = dt.timezone.utc


def event_time(event: Mapping) -> dt.datetime:
    stamp = event.get("Timestamp")
    if stamp:
        try:
            return dt.datetime.fromtimestamp(float(stamp), _UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            pass
    return utcnow()
