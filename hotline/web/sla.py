"""``/api/sla`` and ``/api/sla/export.csv``: ring-SLA figures per queue, agent or day, and the monthly CSV export.

Figures count offered rings (``telephony.rings.queries``): ``within_sla`` = rings answered during a ring not past
the profile's ``max_ring_count``; ``ratio`` = within_sla / offered; ``histogram`` = answered rings by the ring they
were answered in (``unanswered_histogram``: rings that ended unanswered, by the ring they reached);
``longest_wait_seconds`` = longest time from a call being offered to an answer by one of the group's rings.
Rings that say nothing of the one rung are reported apart and not offered: ``caller_left_early`` (the caller hung up
before the deadline), ``answered_elsewhere`` (a ringall's colleague answered), ``unknown`` (cut by an outage).
Days and months are the profile's timezone's.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from functools import partial

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.policy import PolicyProfile
from core.ring_sla import sla_deadline_seconds
from hotline.web.deps import DEPS_KEY
from hotline.web.errors import ApiError
from hotline.web.params import FIRST_YEAR, LAST_YEAR, YEARS, BoundedDatetime
from hotline.web.routes import ApiRouter, query_of
from telephony import MAX_REPORT_DAYS, GroupBy, SlaFigures, SlaReport, sla_report



class SlaQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: BoundedDatetime | None = Field(None, alias="from",
                                        description="rings started at or after (ISO 8601 with offset); "
                                                    "default: start of today in the profile's timezone")
    to: BoundedDatetime | None = Field(None, description="rings started before (ISO 8601 with offset); default: now")
    by: GroupBy = Field(GroupBy.QUEUE, description="group by queue (direct lines: '(direct)'), agent, or day")



class SlaExportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    month: str = Field(..., pattern=f"^{YEARS}-(0[1-9]|1[0-2])$",
                       description=f"YYYY-MM, in the profile's timezone, from {FIRST_YEAR}-01 to {LAST_YEAR}-12")
    by: GroupBy = GroupBy.QUEUE

    @field_validator("month")
    @classmethod
    def _within_years(cls, month: str) -> str:
        if not FIRST_YEAR <= int(month[:4]) <= LAST_YEAR:
            raise ValueError(f"a month from {FIRST_YEAR}-01 to {LAST_YEAR}-12")
        return month


class SlaGroupOut(BaseModel):
    key: str
    offered: int
    answered: int
    within_sla: int
    ratio: float | None = Field(description="within_sla / offered; null when nothing was offered")
    histogram: dict[str, int] = Field(description="answered rings by ring number, e.g. {'1': 10, '2': 3}")
    unanswered_histogram: dict[str, int]
    longest_wait_seconds: float | None
    caller_left_early: int = Field(description="rings the caller hung up on before the deadline: not offered, "
                                               "not against the one rung")
    answered_elsewhere: int = Field(description="rings another member answered first: not offered")
    unknown: int = Field(description="rings whose end is unknown (cut by an outage): not offered")


class SlaOut(BaseModel):
    by: GroupBy
    start: dt.datetime
    end: dt.datetime
    timezone: str
    max_ring_count: int
    clause: str
    sla_seconds: float = Field(description="seconds of ringing after which an answer is late")
    groups: list[SlaGroupOut]
    total: SlaGroupOut


def _group_out(figures: SlaFigures) -> SlaGroupOut:
    return SlaGroupOut(
        key=figures.key, offered=figures.offered, answered=figures.answered, within_sla=figures.within_sla,
        ratio=figures.ratio, longest_wait_seconds=figures.longest_wait_seconds,
        caller_left_early=figures.caller_left_early, answered_elsewhere=figures.answered_elsewhere,
        unknown=figures.unknown,
        histogram={str(n): figures.histogram[n] for n in sorted(figures.histogram)},
        unanswered_histogram={str(n): figures.unanswered_histogram[n] for n in sorted(figures.unanswered_histogram)},
    )


def month_range(month: str, profile: PolicyProfile) -> tuple[dt.datetime, dt.datetime]:
    year, number = (int(part) for part in month.split("-"))
    start = dt.datetime(year, number, 1, tzinfo=profile.tz)
    end = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=profile.tz)
    return start, end


async def sla_handler(request: web.Request, profile: PolicyProfile) -> SlaOut:
    query: SlaQuery = query_of(request)
    now = dt.datetime.now(profile.tz)
    end = query.to or now
    start = query.from_ or min(now.replace(hour=0, minute=0, second=0, microsecond=0), end - dt.timedelta(days=1))
    # each value valid, together not a report hotline makes: 422 (a 400 is a request the spec does not allow)
    if start >= end:
        raise ApiError(422, "invalid_range", "'from' must be before 'to'")
    if end - start > dt.timedelta(days=MAX_REPORT_DAYS - 1):
        raise ApiError(422, "invalid_range", f"a report covers at most {MAX_REPORT_DAYS - 1} days; "
                                             "ask for a shorter range")
    report = await sla_report(request.app[DEPS_KEY].engine, start, end, query.by, profile.tz,
                              deadline_rings=profile.ring_sla.max_ring_count)
    return _report_out(report, query.by, start, end, profile)


def _report_out(report: SlaReport, by: GroupBy, start: dt.datetime, end: dt.datetime,
                profile: PolicyProfile) -> SlaOut:
    return SlaOut(by=by, start=start, end=end, timezone=profile.timezone,
                  max_ring_count=profile.ring_sla.max_ring_count, clause=profile.ring_sla.clause,
                  sla_seconds=sla_deadline_seconds(profile.ring_sla),
                  groups=[_group_out(g) for g in report.groups], total=_group_out(report.total))


def _cell(value: object) -> object:
    # a spreadsheet runs text starting with these as a formula (CSV injection); keys come from PBX configuration
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value


def sla_csv(report: SlaReport, month: str, by: GroupBy, profile: PolicyProfile) -> str:
    rings = max([profile.ring_sla.max_ring_count + 1, *report.total.histogram, *report.total.unanswered_histogram])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["month", "by", "key", "offered", "answered", "within_sla", "ratio", "longest_wait_seconds",
                     *(f"answered_ring_{n}" for n in range(1, rings + 1)), "caller_left_early",
                     "answered_elsewhere", "unknown"])
    for figures in [*report.groups, report.total]:
        writer.writerow([_cell(v) for v in (
            month, by.value, figures.key, figures.offered, figures.answered, figures.within_sla, figures.ratio,
            figures.longest_wait_seconds, *(figures.histogram.get(n, 0) for n in range(1, rings + 1)),
            figures.caller_left_early, figures.answered_elsewhere, figures.unknown)])
    return out.getvalue()


async def export_handler(request: web.Request, profile: PolicyProfile) -> web.Response:
    query: SlaExportQuery = query_of(request)
    start, end = month_range(query.month, profile)
    report = await sla_report(request.app[DEPS_KEY].engine, start, end, query.by, profile.tz,
                              deadline_rings=profile.ring_sla.max_ring_count)
    return web.Response(
        text=sla_csv(report, query.month, query.by, profile), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="sla-{query.month}-{query.by.value}.csv"'},
    )


def register_routes(router: ApiRouter, profile: PolicyProfile) -> None:
    """Bind with ``functools.partial(sla.register_routes, profile=profile)`` in the composition root."""
    router.get("/api/sla", partial(sla_handler, profile=profile), summary="Ring-SLA figures per queue, agent or day",
               query=SlaQuery, response=SlaOut, tags=["sla"], description=__doc__ or "",
               statuses={422: f"'from' not before 'to', or more than {MAX_REPORT_DAYS - 1} days apart"})
    router.get("/api/sla/export.csv", partial(export_handler, profile=profile),
               summary="Monthly ring-SLA figures as CSV", query=SlaExportQuery,
               content_type="text/csv", tags=["sla"])
