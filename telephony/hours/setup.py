"""Builds the opening-hours side of telephony: the holiday flags, written after every AMI login."""
from __future__ import annotations

from core.deps import Dependencies
from telephony.hours.holiday_flags import HolidayFlags


def setup(deps: Dependencies) -> HolidayFlags:
    flags = HolidayFlags(deps.ami, deps.profile)
    flags.subscribe()
    return flags
