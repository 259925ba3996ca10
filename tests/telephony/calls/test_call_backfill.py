"""Backfill from the PBX's call records (telephony/calls/backfill.py): the calls hotline never saw, once."""
from __future__ import annotations

import datetime as dt

from core.events import CallOffered, CallState, CallStateChanged, EndCause
from telephony.calls.backfill import backfill, calls_of, read_records
from telephony.calls.store import CallStoreWriter

T = 1_796_138_972.0
# as docker/asterisk/cdr_custom.conf writes them (recorded on the sandbox: a queue call answered by 102, a
# direct line nobody answered, a leg of the queue call, and a callback's agent leg)
LINES = [
    f'"q.1","q.3","{T + 0.03}","{T + 0.54}","{T + 0.56}","102","","Local/102@agent-reach-01;1","ANSWERED",'
    f'"AppDial","",""',
    f'"q.1","q.1","{T}","{T + 0.54}","{T + 0.56}","+37060000002","1883","Local/102@agent-reach-01;1","ANSWERED",'
    f'"Queue","1883","general_info"',
    f'"q.1","q.1","{T + 0.56}","{T + 0.56}","{T + 2.58}","+37060000002","1883","PJSIP/sim102-03","ANSWERED",'
    f'"Queue","1883","general_info"',
    f'"d.1","d.1","{T + 1}","{T + 1.1}","{T + 20}","+37060000001","101","PJSIP/sim101-01","NO ANSWER","Dial","101",""',
    f'"cb-7","cb-7","{T + 2}","{T + 3}","{T + 9}","","+37060000005","PJSIP/trunk-09","ANSWERED","Dial","",""',
    'garbage line',
    f'"old","old","{T - 90000}","0","{T - 89000}","+37060000009","1883","","NO ANSWER","Queue","1883","general_info"',
]


def write(tmp_path, lines=LINES):
    path = tmp_path / "hotline-calls.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_records_make_one_call_per_linkedid_from_the_callers_own_records(tmp_path):
    calls = {c.call_id: c for c in calls_of(read_records(write(tmp_path), T - 10))}
    assert set(calls) == {"q.1", "d.1"}   # the callback's leg and the old record are no inbound calls here
    queue, direct = calls["q.1"], calls["d.1"]
    assert (queue.caller, queue.dialled, queue.queue) == ("+37060000002", "1883", "general_info")
    assert queue.answered_at == dt.datetime.fromtimestamp(T + 0.54, dt.timezone.utc)
    assert queue.ended == dt.datetime.fromtimestamp(T + 2.58, dt.timezone.utc)
    assert (direct.dialled, direct.queue, direct.answered_at) == ("101", None, None)


async def test_backfill_publishes_only_the_calls_hotline_does_not_know_and_only_once(tmp_path, db_engine):
    path = write(tmp_path)
    writer = CallStoreWriter(db_engine)
    started = dt.datetime.fromtimestamp(T - 60, dt.timezone.utc)   # a call hotline stored before it went down
    for event in (CallOffered(started, "before", "+37060000003", "1883", "x"),
                  CallStateChanged(started, "before", CallState.OFFERED)):
        await writer(event)
    await writer.flush()
    published: list = []

    async def publish(event) -> None:
        published.append(event)
        await writer(event)

    now = dt.datetime.fromtimestamp(T + 60, dt.timezone.utc)
    assert await backfill(db_engine, path, publish, lambda: ["d.1"], now) == 1   # d.1 is live: the PBX has it
    ends = [e for e in published if isinstance(e, CallStateChanged) and e.state is CallState.ENDED]
    assert [(e.call_id, e.cause) for e in ends] == [("q.1", EndCause.COMPLETED)]
    await writer.flush()
    assert await backfill(db_engine, path, publish, lambda: [], now) == 1   # q.1 stored now: only d.1 is new
    ends = [e for e in published if isinstance(e, CallStateChanged) and e.state is CallState.ENDED]
    assert ends[-1].call_id == "d.1" and ends[-1].cause is EndCause.UNANSWERED
    await writer.close()


async def test_a_first_start_backfills_nothing(tmp_path, db_engine):
    published: list = []

    async def publish(event) -> None:
        published.append(event)

    now = dt.datetime.fromtimestamp(T + 60, dt.timezone.utc)
    assert await backfill(db_engine, write(tmp_path), publish, lambda: [], now) == 0 and published == []
    assert await backfill(db_engine, tmp_path / "missing.csv", publish, lambda: [], now) == 0
