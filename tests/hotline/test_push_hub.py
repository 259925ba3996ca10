"""The push hub: routing by role and extension, masking per role, bounded outboxes, resync and disconnection."""
from __future__ import annotations

import asyncio

from hotline.push.hub import RESYNC, Audience, Push, PushHub
from tests.hotline.push_fixtures import Connected


def pop(n: int, extension: str) -> Push:
    return Push("screen_pop", {"n": n, "extension": extension, "caller": "+37061234567"},
                at="2025-06-02T10:00:00+00:00", personal=frozenset({"caller"}))


def state(n: int) -> Push:
    return Push("call_state", {"n": n}, at="2025-06-02T10:00:00+00:00")


async def test_agents_get_only_their_extension_and_supervisors_the_supervising_audience():
    hub = PushHub()
    a, b, sup = Connected(hub, "agent", "101"), Connected(hub, "agent", "102"), Connected(hub, "supervisor")
    try:
        assert hub.publish(Audience.agent("102"), pop(1, "102")) == 1
        assert hub.publish(Audience.supervising(), state(2)) == 1
        assert hub.publish(Audience.agent("101"), pop(3, "101")) == 1
        assert (await b.next())["n"] == 1
        assert (await sup.next())["n"] == 2
        first_of_a = await a.next()   # ordered: had A been sent 1 or 2, they would come before 3
        assert (first_of_a["type"], first_of_a["n"]) == ("screen_pop", 3)
        assert sup.socket.received() == [] and b.socket.received() == []
    finally:
        for c in (a, b, sup):
            await c.stop()


async def test_numbers_are_shown_per_role_and_every_message_has_type_and_at():
    hub = PushHub()
    agent, admin = Connected(hub, "agent", "101"), Connected(hub, "admin", "101")  # an admin with a phone
    try:
        hub.publish(Audience.agent("101"), pop(1, "101"))
        seen_by_agent, seen_by_admin = await agent.next(), await admin.next()
        assert seen_by_agent["caller"] == "+37061234567"
        assert seen_by_admin["caller"] == "+370****4567"
        assert seen_by_agent["type"] == "screen_pop" and seen_by_agent["at"] == "2025-06-02T10:00:00+00:00"
    finally:
        await agent.stop()
        await admin.stop()


async def stuck_after_one_frame(hub: PushHub, client: Connected) -> None:
    """Make ``client``'s peer stop reading: frame 0 is taken by its sender and its write never completes."""
    client.socket.writable.clear()
    hub.publish(Audience.supervising(), state(0))
    await asyncio.wait_for(client.socket.writing.wait(), 5)


async def publish_past_a_stuck_client(hub: PushHub, fast: Connected, stuck: Connected, frames: int) -> None:
    """``stuck`` stops reading after frame 0; frames 1 to ``frames - 1`` are published, and ``fast``, which keeps
    reading, gets each one as it comes: publishing is synchronous and never waits for the stuck socket."""
    await stuck_after_one_frame(hub, stuck)
    assert (await fast.next())["n"] == 0
    for n in range(1, frames):
        hub.publish(Audience.supervising(), state(n))
        assert (await fast.next())["n"] == n


async def test_a_client_that_stops_reading_loses_its_backlog_and_gets_one_resync_while_others_get_everything():
    hub = PushHub(outbox_size=10)
    fast, slow = Connected(hub, "supervisor"), Connected(hub, "supervisor")
    try:
        await publish_past_a_stuck_client(hub, fast, slow, frames=16)
        # slow: frames 1-10 filled its outbox, 11 overflowed it: backlog dropped, one resync queued first
        assert hub.stats.overflows == 1 and hub.stats.dropped == 10
        assert list(slow.client.outbox)[0] == RESYNC
        slow.socket.writable.set()   # it reads again
        got = [(await slow.next()) for _ in range(7)]
        assert [f.get("n", f["type"]) for f in got] == [0, "resync", 11, 12, 13, 14, 15]
        assert not slow.socket.closed.is_set() and slow.client.id in hub.clients
    finally:
        await fast.stop()
        await slow.stop()


async def test_a_client_that_overflows_again_before_taking_its_resync_is_disconnected():
    hub = PushHub(outbox_size=5)
    fast, dead = Connected(hub, "supervisor"), Connected(hub, "supervisor")
    try:
        await publish_past_a_stuck_client(hub, fast, dead, frames=20)
        # 1-5 filled the outbox, 6 overflowed it (resync queued), 10 overflowed it again: disconnected
        assert dead.client.id not in hub.clients and hub.stats.disconnected_slow == 1
        await asyncio.wait_for(dead.socket.closed.wait(), 5)
        assert "not reading" in dead.socket.closed_with
        assert hub.publish(Audience.supervising(), state(99)) == 1   # only the live client is left
    finally:
        await fast.stop()
        await dead.stop()


async def test_a_new_client_is_greeted_with_the_current_picture_if_it_is_in_the_audience():
    hub = PushHub()
    hub.on_connect(lambda client: [(Audience.supervising(), state(7))])
    sup, agent = Connected(hub, "supervisor"), Connected(hub, "agent", "101")
    try:
        assert (await sup.next())["n"] == 7
        hub.publish(Audience.agent("101"), pop(8, "101"))
        assert (await agent.next())["n"] == 8   # the agent was not greeted with the supervisors' picture
    finally:
        await sup.stop()
        await agent.stop()
