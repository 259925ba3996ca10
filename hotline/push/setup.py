"""Wires push into the service: the hub, the notifier as two bus subscribers, and the queue_state throttle."""
from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from core.bus import EventBus
from core.policy import PolicyProfile
from hotline.push.access import Check, watch_access
from hotline.push.hub import PushHub
from hotline.push.notifier import LIVE_EVENTS, SCREEN_POP_EVENTS, LiveCalls, PushNotifier
from hotline.push.queue_view import MembersProvider

# Bus queue bounds: push is not durable (a client that missed something reloads), so the bus drops the oldest
# event when a push subscriber falls behind instead of holding up the AMI reader.
SUBSCRIBER_QUEUE = 5000


@dataclass
class Push:
    hub: PushHub
    notifier: PushNotifier
    access_check: Check | None = None   # open sockets' tokens checked again (hotline.push.access); None: never
    _tasks: list[asyncio.Task] = field(default_factory=list)

    def start(self) -> None:
        self._tasks.append(asyncio.create_task(self.notifier.run_queue_state(), name="push-queue-state"))
        if self.access_check is not None:
            self._tasks.append(asyncio.create_task(watch_access(self.hub, self.access_check), name="push-access"))
        self._tasks.append(asyncio.create_task(self.notifier.histories.run(), name="push-screen-pop-history"))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.hub.close_all("service stopping")


def setup(bus: EventBus, engine: AsyncEngine, profile: PolicyProfile, live_calls: LiveCalls | None = None,
          members: MembersProvider | None = None, hub: PushHub | None = None,
          access_check: Check | None = None) -> Push:
    hub = hub or PushHub()
    notifier = PushNotifier(hub, engine, profile, live_calls=live_calls, members=members)
    bus.subscribe("push_screen_pop", notifier.screen_pops, *SCREEN_POP_EVENTS, maxsize=SUBSCRIBER_QUEUE)
    bus.subscribe("push_live", notifier.live, *LIVE_EVENTS, maxsize=SUBSCRIBER_QUEUE)
    return Push(hub, notifier, access_check)
