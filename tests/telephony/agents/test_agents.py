"""Agent state from scripted AMI events: transitions, changes-only announcements, resync, the wrap-up timer."""
from __future__ import annotations

import asyncio
import datetime as dt

from core.events import AgentState, AgentStateChanged
from core.policy import load_profile
from telephony.agents.tracker import AgentTracker, run_wrapup_timer
from telephony.calls.resync import PbxSnapshot
from tests.telephony.ami_replay import recorded

LT = load_profile("lt-employment-1883")
T0 = 1_800_000_000.0
IFACE = "Local/101@agent-reach"


def ev(name: str, at: float, **fields: str) -> dict[str, str]:
    return {"Event": name, "Timestamp": f"{T0 + at:.6f}", **fields}


def member(name: str, at: float, queue: str = "general_info", iface: str = IFACE, **fields: str) -> dict:
    return ev(name, at, Queue=queue, Interface=iface, MemberName=iface.split("/")[1].split("@")[0], **fields)


def feed(tracker: AgentTracker, *events: dict) -> list[AgentStateChanged]:
    out = []
    for event in events:
        out.extend(tracker.handle(event))
    return out


def after_login(*events: dict) -> tuple[AgentTracker, list[AgentStateChanged]]:
    """A fresh tracker fed the login of agent 101 (available in general_info), then ``events``."""
    tracker = AgentTracker(LT)
    return tracker, feed(tracker, member("QueueMemberAdded", 0, Status="1", Paused="0"), *events)


def answered_call(uid: str, rung: float, answered: float, completed: float) -> list[dict]:
    """Agent 101 rung for call ``uid``, answering it, and the call completing, at those seconds."""
    return [member("AgentCalled", rung, DestUniqueid=uid), member("AgentConnect", answered, DestUniqueid=uid),
            member("AgentComplete", completed, DestUniqueid=uid)]


def states(out) -> list[tuple[str, str]]:
    return [(e.state.value, e.reason) for e in out]


def test_answered_call_goes_ringing_in_call_wrap_up_available():
    tracker, out = after_login(
        member("AgentCalled", 1, DestUniqueid="9.1"),
        member("QueueMemberStatus", 1.1, Status="6", Paused="0"),  # same state again: nothing announced
        member("AgentConnect", 3, DestUniqueid="9.1"),
        member("AgentComplete", 10, DestUniqueid="9.1"),
    )
    assert states(out) == [("available", ""), ("ringing", ""), ("in_call", ""), ("wrap_up", "")]
    deadline = tracker.next_deadline()
    assert deadline == dt.datetime.fromtimestamp(T0 + 10 + LT.queue("general_info").wrapup_seconds, dt.UTC)
    assert tracker.expire(deadline - dt.timedelta(seconds=1)) == []
    [done] = tracker.expire(deadline)
    assert (done.state, done.at, done.extension) == (AgentState.AVAILABLE, deadline, "101")
    assert tracker.next_deadline() is None


def test_pause_with_reason_and_unpause():
    tracker, out = after_login(
        member("QueueMemberPause", 1, Paused="1", PausedReason="ring_no_answer"),
        member("QueueMemberPause", 5, Paused="0", PausedReason=""),
    )
    assert states(out) == [("available", ""), ("paused", "ring_no_answer"), ("available", "")]


def test_a_ring_the_caller_abandons_ends_with_the_member_channel_hangup():
    tracker, out = after_login(
        member("AgentCalled", 1, DestUniqueid="9.1"),
        ev("Hangup", 2, Uniqueid="9.1", Channel="Local/101@agent-reach-00000001;1"),
    )
    assert states(out)[-1] == ("available", "")


def test_ring_out_returns_to_available_without_wrap_up():
    tracker, out = after_login(
        member("AgentCalled", 1, DestUniqueid="9.1"),
        member("AgentRingNoAnswer", 9, DestUniqueid="9.1", RingTime="8000"),
    )
    assert states(out) == [("available", ""), ("ringing", ""), ("available", "")]


def test_unreachable_softphone_and_unavailable_device():
    tracker, out = after_login(
        member("AgentCalled", 1, DestUniqueid="9.1"),
        ev("UserEvent", 1.1, UserEvent="HotlineAgentReach", Extension="101", SoftphoneStatus="CHANUNAVAIL"),
        member("AgentRingNoAnswer", 9, DestUniqueid="9.1"),
        member("AgentCalled", 10, DestUniqueid="9.2"),  # tried again: unknown until agent-reach says
        member("AgentConnect", 11, DestUniqueid="9.2"),
    )
    assert states(out) == [("available", ""), ("ringing", ""), ("unreachable", "softphone_unreachable"),
                           ("ringing", ""), ("in_call", "")]
    other = AgentTracker(LT)
    out = feed(other, member("QueueMemberAdded", 0, Status="5", Paused="0"))
    assert states(out) == [("unreachable", "device_unavailable")]


def test_a_phone_busy_outside_the_queue_is_in_call_and_an_unregistered_one_unreachable():
    tracker, out = after_login(
        member("QueueMemberStatus", 1, Status="2"),            # its hint: the phone took a direct-line call
        member("QueueMemberStatus", 9, Status="1"),
        ev("ContactStatus", 10, AOR="101", EndpointName="101", ContactStatus="Removed"),
        ev("ContactStatus", 20, AOR="101", EndpointName="101", ContactStatus="Created"),
        ev("ContactStatus", 21, AOR="999", EndpointName="999", ContactStatus="Removed"),   # not an agent
    )
    assert states(out) == [("available", ""), ("in_call", "device_in_use"), ("available", ""),
                           ("unreachable", "softphone_unregistered"), ("available", "")]


def test_logged_in_while_member_of_any_queue():
    tracker = AgentTracker(LT)
    out = feed(
        tracker,
        member("QueueMemberAdded", 0, queue="employers", Status="1", Paused="0"),
        member("QueueMemberAdded", 0, queue="job_seekers", Status="1", Paused="0"),
        member("QueueMemberRemoved", 1, queue="employers"),
        member("QueueMemberRemoved", 2, queue="job_seekers"),
    )
    assert states(out) == [("available", ""), ("logged_out", "")]


def test_reconcile_rebuilds_from_queue_status():
    tracker = AgentTracker(LT)
    feed(tracker, member("QueueMemberAdded", 0, iface="Local/104@agent-reach", Status="1", Paused="0"))
    snapshot = PbxSnapshot(queue_members=[
        {"Event": "QueueMember", "Queue": "employers", "Name": "101", "Location": IFACE, "Status": "1",
         "Paused": "1", "PausedReason": "lunch", "InCall": "0"},
        {"Event": "QueueMember", "Queue": "general_info", "Name": "101", "Location": IFACE, "Status": "1",
         "Paused": "1", "PausedReason": "lunch", "InCall": "0"},
        {"Event": "QueueMember", "Queue": "general_info", "Name": "102", "Location": "Local/102@agent-reach",
         "Status": "2", "Paused": "0", "InCall": "1"},
    ])
    now = dt.datetime.fromtimestamp(T0 + 50, dt.UTC)
    out = tracker.reconcile(snapshot, now)
    assert {(e.extension, e.state.value, e.reason) for e in out} == {
        ("101", "paused", "lunch"), ("102", "in_call", ""), ("104", "logged_out", "")}
    views = {view.extension: view for view in tracker.snapshot()}
    assert views["101"].queues == ("employers", "general_info") and views["101"].since == now
    assert views["102"].interface == "Local/102@agent-reach"
    assert tracker.reconcile(snapshot, now) == []  # nothing changed: nothing announced
    assert states(feed(tracker, ev("AgentComplete", 60, Queue="general_info", Interface="Local/102@agent-reach",
                                   DestUniqueid="x")))[-1] == ("wrap_up", "")


def test_reconcile_reads_the_registration_of_agents_whose_extension_is_a_pjsip_aor():
    tracker = AgentTracker(LT)
    interfaces = {ext: f"Local/{ext}@agent-reach" for ext in ("101", "102", "103", "104")}
    logins = [member("QueueMemberAdded", 0, iface=iface, Status="1", Paused="0") for iface in interfaces.values()]
    feed(tracker, *logins, ev("ContactStatus", 1, AOR="102", EndpointName="102", ContactStatus="Removed"),
         ev("ContactStatus", 1, AOR="103", EndpointName="103", ContactStatus="Removed"))
    members = [{"Event": "QueueMember", "Queue": "general_info", "Name": ext, "Location": iface, "Status": "1",
                "Paused": "0", "InCall": "0"} for ext, iface in interfaces.items()]

    def resync(at: float, registrations: dict[str, bool] | None) -> set[tuple[str, str, str]]:
        snapshot = PbxSnapshot(queue_members=members, registrations=registrations)
        return {(e.extension, e.state.value, e.reason)
                for e in tracker.reconcile(snapshot, dt.datetime.fromtimestamp(T0 + at, dt.UTC))}

    # 101's phone went away and 102's came back while hotline was not listening; 103 and 104 have no AOR (a
    # softphone that is no PJSIP endpoint, like the sandbox's simulators): they keep what they had
    assert resync(50, {"101": False, "102": True, "trunk": True}) == {
        ("101", "unreachable", "softphone_unregistered"), ("102", "available", "")}
    assert resync(60, None) == set()                         # the PBX cannot tell (no res_pjsip): nobody changes
    assert resync(70, {"101": True, "102": True}) == {("101", "available", "")}
    views = {view.extension: (view.state.value, view.reason) for view in tracker.snapshot()}
    assert views == {"101": ("available", ""), "102": ("available", ""),
                     "103": ("unreachable", "softphone_unregistered"), "104": ("available", "")}


def test_recorded_queue_call_ends_in_wrap_up_for_the_agent_who_answered():
    tracker = AgentTracker(LT)
    out = feed(tracker, *recorded("queue_answered"))
    mine = [e for e in out if e.extension == "102"]
    assert [e.state.value for e in mine][-3:] == ["ringing", "in_call", "wrap_up"]


async def test_wrapup_timer_publishes_the_end_of_wrap_up():
    wake = asyncio.Event()
    tracker = AgentTracker(LT, on_deadline=wake.set)
    feed(tracker, member("QueueMemberAdded", 0, Status="1", Paused="0"), *answered_call("9.1", 1, 2, 3))
    assert wake.is_set()
    published: asyncio.Queue = asyncio.Queue()
    later = dt.datetime.fromtimestamp(T0 + 100, dt.UTC)  # the clock is already past the deadline
    timer = asyncio.create_task(run_wrapup_timer(tracker, published.put, wake, clock=lambda: later))
    try:
        event = await asyncio.wait_for(published.get(), 5)
    finally:
        timer.cancel()
    assert event.state is AgentState.AVAILABLE and event.extension == "101"
