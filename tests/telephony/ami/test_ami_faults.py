"""Each fault of panoramisk 1.4 that AmiClient wraps, shown against the scripted AMI peer over loopback TCP.

Every test here would fail (hang, lose data or lose the connection) on bare panoramisk's Manager.
"""
from __future__ import annotations

import asyncio
import logging

import pytest

from telephony.ami import AmiClient, AmiConfig, AmiDisconnected, AmiTimeout
from tests.telephony.ami.ami_peer import AmiPeer, encode_message, eventually

PHONE = "+37060012345"


@pytest.fixture
async def peer():
    peer = await AmiPeer(secret="good").start()
    yield peer
    await peer.stop()


@pytest.fixture
async def make_client(peer):
    clients: list[AmiClient] = []

    async def make(**overrides) -> AmiClient:
        settings = dict(host=peer.host, port=peer.port, username="hotline", secret="good", action_timeout=2.0,
                        ping_interval=60.0, ping_timeout=5.0, reconnect_min=0.01, reconnect_max=0.05)
        settings.update(overrides)
        client = AmiClient(AmiConfig(**settings))
        clients.append(client)
        await client.start()
        if settings["secret"] == "good":
            await client.wait_connected(5)
        return client

    yield make
    for client in clients:
        await client.stop()


async def test_1_action_without_reply_times_out(peer, make_client):
    peer.replies["UserEvent"] = None  # the PBX never answers
    client = await make_client(action_timeout=0.2)
    with pytest.raises(AmiTimeout, match="UserEvent"):
        await client.action({"Action": "UserEvent", "UserEvent": "x"})  # default timeout from the config
    with pytest.raises(AmiTimeout, match="0.1 s"):
        await client.action({"Action": "UserEvent", "UserEvent": "x"}, timeout=0.1)
    assert (await client.action({"Action": "Ping"}))["Ping"] == "Pong"  # the connection is still fine


async def test_2_pending_list_fails_when_connection_drops_mid_list_and_is_not_resent(peer, make_client):
    half_a_list = (encode_message({"Response": "Success", "ActionID": "{id}", "EventList": "start",
                                   "Message": "Channels will follow"})
                   + encode_message({"Event": "CoreShowChannel", "ActionID": "{id}", "Channel": "PJSIP/1"}))
    peer.replies["CoreShowChannels"] = lambda action: half_a_list.replace(b"{id}", action["ActionID"].encode())
    peer.replies["UserEvent"] = None  # never answered
    client = await make_client(action_timeout=30)
    listing = asyncio.create_task(client.action_list({"Action": "CoreShowChannels"}))
    single = asyncio.create_task(client.action({"Action": "UserEvent"}))
    await peer.wait_action("UserEvent")
    await peer.drop()
    with pytest.raises(AmiDisconnected):
        await asyncio.wait_for(listing, 5)  # well before its own 30 s timeout
    with pytest.raises(AmiDisconnected):
        await asyncio.wait_for(single, 5)
    await peer.wait_logins(2)
    await client.wait_connected(5)
    assert client.connected
    names = [a["Action"] for a in peer.actions]
    assert names.count("CoreShowChannels") == 1 and names.count("UserEvent") == 1  # the caller decides


async def test_3_originate_queued_reply_resolves_without_keyerror_async(peer, make_client):
    peer.replies["Originate"] = {"Response": "Success", "Message": "Originate successfully queued"}
    client = await make_client()
    seen: list[str] = []
    client.on_event(lambda ev: seen.append(ev["Event"]))
    reply = await client.action({"Action": "Originate", "Channel": "Local/1883@from-pstn", "Application": "Wait",
                                 "Data": "1"})  # no "Async" field: panoramisk's Action.multi raises KeyError
    assert reply["Message"] == "Originate successfully queued"
    action_id = peer.actions[-1]["ActionID"]
    await peer.push_event({"Event": "OriginateResponse", "ActionID": action_id, "Response": "Success"})
    await eventually(lambda: seen == ["OriginateResponse"])  # the late event still reaches subscribers
    assert client.connected and peer.logins == 1 and len(peer.connection_times) == 1


async def test_4_raising_subscribers_are_isolated_counted_and_logged_without_contents(peer, make_client, caplog):
    client = await make_client()
    received: list[str] = []
    done = asyncio.Event()

    def sync_bad(event):
        raise KeyError(event["CallerIDNum"])

    async def async_bad(event):
        await asyncio.sleep(0)
        raise ValueError(f"cannot handle {event['CallerIDNum']}")

    def good(event):
        received.append(event["Uniqueid"])
        if len(received) == 3:
            done.set()

    client.on_event(sync_bad)
    client.on_event(async_bad)
    client.on_event(good)
    caplog.set_level(logging.DEBUG)
    for uniqueid in ("1.1", "1.2", "1.3"):
        await peer.push_event({"Event": "Newchannel", "Uniqueid": uniqueid, "CallerIDNum": PHONE})
    await asyncio.wait_for(done.wait(), 5)
    assert received == ["1.1", "1.2", "1.3"]
    assert client.stats.handler_errors == 6
    assert client.connected and peer.logins == 1
    assert (await client.action({"Action": "Ping"}))["Ping"] == "Pong"
    assert "KeyError" in caplog.text and "ValueError" in caplog.text
    assert PHONE not in caplog.text


async def test_5_frozen_pbx_is_noticed_by_the_ping_watchdog_and_reconnected_after_thaw(peer, make_client):
    client = await make_client(ping_interval=0.05, ping_timeout=0.2, action_timeout=0.3)
    lost: asyncio.Queue[str] = asyncio.Queue()
    reconnected = asyncio.Event()
    client.on_disconnected(lost.put_nowait)

    async def on_connected(is_reconnect: bool) -> None:
        if is_reconnect:
            reconnected.set()
    client.on_connected(on_connected)
    peer.freeze()
    reason = await asyncio.wait_for(lost.get(), 5)
    assert "Ping" in reason
    assert not client.connected
    with pytest.raises(AmiDisconnected):
        await client.action({"Action": "Ping"})
    peer.thaw()
    await asyncio.wait_for(reconnected.wait(), 5)
    assert client.connected and client.stats.reconnects == 1


def test_5_default_watchdog_notices_a_frozen_pbx_within_10_seconds():
    config = AmiConfig(host="127.0.0.1", port=5038, username="u", secret="s")
    # worst case: the PBX freezes just after answering a Ping
    assert config.ping_interval + config.ping_timeout < 10


async def test_6_wrong_secret_is_a_clear_error_retried_with_growing_backoff(peer, caplog):
    delays: list[float] = []

    async def record_sleep(delay: float) -> None:
        delays.append(delay)
        await asyncio.sleep(0)

    config = AmiConfig(host=peer.host, port=peer.port, username="hotline", secret="wrong")  # default backoff
    client = AmiClient(config, sleep=record_sleep)
    caplog.set_level(logging.ERROR)
    await client.start()
    try:
        await peer.wait_login_attempts(4)
        with pytest.raises(AmiTimeout, match="check HOTLINE_AMI_SECRET"):
            await client.wait_connected(0.01)
    finally:
        await client.stop()
    assert client.stats.last_error.startswith("AMI login refused for user hotline: check HOTLINE_AMI_SECRET")
    assert "AMI login refused for user hotline: check HOTLINE_AMI_SECRET" in caplog.text
    assert "wrong" not in caplog.text  # the secret itself is never logged
    assert client.stats.auth_failures >= 3 and not client.connected
    first = delays[:3]
    assert first[0] >= 0.5 * 0.75 and first[0] < first[1] < first[2]  # exponential, not a 2-second loop
    assert sum(first) > 2.5  # so within 3 s of start at most 3 re-dials happen with the defaults


async def test_7_utf8_character_split_across_reads_is_kept(peer, make_client):
    client = await make_client()
    names: list[str] = []
    client.on_event(lambda ev: names.append(ev["CallerIDName"]))
    raw = encode_message({"Event": "Newchannel", "CallerIDName": "Jūratė Žukauskienė"})
    inside_u = raw.index("ū".encode()) + 1  # between the two bytes of "ū"
    inside_z = raw.index("Ž".encode()) + 1
    await peer.push(raw, split_at=[inside_u, inside_z])
    await peer.push(encode_message({"Event": "Newchannel", "CallerIDName": "bad \xff byte"}).replace(b"\xc3\xbf",
                                                                                                       b"\xff"))
    await eventually(lambda: len(names) == 2)
    assert names == ["Jūratė Žukauskienė", "bad \ufffd byte"]


async def test_8_queue_add_resolves(peer, make_client):
    peer.replies["QueueAdd"] = {"Response": "Success", "Message": "Added interface to queue"}
    client = await make_client()
    reply = await client.action({"Action": "QueueAdd", "Queue": "q1883", "Interface": "PJSIP/101"}, timeout=5)
    assert reply["Message"] == "Added interface to queue"
