"""The one clock of hotline: timezone-aware UTC now. Tests and the PBX's own stamps pass explicit times instead."""
from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
