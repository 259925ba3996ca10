"""Request parameters every listing and item route shares: paging, a numeric id in the path, an extension."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

EXTENSION = r"^[0-9]{2,8}$"


class PageQuery(BaseModel):
    """``limit`` and ``offset`` of a listing; unknown query parameters are refused (a typo is not ignored)."""

    model_config = ConfigDict(extra="forbid")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class IdPath(BaseModel):
    id: int = Field(..., ge=1)
