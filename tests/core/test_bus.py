"""The event bus: subscribers are isolated, ordered, bounded; durable ones get back-pressure, never drops."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from core.bus import EventBus


def held(received: list) -> tuple[asyncio.Event, Callable[[object], Awaitable[None]]]:
    """A subscriber that takes each event into ``received`` only once ``release`` is set (a slow reader)."""
    release = asyncio.Event()

    async def take(event) -> None:
        await release.wait()
        received.append(event)
    return release, take


async def test_a_failing_subscriber_is_counted_and_the_others_still_get_every_event():
    bus = EventBus()
    got: list[int] = []

    def explode(event):
        raise ValueError("bug in a subscriber")

    bus.subscribe("broken", explode)
    bus.subscribe("store", got.append, durable=True)
    await bus.start()
    for i in range(5):
        await bus.publish(i)
    await bus.drain()
    assert got == [0, 1, 2, 3, 4]
    assert bus.stats()["broken"].failed == 5 and bus.stats()["store"].delivered == 5
    await bus.stop()


async def test_subscribers_only_get_the_types_they_asked_for():
    bus = EventBus()
    strings: list[str] = []
    bus.subscribe("strings", strings.append, str)
    await bus.start()
    for event in (1, "a", 2.0, "b"):
        await bus.publish(event)
    await bus.drain()
    assert strings == ["a", "b"]
    await bus.stop()


async def test_a_slow_lossy_subscriber_drops_oldest_and_never_blocks_the_publisher():
    bus = EventBus()
    seen: list[int] = []
    release, slow = held(seen)
    bus.subscribe("wallboard", slow, maxsize=3)
    await bus.start()
    await asyncio.sleep(0)
    for i in range(10):
        await asyncio.wait_for(bus.publish(i), 0.1)  # would time out if the publisher waited for the reader
    release.set()
    await bus.drain()
    assert bus.stats()["wallboard"].dropped >= 6
    assert seen[-3:] == [7, 8, 9]  # the newest are kept
    await bus.stop()


async def test_a_slow_durable_subscriber_slows_the_publisher_and_loses_nothing():
    bus = EventBus()
    stored: list[int] = []
    release, store = held(stored)
    bus.subscribe("store", store, durable=True, maxsize=2)
    await bus.start()
    publisher = asyncio.create_task(_publish_all(bus, range(10)))
    await asyncio.sleep(0.05)
    assert not publisher.done()  # back-pressure: the queue is full
    release.set()
    await publisher
    await bus.drain()
    assert stored == list(range(10)) and bus.stats()["store"].dropped == 0
    await bus.stop()


async def _publish_all(bus: EventBus, events) -> None:
    for event in events:
        await bus.publish(event)


async def test_a_subscriber_with_retry_handles_an_event_again_while_the_error_is_transient_and_skips_bugs():
    bus = EventBus()
    got: list[int] = []
    failures = {1: 2}   # event 1 fails twice (the database is away), then goes through

    async def store(event: int) -> None:
        if failures.get(event, 0):
            failures[event] -= 1
            raise ConnectionError("database unreachable")
        if event == 3:
            raise ValueError("a bug: never retried")
        got.append(event)

    bus.subscribe("store", store, durable=True, retry=lambda exc: isinstance(exc, ConnectionError))
    await bus.start()
    for event in (1, 2, 3, 4):
        await bus.publish(event)
    await asyncio.wait_for(bus.drain(), 5)
    await bus.stop()
    stats = bus.stats()["store"]
    assert got == [1, 2, 4]                                 # in order, the transient one not lost
    assert (stats.retried, stats.failed, stats.delivered) == (2, 1, 3)
