"""``GET /api/audit``: the audit trail for the data protection officer, newest first (that read is audited too).

Only the DPO: the trail records what admins and supervisors do, so its reviewer is not one of them. Admins check
its integrity with ``hotline audit verify``.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from hotline.audit import AuditRow
from hotline.auth.service import NAME_PATTERN
from hotline.web.audit import AUDIT_TRAIL_KEY
from hotline.web.params import RANGE_ERROR, BoundedDatetime, PageQuery, ordered
from hotline.web.routes import ApiRouter, query_of


class AuditQuery(PageQuery):
    since: BoundedDatetime | None = Field(None, description="rows at or after this time")
    until: BoundedDatetime | None = Field(None, description="rows before this time")
    actor: str | None = Field(None, pattern=NAME_PATTERN.pattern, description="one user's rows (user name)")
    action: Literal["read", "write"] | None = None



class AuditOut(BaseModel):
    id: int
    at: dt.datetime
    actor_id: int
    actor_name: str
    actor_role: str
    action: str
    method: str
    route: str
    resources: dict[str, str]
    query: list[str]
    status: int | None = Field(description="None: a write's attempt, written before its handler ran")
    attempt_of: int | None
    purpose: str
    prev_hash: str
    hash: str


def present(row: AuditRow) -> AuditOut:
    return AuditOut(id=row.id, at=row.at, actor_id=row.actor_id, actor_name=row.actor_name,
                    actor_role=row.actor_role, action=row.action, method=row.method, route=row.route,
                    resources=json.loads(row.resources), query=json.loads(row.query), status=row.status,
                    attempt_of=row.attempt_of, purpose=row.purpose, prev_hash=row.prev_hash, hash=row.hash)


async def list_audit(request: web.Request) -> list[AuditOut]:
    query: AuditQuery = query_of(request)
    ordered(query.since, query.until, "since, until")
    rows = await request.app[AUDIT_TRAIL_KEY].entries(since=query.since, until=query.until, actor=query.actor,
                                                       action=query.action, limit=query.limit,
                                                       offset=query.offset)
    return [present(row) for row in rows]


def register_routes(router: ApiRouter) -> None:
    router.get("/api/audit", list_audit, summary="The audit trail: API writes and personal-data reads, newest first",
               query=AuditQuery, response=list[AuditOut], tags=["audit"], personal_data=True,
               statuses={422: RANGE_ERROR})
