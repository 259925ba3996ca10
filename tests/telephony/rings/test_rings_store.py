"""Ring rows written by the call writer and read back (per call, and as SLA figures) on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.events import CallOffered, CallState, CallStateChanged, RingEnded, RingEndReason
from telephony.calls.store import CallStoreWriter
from telephony.rings.queries import DIRECT_LINE, GroupBy, local_days, rings_of, sla_report
from tests.telephony.ami_replay import store

UTC = dt.timezone.utc
VILNIUS = ZoneInfo("Europe/Vilnius")
EVER = (dt.datetime(2000, 1, 1, tzinfo=UTC), dt.datetime(2100, 1, 1, tzinfo=UTC))


async def test_rings_are_stored_with_their_call_and_read_back_in_order(db_engine):
    await store(db_engine, "queue_answered", "queue_abandoned", "direct_answered", batch_size=2)
    rings = await rings_of(db_engine, ["1795441186.34", "1795441192.38", "1795441255.50", "unknown"])
    [answered] = rings["1795441186.34"]
    assert (answered.target, answered.extension, answered.queue) == ("Local/102@sandbox-agents", "102",
                                                                     "general_info")
    assert answered.answered and answered.within_sla and answered.ring_count == 1
    assert answered.started_at.tzinfo is not None and answered.ended_at > answered.started_at
    timed_out = rings["1795441192.38"]
    assert [r.extension for r in timed_out] == ["103", "104", "101", "102", "103"]
    assert all(not r.answered and r.ring_count == 2 for r in timed_out)
    assert [r.started_at for r in timed_out] == sorted(r.started_at for r in timed_out)
    [direct] = rings["1795441255.50"]
    assert direct.queue is None and direct.answered
    assert rings["unknown"] == []


async def test_a_ring_replayed_after_a_restart_is_not_stored_twice(db_engine):
    await store(db_engine, "queue_answered")
    await store(db_engine, "queue_answered")
    assert len((await rings_of(db_engine, ["1795441186.34"]))["1795441186.34"]) == 1


async def test_sla_report_per_queue_agent_and_day(db_engine):
    await store(db_engine, "queue_answered", "queue_abandoned", "direct_answered")
    by_queue = await sla_report(db_engine, *EVER, GroupBy.QUEUE, VILNIUS, deadline_rings=2)
    queues = {g.key: g for g in by_queue.groups}
    assert list(queues) == sorted([DIRECT_LINE, "general_info"])
    general = queues["general_info"]
    assert (general.offered, general.answered, general.within_sla) == (6, 1, 1)
    assert general.histogram == {1: 1} and general.unanswered_histogram == {2: 5}
    assert general.ratio == round(1 / 6, 4)
    # call offered (first channel) at 186.4959, answered at 188.5006
    assert general.longest_wait_seconds == pytest.approx(2.005, abs=0.01)
    assert queues[DIRECT_LINE].offered == 1 and queues[DIRECT_LINE].ratio == 1.0
    assert (by_queue.total.offered, by_queue.total.answered, by_queue.total.within_sla) == (7, 2, 2)
    assert by_queue.total.histogram == {1: 2} and by_queue.total.unanswered_histogram == {2: 5}

    by_agent = {g.key: g for g in (await sla_report(db_engine, *EVER, GroupBy.AGENT, VILNIUS,
                                                    deadline_rings=2)).groups}
    assert {k: (g.offered, g.answered) for k, g in by_agent.items()} == {
        "101": (2, 1), "102": (2, 1), "103": (2, 0), "104": (1, 0)}
    assert by_agent["103"].longest_wait_seconds is None and by_agent["103"].ratio == 0.0

    by_day = await sla_report(db_engine, dt.datetime(2026, 11, 20, tzinfo=UTC), dt.datetime(2026, 11, 24, tzinfo=UTC),
                              GroupBy.DAY, VILNIUS, deadline_rings=2)
    assert [(g.key, g.offered) for g in by_day.groups] == [("2026-11-23", 7)]  # recorded 2026-11-23 ~13:40 UTC


def ring(call_id: str, started: dt.datetime, seconds: float, answered: bool,
         reason: RingEndReason | None = None) -> RingEnded:
    count = int(seconds // 5) + 1
    reason = reason or (RingEndReason.ANSWERED if answered else RingEndReason.TIMEOUT)
    return RingEnded(at=started + dt.timedelta(seconds=seconds), call_id=call_id, ring_id=f"{call_id}.r",
                     target="Local/101@sandbox-agents", extension="101", queue="general_info", started_at=started,
                     answered=answered, ring_count=count, within_sla=answered and count <= 2, reason=reason)


async def test_days_are_the_profile_timezone_days(db_engine):
    writer = CallStoreWriter(db_engine)
    # Vilnius is UTC+2 in winter: 22:30 UTC is already the 2nd there, 21:50 UTC still the 1st
    for call_id, started in (("a", dt.datetime(2026, 1, 1, 22, 30, tzinfo=UTC)),
                             ("b", dt.datetime(2026, 1, 1, 21, 50, tzinfo=UTC)),
                             ("c", dt.datetime(2026, 1, 1, 12, 0, tzinfo=UTC))):
        await writer(CallOffered(at=started, call_id=call_id, caller="", dialed="1883", channel="x"))
        await writer(CallStateChanged(at=started, call_id=call_id, state=CallState.OFFERED))
        await writer(ring(call_id, started + dt.timedelta(seconds=5), 12, True))
    await writer.close()
    report = await sla_report(db_engine, dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 3, tzinfo=UTC),
                              GroupBy.DAY, VILNIUS, deadline_rings=2)
    assert [(g.key, g.offered) for g in report.groups] == [("2026-01-01", 2), ("2026-01-02", 1)]
    assert report.groups[1].histogram == {3: 1} and report.groups[1].within_sla == 0
    assert report.groups[1].longest_wait_seconds == pytest.approx(17.0, abs=0.01)


async def test_the_range_selects_rings_by_their_start(db_engine):
    await store(db_engine, "queue_answered", "direct_answered")
    first_ring = dt.datetime.fromtimestamp(1795441186.497649, UTC)
    report = await sla_report(db_engine, first_ring, first_ring + dt.timedelta(seconds=1), GroupBy.QUEUE, VILNIUS,
                              deadline_rings=2)
    assert [(g.key, g.offered) for g in report.groups] == [("general_info", 1)]
    empty = await sla_report(db_engine, *EVER[:1], first_ring, GroupBy.QUEUE, VILNIUS, deadline_rings=2)
    assert empty.groups == [] and empty.total.offered == 0 and empty.total.ratio is None


def test_local_days_follow_the_timezone_and_daylight_saving():
    # 2026-03-29: Vilnius moves to summer time, a 23-hour day
    days = local_days(dt.datetime(2026, 3, 28, 22, tzinfo=UTC), dt.datetime(2026, 3, 29, 22, tzinfo=UTC), VILNIUS)
    assert [d for d, _ in days] == ["2026-03-29", "2026-03-30"]
    assert days[0][1] == dt.datetime(2026, 3, 29, 21, tzinfo=UTC)


async def test_rings_that_say_nothing_of_the_agent_are_reported_apart_and_not_offered(db_engine):
    writer = CallStoreWriter(db_engine)
    started = dt.datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    rings = {"answered": (3, True, None), "rang-out": (9, False, None),
             "left-early": (6, False, RingEndReason.CALLER_LEFT),       # ring 2: before the deadline
             "left-late": (12, False, RingEndReason.CALLER_LEFT),       # ring 3: past it, a miss
             "outage": (4, False, RingEndReason.UNKNOWN), "colleague": (2, False, RingEndReason.ANSWERED_ELSEWHERE)}
    for call_id, (seconds, answered, reason) in rings.items():
        await writer(CallOffered(at=started, call_id=call_id, caller="", dialed="1883", channel="x"))
        await writer(CallStateChanged(at=started, call_id=call_id, state=CallState.OFFERED))
        await writer(ring(call_id, started, seconds, answered, reason))
    await writer.close()
    report = await sla_report(db_engine, started, started + dt.timedelta(hours=1), GroupBy.AGENT, VILNIUS,
                              deadline_rings=2)
    [agent] = report.groups
    assert (agent.offered, agent.answered, agent.within_sla, agent.ratio) == (3, 1, 1, round(1 / 3, 4))
    assert (agent.caller_left_early, agent.answered_elsewhere, agent.unknown) == (1, 1, 1)
    assert (report.total.caller_left_early, report.total.unknown) == (1, 1)
    stored = (await rings_of(db_engine, ["outage", "left-late"]))
    assert [r.end_reason for r in stored["outage"] + stored["left-late"]] == ["unknown", "caller_left"]
