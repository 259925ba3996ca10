"""Keeps the IVR part of each call's history: writes ``IvrStepRecorded`` events from the bus, reads them back.

Writing happens on the bus subscriber, never inside the AGI session, so a slow database cannot delay a caller, and
in batches (``core.group_commit``): a call has half a dozen steps, and one transaction each was a fifth of the
service's CPU per call in the SIP benchmark. What a stop cannot write is said loudly (the call store's rule).
"""
from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from core.db import is_transient_error, rows_by_key
from core.group_commit import GroupCommit
from core.events import IvrStepRecorded
from ivr_flows.models import CallIvrStepRow

log = logging.getLogger(__name__)

RETRY_PAUSES = (0.5, 1.0, 2.0, 5.0)   # seconds, while the database is away in the middle of a one-by-one write


@dataclass(frozen=True)
class IvrStepView:
    at: dt.datetime
    step: str
    choice: str
    outcome: str
    topic: str | None


class IvrStepWriter:
    def __init__(self, engine: AsyncEngine, *, max_delay: float = 0.05) -> None:
        self.engine = engine
        self._batches = GroupCommit("ivr steps", self._write, batch_size=500, max_delay=max_delay)

    async def write(self, event: IvrStepRecorded) -> None:
        await self._batches.add({"call_id": event.call_id, "at": event.at, "step": str(event.step),
                                 "choice": event.choice[:8], "outcome": event.outcome[:64], "topic": event.topic})

    async def _write(self, rows: list[dict]) -> None:
        try:
            await self._insert(rows)
        except Exception as exc:
            if is_transient_error(exc):
                raise   # kept, in order, and tried again once the database is back
            # a step the database refuses for good must not hold every other call's steps: one by one
            log.error("ivr steps: a batch of %d failed (%s); writing its steps one by one", len(rows),
                      type(exc).__name__)
            for row in rows:
                await self._insert_alone(row)

    async def _insert(self, rows: list[dict]) -> None:
        # a plain multi-row insert, no ORM unit of work
        async with self.engine.begin() as conn:
            await conn.execute(insert(CallIvrStepRow.__table__), rows)

    async def _insert_alone(self, row: dict) -> None:
        """One step in its own transaction. The steps before it are committed by now, so a database that goes away
        here is waited for (raising would put them back and write them twice)."""
        for pause in itertools.chain(RETRY_PAUSES, itertools.repeat(RETRY_PAUSES[-1])):
            try:
                return await self._insert([row])
            except Exception as exc:
                if not is_transient_error(exc):
                    # the statement's parameters are hidden by the engine; the call id is no personal data
                    log.exception("ivr steps: step %s of call %s not written", row["step"], row["call_id"])
                    return
                await asyncio.sleep(pause)

    @property
    def pending(self) -> int:
        return self._batches.pending

    async def flush(self) -> None:
        await self._batches.flush()

    async def close(self) -> None:
        await self._batches.close()


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
