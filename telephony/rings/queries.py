"""Read side of the ring store: the rings of given calls, and ring-SLA figures grouped by queue, agent or day.

Counting happens in the database (one grouped query per report), so a month of rings costs one round trip and a
few hundred result rows, not a row per ring in Python.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import Float, case, cast, extract, func, literal, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.db import rows_by_key
from core.events import RingEndReason
from telephony.calls.models import CallRow
from telephony.rings.models import CallRingRow

DIRECT_LINE = "(direct)"   # the queue key of direct-line rings (no queue name can contain parentheses)
MAX_REPORT_DAYS = 400      # a day-grouped report builds one CASE branch per day


@dataclass(frozen=True)
class RingView:
    ring_id: str
    target: str
    extension: str | None
    queue: str | None
    started_at: dt.datetime
    ended_at: dt.datetime
    ring_count: int
    answered: bool
    within_sla: bool
    end_reason: str = RingEndReason.UNKNOWN.value


async def rings_of(engine: AsyncEngine, call_ids: Iterable[str]) -> dict[str, list[RingView]]:
    """Every stored ring of each call, in the order they started."""
    return await rows_by_key(engine, CallRingRow.call_id, call_ids, CallRingRow.started_at, CallRingRow.id,
                             view=_ring_view)


def _ring_view(row: CallRingRow) -> RingView:
    return RingView(ring_id=row.ring_id, target=row.target, extension=row.extension, queue=row.queue,
                    started_at=row.started_at, ended_at=row.ended_at, ring_count=row.ring_count,
                    answered=row.answered, within_sla=row.within_sla, end_reason=row.end_reason)


class GroupBy(StrEnum):
    QUEUE = "queue"
    AGENT = "agent"
    DAY = "day"


@dataclass
class SlaFigures:
    """Ring-SLA figures of one group. ``ratio`` = rings answered in time / rings offered.

    ``histogram``: answered rings by the ring number they were answered in; ``unanswered_histogram``: rings that
    ended unanswered (timed out, caller left) by the ring number they reached. ``longest_wait_seconds``: the
    longest time from a call being offered (its first channel) to an answer by one of this group's rings.
    """

    key: str
    offered: int = 0
    answered: int = 0
    within_sla: int = 0
    histogram: dict[int, int] = field(default_factory=dict)
    unanswered_histogram: dict[int, int] = field(default_factory=dict)
    longest_wait_seconds: float | None = None
    # rings that say nothing of the one rung, reported apart and not offered: the caller hung up before the
    # deadline, another member of a ringall answered first, or how it ended is unknown (cut by an outage)
    caller_left_early: int = 0
    answered_elsewhere: int = 0
    unknown: int = 0

    @property
    def ratio(self) -> float | None:
        return round(self.within_sla / self.offered, 4) if self.offered else None

    def add_apart(self, reason: str, ring_count: int, deadline_rings: int, rings: int) -> bool:
        """Count a ring that is not offered (see the fields above); whether it was one."""
        if reason == RingEndReason.UNKNOWN:
            self.unknown += rings
        elif reason == RingEndReason.ANSWERED_ELSEWHERE:
            self.answered_elsewhere += rings
        elif reason == RingEndReason.CALLER_LEFT and ring_count <= deadline_rings:
            self.caller_left_early += rings
        else:
            return False
        return True

    def add(self, ring_count: int, answered: bool, within_sla: bool, rings: int, wait: float | None) -> None:
        self.offered += rings
        histogram = self.histogram if answered else self.unanswered_histogram
        histogram[ring_count] = histogram.get(ring_count, 0) + rings
        if answered:
            self.answered += rings
        if within_sla:
            self.within_sla += rings
        if wait is not None:
            wait = round(max(wait, 0.0), 3)
            self.longest_wait_seconds = max(wait, self.longest_wait_seconds or 0.0)

    def merge(self, other: SlaFigures) -> None:
        for count, rings in other.histogram.items():
            self.add(count, True, False, rings, None)
        for count, rings in other.unanswered_histogram.items():
            self.add(count, False, False, rings, None)
        self.within_sla += other.within_sla
        self.caller_left_early += other.caller_left_early
        self.answered_elsewhere += other.answered_elsewhere
        self.unknown += other.unknown
        if other.longest_wait_seconds is not None:
            self.longest_wait_seconds = max(other.longest_wait_seconds, self.longest_wait_seconds or 0.0)


@dataclass
class SlaReport:
    groups: list[SlaFigures]
    total: SlaFigures


def local_days(since: dt.datetime, until: dt.datetime, tz: ZoneInfo) -> list[tuple[str, dt.datetime]]:
    """(local date, end of that day or ``until``) for every local day the range touches."""
    days = []
    day = since.astimezone(tz).date()
    while True:
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
        days.append((day.isoformat(), min(end, until)))
        if end >= until:
            return days
        day += dt.timedelta(days=1)


def _group_key(by: GroupBy, since: dt.datetime, until: dt.datetime, tz: ZoneInfo):
    if by is GroupBy.QUEUE:
        return func.coalesce(CallRingRow.queue, literal(DIRECT_LINE))
    if by is GroupBy.AGENT:
        return func.coalesce(CallRingRow.extension, CallRingRow.target)
    days = local_days(since, until, tz)
    if len(days) > MAX_REPORT_DAYS:
        raise ValueError(f"a day-by-day report covers at most {MAX_REPORT_DAYS} days")
    if len(days) == 1:
        return literal(days[0][0])
    return case(*((CallRingRow.started_at < end, literal(day)) for day, end in days[:-1]),
                else_=literal(days[-1][0]))


def _wait_seconds(engine: AsyncEngine):
    """Seconds from the call's offer to the ring's end, in the dialect's own date arithmetic."""
    if engine.dialect.name == "sqlite":
        return (func.julianday(CallRingRow.ended_at) - func.julianday(CallRow.started_at)) * 86400.0
    return cast(extract("epoch", CallRingRow.ended_at - CallRow.started_at), Float)


async def sla_report(engine: AsyncEngine, since: dt.datetime, until: dt.datetime, by: GroupBy,
                     tz: ZoneInfo, *, deadline_rings: int) -> SlaReport:
    """Ring-SLA figures for rings that started in ``[since, until)``, per queue, agent or local day.

    ``deadline_rings``: the profile's ``max_ring_count``; a caller who left before it is not counted against the
    one rung (``SlaFigures.caller_left_early``)."""
    # the key is computed in a subquery and grouped by name: a CASE with bound times cannot be repeated in GROUP BY
    rings = (
        select(_group_key(by, since, until, tz).label("key"), CallRingRow.ring_count, CallRingRow.answered,
               CallRingRow.within_sla, CallRingRow.end_reason,
               case((CallRingRow.answered, _wait_seconds(engine)), else_=None).label("wait"))
        .join(CallRow, CallRow.id == CallRingRow.call_id)
        .where(CallRingRow.started_at >= since, CallRingRow.started_at < until)
        .subquery()
    )
    stmt = (
        select(rings.c.key, rings.c.ring_count, rings.c.answered, rings.c.within_sla, rings.c.end_reason,
               func.count().label("rings"), func.max(rings.c.wait).label("wait"))
        .group_by(rings.c.key, rings.c.ring_count, rings.c.answered, rings.c.within_sla, rings.c.end_reason)
    )
    groups: dict[str, SlaFigures] = {}
    async with engine.connect() as conn:
        for row in (await conn.execute(stmt)).all():
            figures = groups.setdefault(row.key, SlaFigures(row.key))
            if figures.add_apart(row.end_reason, row.ring_count, deadline_rings, row.rings):
                continue
            figures.add(row.ring_count, bool(row.answered), bool(row.within_sla), row.rings,
                        float(row.wait) if row.wait is not None else None)
    total = SlaFigures("total")
    for figures in groups.values():
        total.merge(figures)
    return SlaReport([groups[k] for k in sorted(groups)], total)
