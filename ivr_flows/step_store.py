"""Keeps the IVR part of each call's history: writes ``IvrStepRecorded`` events from the bus, reads them back.

Writing happens on the bus subscriber, never inside the AGI session, so a slow database cannot delay a caller.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from core.db import rows_by_key
from core.events import IvrStepRecorded
from ivr_flows.models import CallIvrStepRow


@dataclass(frozen=True)
class IvrStepView:
    at: dt.datetime
    step: str
    choice: str
    outcome: str
    topic: str | None


class IvrStepWriter:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def write(self, event: IvrStepRecorded) -> None:
        # a plain insert, no ORM unit of work: several steps per call, on every call
        async with self.engine.begin() as conn:
            await conn.execute(insert(CallIvrStepRow.__table__), [{
                "call_id": event.call_id, "at": event.at, "step": str(event.step), "choice": event.choice[:8],
                "outcome": event.outcome[:64], "topic": event.topic}])


async def ivr_steps_of(engine: AsyncEngine, call_ids: Iterable[str]) -> dict[str, list[IvrStepView]]:
    """Every IVR step of each call, in the order they happened."""
    return await rows_by_key(engine, CallIvrStepRow.call_id, call_ids, CallIvrStepRow.call_id, CallIvrStepRow.id,
                             view=_step_view)


def _step_view(row: CallIvrStepRow) -> IvrStepView:
    return IvrStepView(at=row.at, step=row.step, choice=row.choice, outcome=row.outcome, topic=row.topic)


def topic_of(steps: Iterable[IvrStepView]) -> str | None:
    """The call's topic: the last one the IVR decided."""
    topic = None
    for step in steps:
        if step.topic:
            topic = step.topic
    return topic
