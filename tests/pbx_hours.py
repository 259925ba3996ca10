"""Opening hours on the real sandbox PBX. The sandbox renders "always open" (the suite runs at any hour and on
holidays); a test that needs real hours loads a profile's production lines into the running sandbox for a while."""
from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from core import dialplan
from core.clock import utcnow
from core.policy import BusinessHours, PolicyProfile
from hotline.pbx.render import GENERATED_SUBDIR, opening_hours

ALL_DAY = (dt.time(0, 0), dt.time(23, 59, 59))


def today_in(profile: PolicyProfile) -> dt.date:
    return utcnow().astimezone(profile.tz).date()


def open_only_on(profile: PolicyProfile, weekdays: set[int]) -> PolicyProfile:
    """``profile`` open all day on ``weekdays`` (ISO), closed on the others."""
    return profile.model_copy(update={"business_hours": BusinessHours(days={day: ALL_DAY for day in weekdays})})


def closed_today(profile: PolicyProfile) -> PolicyProfile:
    today = today_in(profile).isoweekday()
    return open_only_on(profile, {day for day in range(1, 8) if day != today})


@asynccontextmanager
async def hours_of(pbx, profile: PolicyProfile) -> AsyncIterator[None]:
    """The sandbox checks ``profile``'s real opening hours (as production renders them) until the block ends."""
    path = pbx.paths.host(pbx.paths.etc) / GENERATED_SUBDIR / dialplan.OPENING_HOURS_INCLUDE
    kept = path.read_text()
    path.write_text(opening_hours(profile))
    await pbx.acli("dialplan reload")
    try:
        yield
    finally:
        path.write_text(kept)
        await pbx.acli("dialplan reload")


@asynccontextmanager
async def closure_today(pbx, profile: PolicyProfile, value: str = "test closure") -> AsyncIterator[str]:
    """AstDB ``hotline-closed/<today>`` as a holiday flag; not ``HOLIDAY_FLAG``, so the service's writer, which
    may run at the same time, leaves it alone (as it leaves an operator's closures)."""
    key = today_in(profile).isoformat()
    await pbx.action(Action="DBPut", Family=dialplan.ASTDB_CLOSED_FAMILY, Key=key, Val=value)
    try:
        yield key
    finally:
        await pbx.action(Action="DBDel", Family=dialplan.ASTDB_CLOSED_FAMILY, Key=key)
