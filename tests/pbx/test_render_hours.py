"""The weekly opening hours as the PBX enforces them: one GotoIfTime line per open weekday in the profile's
timezone, a day without hours closed, a closing time closed from its first second (GotoIfTime's end minute is
inclusive); the sandbox open round the clock so that the suite runs at any hour."""
from __future__ import annotations

import datetime as dt

from core.policy import BusinessHours, load_profile
from core.settings import Settings
from hotline.pbx.render import ALWAYS_OPEN, generated_includes, opening_hours

LT = load_profile("lt-employment-1883")
LV = load_profile("lv-social-insurance")


def with_days(days: dict) -> object:
    return LT.model_copy(update={"business_hours": BusinessHours(days=days)})


def test_lt_hours_mon_to_thu_8_to_17_friday_to_15_45_weekend_closed():
    assert opening_hours(LT).splitlines() == [
        # a holiday (or an operator's closure) first: the local date in the profile's timezone
        "exten => s,n,GotoIf(${DB_EXISTS(hotline-closed/${STRFTIME(${EPOCH},Europe/Vilnius,%Y-%m-%d)})}?closed)",
        "exten => s,n,GotoIfTime(08:00-16:59,mon,*,*,Europe/Vilnius?open)",
        "exten => s,n,GotoIfTime(08:00-16:59,tue,*,*,Europe/Vilnius?open)",
        "exten => s,n,GotoIfTime(08:00-16:59,wed,*,*,Europe/Vilnius?open)",
        "exten => s,n,GotoIfTime(08:00-16:59,thu,*,*,Europe/Vilnius?open)",
        # closed from 15:45:00: the last open minute is 15:44
        "exten => s,n,GotoIfTime(08:00-15:44,fri,*,*,Europe/Vilnius?open)",
    ]


def test_lv_hours_in_riga_time_friday_to_16():
    lines = opening_hours(LV).splitlines()
    assert "Europe/Riga,%Y-%m-%d" in lines[0]
    assert lines[1] == "exten => s,n,GotoIfTime(08:30-16:59,mon,*,*,Europe/Riga?open)"
    assert lines[-1] == "exten => s,n,GotoIfTime(08:30-15:59,fri,*,*,Europe/Riga?open)"
    assert not any(day in "".join(lines) for day in (",sat,", ",sun,"))


def test_seconds_round_towards_closed_and_a_profile_without_hours_is_always_closed():
    odd = with_days({6: (dt.time(9, 0, 30), dt.time(12, 0, 30))})
    assert opening_hours(odd).splitlines()[1:] == ["exten => s,n,GotoIfTime(09:01-11:59,sat,*,*,Europe/Vilnius?open)"]
    all_day = with_days({7: (dt.time(0, 0), dt.time(23, 59, 59))})
    assert opening_hours(all_day).splitlines()[1:] == [
        "exten => s,n,GotoIfTime(00:00-23:59,sun,*,*,Europe/Vilnius?open)"]
    never = with_days({})
    assert "GotoIfTime" not in opening_hours(never)


def test_production_renders_the_hours_the_sandbox_is_always_open():
    settings = Settings(ami_port=5999, agi_port=4999)
    production = generated_includes(settings, "secret-123", LT)
    assert production["opening-hours.conf"].endswith(opening_hours(LT))
    sandbox = generated_includes(settings, "secret-123", LT, sandbox=True)
    assert sandbox["opening-hours.conf"].endswith(ALWAYS_OPEN)
