"""Read side of the call store: calls with their state history, for the API."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.events import CallDirection, CallState
from core.scope import RecordScope
from telephony.calls.models import CallLinkRow, CallRow, CallStateRow
from telephony.rings.models import CallRingRow


@dataclass(frozen=True)
class StateEntry:
    state: str
    at: dt.datetime
    queue: str | None
    target: str | None
    cause: str | None
    detail: str


@dataclass
class CallView:
    id: str
    caller: str
    dialed: str
    started_at: dt.datetime
    states: list[StateEntry] = field(default_factory=list)
    direction: str = "inbound"

    @property
    def state(self) -> str:
        return self.states[-1].state if self.states else CallState.OFFERED.value

    @property
    def queue(self) -> str | None:
        return next((s.queue for s in reversed(self.states) if s.queue), None)

    @property
    def ended_at(self) -> dt.datetime | None:
        last = self.states[-1] if self.states else None
        return last.at if last and last.state == CallState.ENDED.value else None

    @property
    def ended_cause(self) -> str | None:
        last = self.states[-1] if self.states else None
        return last.cause if last and last.state == CallState.ENDED.value else None


@dataclass(frozen=True)
class CallFilter:
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int = 100
    offset: int = 0
    scope: RecordScope | None = None   # only the calls in this reader's scope (``in_scope``); None: all


def in_scope(scope: RecordScope):
    """The calls of a scope: dialled to one of its extensions (a direct line), ringing one of their phones, or
    through one of its queues."""
    if scope.empty:
        return false()
    extensions, queues = sorted(scope.extensions), sorted(scope.queues)
    rang = exists().where(CallRingRow.call_id == CallRow.id, CallRingRow.extension.in_(extensions))
    queued = exists().where(CallStateRow.call_id == CallRow.id, CallStateRow.queue.in_(queues))
    return or_(CallRow.dialed.in_(extensions), rang, queued)


async def list_calls(engine: AsyncEngine, flt: CallFilter) -> list[CallView]:
    stmt = select(CallRow).order_by(CallRow.started_at.desc(), CallRow.id).limit(flt.limit).offset(flt.offset)
    if flt.since is not None:
        stmt = stmt.where(CallRow.started_at >= flt.since)
    if flt.until is not None:
        stmt = stmt.where(CallRow.started_at < flt.until)
    if flt.scope is not None:
        stmt = stmt.where(in_scope(flt.scope))
    return await _fetch(engine, stmt)


async def get_call(engine: AsyncEngine, call_id: str, scope: RecordScope | None = None) -> CallView | None:
    """The call ``call_id``; with ``scope``, only if it is in it (``in_scope``)."""
    stmt = select(CallRow).where(CallRow.id == call_id)
    if scope is not None:
        stmt = stmt.where(in_scope(scope))
    views = await _fetch(engine, stmt)
    return views[0] if views else None


async def _fetch(engine: AsyncEngine, calls_stmt) -> list[CallView]:
    async with engine.connect() as conn:
        calls = [CallView(id=r.id, caller=r.caller, dialed=r.dialed, started_at=r.started_at, direction=r.direction)
                 for r in (await conn.execute(calls_stmt)).all()]
        if not calls:
            return []
        by_id = {c.id: c for c in calls}
        states = await conn.execute(
            select(CallStateRow).where(CallStateRow.call_id.in_(by_id)).order_by(CallStateRow.id))
        for row in states.all():
            by_id[row.call_id].states.append(
                StateEntry(state=row.state, at=row.at, queue=row.queue, target=row.target, cause=row.cause,
                           detail=row.detail or ""))
    return calls


@dataclass(frozen=True)
class OpenCall:
    call_id: str
    linkedid: str
    state: CallState
    queue: str | None


async def load_open_calls(engine: AsyncEngine) -> list[OpenCall]:
    """Calls whose history has no ``ended`` row: the service stopped while they were live."""
    last_state = (
        select(CallStateRow.call_id, func.max(CallStateRow.id).label("last_id"))
        .group_by(CallStateRow.call_id).subquery()
    )
    last_link = (
        select(CallLinkRow.call_id, func.max(CallLinkRow.id).label("last_id"))
        .group_by(CallLinkRow.call_id).subquery()
    )
    stmt = (
        select(CallStateRow.call_id, CallStateRow.state, CallStateRow.queue, CallLinkRow.linkedid)
        .join(last_state, CallStateRow.id == last_state.c.last_id)
        .join(last_link, last_link.c.call_id == CallStateRow.call_id)
        .join(CallLinkRow, CallLinkRow.id == last_link.c.last_id)
        .join(CallRow, CallRow.id == CallStateRow.call_id)
        # the dialer reconciles its own (outbound) calls; the call model takes back the inbound ones
        .where(CallStateRow.state != CallState.ENDED.value, CallRow.direction == CallDirection.INBOUND.value)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return [OpenCall(r.call_id, r.linkedid, CallState(r.state), r.queue) for r in rows]
