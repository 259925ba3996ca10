"""Ring measurement on recorded sandbox traffic and on scripted edge cases (abandon, ringall, resync, memory)."""
from __future__ import annotations

import datetime as dt

import pytest

from core.events import RingEnded, RingEndReason, RingStarted
from core.policy import load_profile
from telephony.calls.resync import LiveChannel, PbxSnapshot
from telephony.calls.tracker import CallTracker
from telephony.ami.causes import parse_cause
from telephony.rings.meter import DIAL_END_REASONS, RingMeter, hangup_reason
from tests.telephony.ami_replay import INBOUND, LT, recorded

LV = load_profile("lv-social-insurance").ring_sla


def replay(name: str, sla=LT, events=None) -> tuple[RingMeter, list]:
    tracker = CallTracker(INBOUND)
    meter = RingMeter(tracker, sla)
    out = []
    for event in events if events is not None else recorded(name):
        tracker.handle(event)
        out.extend(meter.handle(event))
    return meter, out


def ended(out) -> list[RingEnded]:
    return [e for e in out if isinstance(e, RingEnded)]


def test_answered_queue_call_is_one_ring_answered_in_the_first_ring():
    meter, out = replay("queue_answered")
    [started] = [e for e in out if isinstance(e, RingStarted)]
    [ring] = ended(out)
    assert started.ring_id == ring.ring_id == "1795441186.36"
    assert ring.call_id == "1795441186.34" and ring.queue == "general_info"
    assert ring.target == "Local/102@sandbox-agents" and ring.extension == "102"
    assert ring.answered and ring.ring_count == 1 and ring.within_sla and ring.reason is RingEndReason.ANSWERED
    # from the event stamps (AgentCalled → AgentConnect), not from RingTime
    assert abs((ring.at - ring.started_at).total_seconds() - 2.0029) < 0.001
    assert meter.open == {}


def test_rings_nobody_answers_time_out_in_the_second_ring_and_are_not_in_sla():
    meter, out = replay("queue_abandoned")
    rings = ended(out)
    assert [r.extension for r in rings] == ["103", "104", "101", "102", "103"]
    for ring in rings:  # 8 s member timeout: the ring moved on during ring 2, before the LT limit
        assert not ring.answered and ring.ring_count == 2 and not ring.within_sla
        assert ring.reason is RingEndReason.TIMEOUT
        assert abs((ring.at - ring.started_at).total_seconds() - 8.0) < 0.01
    assert len({r.ring_id for r in rings}) == 5 and meter.open == {}


def test_direct_line_is_one_ring_answered():
    meter, out = replay("direct_answered")
    [ring] = ended(out)
    assert ring.queue is None and ring.target == "Local/101@sandbox-agents" and ring.extension == "101"
    assert ring.answered and ring.ring_count == 1 and ring.within_sla and ring.reason is RingEndReason.ANSWERED
    assert ring.call_id == "1795441255.50" and meter.open == {}


def test_the_ring_count_follows_the_profile():
    _, out = replay("queue_abandoned", sla=LV)
    assert {r.ring_count for r in ended(out)} == {2}  # 8 s is ring 2 with the same cadence


def test_repeated_events_change_nothing():
    events = []
    for event in recorded("queue_abandoned"):
        events.append(event)
        if event.get("Event") != "Hangup":
            events.append(event)
    _, twice = replay("", events=events)
    _, once = replay("queue_abandoned")
    assert twice == once


def _event(name: str, at: float, **fields) -> dict:
    return {"Event": name, "Timestamp": f"{at:.6f}", **fields}


CALL = [
    _event("Newchannel", 100.0, Uniqueid="c.1", Linkedid="c.1", Channel="Local/1883@from-pstn-00000001;1",
           Context="from-pstn", Exten="1883", CallerIDNum="+37060000001"),
    _event("QueueCallerJoin", 101.0, Uniqueid="c.1", Linkedid="c.1", Queue="general_info"),
]


def _called(at: float, ring_id: str, ext: str) -> dict:
    return _event("AgentCalled", at, Uniqueid="c.1", Linkedid="c.1", Queue="general_info", DestUniqueid=ring_id,
                  Interface=f"Local/{ext}@sandbox-agents", MemberName=ext,
                  DestChannel=f"Local/{ext}@sandbox-agents-0000000{ext[-1]};1")


def test_ringall_the_others_stop_when_one_answers_and_a_caller_who_leaves_ends_the_rest():
    events = CALL + [
        _called(102.0, "r.1", "101"), _called(102.0, "r.2", "102"), _called(102.0, "r.3", "103"),
        _event("AgentConnect", 113.0, Uniqueid="c.1", Linkedid="c.1", DestUniqueid="r.1", RingTime="11"),
        _event("Hangup", 113.1, Uniqueid="r.2", Linkedid="c.1", Cause="26"),   # answered elsewhere
        _event("QueueCallerAbandon", 114.0, Uniqueid="c.1", Linkedid="c.1", Queue="general_info"),
    ]
    meter, out = replay("", events=events)
    rings = {r.ring_id: r for r in ended(out)}
    assert [rings[r].reason for r in ("r.1", "r.2", "r.3")] == [
        RingEndReason.ANSWERED, RingEndReason.ANSWERED_ELSEWHERE, RingEndReason.CALLER_LEFT]
    assert rings["r.1"].answered and rings["r.1"].ring_count == 3 and not rings["r.1"].within_sla
    assert not rings["r.2"].answered and rings["r.2"].at.timestamp() == 113.1
    assert not rings["r.3"].answered and rings["r.3"].at.timestamp() == 114.0
    assert meter.open == {}


def test_queue_rings_ignore_dial_events_and_unknown_calls_are_not_measured():
    events = CALL + [
        _called(102.0, "r.1", "101"),
        _event("DialBegin", 102.0, Uniqueid="c.1", Linkedid="c.1", DestUniqueid="r.1",
               DestChannel="Local/101@sandbox-agents-00000001;1"),
        _event("DialEnd", 104.0, Uniqueid="c.1", Linkedid="c.1", DestUniqueid="r.1", DialStatus="ANSWER"),
        _called(102.0, "x.1", "102") | {"Uniqueid": "o.1", "Linkedid": "o.1"},
    ]
    meter, out = replay("", events=events)
    assert [type(e).__name__ for e in out] == ["RingStarted"] and list(meter.open) == ["r.1"]


def test_resync_closes_rings_whose_channel_is_gone():
    meter, _ = replay("", events=CALL + [_called(102.0, "r.1", "101"), _called(102.0, "r.2", "102")])
    live = LiveChannel("r.2", "c.1", "Local/102@sandbox-agents-00000002;1", "sandbox-agents", "102", "", "Wait",
                       False, 3)
    now = dt.datetime.fromtimestamp(104.0, dt.timezone.utc)
    out = meter.reconcile(PbxSnapshot(channels=[live]), now)
    [ring] = ended(out)
    assert ring.ring_id == "r.1" and not ring.answered and ring.at == now
    assert ring.reason is RingEndReason.UNKNOWN   # cut by the outage: how it ended, nobody knows
    assert list(meter.open) == ["r.2"]


@pytest.mark.parametrize(("cause", "reason"), [
    ("26", RingEndReason.ANSWERED_ELSEWHERE), ("19", RingEndReason.TIMEOUT), ("18", RingEndReason.TIMEOUT),
    ("17", RingEndReason.UNREACHABLE), ("38", RingEndReason.UNREACHABLE), ("16", RingEndReason.UNKNOWN),
    ("", RingEndReason.UNKNOWN),
])
def test_a_ring_whose_channel_hangs_up_first_ends_as_its_cause_says(cause, reason):
    assert hangup_reason(parse_cause(cause)) is reason


@pytest.mark.parametrize(("status", "reason"), [
    ("ANSWER", RingEndReason.ANSWERED), ("NOANSWER", RingEndReason.TIMEOUT), ("CANCEL", RingEndReason.CALLER_LEFT),
    ("BUSY", RingEndReason.UNREACHABLE), ("CHANUNAVAIL", RingEndReason.UNREACHABLE), ("ODD", RingEndReason.UNKNOWN),
])
def test_a_direct_lines_ring_ends_as_its_dial_status_says(status, reason):
    assert DIAL_END_REASONS.get(status, RingEndReason.UNKNOWN) is reason


def test_open_rings_are_bounded():
    tracker = CallTracker(INBOUND)
    meter = RingMeter(tracker, LT, max_open=3)
    for event in CALL:
        tracker.handle(event)
    for n in range(5):
        meter.handle(_called(102.0 + n, f"r.{n}", "101"))
    assert list(meter.open) == ["r.2", "r.3", "r.4"] and meter.evicted == 2
    assert meter.handle(_event("AgentConnect", 120.0, Linkedid="c.1", DestUniqueid="r.0")) == []
    assert meter.handle(_called(121.0, "r.0", "101")) == []  # a late repeat does not reopen an ended ring


def test_a_direct_line_reached_through_agent_reach_is_one_ring_however_many_dials_it_takes():
    caller = dict(Uniqueid="d.1", Linkedid="d.1", Channel="Local/102@from-pstn-00000009;2")
    reach = dict(Uniqueid="d.3", Linkedid="d.1", Channel="Local/102@agent-reach-0000000a;2")
    events = [
        _event("Newchannel", 200.0, **caller, Context="from-pstn", Exten="102", CallerIDNum="+37060000001"),
        _event("DialBegin", 200.1, **caller, DestUniqueid="d.2", DestChannel="Local/102@agent-reach-0000000a;1"),
        # agent-reach dials the softphone, which is unreachable, then the employee's fallback number
        _event("DialBegin", 200.1, **reach, DestUniqueid="d.4", DestChannel="Local/102@sandbox-agents-0000000b;1"),
        _event("DialEnd", 200.2, **reach, DestUniqueid="d.4", DialStatus="CHANUNAVAIL"),
        _event("DialBegin", 200.2, **reach, DestUniqueid="d.5", DestChannel="Local/+3706@sandbox-mobile-0000000c;1"),
        _event("DialEnd", 203.0, **reach, DestUniqueid="d.5", DialStatus="ANSWER"),
        _event("DialEnd", 203.0, **caller, DestUniqueid="d.2", DialStatus="ANSWER"),
    ]
    _, out = replay("", events=events)
    [ring] = ended(out)
    assert (ring.ring_id, ring.extension, ring.answered, ring.ring_count) == ("d.2", "102", True, 1)
