"""Reading the analysis queue's tables: a call's analysis (its latest job, and the result once done), the
timeline PNG, and the calls whose two legs were finalised (what the sweep and an operator's re-run enqueue)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased

from recording.analysis_models import AnalysisResultRow, AnalysisRow, AnalysisView
from recording.analysis.metrics import ANALYSER_VERSION
from recording.analysis_queue import AnalysisQueue, Legs, restricted as _restricted
from recording.models import RecordingKind, RecordingRow, RecordingState

# a leg in one of these states is finalised: the call can be enqueued (ready) or skipped with the reason (the rest)
FINALISED = (RecordingState.READY, RecordingState.EMPTY, RecordingState.TRUNCATED, RecordingState.MISSING)


async def latest_analysis(engine: AsyncEngine, call_id: str) -> AnalysisView | None:
    """The call's latest job (a re-analysis supersedes the one before), with its result when done."""
    stmt = (select(AnalysisRow.id, AnalysisRow.state, AnalysisRow.attempts, AnalysisRow.error,
                   AnalysisRow.analyser_version, AnalysisRow.created_at, AnalysisRow.finished_at,
                   AnalysisResultRow.result,
                   (_restricted(AnalysisRow.caller_recording_id) | _restricted(AnalysisRow.agent_recording_id))
                   .label("restricted"))
            .outerjoin(AnalysisResultRow, AnalysisResultRow.analysis_id == AnalysisRow.id)
            .where(AnalysisRow.call_id == call_id).order_by(AnalysisRow.id.desc()).limit(1))
    async with engine.connect() as conn:
        found = (await conn.execute(stmt)).first()
    if found is None:
        return None
    return AnalysisView(**{**found._mapping, "restricted": bool(found.restricted)})   # SQLite: 0 or 1


async def timeline_of(engine: AsyncEngine, analysis_id: int) -> bytes | None:
    async with engine.connect() as conn:
        return await conn.scalar(select(AnalysisResultRow.timeline_png).where(
            AnalysisResultRow.analysis_id == analysis_id))


async def finalised_legs(engine: AsyncEngine, *, since: dt.datetime | None = None,
                         call_ids: Iterable[str] | None = None,
                         without: tuple[int, str] | None = None) -> list[Legs]:
    """Calls whose caller and agent legs are both finalised (caller leg finalised since ``since``, or the calls
    named), oldest first; ``without`` (analyser version, policy digest): only those with no job under them."""
    caller, agent = aliased(RecordingRow), aliased(RecordingRow)
    states = [state.value for state in FINALISED]
    stmt = (select(caller.call_id, caller.id, caller.key, caller.state, agent.id, agent.key, agent.state,
                   agent.answered_at, agent.started_at)
            .join(agent, (agent.call_id == caller.call_id) & (agent.kind == RecordingKind.AGENT))
            .where(caller.kind == RecordingKind.CALLER, caller.state.in_(states), agent.state.in_(states))
            .order_by(caller.finalised_at))
    if since is not None:
        stmt = stmt.where(caller.finalised_at >= since)
    if call_ids is not None:
        stmt = stmt.where(caller.call_id.in_(list(call_ids)))
    if without is not None:
        stmt = stmt.where(~exists().where(AnalysisRow.caller_recording_id == caller.id,
                                          AnalysisRow.agent_recording_id == agent.id,
                                          AnalysisRow.analyser_version == without[0],
                                          AnalysisRow.policy_digest == without[1]))
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return [Legs(*row[:7], conversation_from=_seconds_between(row.started_at, row.answered_at)) for row in rows]


def _seconds_between(start, end) -> float | None:
    return None if end is None else max(0.0, (end - start).total_seconds())


async def queue_summary(engine: AsyncEngine, *, failed: int = 20) -> tuple[dict[str, int], list[tuple]]:
    """Jobs per state, and the newest ``failed`` failed jobs as (id, call id, attempts, error): what an operator
    looks at (``hotline recordings status``)."""
    async with engine.connect() as conn:
        counts = dict((await conn.execute(select(AnalysisRow.state, func.count()).group_by(AnalysisRow.state))).all())
        rows = (await conn.execute(select(AnalysisRow.id, AnalysisRow.call_id, AnalysisRow.attempts, AnalysisRow.error)
                                   .where(AnalysisRow.state == "failed").order_by(AnalysisRow.id.desc())
                                   .limit(failed))).all()
    return counts, [tuple(row) for row in rows]


async def enqueue_finalised(queue: AnalysisQueue, *, since: dt.datetime | None = None,
                            call_ids: Iterable[str] | None = None, actor: str) -> list[str]:
    """Enqueue the calls with both legs finalised (since ``since``, or those named) and no job under the queue's
    current key (analyser version and policy); the new jobs' states (``queued``, ``skipped``)."""
    states = []
    for legs in await finalised_legs(queue.engine, since=since, call_ids=call_ids,
                                     without=(ANALYSER_VERSION, queue.digest)):
        state = await queue.enqueue(legs, actor=actor)
        if state is not None:
            states.append(state)
    return states
