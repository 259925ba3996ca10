"""Helpers shared by the callback tests (and the web tests of callbacks): a profile, a time when the hotline is
open, a task put where the dialer would have left it, a stored call with its states."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import update

from core.calendar import next_business_moment
from core.clock import utcnow
from core.db import make_sessionmaker
from core.policy import PolicyProfile, load_profile
from telephony.callbacks.models import CallbackTaskRow
from telephony.calls.models import CallRow, CallStateRow

PROFILE = load_profile("lt-employment-1883")


def business_time(profile: PolicyProfile = PROFILE, days_ahead: int = 2) -> dt.datetime:
    """An hour after the hotline opens on the first working day at least ``days_ahead`` days from now."""
    zone = ZoneInfo(profile.timezone)
    day = (utcnow().astimezone(zone) + dt.timedelta(days=days_ahead)).date()
    return next_business_moment(dt.datetime.combine(day, dt.time(0), tzinfo=zone), profile) + dt.timedelta(hours=1)


async def update_task(engine, task_id: int, **values) -> None:
    """Put a task where the dialer would have left it (state, attempts, dial_call_id, agent...)."""
    async with make_sessionmaker(engine)() as session, session.begin():
        await session.execute(update(CallbackTaskRow).where(CallbackTaskRow.id == task_id).values(**values))


async def store_call(engine, call_id: str, caller: str, states: list[tuple[str, str | None]],
                     queue: str = "job_seekers") -> None:
    """A stored call with its states: (state, target) pairs."""
    started = utcnow() - dt.timedelta(minutes=5)
    async with make_sessionmaker(engine)() as session, session.begin():
        session.add(CallRow(id=call_id, caller=caller, dialed="1883", started_at=started))
        await session.flush()
        for offset, (state, target) in enumerate(states):
            session.add(CallStateRow(call_id=call_id, state=state, at=started + dt.timedelta(seconds=offset),
                                     queue=queue, target=target))
