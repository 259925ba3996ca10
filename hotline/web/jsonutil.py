"""JSON for the web API: times as ISO 8601 with offset, enums as values, pydantic models and dataclasses as objects."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any

from aiohttp import web
from pydantic import BaseModel


def json_default(value: Any) -> Any:
    """``json.dumps`` fallback for the types our handlers return."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            # Contract: every time carries its offset. A naive one here is a bug upstream, not a guess to make.
            raise ValueError("naive datetime in an API response; use timezone-aware datetimes (core.db.UTCDateTime)")
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, (uuid.UUID, Decimal, PurePath)):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> str:
    return json.dumps(value, default=json_default, ensure_ascii=False)


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(value, status=status, headers=headers, dumps=dumps)
