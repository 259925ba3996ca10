"""Request parameters every listing and item route shares: paging, a numeric id in the path, an extension, and
times within the range the store and the calendar arithmetic can hold (a request beyond it is a 400, not a 500)."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

EXTENSION = r"^[0-9]{2,8}$"
MAX_ID = 2**63 - 1          # the widest id column (BIGINT); a larger id names nothing
MAX_OFFSET = 1_000_000_000  # far beyond any listing, well inside the databases' OFFSET range
FIRST_YEAR, LAST_YEAR = 1900, 9998   # a day or a month around any time in these years is still a valid date


def _in_years(value: dt.datetime) -> dt.datetime:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"a time from the years {FIRST_YEAR} to {LAST_YEAR}")
    return value


BoundedDatetime = Annotated[AwareDatetime, AfterValidator(_in_years)]


class PageQuery(BaseModel):
    """``limit`` and ``offset`` of a listing; unknown query parameters are refused (a typo is not ignored)."""

    model_config = ConfigDict(extra="forbid")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class IdPath(BaseModel):
    id: int = Field(..., ge=1, le=MAX_ID)
