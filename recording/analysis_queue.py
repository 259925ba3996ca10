"""The durable analysis queue: one job per recorded call and analysis key, in the database, so nothing is lost to a
restart and two service instances never analyse the same call at once.

A job is keyed by its legs' recording ids, ``ANALYSER_VERSION`` and the profile's ``[analysis]`` section: the
same key is never enqueued twice (delivering the legs' events again, a sweep, an operator's re-run), a new analyser
version or policy is a new job. A worker claims a job with a lease (``claimed_until``), on PostgreSQL with
``FOR UPDATE SKIP LOCKED``; a lease that ran out (its worker was killed) is taken again, up to ``max_attempts``.
Jobs of a restricted leg (GDPR art. 18: kept, not processed) are not claimed while the restriction holds. Every
state change appends a row to ``recording_analysis_history``; each step is one transaction of a few statements.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.analysis_policy import AnalysisPolicy
from core.clock import utcnow
from core.db import claim_for_update, write_lock
from recording.analysis.metrics import ANALYSER_VERSION
from recording.analysis_models import AnalysisHistoryRow, AnalysisResultRow, AnalysisRow, AnalysisState, Job
from recording.models import RecordingRow, RecordingState

QUEUE = "queue"           # the actor of a job's first history row
MAX_ATTEMPTS = 3          # claims of one job whose worker never finished: then it fails (a file that kills it)


@dataclass(frozen=True)
class Legs:
    """A call's two leg recordings as the catalogue finalised them."""

    call_id: str | None
    caller_id: str
    caller_key: str
    caller_state: str
    agent_id: str
    agent_key: str
    agent_state: str
    conversation_from: float | None = None   # the agent's answer, seconds into the legs (None: never answered)

    def not_analysable(self) -> str | None:
        """Why the call cannot be analysed (a leg not ready), or None."""
        for party, state in (("caller", self.caller_state), ("agent", self.agent_state)):
            if state != RecordingState.READY:
                return f"the {party} leg is {state}: nothing to analyse"
        return None


def policy_digest(policy: AnalysisPolicy) -> str:
    return hashlib.sha256(json.dumps(policy.model_dump(), sort_keys=True).encode()).hexdigest()


def job_key(caller_id: str, agent_id: str, policy: AnalysisPolicy) -> str:
    recipe = json.dumps([ANALYSER_VERSION, caller_id, agent_id, policy_digest(policy)])
    return hashlib.sha256(recipe.encode()).hexdigest()


def restricted(row_id) -> ColumnElement[bool]:
    """Whether the recording ``row_id`` is under a GDPR restriction (an SQL condition)."""
    return exists().where(RecordingRow.id == row_id, RecordingRow.restricted_at.is_not(None))


def claimable(now: dt.datetime):
    """Queued, or running on a lease that ran out; no leg restricted."""
    return and_(or_(AnalysisRow.state == AnalysisState.QUEUED,
                    and_(AnalysisRow.state == AnalysisState.RUNNING, AnalysisRow.claimed_until < now)),
                ~restricted(AnalysisRow.caller_recording_id), ~restricted(AnalysisRow.agent_recording_id))


class AnalysisQueue:
    def __init__(self, engine: AsyncEngine, policy: AnalysisPolicy, *, lease_seconds: float = 300.0,
                 max_attempts: int = MAX_ATTEMPTS) -> None:
        self.engine, self.policy = engine, policy
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self.digest = policy_digest(policy)

    async def enqueue(self, legs: Legs, actor: str = QUEUE) -> AnalysisState | None:
        """A job for the call under the current key: its state, ``queued`` (or ``skipped`` with the reason when a
        leg is not ready); None when the key had one already."""
        key, now = job_key(legs.caller_id, legs.agent_id, self.policy), utcnow()
        reason = legs.not_analysable()
        state = AnalysisState.SKIPPED if reason else AnalysisState.QUEUED
        row = {"key": key, "call_id": legs.call_id, "caller_recording_id": legs.caller_id,
               "agent_recording_id": legs.agent_id, "caller_key": legs.caller_key, "agent_key": legs.agent_key,
               "analyser_version": ANALYSER_VERSION, "policy_digest": self.digest, "state": state, "attempts": 0,
               "error": reason, "created_at": now, "updated_at": now, "finished_at": now if reason else None,
               "conversation_from_seconds": legs.conversation_from}
        try:
            async with write_lock(self.engine), self.engine.begin() as conn:
                if await conn.scalar(select(AnalysisRow.id).where(AnalysisRow.key == key)) is not None:
                    return None
                job_id = await conn.scalar(insert(AnalysisRow).values(row).returning(AnalysisRow.id))
                await _history(conn, [job_id], actor, now, None, state, {"error": reason} if reason else None)
        except IntegrityError:   # another instance inserted the same key meanwhile
            return None
        return state

    async def known_keys(self, keys: list[str]) -> set[str]:
        async with self.engine.connect() as conn:
            return set((await conn.scalars(select(AnalysisRow.key).where(AnalysisRow.key.in_(keys)))).all())

    async def claim(self, worker: str) -> Job | None:
        """The oldest claimable job, now ``running`` under ``worker``'s lease; None when there is none. A job
        claimed ``max_attempts`` times already fails instead (its workers never finished it)."""
        while True:
            now = utcnow()
            stmt = claim_for_update(select(AnalysisRow).where(claimable(now)).order_by(AnalysisRow.id).limit(1),
                                    self.engine.dialect)
            async with write_lock(self.engine), self.engine.begin() as conn:
                row = (await conn.execute(stmt)).first()
                if row is None:
                    return None
                if row.attempts >= self.max_attempts:
                    error = f"gave up after {row.attempts} attempts: the analysis never finished"
                    await self._set(conn, row, worker, now, AnalysisState.FAILED, error=error, finished_at=now,
                                    claimed_by=None, claimed_until=None)
                    continue
                await self._set(conn, row, worker, now, AnalysisState.RUNNING, attempts=row.attempts + 1,
                                claimed_by=worker, claimed_until=now + self.lease)
            return Job(row.id, row.call_id, row.caller_recording_id, row.agent_recording_id, row.caller_key,
                       row.agent_key, row.attempts + 1, row.conversation_from_seconds)

    async def complete(self, job: Job, worker: str, result: dict, png: bytes) -> bool:
        """Store the result, if ``worker`` still holds the job and no leg was restricted meanwhile; False if not
        (the job went to another worker, or is restricted: then the caller releases it)."""
        now = utcnow()
        guard = and_(AnalysisRow.id == job.id, AnalysisRow.state == AnalysisState.RUNNING,
                     AnalysisRow.claimed_by == worker, ~restricted(AnalysisRow.caller_recording_id),
                     ~restricted(AnalysisRow.agent_recording_id))
        async with write_lock(self.engine), self.engine.begin() as conn:
            done = await conn.execute(update(AnalysisRow).where(guard).values(
                state=AnalysisState.DONE, error=None, claimed_until=None, updated_at=now, finished_at=now))
            if done.rowcount != 1:
                return False
            await conn.execute(insert(AnalysisResultRow).values(
                analysis_id=job.id, call_id=job.call_id, caller_recording_id=job.caller_recording_id,
                agent_recording_id=job.agent_recording_id, caller_talk_seconds=result["caller_talk_seconds"],
                agent_talk_seconds=result["agent_talk_seconds"],
                longest_caller_monologue_seconds=result["longest_caller_monologue_seconds"],
                long_monologue=result["long_monologue"], result=result, timeline_png=png, created_at=now))
            await _history(conn, [job.id], worker, now, AnalysisState.RUNNING, AnalysisState.DONE, None)
        return True

    async def fail(self, job: Job, worker: str, error: str, *, retry: bool) -> None:
        """The job failed: queued again (``retry``, attempts left) or ``failed``; ``error`` is no personal data."""
        again = retry and job.attempts < self.max_attempts
        state = AnalysisState.QUEUED if again else AnalysisState.FAILED
        await self._release([job.id], worker, state, error[:200], finished=not again)

    async def release(self, job_ids: list[int], worker: str, reason: str) -> None:
        """Jobs of ``worker`` back to ``queued`` (a stop, a restriction met at the end, its previous run's)."""
        await self._release(job_ids, worker, AnalysisState.QUEUED, reason, finished=False)

    async def held_by(self, worker: str) -> list[int]:
        """Jobs still ``running`` under ``worker``'s name: a previous run of this instance that was killed."""
        async with self.engine.connect() as conn:
            return list((await conn.scalars(select(AnalysisRow.id).where(
                AnalysisRow.state == AnalysisState.RUNNING, AnalysisRow.claimed_by == worker))).all())

    async def requeue_failed(self, actor: str) -> int:
        """Every failed job queued again, with its attempts counted afresh (an operator's re-run)."""
        now = utcnow()
        async with write_lock(self.engine), self.engine.begin() as conn:
            ids = list((await conn.scalars(select(AnalysisRow.id).where(
                AnalysisRow.state == AnalysisState.FAILED))).all())
            if ids:
                await conn.execute(update(AnalysisRow).where(AnalysisRow.id.in_(ids)).values(
                    state=AnalysisState.QUEUED, attempts=0, updated_at=now, finished_at=None))
                await _history(conn, ids, actor, now, AnalysisState.FAILED, AnalysisState.QUEUED, {"attempts": 0})
        return len(ids)

    async def _release(self, job_ids: list[int], worker: str, state: str, error: str | None, *,
                       finished: bool) -> None:
        if not job_ids:
            return
        now = utcnow()
        guard = and_(AnalysisRow.id.in_(job_ids), AnalysisRow.state == AnalysisState.RUNNING,
                     AnalysisRow.claimed_by == worker)
        async with write_lock(self.engine), self.engine.begin() as conn:
            ids = list((await conn.scalars(select(AnalysisRow.id).where(guard))).all())
            if not ids:
                return
            await conn.execute(update(AnalysisRow).where(AnalysisRow.id.in_(ids)).values(
                state=state, error=error, claimed_by=None, claimed_until=None, updated_at=now,
                finished_at=now if finished else None))
            await _history(conn, ids, worker, now, AnalysisState.RUNNING, state, {"error": error})

    async def _set(self, conn: AsyncConnection, row, actor: str, now: dt.datetime, state: str, **fields) -> None:
        await conn.execute(update(AnalysisRow).where(AnalysisRow.id == row.id).values(state=state, updated_at=now,
                                                                                       **fields))
        changes = {name: value.isoformat() if isinstance(value, dt.datetime) else value
                   for name, value in fields.items()}
        await _history(conn, [row.id], actor, now, row.state, state, changes)


async def _history(conn: AsyncConnection, job_ids: list[int], actor: str, at: dt.datetime, before: str | None,
                   after: str, changes: dict | None) -> None:
    await conn.execute(insert(AnalysisHistoryRow), [
        {"analysis_id": job_id, "at": at, "actor": actor, "before": before, "after": after, "changes": changes}
        for job_id in job_ids])
