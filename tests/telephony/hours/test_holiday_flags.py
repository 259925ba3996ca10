"""National holidays as AstDB flags for the PBX's opening-hours check: the profile country's holidays from today on,
our stale flags removed, an operator's own closures kept, nothing at all when the profile ignores holidays."""
from __future__ import annotations

import datetime as dt

from core import dialplan
from core.policy import BusinessHours, load_profile
from core.ports import PbxActionRefused
from telephony.hours.holiday_flags import DAYS_AHEAD, HolidayFlags, holiday_dates

LT = load_profile("lt-employment-1883")
TODAY = dt.date(2026, 12, 20)


class AstDb:
    """An AMI port holding one AstDB family, as DBGetTree, DBPut and DBDel see it."""

    def __init__(self, flags: dict[str, str] | None = None) -> None:
        self.flags = dict(flags or {})
        self.actions: list[dict] = []

    async def action(self, action: dict, *, timeout=None) -> dict:
        self.actions.append(action)
        assert action["Family"] == dialplan.ASTDB_CLOSED_FAMILY
        if action["Action"] == "DBPut":
            self.flags[action["Key"]] = action["Val"]
        elif action["Action"] == "DBDel":
            del self.flags[action["Key"]]
        return {"Response": "Success"}

    async def action_list(self, action: dict, *, timeout=None) -> list[dict]:
        assert action == {"Action": "DBGetTree", "Family": dialplan.ASTDB_CLOSED_FAMILY}
        if not self.flags:
            raise PbxActionRefused("Database entry not found")
        return [{"Event": "DBGetTreeResponse", "Key": f"/{dialplan.ASTDB_CLOSED_FAMILY}/{key}", "Val": value}
                for key, value in self.flags.items()]


def test_lt_christmas_new_year_and_easter_are_holidays_for_more_than_a_year():
    days = holiday_dates(LT, TODAY)
    assert {dt.date(2026, 12, 24), dt.date(2026, 12, 25), dt.date(2026, 12, 26), dt.date(2027, 1, 1),
            dt.date(2027, 3, 29)} <= set(days)   # Christmas Eve, Christmas, New Year, Easter Monday 2027
    assert dt.date(2026, 12, 23) not in days and min(days) >= TODAY
    assert max(days) < TODAY + dt.timedelta(days=DAYS_AHEAD) and max(days) > TODAY + dt.timedelta(days=365)


async def test_the_writer_puts_the_missing_flags_and_removes_only_its_own_stale_ones():
    astdb = AstDb({"2026-12-24": dialplan.HOLIDAY_FLAG,            # already there: kept, not written again
                   "2026-11-01": dialplan.HOLIDAY_FLAG,            # past: ours, removed
                   "2026-12-31": "closed by the director"})        # an operator's closure: kept
    put, deleted = await HolidayFlags(astdb, LT, today=lambda: TODAY).write()
    expected = {day.isoformat() for day in holiday_dates(LT, TODAY)}
    assert {key for key, value in astdb.flags.items() if value == dialplan.HOLIDAY_FLAG} == expected
    assert astdb.flags["2026-12-31"] == "closed by the director"
    assert (put, deleted) == (len(expected) - 1, 1)
    assert {"2026-12-24", "2026-12-25", "2026-12-26"} <= astdb.flags.keys()


async def test_a_profile_that_ignores_holidays_writes_none_and_removes_its_old_flags():
    round_the_clock = LT.model_copy(update={"business_hours": BusinessHours(days=LT.business_hours.days,
                                                                            observe_holidays=False)})
    astdb = AstDb({"2026-12-25": dialplan.HOLIDAY_FLAG, "2026-12-31": "closed by the director"})
    await HolidayFlags(astdb, round_the_clock, today=lambda: TODAY).write()
    assert astdb.flags == {"2026-12-31": "closed by the director"}
    assert not any(action["Action"] == "DBPut" for action in astdb.actions)


async def test_an_empty_family_is_filled():
    astdb = AstDb()
    await HolidayFlags(astdb, LT, today=lambda: TODAY).write()
    assert set(astdb.flags) == {day.isoformat() for day in holiday_dates(LT, TODAY)}
