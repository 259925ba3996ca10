"""Ring-count arithmetic: exact boundaries for both shipped profiles, properties over any cadence and limit."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.policy import RingCadence, RingSla, load_profile
from core.ring_sla import ring_count, sla_deadline_seconds, within_sla

LT = load_profile("lt-employment-1883").ring_sla
LV = load_profile("lv-social-insurance").ring_sla

cadences = st.builds(RingCadence, on_seconds=st.floats(0.1, 10.0), off_seconds=st.floats(0.0, 10.0))
limits = st.integers(1, 50)


def answered_in_time(elapsed: float, sla: RingSla) -> bool:
    return within_sla(ring_count(elapsed, sla.cadence), sla.max_ring_count)


def test_shipped_profiles_deadlines():
    assert (LT.max_ring_count, LT.cadence.on_seconds, LT.cadence.off_seconds) == (2, 1.0, 4.0)
    assert sla_deadline_seconds(LT) == 10.0
    assert (LV.max_ring_count, LV.cadence.on_seconds, LV.cadence.off_seconds) == (4, 1.0, 4.0)
    assert sla_deadline_seconds(LV) == 20.0


@pytest.mark.parametrize("elapsed, ring, in_time", [
    (0.0, 1, True), (2.0, 1, True), (4.99, 1, True), (5.0, 2, True), (8.0, 2, True), (9.99, 2, True),
    (10.0, 3, False), (12.0, 3, False),
])
def test_lithuania_before_the_third_ring(elapsed, ring, in_time):
    assert ring_count(elapsed, LT.cadence) == ring
    assert answered_in_time(elapsed, LT) is in_time


@pytest.mark.parametrize("elapsed, ring, in_time", [
    (12.0, 3, True), (15.0, 4, True), (19.99, 4, True), (20.0, 5, False),
])
def test_latvia_after_the_fourth_ring_at_the_latest(elapsed, ring, in_time):
    assert ring_count(elapsed, LV.cadence) == ring
    assert answered_in_time(elapsed, LV) is in_time


def test_clock_skew_or_nonsense_is_still_the_first_ring():
    assert ring_count(-0.5, LT.cadence) == 1
    assert ring_count(float("nan"), LT.cadence) == 1


@given(cadences, st.integers(1, 60))
def test_ring_n_starts_exactly_at_n_minus_one_periods(cadence, n):
    start = (n - 1) * cadence.period
    assert ring_count(start, cadence) == n
    assert ring_count(start + cadence.period * 0.999, cadence) == n
    if n > 1:
        assert ring_count(start - cadence.period * 0.001, cadence) == n - 1


@given(cadences, st.floats(0, 1000), st.floats(0, 1000))
def test_more_ringing_never_means_fewer_rings(cadence, a, b):
    low, high = sorted((a, b))
    assert 1 <= ring_count(low, cadence) <= ring_count(high, cadence)


@given(cadences, limits)
def test_the_deadline_is_the_first_late_instant(cadence, limit):
    sla = RingSla(max_ring_count=limit, clause="test", cadence=cadence)
    deadline = sla_deadline_seconds(sla)
    assert answered_in_time(deadline * (1 - 1e-6), sla)
    assert not answered_in_time(deadline, sla)
    assert ring_count(deadline, cadence) == limit + 1


@given(st.integers(-5, 100), limits)
def test_within_sla_is_the_ring_limit(count, limit):
    assert within_sla(count, limit) is (1 <= count <= limit)


@pytest.mark.parametrize("sla", [LT, LV], ids=["LT", "LV"])
@given(elapsed=st.floats(0, 120))
def test_shipped_profiles_agree_with_the_deadline_in_seconds(sla, elapsed):
    assert answered_in_time(elapsed, sla) is (elapsed < sla_deadline_seconds(sla))
