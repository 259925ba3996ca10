"""A call's analysis results (figures and timeline) go with its audio when the retention purge takes it, and on
their own once older than the profile's analysis period; the job stays, so the call is not analysed again."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.clock import utcnow
from recording import AnalysisResultsPurge, ExpiredAnalyses, Graveyard, RetentionPurge
from recording.analysis_models import AnalysisResultRow, AnalysisRow
from tests.recording.retention_fixtures import LT
from tests.recording.test_recording_analysis_queue import conversation


async def rows(engine, model) -> int:
    async with engine.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(model))


def purge_of(analysed, retention=LT.retention) -> RetentionPurge:
    catalogue = analysed.catalogued.catalogue
    graveyard = Graveyard(catalogue.engine, catalogue.store, [AnalysisResultsPurge()])
    return RetentionPurge(catalogue.engine, graveyard, retention, [ExpiredAnalyses(catalogue.engine)])


async def analysed_call(analysed, call_id: str) -> dict:
    caller, agent, seconds = conversation()
    entries = await analysed.record(call_id, caller, agent, seconds)
    await analysed.deliver(call_id)
    assert await analysed.worker.run_once() is not None
    return entries


async def test_a_purged_calls_analysis_goes_with_its_audio_and_its_job_stays(analysed, db_engine):
    entries = await analysed_call(analysed, "r1")
    assert await rows(db_engine, AnalysisResultRow) == 1
    started = entries["caller"].started_at
    counts = await purge_of(analysed).run(started + dt.timedelta(days=LT.retention.recordings_days + 1))
    assert counts["recordings"] == 3 and await rows(db_engine, AnalysisResultRow) == 0
    assert await rows(db_engine, AnalysisRow) == 1            # the job: no second analysis of a purged call
    assert await analysed.worker.run_once() is None


async def test_analysis_results_older_than_their_period_go_before_the_audio(analysed, db_engine):
    await analysed_call(analysed, "r2")
    shorter = LT.retention.model_copy(update={"analysis_days": 30})
    purge = purge_of(analysed, shorter)
    now = utcnow()
    assert (await purge.plan(now + dt.timedelta(days=29)))["analysis"] == 0
    counts = await purge.run(now + dt.timedelta(days=31))
    assert counts["analysis"] == 1 and counts["recordings"] == 0
    assert await rows(db_engine, AnalysisResultRow) == 0
