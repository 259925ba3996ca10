"""Business calendar of a profile: its working days, opening hours and national holidays, in its own timezone.

Callback tasks may only fall due while the hotline is open (REQUIREMENTS §5): :func:`next_business_moment` moves a
moment forward to the next one inside the profile's ``business_hours`` on a working day that is not a public
holiday of the profile's country (the ``holidays`` package knows the LT and LV calendars).
"""
from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

import holidays

from core.policy import PolicyProfile

_MAX_DAYS_AHEAD = 400   # a profile with no open day at all would otherwise loop for ever


@functools.lru_cache(maxsize=8)
def _country_holidays(country: str) -> holidays.HolidayBase:
    # the object expands year by year as dates are looked up, so one instance per country serves every year
    return holidays.country_holidays(country)


def is_holiday(day: dt.date, country: str) -> bool:
    return day in _country_holidays(country)


def opening_hours(day: dt.date, profile: PolicyProfile) -> tuple[dt.time, dt.time] | None:
    """The day's (opening, closing) local times, or None when the hotline is closed that day."""
    hours = profile.business_hours.days.get(day.isoweekday())
    if hours is None or (profile.business_hours.observe_holidays and is_holiday(day, profile.country)):
        return None
    return hours


def next_business_moment(at: dt.datetime, profile: PolicyProfile) -> dt.datetime:
    """The earliest moment not before ``at`` (timezone-aware) inside business hours, in UTC."""
    if at.tzinfo is None:
        raise ValueError("next_business_moment needs a timezone-aware datetime")
    zone = ZoneInfo(profile.timezone)
    local = at.astimezone(zone)
    day = local.date()
    for _ in range(_MAX_DAYS_AHEAD):
        hours = opening_hours(day, profile)
        if hours is not None:
            opens = dt.datetime.combine(day, hours[0], tzinfo=zone)
            closes = dt.datetime.combine(day, hours[1], tzinfo=zone)
            if local < opens:
                return opens.astimezone(dt.timezone.utc)
            if local < closes:
                return at.astimezone(dt.timezone.utc)
        day += dt.timedelta(days=1)
    raise ValueError(f"profile {profile.name} has no business hours within {_MAX_DAYS_AHEAD} days")


def is_working_day(day: dt.date, country: str) -> bool:
    """Monday to Friday and not a national holiday of ``country`` (deadlines in working days, REQUIREMENTS §4)."""
    return day.isoweekday() <= 5 and not is_holiday(day, country)


def next_working_day(day: dt.date, country: str) -> dt.date:
    """``day`` itself when it is a working day, else the first working day after it."""
    for _ in range(_MAX_DAYS_AHEAD):
        if is_working_day(day, country):
            return day
        day += dt.timedelta(days=1)
    raise ValueError(f"no working day in {country} within {_MAX_DAYS_AHEAD} days")


def working_days_after(start: dt.date, count: int, country: str, *, start_counts: bool) -> dt.date:
    """The ``count``-th working day of a period beginning on ``start`` (``start_counts``: ``start`` is its first
    day, if a working day) or on the day after."""
    if count < 1:
        raise ValueError("a period of working days has at least one")
    day = start if start_counts else start + dt.timedelta(days=1)
    seen = 0
    for _ in range(_MAX_DAYS_AHEAD + count):
        if is_working_day(day, country):
            seen += 1
            if seen == count:
                return day
        day += dt.timedelta(days=1)
    raise ValueError(f"no {count} working days in {country} within {_MAX_DAYS_AHEAD} days")


def months_after(start: dt.date, months: int, country: str, *, start_counts: bool) -> dt.date:
    """The last day of a period of ``months`` calendar months beginning on ``start`` (or the day after), moved on
    to the next working day when it falls on a weekend or a holiday (Regulation 1182/71 art. 3(2)(c), 3(4)).

    The day after: the period ends on the same date ``months`` later (the month's last day when it has no such
    date); the receipt day counting as the first: the day before that."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    end = dt.date(year, month, min(start.day, last))
    if start_counts:
        end -= dt.timedelta(days=1)
    return next_working_day(end, country)
