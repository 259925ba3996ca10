"""Deadlines of data-subject requests from the profile's calendar (GDPR-LT §26, §31, §34, §49), for a request
received on Wednesday 2026-12-23, the last working day before Christmas in both countries.

The `holidays` package (checked for 2026/2027): LT has 24, 25, 26 December and 1 January; LV has 24, 25, 26 and
31 December and 1 January. Weekends: 26-27 December (Sat-Sun), 2-3 January, 9-10 January, 16-17 and 23-24 January.
LT counts from the day of receipt (the 23rd is day 1), LV from the day after (its profiles' count_from).
"""
from __future__ import annotations

import datetime as dt

import pytest

from core.calendar import is_holiday
from core.data_protection import CountFrom
from core.policy import load_profile
from recording import RequestKind
from recording.subject_requests import deadlines

RECEIVED = dt.date(2026, 12, 23)
LT, LV = load_profile("lt-employment-1883"), load_profile("lv-social-insurance")
D = dt.date


def test_the_calendar_the_hand_counts_below_rely_on():
    assert RECEIVED.isoweekday() == 3
    for day in (D(2026, 12, 24), D(2026, 12, 25), D(2026, 12, 26), D(2027, 1, 1)):
        assert is_holiday(day, "LT") and is_holiday(day, "LV")
    assert is_holiday(D(2026, 12, 31), "LV") and not is_holiday(D(2026, 12, 31), "LT")
    assert LT.subject_requests.count_from is CountFrom.RECEIPT_DAY
    assert LV.subject_requests.count_from is CountFrom.NEXT_DAY


@pytest.mark.parametrize("kind, assess, due", [
    # one month, the 23rd counting as day 1: ends 22 Jan 2027, a Friday
    (RequestKind.ACCESS, None, D(2027, 1, 22)),
    # 5 working days: 23 Dec (1), [24-27 holidays and weekend], 28 (2), 29 (3), 30 (4), 31 (5)
    (RequestKind.RECTIFICATION, None, D(2026, 12, 31)),
    # 10: after 31 Dec (5), [1 Jan holiday, 2-3 weekend], 4 (6), 5 (7), 6 (8), 7 (9), 8 Jan (10);
    # then 5 more from the next day: 11, 12, 13, 14, 15 Jan
    (RequestKind.ERASURE, D(2027, 1, 8), D(2027, 1, 15)),
    (RequestKind.RESTRICTION, D(2027, 1, 8), D(2027, 1, 15)),
])
def test_lt_deadlines_of_a_request_received_before_christmas(kind, assess, due):
    assert deadlines(kind, RECEIVED, LT.subject_requests, LT.country) == (assess, due)


@pytest.mark.parametrize("kind, assess, due", [
    # one month from the day after: 23 Jan 2027, a Saturday, so Monday 25 Jan
    (RequestKind.ACCESS, None, D(2027, 1, 25)),
    # from 24 Dec: [24-27], 28 (1), 29 (2), 30 (3), [31 Dec and 1 Jan holidays, 2-3 weekend], 4 (4), 5 Jan (5)
    (RequestKind.RECTIFICATION, None, D(2027, 1, 5)),
    # 10: 6 (6), 7 (7), 8 (8), [9-10 weekend], 11 (9), 12 Jan (10); then 13, 14, 15, [16-17], 18, 19 Jan
    (RequestKind.ERASURE, D(2027, 1, 12), D(2027, 1, 19)),
    (RequestKind.RESTRICTION, D(2027, 1, 12), D(2027, 1, 19)),
])
def test_lv_deadlines_of_a_request_received_before_christmas(kind, assess, due):
    assert deadlines(kind, RECEIVED, LV.subject_requests, LV.country) == (assess, due)


def test_whether_the_day_of_receipt_counts_is_the_profiles_setting():
    lt_next = LT.subject_requests.model_copy(update={"count_from": CountFrom.NEXT_DAY})
    lv_receipt = LV.subject_requests.model_copy(update={"count_from": CountFrom.RECEIPT_DAY})
    # LT from the day after: 28 (1), 29 (2), 30 (3), 31 (4), [1-3 Jan], 4 Jan (5)
    assert deadlines(RequestKind.RECTIFICATION, RECEIVED, lt_next, "LT") == (None, D(2027, 1, 4))
    # LV counting the 23rd: 23 (1), 28 (2), 29 (3), 30 (4), [31 Dec - 3 Jan], 4 Jan (5)
    assert deadlines(RequestKind.RECTIFICATION, RECEIVED, lv_receipt, "LV") == (None, D(2027, 1, 4))
    # access: the day before the same date a month on, 22 Jan 2027 (a Friday)
    assert deadlines(RequestKind.ACCESS, RECEIVED, lv_receipt, "LV") == (None, D(2027, 1, 22))


def test_a_month_from_the_31st_ends_on_the_last_day_of_a_shorter_month():
    # 31 Jan 2026 + one month, from the day after: 28 Feb 2026 (a Saturday), so Monday 2 March
    assert deadlines(RequestKind.ACCESS, D(2026, 1, 31), LV.subject_requests, "LV") == (None, D(2026, 3, 2))
