"""The analysis queue on SQLite and PostgreSQL: a call's job is enqueued once both legs are finalised ready (once,
however often the events come), skipped with the reason when a leg is not, taken again when its worker died, not
run while a leg is restricted, and its result and timeline come back through the recordings API."""
from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from recording.analysis.synthetic import labels, place
from recording.analysis_models import AnalysisHistoryRow, AnalysisResultRow, AnalysisRow
from recording.analysis_queue import AnalysisQueue
from tests.api_fixtures import auth
from tests.hotline.test_auth_cli import hotline
from tests.recording.analysis.calls import monologue, phrase
from tests.recording.analysis_fixtures import WORKER
from tests.recording.catalogue_fixtures import T0
from tests.recording.wav_files import empty_wav

def conversation() -> tuple[list, list, float]:
    """Caller at 1 s and 15 s, the agent at 8 s: 24 s."""
    caller, agent = phrase("caller"), phrase("agent")
    return [(1.0, caller), (15.0, caller)], [(8.0, agent)], 24.0


def known(clips: list, seconds: float) -> float:
    return sum(end - start for start, end in labels(place(clips, seconds)))


async def count(engine, model) -> int:
    async with engine.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(model))


async def job_row(engine) -> dict:
    async with engine.connect() as conn:
        return dict((await conn.execute(select(AnalysisRow))).one()._mapping)


async def history(engine) -> list[tuple[str | None, str, str]]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(AnalysisHistoryRow).order_by(AnalysisHistoryRow.id))).all()
    return [(row.before, row.after, row.actor) for row in rows]


async def test_both_ready_legs_enqueue_one_job_however_often_the_events_come(analysed, db_engine):
    entries = await analysed.record("q1", *conversation())
    await analysed.deliver()
    await analysed.deliver()   # the bus delivering again, a retried event
    assert analysed.woken == [1]
    assert await analysed.worker.sweep() == 0   # the sweep finds it enqueued already
    job = await job_row(db_engine)
    assert (job["state"], job["call_id"], job["caller_recording_id"], job["agent_recording_id"]) == (
        "queued", "q1", entries["caller"].id, entries["agent"].id)

    assert await analysed.worker.run_once() == job["id"]
    assert await analysed.worker.run_once() is None   # re-running makes no second result
    assert await count(db_engine, AnalysisRow) == 1 and await count(db_engine, AnalysisResultRow) == 1
    assert [(before, after) for before, after, _ in await history(db_engine)] == [
        (None, "queued"), ("queued", "running"), ("running", "done")]


async def test_a_lost_legs_event_is_enqueued_by_the_sweep(analysed, db_engine):
    await analysed.record("q2", *conversation())
    # the service stopped after the caller leg's event: the agent leg's never reached the subscriber
    await analysed.events(next(e for e in analysed.catalogued.published if e.kind == "caller"))
    assert await count(db_engine, AnalysisRow) == 0
    assert await analysed.worker.sweep() == 1
    assert (await job_row(db_engine))["state"] == "queued"


async def test_a_call_with_an_empty_leg_is_skipped_with_the_reason(analysed, db_engine):
    cat = analysed.catalogued
    await cat.start_recording("q3")
    for name in cat.names("q3"):
        empty_wav(cat.monitor / name)
    await cat.hang_up("q3")
    await cat.events.drain()
    await analysed.deliver()
    job = await job_row(db_engine)
    assert (job["state"], job["error"]) == ("skipped", "the caller leg is empty: nothing to analyse")
    assert await analysed.worker.run_once() is None and analysed.woken == []


async def test_a_job_whose_worker_died_is_taken_again_once_its_lease_ran_out(analysed, db_engine):
    await analysed.record("q4", *conversation())
    await analysed.deliver()
    dead = AnalysisQueue(db_engine, analysed.queue.policy, lease_seconds=60)
    claimed = await dead.claim("killed-host:8080")   # a worker that is killed before it finished
    assert claimed is not None and await analysed.worker.run_once() is None   # its lease holds
    async with db_engine.begin() as conn:   # a minute later
        await conn.execute(update(AnalysisRow).values(claimed_until=T0))
    assert await analysed.worker.run_once() == claimed.id
    job = await job_row(db_engine)
    assert (job["state"], job["attempts"]) == ("done", 2)
    assert [row[2] for row in await history(db_engine)] == ["queue", "killed-host:8080", WORKER, WORKER]


async def test_this_instances_own_jobs_left_running_are_queued_again_at_its_start(analysed, db_engine):
    await analysed.record("q5", *conversation())
    await analysed.deliver()
    assert await analysed.queue.claim(WORKER) is not None   # then the service was killed
    await analysed.worker._recover()   # what its next start does first
    assert (await job_row(db_engine))["state"] == "queued"
    assert (await history(db_engine))[-1] == ("running", "queued", WORKER)


async def test_two_instances_never_claim_the_same_job(analysed, db_engine):
    await analysed.record("q6", *conversation())
    await analysed.deliver()
    other = AnalysisQueue(db_engine, analysed.queue.policy)
    claims = await asyncio.gather(analysed.queue.claim("a:1"), other.claim("b:1"))
    assert sorted(claim is None for claim in claims) == [False, True]


async def test_a_restricted_recording_is_not_analysed_until_the_restriction_is_lifted(analysed, recordings_api,
                                                                                      tokens, db_engine):
    entries = await analysed.record("q7", *conversation())
    catalogue = analysed.catalogued.catalogue
    await catalogue.restrict(entries["agent"].id, "dpo:1", "subject request SR-9")
    await analysed.deliver()
    assert await analysed.worker.run_once() is None   # kept, not processed (GDPR art. 18)
    body = await (await recordings_api.get(f"/api/recordings/{entries['caller'].id}",
                                           headers=auth(tokens["qa"]))).json()
    assert body["analysis"]["state"] == "queued" and body["analysis"]["restricted"] is True
    timeline = await recordings_api.get(f"/api/recordings/{entries['caller'].id}/timeline.png",
                                        headers=auth(tokens["qa"]))
    assert timeline.status == 409   # restricted: 409 before anything is said of its analysis

    await catalogue.lift_restriction(entries["agent"].id, "dpo:1")
    assert await analysed.worker.run_once() is not None
    await catalogue.restrict(entries["caller"].id, "dpo:1", "subject request SR-10")
    body = await (await recordings_api.get(f"/api/recordings/{entries['mix'].id}",
                                           headers=auth(tokens["qa"]))).json()
    assert body["analysis"]["state"] == "done" and body["analysis"]["result"] is None   # stored, not shown
    timeline = await recordings_api.get(f"/api/recordings/{entries['mix'].id}/timeline.png",
                                        headers=auth(tokens["qa"]))
    assert timeline.status == 409 and (await timeline.json())["error"]["code"] == "restricted"


async def test_the_results_and_the_timeline_come_back_through_the_api(analysed, recordings_api, tokens):
    caller, agent, seconds = conversation()
    entries = await analysed.record("q8", caller, agent, seconds)
    headers = auth(tokens["qa"])
    before = await (await recordings_api.get(f"/api/recordings/{entries['caller'].id}", headers=headers)).json()
    assert before["analysis"] is None
    await analysed.deliver()
    await analysed.worker.run_once()

    for kind in ("caller", "agent", "mix"):   # a call's files share its analysis
        response = await recordings_api.get(f"/api/recordings/{entries[kind].id}", headers=headers)
        analysis = (await response.json())["analysis"]
        assert response.status == 200 and analysis["state"] == "done" and analysis["error"] is None
        result = analysis["result"]
        assert result["caller_talk_seconds"] == pytest.approx(known(caller, seconds), rel=0.10)
        assert result["agent_talk_seconds"] == pytest.approx(known(agent, seconds), rel=0.10)
        assert result["long_monologue"] is False and result["duration_seconds"] == seconds
    timeline = await recordings_api.get(f"/api/recordings/{entries['agent'].id}/timeline.png", headers=headers)
    png = await timeline.read()
    assert timeline.status == 200 and timeline.content_type == "image/png" and png.startswith(b"\x89PNG\r\n\x1a\n")
    unknown = await recordings_api.get(f"/api/recordings/{'0' * 32}/timeline.png", headers=headers)
    assert unknown.status == 404 and (await unknown.json())["error"]["code"] == "not_found"


@pytest.mark.parametrize(("talk", "flagged"), [(210.0, True), (120.0, False)], ids=["3.5min", "2min"])
async def test_a_long_caller_monologue_is_flagged_through_the_queue(analysed, recordings_api, tokens, talk,
                                                                    flagged):
    entries = await analysed.record("q9", monologue("caller", talk), [], talk + 5.0)
    await analysed.deliver()
    await analysed.worker.run_once()
    body = await (await recordings_api.get(f"/api/recordings/{entries['caller'].id}",
                                           headers=auth(tokens["qa"]))).json()
    result = body["analysis"]["result"]
    assert result["long_monologue"] is flagged
    assert result["longest_caller_monologue_seconds"] == pytest.approx(talk, abs=10.0)
    assert len(result["monologues"]) == (1 if flagged else 0)


@pytest.mark.parametrize(("damage", "error"), [
    ("garbage", "a leg is not a readable WAV recording"), ("delete", "a leg's file is no longer in the store")])
async def test_a_leg_that_cannot_be_read_fails_the_job_with_a_clear_error(analysed, db_engine, damage, error):
    await analysed.record("q10", *conversation())
    await analysed.deliver()
    leg = analysed.catalogued.monitor / analysed.catalogued.names("q10")[1]
    if damage == "garbage":
        leg.write_bytes(b"not a wav file at all" * 10)
    else:
        leg.unlink()
    await analysed.worker.run_once()
    job = await job_row(db_engine)
    assert (job["state"], job["error"]) == ("failed", error)
    assert await analysed.queue.requeue_failed("admin:1") == 1   # an operator's re-run
    assert (await job_row(db_engine))["state"] == "queued"


async def test_the_worker_takes_an_enqueued_job_when_woken_without_polling(analysed, db_engine):
    worker = analysed.worker   # polls once an hour: only the wake can start the job
    analysed.events.on_enqueued = worker.wake
    worker.start()
    try:
        await analysed.record("q11", *conversation())
        await analysed.deliver()
        async with asyncio.timeout(60):
            while (await job_row(db_engine))["state"] != "done":
                await asyncio.sleep(0.05)
    finally:
        await worker.stop()


async def test_a_database_outage_pauses_a_write_and_loses_nothing(analysed):
    tries = []

    async def write() -> str:
        tries.append(1)
        if len(tries) < 3:
            raise OperationalError("INSERT", {}, ConnectionRefusedError("the database restarts"))
        return "stored"

    assert await analysed.worker._persist(write) == "stored" and len(tries) == 3


async def test_an_operator_sees_the_queue_and_re_runs_analysis_from_the_command_line(analysed, db_engine, db_url,
                                                                                     tmp_path):
    await analysed.record("q12", *conversation())   # its events never reached the queue
    leg = analysed.catalogued.monitor / analysed.catalogued.names("q12")[1]
    code, out, err = await hotline(["recordings", "analyse", "--since", "2020-01-01T00:00Z"], db_url, tmp_path)
    assert (code, out.strip()) == (0, "enqueued: 1 call(s), skipped (a leg not ready): 0"), err
    code, out, _ = await hotline(["recordings", "analyse", "--call", "q12"], db_url, tmp_path)
    assert out.strip() == "enqueued: 0 call(s), skipped (a leg not ready): 0"   # the same key: not again
    leg.unlink()
    await analysed.worker.run_once()
    code, out, _ = await hotline(["recordings", "status"], db_url, tmp_path)
    assert code == 0 and out.splitlines()[0] == "queued 0  running 0  done 0  failed 1  skipped 0"
    assert "(call q12, 1 attempts): a leg's file is no longer in the store" in out
    code, out, _ = await hotline(["recordings", "analyse", "--failed"], db_url, tmp_path)
    assert out.strip() == "queued again: 1 failed job(s)" and (await job_row(db_engine))["state"] == "queued"
    code, _, err = await hotline(["recordings", "analyse"], db_url, tmp_path)
    assert code == 1 and "--since TIME, --call CALL_ID or --failed" in err


async def test_the_analysis_covers_the_conversation_from_the_agents_answer(analysed, recordings_api, tokens):
    # before the answer the agent's leg holds the IVR's prompts and the queue's music: nobody's talk
    prompt, agent, caller = phrase("agent"), phrase("agent"), phrase("caller")
    entries = await analysed.record("q9", [(12.0, caller)], [(1.0, prompt), (20.0, agent)], 30.0,
                                    answered_after=10.0)
    assert entries["agent"].answered_at == T0 + dt.timedelta(seconds=10)
    await analysed.deliver()
    await analysed.worker.run_once()
    response = await recordings_api.get(f"/api/recordings/{entries['agent'].id}", headers=auth(tokens["qa"]))
    body = await response.json()
    result = body["analysis"]["result"]
    assert body["answered_at"] == (T0 + dt.timedelta(seconds=10)).isoformat()
    assert result["agent_talk_seconds"] == pytest.approx(known([(20.0, agent)], 30.0), rel=0.10)
    assert result["caller_talk_seconds"] == pytest.approx(known([(12.0, caller)], 30.0), rel=0.10)
    assert result["duration_seconds"] == pytest.approx(20.0, abs=0.01)
    assert all(start >= 9.0 for start, _ in result["agent_speech"])   # the conversation's own time: 20 s -> 10 s
