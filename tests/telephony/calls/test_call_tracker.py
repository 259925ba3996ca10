"""The call state machine on hand-written AMI event sequences, for what recorded traffic does not show
(network failures, relinks, resync). Recorded sandbox traffic is replayed in test_call_replay.py."""
import datetime as dt

from panoramisk.message import Message

from core.events import CallOffered, CallRelinked, CallState, CallStateChanged, EndCause
from telephony.calls.resync import LiveChannel, PbxSnapshot, reconcile
from telephony.calls.tracker import CallTracker

T0 = 1_700_000_000.0


def ev(name, t=0.0, **fields):
    return Message({"Event": name, "Timestamp": f"{T0 + t:.6f}", **fields})


def chan(uid, linked, context="sandbox-caller", exten="s", caller="+37060000001", name=None):
    return dict(Uniqueid=uid, Linkedid=linked, Context=context, Exten=exten, CallerIDNum=caller,
                Channel=name or f"Local/{exten}@{context}-0001;{uid[-1]}")


def states(events):
    return [(e.state, e.cause) for e in events if isinstance(e, CallStateChanged)]


def run(tracker, events):
    out = []
    for event in events:
        out.extend(tracker.handle(event))
    return out


def queue_call(hangup_cause="16"):
    caller = chan("1.1", "1.1")
    inbound = chan("1.2", "1.1", context="from-pstn", exten="1883")
    agent1 = chan("1.3", "1.1", context="sandbox-agents", exten="101")
    agent2 = chan("1.4", "1.1", context="sandbox-agents", exten="101")
    return [
        ev("Newchannel", 0, **caller),
        ev("Newchannel", 0, **inbound),
        ev("VarSet", 0.1, **inbound, Variable="HOTLINE_QUEUE", Value="general"),
        ev("QueueCallerJoin", 0.2, **inbound, Queue="general", Position="1"),
        ev("Newchannel", 0.3, **agent1),
        ev("Newchannel", 0.3, **agent2),
        ev("AgentCalled", 0.3, **inbound, DestUniqueid="1.3", Interface="Local/101@sandbox-agents", Queue="general"),
        ev("AgentConnect", 2.3, **inbound, DestUniqueid="1.3", Interface="Local/101@sandbox-agents", Queue="general"),
        ev("Hangup", 7.3, **agent2, Cause="16"),
        ev("Hangup", 7.3, **agent1, Cause="16"),
        ev("AgentComplete", 7.3, **inbound, Queue="general", Reason="agent"),
        ev("Hangup", 7.4, **inbound, Cause=hangup_cause),
        ev("Hangup", 7.4, **caller, Cause=hangup_cause),
    ]


def test_answered_call_cut_by_network_failure_is_dropped():
    out = run(CallTracker(), queue_call(hangup_cause="38"))
    assert states(out)[-1] == (CallState.ENDED, EndCause.DROPPED)


def test_answered_call_cut_on_the_agents_side_is_dropped_and_a_normal_end_completed():
    events = queue_call()
    cut = [ev("Hangup", 7.3, **chan("1.4", "1.1", context="sandbox-agents", exten="101"), Cause="38",
              **{"Cause-txt": "Network out of order"}) if e.get("Event") == "Hangup" and e.get("Uniqueid") == "1.4"
           else e for e in events]   # the agent's phone went away: its leg fails first, the caller's ends normally
    out = run(CallTracker(), cut)
    assert states(out)[-1] == (CallState.ENDED, EndCause.DROPPED)
    assert [e.detail for e in out if isinstance(e, CallStateChanged)][-1] == "agent side: Network out of order"
    assert states(run(CallTracker(), queue_call()))[-1] == (CallState.ENDED, EndCause.COMPLETED)


def test_an_agent_side_cut_is_dropped_whichever_hangup_asterisk_publishes_first():
    """The caller's leg leaves the bridge in its own thread and may hang up (normally) before the failed agent leg's
    Hangup is published: the failure on the agent's side still makes the conversation dropped."""
    failed_agent = ev("Hangup", 7.5, **chan("1.3", "1.1", context="sandbox-agents", exten="101"), Cause="38",
                      **{"Cause-txt": "Network out of order"})
    events = [e for e in queue_call() if not (e.get("Event") == "Hangup" and e.get("Uniqueid") == "1.3")]
    out = run(CallTracker(), events + [failed_agent])
    assert states(out)[-1] == (CallState.ENDED, EndCause.DROPPED)


def test_ring_no_answer_returns_to_queue_and_late_ring_after_answer_is_ignored():
    inbound = chan("1.2", "1.1", context="from-pstn", exten="1883")
    events = queue_call()[:7] + [
        ev("AgentRingNoAnswer", 8.3, **inbound, DestUniqueid="1.3", Interface="Local/101@sandbox-agents"),
        ev("AgentCalled", 8.4, **inbound, DestUniqueid="1.5", Interface="Local/102@sandbox-agents"),
        ev("AgentConnect", 9.0, **inbound, DestUniqueid="1.5", Interface="Local/102@sandbox-agents"),
        ev("AgentCalled", 9.1, **inbound, DestUniqueid="1.6", Interface="Local/103@sandbox-agents"),
    ]
    out = run(CallTracker(), events)
    assert [s for s, _ in states(out)] == [CallState.OFFERED, CallState.QUEUED, CallState.RINGING,
                                           CallState.QUEUED, CallState.RINGING, CallState.ANSWERED]
    assert [e.target for e in out if isinstance(e, CallStateChanged)][-1] == "Local/102@sandbox-agents"


def test_channels_outside_inbound_contexts_make_no_call():
    tracker = CallTracker()
    out = run(tracker, [ev("Newchannel", **chan("9.1", "9.1", context="internal", exten="200")),
                        ev("Hangup", 1, **chan("9.1", "9.1", context="internal", exten="200"), Cause="16")])
    assert out == [] and tracker.channel_linkedid == {}


def test_call_follows_its_caller_to_a_new_linkedid():
    tracker = CallTracker()
    inbound = chan("1.2", "1.1", context="from-pstn", exten="1883")
    out = run(tracker, queue_call()[:4] + [
        ev("BridgeEnter", 5, **dict(inbound, Linkedid="0.9")),
    ])
    relinked = [e for e in out if isinstance(e, CallRelinked)]
    assert relinked and relinked[0].old_id == "1.1" and relinked[0].new_id == "0.9"
    assert set(tracker.calls) == {"0.9"} and tracker.calls["0.9"].call_id == "1.1"
    ended = run(tracker, [ev("Hangup", 6, **dict(inbound, Linkedid="0.9"), Cause="16")])
    assert [e.call_id for e in ended if isinstance(e, CallStateChanged)] == ["1.1"]


def test_resync_closes_calls_the_pbx_lost_and_adopts_unknown_live_calls():
    tracker = CallTracker()
    run(tracker, queue_call()[:8])  # answered, live
    now = dt.datetime.fromtimestamp(T0 + 60, dt.timezone.utc)
    snapshot = PbxSnapshot(channels=[
        LiveChannel("2.1", "2.1", "Local/1883@from-pstn-0002;1", "sandbox-caller", "s", "+3706", "", True, 30),
        LiveChannel("2.2", "2.1", "Local/1883@from-pstn-0002;2", "from-pstn", "1883", "+3706", "Queue", True, 30),
        LiveChannel("2.3", "2.1", "Local/102@sandbox-agents-0003;1", "sandbox-agents", "102", "", "", True, 20),
    ])
    out = reconcile(tracker, snapshot, now)
    ended = [e for e in out if isinstance(e, CallStateChanged) and e.state is CallState.ENDED]
    assert [(e.call_id, e.cause) for e in ended] == [("1.1", EndCause.LOST_DURING_OUTAGE)]
    adopted = [e for e in out if isinstance(e, CallOffered)]
    assert [e.call_id for e in adopted] == ["2.1"]
    assert adopted[0].at == now - dt.timedelta(seconds=30)
    assert tracker.calls["2.1"].state is CallState.ANSWERED
    assert set(tracker.calls) == {"2.1"}


def test_restored_open_call_not_on_the_pbx_is_closed_as_lost():
    tracker = CallTracker()
    tracker.restore("7.1", "7.1", CallState.QUEUED, "general")
    out = reconcile(tracker, PbxSnapshot(), dt.datetime.now(dt.timezone.utc))
    assert states(out) == [(CallState.ENDED, EndCause.LOST_DURING_OUTAGE)]


def test_call_hung_up_by_a_pbx_shutdown_is_lost_not_completed():
    events = queue_call()
    shutdown = ev("SoftHangupRequest", 7.2, **chan("1.2", "1.1", context="from-pstn", exten="1883"), Cause="4")
    out = run(CallTracker(), events[:8] + [shutdown] + events[8:])
    assert states(out)[-1] == (CallState.ENDED, EndCause.LOST_DURING_OUTAGE)


def test_a_call_the_queue_could_not_take_ends_unanswered_with_its_queue_never_abandoned():
    caller = chan("2.1", "2.1")
    inbound = chan("2.2", "2.1", context="from-pstn", exten="1883")
    out = run(CallTracker(), [
        ev("Newchannel", 0, **caller),
        ev("Newchannel", 0, **inbound),
        # JOINEMPTY: every member paused, so the queue never saw the caller (no QueueCallerJoin)
        ev("UserEvent", 0.2, **inbound, UserEvent="HotlineQueueFailed", Queue="employers", Status="JOINEMPTY"),
        ev("Hangup", 9.0, **inbound, Cause="16"),   # the caller hangs up during the apology, or after it
        ev("Hangup", 9.0, **caller, Cause="16"),
    ])
    [end] = [e for e in out if isinstance(e, CallStateChanged) and e.state is CallState.ENDED]
    assert (end.cause, end.queue) == (EndCause.UNANSWERED, "employers")


def test_without_the_queue_failure_the_same_call_is_one_the_caller_abandoned():
    caller = chan("3.1", "3.1")
    inbound = chan("3.2", "3.1", context="from-pstn", exten="1883")
    out = run(CallTracker(), [ev("Newchannel", 0, **caller), ev("Newchannel", 0, **inbound),
                              ev("Hangup", 9.0, **inbound, Cause="16"), ev("Hangup", 9.0, **caller, Cause="16")])
    assert states(out)[-1] == (CallState.ENDED, EndCause.ABANDONED)


def test_a_call_on_the_closed_line_ends_closed_whenever_the_caller_hangs_up():
    for hang_up_at in (0.5, 30.0):   # during the hours, or after the goodbye
        caller = chan("4.1", "4.1")
        inbound = chan("4.2", "4.1", context="from-pstn", exten="1883")
        out = run(CallTracker(), [
            ev("Newchannel", 0, **caller), ev("Newchannel", 0, **inbound),
            ev("UserEvent", 0.1, **inbound, UserEvent="HotlineClosed", Dialled="1883"),
            ev("Hangup", hang_up_at, **inbound, Cause="16"), ev("Hangup", hang_up_at, **caller, Cause="16"),
        ])
        assert states(out)[-1] == (CallState.ENDED, EndCause.CLOSED)


def test_a_leg_dialled_out_to_the_trunk_from_an_untracked_call_is_not_an_inbound_call():
    # the callback dialer's agent leg (its own call) dials the client; the trunk's channel lands in from-pstn
    agent_leg = chan("cb-1", "cb-1", context="hotline-callback", exten="s", name="Local/101@agent-reach-0001;1")
    client = chan("7.2", "cb-1", context="from-pstn", exten="s", name="PJSIP/trunk-00000007")
    out = run(CallTracker(), [ev("Newchannel", 0, **agent_leg), ev("Newchannel", 1, **client),
                              ev("DialBegin", 1, **agent_leg, DestUniqueid="7.2"), ev("Hangup", 5, **client),
                              ev("Hangup", 5, **agent_leg)])
    assert out == []
    snapshot = PbxSnapshot(channels=[
        LiveChannel("cb-1", "cb-1", "Local/101@agent-reach-0001;1", "hotline-callback", "s", "", "Dial", True, 9),
        LiveChannel("7.2", "cb-1", "PJSIP/trunk-00000007", "from-pstn", "s", "+3706", "", True, 8),
    ])
    tracker = CallTracker()
    assert not [e for e in reconcile(tracker, snapshot, dt.datetime.now(dt.timezone.utc))
                if isinstance(e, CallOffered)] and tracker.calls == {}


def test_a_sip_call_from_the_trunk_is_an_inbound_call():
    caller = chan("8.1", "8.1", context="from-pstn", exten="1883", name="PJSIP/trunk-00000008")
    out = run(CallTracker(), [ev("Newchannel", 0, **caller), ev("Hangup", 3, **caller, Cause="16")])
    assert [e.caller for e in out if isinstance(e, CallOffered)] == ["+37060000001"]


def test_an_unanswered_call_that_booked_a_callback_ends_callback_booked():
    caller = chan("9.1", "9.1", context="from-pstn", exten="1883", name="PJSIP/trunk-00000009")
    booked = ev("UserEvent", 20, **caller, UserEvent="HotlineCallbackBooked", Task="7")
    events = [ev("Newchannel", 0, **caller), ev("QueueCallerJoin", 1, **caller, Queue="general"),
              booked, ev("Hangup", 25, **caller, Cause="16")]
    assert states(run(CallTracker(), events))[-1] == (CallState.ENDED, EndCause.CALLBACK_BOOKED)
    without = [e for e in events if e is not booked]
    assert states(run(CallTracker(), without))[-1][1] is not EndCause.CALLBACK_BOOKED
