"""Business calendar: due times land only inside the profile's opening hours on working, non-holiday days."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.calendar import is_holiday, next_business_moment, opening_hours
from core.policy import load_profile
from tests.profiles import always_open_profile

LT = load_profile("lt-employment-1883")
LV = load_profile("lv-social-insurance")
VILNIUS, RIGA = ZoneInfo("Europe/Vilnius"), ZoneInfo("Europe/Riga")

moments = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2030, 12, 31),
                       timezones=st.just(dt.timezone.utc))


@settings(max_examples=300, deadline=None)
@given(at=moments, profile=st.sampled_from([LT, LV]))
def test_the_result_is_never_earlier_and_always_inside_business_hours_of_a_working_day(at, profile):
    due = next_business_moment(at, profile)
    assert due >= at and due.tzinfo is not None
    local = due.astimezone(ZoneInfo(profile.timezone))
    hours = opening_hours(local.date(), profile)
    assert hours is not None, "a weekend or holiday"
    assert local.isoweekday() <= 5 and not is_holiday(local.date(), profile.country)
    assert hours[0] <= local.time() < hours[1]


@settings(max_examples=200, deadline=None)
@given(at=moments, profile=st.sampled_from([LT, LV]))
def test_a_moment_already_inside_business_hours_is_kept_and_the_result_is_stable(at, profile):
    due = next_business_moment(at, profile)
    assert next_business_moment(due, profile) == due


def test_saturday_moves_to_monday_opening():
    saturday = dt.datetime(2026, 11, 28, 11, 0, tzinfo=VILNIUS)
    assert next_business_moment(saturday, LT) == dt.datetime(2026, 11, 30, 8, 0, tzinfo=VILNIUS)


def test_after_closing_moves_to_the_next_morning_and_friday_closes_early():
    friday_evening = dt.datetime(2026, 11, 27, 16, 0, tzinfo=VILNIUS)   # LT closes 15:45 on Fridays
    assert next_business_moment(friday_evening, LT) == dt.datetime(2026, 11, 30, 8, 0, tzinfo=VILNIUS)
    tuesday_dawn = dt.datetime(2026, 11, 24, 6, 30, tzinfo=RIGA)
    assert next_business_moment(tuesday_dawn, LV) == dt.datetime(2026, 11, 24, 8, 30, tzinfo=RIGA)


@pytest.mark.parametrize("profile, holiday, zone, next_open", [
    (LT, dt.date(2026, 2, 16), VILNIUS, dt.datetime(2026, 2, 17, 8, 0)),    # Restoration of the State Day
    (LV, dt.date(2026, 11, 18), RIGA, dt.datetime(2026, 11, 19, 8, 30)),    # Proclamation Day
])
def test_a_national_holiday_moves_to_the_next_working_day_opening(profile, holiday, zone, next_open):
    assert is_holiday(holiday, profile.country) and holiday.isoweekday() <= 5
    at = dt.datetime.combine(holiday, dt.time(10, 0), tzinfo=zone)
    assert next_business_moment(at, profile) == next_open.replace(tzinfo=zone)


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError):
        next_business_moment(dt.datetime(2026, 11, 24, 10, 0), LT)


def test_a_round_the_clock_profile_that_ignores_holidays_is_open_on_them(tmp_path):
    always = load_profile(str(always_open_profile(tmp_path)))
    christmas = dt.datetime(2026, 12, 25, 3, 0, tzinfo=VILNIUS)   # a holiday, at night
    assert is_holiday(christmas.date(), "LT")
    assert next_business_moment(christmas, always) == christmas
    assert next_business_moment(christmas, LT) > christmas
