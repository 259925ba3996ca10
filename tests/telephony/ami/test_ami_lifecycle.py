"""AmiClient's connection lifecycle and event delivery against the scripted AMI peer: reconnect and backoff,
Shutdown, errors, ordering, back-pressure, bounded messages."""
from __future__ import annotations

import asyncio
import random
import socket

import pytest

from telephony.ami import AmiActionError, AmiClient, AmiConfig, AmiDisconnected
from tests.telephony.ami.ami_peer import AmiPeer, encode_message, eventually


@pytest.fixture
async def peer():
    peer = await AmiPeer(secret="good").start()
    yield peer
    await peer.stop()


def config_for(peer: AmiPeer, **overrides) -> AmiConfig:
    settings = dict(host=peer.host, port=peer.port, username="hotline", secret="good", action_timeout=2.0,
                    ping_interval=60.0, reconnect_min=0.01, reconnect_max=0.05)
    settings.update(overrides)
    return AmiConfig(**settings)


@pytest.fixture
async def client(peer):
    client = AmiClient(config_for(peer))
    await client.start()
    await client.wait_connected(5)
    yield client
    await client.stop()


class RecordedSleep:
    """Stands in for asyncio.sleep in the reconnect loop: records each backoff delay, waits for nothing."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_reconnects_after_the_peer_drops_and_tells_subscribers_in_order(peer):
    client = AmiClient(config_for(peer))
    notices: list[object] = []
    reconnected = asyncio.Event()

    async def on_connected(is_reconnect: bool) -> None:
        notices.append(("connected", is_reconnect))
        if is_reconnect:
            reconnected.set()
    client.on_connected(on_connected)
    client.on_disconnected(lambda reason: notices.append(("disconnected", reason)))
    client.on_event(lambda ev: notices.append(ev["Event"]))
    await client.start()
    try:
        await client.wait_connected(5)
        await peer.push_event({"Event": "Newchannel"})
        await eventually(lambda: "Newchannel" in notices)
        await peer.drop()
        await asyncio.wait_for(reconnected.wait(), 5)
        assert notices == [("connected", False), "Newchannel", ("disconnected", "PBX closed the connection"),
                           ("connected", True)]
        assert client.connected and client.stats.reconnects == 1 and peer.logins == 2
        assert client.stats.connected_since is not None
    finally:
        await client.stop()


async def test_backoff_grows_exponentially_with_jitter_up_to_the_maximum():
    sleep = RecordedSleep()
    config = AmiConfig(host="127.0.0.1", port=unused_port(), username="hotline", secret="x", reconnect_min=0.5,
                       reconnect_max=4.0)
    client = AmiClient(config, sleep=sleep, rng=random.Random(7))
    await client.start()
    try:
        await eventually(lambda: len(sleep.delays) >= 7)
    finally:
        await client.stop()
    bases = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    for delay, base in zip(sleep.delays, bases):
        assert 0.75 * base <= delay <= base
    assert sleep.delays[0] < sleep.delays[1] < sleep.delays[2] < sleep.delays[3]
    assert len(set(sleep.delays[3:7])) > 1  # jittered, so many services do not redial in step
    assert "cannot connect to AMI" in client.stats.last_error


async def test_backoff_restarts_from_the_minimum_after_a_successful_login(peer):
    sleep = RecordedSleep()
    client = AmiClient(config_for(peer, reconnect_min=0.5, reconnect_max=30.0), sleep=sleep)
    await client.start()
    try:
        await client.wait_connected(5)
        for logins in (2, 3):
            await peer.drop()
            await peer.wait_logins(logins)
    finally:
        await client.stop()
    assert len(sleep.delays) == 2 and all(0.375 <= d <= 0.5 for d in sleep.delays)


async def test_error_response_raises_action_error_with_the_pbx_message(client):
    with pytest.raises(AmiActionError, match="Invalid/unknown command"):
        await client.action({"Action": "NoSuchThing"})
    with pytest.raises(AmiActionError, match="Invalid/unknown command"):
        await client.action_list({"Action": "NoSuchList"})
    assert client.connected


async def test_action_list_returns_the_items_without_response_and_complete_event(peer, client):
    peer.lists["QueueStatus"] = [{"Event": "QueueParams", "Queue": "q1"},
                                 {"Event": "QueueMember", "Queue": "q1", "Name": "PJSIP/101"},
                                 {"Event": "QueueEntry", "Queue": "q1", "Position": "1"}]
    events = await client.action_list({"Action": "QueueStatus"})
    assert [e["Event"] for e in events] == ["QueueParams", "QueueMember", "QueueEntry"]
    assert events[1]["name"] == "PJSIP/101"  # case-insensitive access
    peer.lists["CoreShowChannels"] = []
    assert await client.action_list({"Action": "CoreShowChannels"}) == []


async def test_actions_fail_fast_when_not_connected_and_when_stopped(peer):
    client = AmiClient(config_for(peer))
    with pytest.raises(AmiDisconnected, match="not connected"):
        await client.action({"Action": "Ping"})
    await client.start()
    await client.wait_connected(5)
    peer.replies["UserEvent"] = None
    pending = asyncio.create_task(client.action({"Action": "UserEvent"}, timeout=30))
    await peer.wait_action("UserEvent")
    await client.stop()
    with pytest.raises(AmiDisconnected):
        await asyncio.wait_for(pending, 5)
    assert not client.connected


async def test_header_injection_in_an_action_is_refused(client):
    with pytest.raises(ValueError, match="line break"):
        await client.action({"Action": "Originate", "CallerID": "x\r\nAction: Hangup"})


async def test_shutdown_event_is_delivered_then_the_client_reconnects(peer, client):
    events: list[str] = []
    reasons: list[str] = []
    client.on_event(lambda ev: events.append(ev["Event"]))
    client.on_disconnected(reasons.append)
    await peer.push_event({"Event": "Shutdown", "Shutdown": "Cleanly", "Restart": "True"})
    await peer.wait_logins(2)
    await client.wait_connected(5)
    await eventually(lambda: reasons == ["PBX shut down"])
    assert events == ["Shutdown"]


async def test_async_subscribers_are_awaited_in_arrival_order(peer, client):
    seen: list[int] = []

    async def uneven(event) -> None:
        number = int(event["Seq"])
        for _ in range(number % 4):  # later events would overtake earlier ones if run concurrently
            await asyncio.sleep(0)
        seen.append(number)

    client.on_event(uneven)
    await peer.push(b"".join(encode_message({"Event": "VarSet", "Seq": n}) for n in range(50)))
    await eventually(lambda: len(seen) == 50)
    assert seen == list(range(50))


async def test_slow_subscribers_pause_reading_instead_of_growing_memory_and_lose_nothing(peer):
    client = AmiClient(config_for(peer, max_queued_events=10))
    release = asyncio.Event()
    seen: list[int] = []

    async def slow(event) -> None:
        await release.wait()
        seen.append(int(event["Seq"]))

    client.on_event(slow)
    await client.start()
    try:
        await client.wait_connected(5)
        for chunk in range(20):  # 200 events in 20 separate reads
            await peer.push(b"".join(encode_message({"Event": "VarSet", "Seq": chunk * 10 + n}) for n in range(10)))
        await eventually(lambda: client.stats.read_pauses >= 1)
        assert client.backlog < 100  # the rest waits in the socket, not in our memory
        release.set()
        await eventually(lambda: len(seen) == 200)
        assert seen == list(range(200))
        assert client.connected and client.stats.events_received == 200
    finally:
        await client.stop()


async def test_oversized_message_is_discarded_and_the_stream_resynchronises(peer):
    client = AmiClient(config_for(peer, max_message_bytes=1024))
    seen: list[str] = []
    client.on_event(lambda ev: seen.append(ev["Event"]))
    await client.start()
    try:
        await client.wait_connected(5)
        flood = b"Event: Flood\r\nData: " + b"x" * 5000  # no blank line for 5 KB
        await peer.push(flood, split_at=range(0, len(flood), 700))
        await peer.push(b"\r\n\r\n" + encode_message({"Event": "AfterFlood"}))
        await eventually(lambda: seen == ["AfterFlood"])
        assert client.stats.parse_errors == 1 and client.connected
    finally:
        await client.stop()


async def test_a_message_that_cannot_be_routed_is_skipped_without_losing_the_connection(peer, client):
    peer.replies["UserEvent"] = None
    pending = asyncio.create_task(client.action({"Action": "UserEvent"}, timeout=30))
    await peer.wait_action("UserEvent")
    seen: list[str] = []
    client.on_event(lambda ev: seen.append(ev["Event"]))
    # a repeated ActionID makes its value a list, which no pending action can be looked up by
    await peer.push(b"Event: Odd\r\nActionID: a\r\nActionID: b\r\n\r\n" + encode_message({"Event": "Next"}))
    await eventually(lambda: seen == ["Next"])
    assert client.stats.parse_errors == 1 and client.connected
    pending.cancel()


async def test_peer_replay_streams_recorded_traffic_to_the_client(peer, client):
    count = 0

    def counting(event) -> None:
        nonlocal count
        count += 1

    client.on_event(counting)
    recording = b"".join(encode_message({"Event": "VarSet", "Seq": n}) for n in range(3000))
    sent = await peer.replay(recording[i:i + 4096] for i in range(0, len(recording), 4096))
    await eventually(lambda: count == 3000)
    assert sent == len(recording) and client.stats.events_received == 3000
