"""Request parameters every listing and item route shares: paging, a numeric id in the path, an extension, and
times within the range the store and the calendar arithmetic can hold (a request beyond it is a 400, not a 500)."""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from hotline.web.errors import ApiError

EXTENSION = r"^[0-9]{2,8}$"
MAX_ID = 2**63 - 1          # the widest id column (BIGINT); a larger id names nothing
MAX_OFFSET = 1_000_000_000  # far beyond any listing, well inside the databases' OFFSET range
FIRST_YEAR, LAST_YEAR = 1900, 9998   # a day or a month around any time in these years is still a valid date
YEARS = r"(19[0-9]{2}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"   # FIRST_YEAR..LAST_YEAR, for the spec


def _in_years(value: dt.datetime) -> dt.datetime:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"a time from the years {FIRST_YEAR} to {LAST_YEAR}")
    return value


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _text(value: object) -> object:
    # pydantic would read "0.5" as seconds since 1970: the spec promises ISO 8601 text, so only that is read
    if isinstance(value, dt.datetime) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise ValueError("an ISO 8601 time with offset, e.g. 2026-11-24T10:00:00+02:00")


BoundedDatetime = Annotated[AwareDatetime, BeforeValidator(_text), AfterValidator(_in_years), WithJsonSchema(
    {"type": "string", "format": "date-time", "pattern": f"^{YEARS}-"})]


def ordered(start: dt.datetime | None, end: dt.datetime | None, names: str) -> None:
    """A window whose start is not before its end: each value is valid, together they ask for nothing (422)."""
    if start is not None and end is not None and start >= end:
        raise ApiError(422, "invalid_range", f"{names}: the first must be before the second")


RANGE_ERROR = "the window's start is not before its end (each value valid, together nothing to ask for)"


class PageQuery(BaseModel):
    """``limit`` and ``offset`` of a listing; unknown query parameters are refused (a typo is not ignored)."""

    model_config = ConfigDict(extra="forbid")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class IdPath(BaseModel):
    id: int = Field(..., ge=1, le=MAX_ID)
