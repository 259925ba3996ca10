"""National holidays as AstDB flags, so that the PBX itself keeps the line closed on them (issue 10 item 7).

The dialplan's ``hotline-opening-hours`` treats a day as closed when ``hotline-closed/<local date YYYY-MM-DD>``
exists. After every AMI login (a restarted PBX, a year that turned, a changed profile) this writes the holidays of
the profile's country from today for ``DAYS_AHEAD`` days, and deletes its own flags that are no longer wanted:
past days, and every one when the profile has ``observe_holidays = false``. Only flags whose value is
``HOLIDAY_FLAG`` are ours; a closure an operator added by hand (any other value) is left alone.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from core import dialplan
from core.calendar import is_holiday
from core.clock import utcnow
from core.policy import PolicyProfile
from core.ports import PBX_ERRORS, AmiPort, PbxActionRefused

log = logging.getLogger(__name__)

DAYS_AHEAD = 400   # more than a year: the next login is never that far away
FAMILY = dialplan.ASTDB_CLOSED_FAMILY


def holiday_dates(profile: PolicyProfile, today: dt.date, days: int = DAYS_AHEAD) -> list[dt.date]:
    """The profile country's national holidays from ``today`` on; none when the profile ignores holidays."""
    if not profile.business_hours.observe_holidays:
        return []
    return [day for n in range(days) if is_holiday(day := today + dt.timedelta(days=n), profile.country)]


class HolidayFlags:
    """Keeps AstDB ``hotline-closed/*`` in step with the calendar; ``on_connected`` is an AMI login hook."""

    def __init__(self, ami: AmiPort, profile: PolicyProfile,
                 today: Callable[[], dt.date] | None = None) -> None:
        self.ami = ami
        self.profile = profile
        self.today = today or (lambda: utcnow().astimezone(profile.tz).date())
        self._task: asyncio.Task | None = None

    def subscribe(self) -> None:
        self.ami.on_connected(self.on_connected)

    async def on_connected(self, reconnect: bool) -> None:
        # beside the event stream: the AMI dispatch task must not wait on our actions
        if self._task is not None:
            self._task.cancel()
        self._task = asyncio.create_task(self.write_logged(), name="holiday-flags")

    async def write_logged(self) -> None:
        try:
            await self.write()
        except PBX_ERRORS as exc:   # the next login writes them again
            log.warning("holiday flags not written: %s", exc)

    async def write(self) -> tuple[int, int]:
        """Put the missing flags and delete our stale ones; (put, deleted)."""
        wanted = {day.isoformat() for day in holiday_dates(self.profile, self.today())}
        present = await self.present()
        ours = {key for key, value in present.items() if value == dialplan.HOLIDAY_FLAG}
        stale = sorted(ours - wanted)
        missing = sorted(wanted - present.keys())
        for key in stale:
            await self.ami.action({"Action": "DBDel", "Family": FAMILY, "Key": key})
        for key in missing:
            await self.ami.action({"Action": "DBPut", "Family": FAMILY, "Key": key, "Val": dialplan.HOLIDAY_FLAG})
        log.info("holiday flags: %d written, %d removed, %d kept", len(missing), len(stale),
                 len(wanted) - len(missing))
        return len(missing), len(stale)

    async def present(self) -> dict[str, str]:
        """Key (a date) -> value of every flag in the family now."""
        try:
            events = await self.ami.action_list({"Action": "DBGetTree", "Family": FAMILY})
        except PbxActionRefused:   # "Database entry not found": no flags yet
            return {}
        present = {}
        for event in events:
            key = str(event.get("Key") or "").rsplit("/", 1)[-1]   # the key, whether or not the family is in it
            if key:
                present[key] = str(event.get("Val") or "")
        return present

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
