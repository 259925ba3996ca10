"""The AMI binding of the call model against a scripted AMI peer: resync after login, retry, held events."""
from __future__ import annotations

import asyncio

import pytest

from core.bus import EventBus
from core.dialplan import CONTEXT_FROM_PSTN, CONTEXT_PUBLIC
from core.events import CallOffered, PbxConnected, PbxResynced
from telephony.ami import AmiClient, AmiConfig
from telephony.calls import handlers
from telephony.calls.handlers import CallEventHandler
from telephony.calls.tracker import CallTracker
from tests.telephony.ami.ami_peer import AmiPeer, eventually

NEW_CALL = [
    {"Event": "Newchannel", "Channel": "PJSIP/trunk-00000001", "Uniqueid": "5.1", "Linkedid": "5.1",
     "Context": CONTEXT_FROM_PSTN, "Exten": "1883", "CallerIDNum": "+37060000009"},
    {"Event": "Newexten", "Channel": "PJSIP/trunk-00000001", "Uniqueid": "5.1", "Linkedid": "5.1",
     "Context": CONTEXT_FROM_PSTN, "Exten": "1883", "CallerIDNum": "+37060000009"},
]


@pytest.fixture
async def peer():
    peer = await AmiPeer(secret="s3cret-s3cret").start()
    peer.lists["CoreShowChannels"] = []
    peer.lists["Status"] = []
    yield peer
    await peer.stop()


@pytest.fixture
async def start_wired(peer):
    """Start the AMI client + call handler + bus against ``peer`` (script the peer first)."""
    started = []

    async def start():
        ami = AmiClient(AmiConfig(peer.host, peer.port, "hotline", "s3cret-s3cret", action_timeout=2))
        bus = EventBus()
        published: list = []
        bus.subscribe("probe", published.append, durable=True)
        handler = CallEventHandler(ami, CallTracker((CONTEXT_FROM_PSTN, CONTEXT_PUBLIC)), bus)
        handler.subscribe()
        await bus.start()
        await ami.start()
        started.append((ami, bus))
        return handler, bus, published

    yield start
    for ami, bus in started:
        await ami.stop()
        await bus.stop()


async def test_resync_waits_for_modules_still_loading_and_holds_events_until_it_is_done(peer, start_wired):
    handler, bus, published = await start_wired()
    # right after an Asterisk restart app_queue is not loaded yet: QueueStatus is an unknown command
    await peer.wait_action("QueueStatus", count=2, timeout=5)
    for event in NEW_CALL:
        await peer.push_event(event)
    assert handler.resyncs == 0

    peer.lists["QueueStatus"] = []  # the module has loaded
    await eventually(lambda: handler.resyncs == 1, timeout=10)
    await bus.drain()

    kinds = [type(e) for e in published]
    assert kinds[0] is PbxConnected and PbxResynced in kinds and CallOffered in kinds
    assert kinds.index(PbxResynced) < kinds.index(CallOffered)  # the held call comes after the resync
    assert handler.tracker.active_calls == 1


async def test_a_live_call_found_by_the_resync_is_adopted(peer, start_wired):
    peer.lists["QueueStatus"] = [{"Event": "QueueEntry", "Queue": "general_info", "Uniqueid": "6.2",
                                  "Channel": "Local/1883@from-pstn-00000002;2"}]
    peer.lists["CoreShowChannels"] = [
        {"Event": "CoreShowChannel", "Channel": "Local/1883@from-pstn-00000002;2", "Uniqueid": "6.2",
         "Linkedid": "6.1", "Context": CONTEXT_PUBLIC, "Exten": "1883", "CallerIDNum": "+37060000010",
         "Application": "Queue", "Duration": "00:00:42", "BridgeId": ""},
    ]
    handler, bus, published = await start_wired()
    await eventually(lambda: handler.resyncs == 1, timeout=5)
    await bus.drain()
    [offered] = [e for e in published if isinstance(e, CallOffered)]
    assert offered.call_id == "6.1" and offered.caller == "+37060000010"
    assert handler.tracker.calls["6.1"].queue == "general_info"
    assert handler.tracker.calls["6.1"].state.value == "queued"


async def test_events_held_during_a_stuck_resync_are_bounded_and_flow_again_after_its_timeout(peer, start_wired,
                                                                                              monkeypatch):
    monkeypatch.setattr("telephony.calls.handlers.MAX_HELD_EVENTS", 10)
    monkeypatch.setattr("telephony.calls.handlers.RESYNC_RETRY_DELAYS", ())
    peer.replies["CoreShowChannels"] = None  # the PBX never answers the resync
    handler, bus, published = await start_wired()
    await peer.wait_action("CoreShowChannels")
    for i in range(30):
        await peer.push_event({"Event": "VarSet", "Uniqueid": f"9.{i}", "Linkedid": "9.0"})

    await eventually(lambda: handler._held is not None and len(handler._held) == 10, timeout=2)
    assert handler.events_seen == 10  # intake waits instead of holding more

    await eventually(lambda: handler.events_seen == 30, timeout=5)  # action_timeout=2 s ends the resync
    assert handler._held is None and handler.resyncs == 0


async def test_a_failed_resync_is_tried_again_on_a_timer_without_a_reconnect(peer, start_wired, monkeypatch):
    monkeypatch.setattr(handlers, "RESYNC_RETRY_DELAYS", (0.05,))
    monkeypatch.setattr(handlers, "RESYNC_RETRY_EVERY", 0.3)
    handler, bus, published = await start_wired()
    await peer.wait_action("QueueStatus", count=2, timeout=5)   # both tries of the first resync refused
    await eventually(lambda: handler._held is None, timeout=5)    # it gave up: events flow again meanwhile
    assert handler.resyncs == 0
    peer.lists["QueueStatus"] = []                               # the PBX answers now
    await eventually(lambda: handler.resyncs == 1, timeout=5)     # the timer's resync, on the same connection
    await bus.drain()
    assert [type(e) for e in published].count(PbxConnected) == 1


class GatedAmi:
    """An AMI port whose list actions wait until the test opens the gate (a resync stuck behind a slow PBX)."""

    connected = True

    def __init__(self) -> None:
        self.gate = asyncio.Event()

    async def action_list(self, action: dict, *, timeout: float | None = None) -> list[dict]:
        await self.gate.wait()
        return []


async def test_a_reconnect_during_a_resync_keeps_the_new_resyncs_hold_on_events():
    bus = EventBus()
    await bus.start()
    ami = GatedAmi()
    handler = CallEventHandler(ami, CallTracker((CONTEXT_FROM_PSTN, CONTEXT_PUBLIC)), bus)
    try:
        await handler.on_connected(False)
        await asyncio.sleep(0.01)            # the first resync waits for its lists, holding events meanwhile
        for event in NEW_CALL:
            await handler.on_event(event)
        await handler.on_connected(True)     # the connection dropped and came back: a new resync
        await asyncio.sleep(0.05)            # the first one's cancellation has run its cleanup
        assert handler.tracker.active_calls == 0, "held events must wait for the new resync's snapshot"
        assert handler._held == NEW_CALL
        ami.gate.set()
        await eventually(lambda: handler.resyncs == 1, timeout=5)
        assert handler.tracker.active_calls == 1 and handler._held is None
    finally:
        await handler.close()
        await bus.stop()
