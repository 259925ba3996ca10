"""Builds ring measurement: the meter is another view of the AMI stream, fed after the call tracker."""
from __future__ import annotations

from core.deps import Dependencies
from telephony.calls.tracker import CallTracker
from telephony.rings.meter import RingMeter


def setup(deps: Dependencies, tracker: CallTracker) -> RingMeter:
    return RingMeter(tracker, deps.profile.ring_sla)
