"""Ring-count SLA arithmetic (REQUIREMENTS.md §2): seconds of ringing → ring number → within the limit or not.

The regulations count rings, not seconds. With the profile's cadence (default 1 s on / 4 s off) ring *n* starts
at (n−1)·period, so an answer after ``t`` seconds of ringing happened during ring ``floor(t / period) + 1``.
LT "before the 3rd ring" is ``max_ring_count = 2`` (deadline 10 s), LV "after the 4th ring at the latest" is
``max_ring_count = 4`` (deadline 20 s). Pure functions: no clock, no I/O.
"""
from __future__ import annotations

import math

from core.policy import RingCadence, RingSla

# Event stamps have microsecond resolution; rounding the ratio keeps boundaries exact despite binary floats
# (1.2 / 0.6000000000000001 must be ring 3, not ring 2).
_RATIO_DIGITS = 9


def ring_count(elapsed_seconds: float, cadence: RingCadence) -> int:
    """The ring during which ``elapsed_seconds`` of ringing ended (1 = the first ring; never less than 1)."""
    if not elapsed_seconds > 0:  # negative (clock skew between stamps) or NaN: still the first ring
        return 1
    return math.floor(round(elapsed_seconds / cadence.period, _RATIO_DIGITS)) + 1


def within_sla(ring_count: int, max_ring_count: int) -> bool:
    """True while the ring number has not passed the profile's limit."""
    return 1 <= ring_count <= max_ring_count


def sla_deadline_seconds(ring_sla: RingSla) -> float:
    """Seconds of ringing after which an answer is late: the start of ring ``max_ring_count + 1``."""
    return ring_sla.max_ring_count * ring_sla.cadence.period
