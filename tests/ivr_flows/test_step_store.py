"""The IVR steps' writer: steps are written in batches (one transaction for many, not one each), and a step the
database refuses for good is logged and dropped without holding the other calls' steps."""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import event

from core.events import IvrStep, IvrStepRecorded
from ivr_flows.step_store import IvrStepWriter, ivr_steps_of

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def step(call_id: str, what: IvrStep, at: dt.datetime | None = T0) -> IvrStepRecorded:
    return IvrStepRecorded(at=at, call_id=call_id, step=what)


async def test_a_calls_steps_are_written_in_one_transaction(db_engine):
    writer = IvrStepWriter(db_engine, max_delay=60)   # written when flushed, not by the timer
    commits = []

    def count(connection) -> None:
        commits.append(connection)

    event.listen(db_engine.sync_engine, "commit", count)
    try:
        for what in (IvrStep.ENTERED, IvrStep.GREETING, IvrStep.CONSENT, IvrStep.MENU, IvrStep.QUEUED):
            await writer.write(step("c1", what))
        assert writer.pending == 5 and commits == []
        await writer.flush()
    finally:
        event.remove(db_engine.sync_engine, "commit", count)
    assert len(commits) == 1 and writer.pending == 0
    assert [s.step for s in (await ivr_steps_of(db_engine, ["c1"]))["c1"]] == [
        "entered", "greeting", "consent", "menu", "queued"]


async def test_a_step_refused_for_good_is_logged_and_dropped_and_the_others_are_written(db_engine, caplog):
    writer = IvrStepWriter(db_engine, max_delay=60)
    await writer.write(step("c2", IvrStep.ENTERED))
    await writer.write(step("c3", IvrStep.ENTERED, at=None))   # NOT NULL: the database refuses it whatever happens
    await writer.write(step("c2", IvrStep.GREETING))
    with caplog.at_level(logging.ERROR, logger="ivr_flows.step_store"):
        await writer.flush()
    steps = await ivr_steps_of(db_engine, ["c2", "c3"])
    assert [s.step for s in steps["c2"]] == ["entered", "greeting"] and steps["c3"] == []
    assert [r.getMessage() for r in caplog.records][-1] == "ivr steps: step entered of call c3 not written"
    assert writer.pending == 0
