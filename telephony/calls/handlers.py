"""Binds the AMI connection to the call model: every AMI subscription of the call model is listed here."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Protocol

from core.bus import EventBus
from core.clock import utcnow
from core.events import DomainEvent, PbxConnected, PbxDisconnected
from core.ports import PBX_ERRORS, AmiPort
from telephony.calls.resync import PbxSnapshot, fetch_snapshot, reconcile
from telephony.calls.tracker import CallTracker

log = logging.getLogger(__name__)


class EventObserver(Protocol):
    """Another view of the same AMI stream (rings, agents): sees each event after the call tracker has."""

    def handle(self, event: Mapping) -> list[DomainEvent]: ...

    def reconcile(self, snapshot: PbxSnapshot, now: dt.datetime) -> list[DomainEvent]: ...


RESYNC_RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0)
RESYNC_RETRY_EVERY = 10.0   # seconds: a resync that failed (its retries above used up) is started again, and again
# Events held during a resync, at most; past it, event intake waits for the resync to end (memory stays bounded;
# if the resync's replies are stuck behind the waiting events, its action times out and events flow again).
MAX_HELD_EVENTS = 50_000


class CallEventHandler:
    """Feeds AMI events to the tracker and publishes what it concludes; resyncs after every login.

    Events that arrive while a resync is being fetched are held back and replayed after it, so a call that
    starts during the resync is not mistaken for one the PBX lost. The resync runs beside the event stream, not
    inside it: its replies may sit behind a burst of events, which must keep being read for them to arrive.
    """

    def __init__(self, ami: AmiPort, tracker: CallTracker, bus: EventBus,
                 observers: Sequence[EventObserver] = ()) -> None:
        self.ami = ami
        self.tracker = tracker
        self.bus = bus
        self.observers = list(observers)
        self.events_seen = 0
        self.resyncs = 0
        self._held: list[Mapping] | None = None
        self._resync_task: asyncio.Task | None = None
        # each resync owns the event hold it began: an older one, cancelled by a reconnect, must not end it
        self._generation = 0
        self._retry_task: asyncio.Task | None = None

    def subscribe(self) -> None:
        self.ami.on_event(self.on_event)
        self.ami.on_connected(self.on_connected)
        self.ami.on_disconnected(self.on_disconnected)

    async def on_event(self, event: Mapping) -> None:
        self.events_seen += 1
        if self._held is not None:
            self._held.append(event)
            if len(self._held) >= MAX_HELD_EVENTS and self._resync_task is not None:
                await asyncio.wait([self._resync_task])
            return
        await self._process(event)

    async def _process(self, event: Mapping) -> None:
        for domain_event in self.tracker.handle(event):
            await self.bus.publish(domain_event)
        for observer in self.observers:
            for domain_event in observer.handle(event):
                await self.bus.publish(domain_event)

    async def on_connected(self, reconnect: bool) -> None:
        await self.bus.publish(PbxConnected(at=utcnow(), reconnect=reconnect))
        self._start_resync()

    def _start_resync(self) -> None:
        """A new resync, holding events from this moment until it is done (events an older, cancelled resync still
        held are kept, in order, ahead of the new ones)."""
        self._generation += 1
        self._held = list(self._held or [])
        for task in (self._resync_task, self._retry_task):
            if task is not None:
                task.cancel()
        self._resync_task = asyncio.create_task(self.resync(self._generation), name="call-model-resync")

    async def close(self) -> None:
        tasks = [task for task in (self._resync_task, self._retry_task) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def on_disconnected(self, reason: str) -> None:
        await self.bus.publish(PbxDisconnected(at=utcnow(), reason=reason))

    async def resync(self, generation: int | None = None) -> None:
        if generation is None:   # called directly (tests, tools): it owns a hold of its own
            self._generation += 1
            generation = self._generation
        if self._held is None:
            self._held = []
        snapshot = None
        try:
            snapshot = await self._fetch_snapshot()
            if snapshot is not None:
                now = utcnow()
                for domain_event in reconcile(self.tracker, snapshot, now):
                    await self.bus.publish(domain_event)
                for observer in self.observers:
                    for domain_event in observer.reconcile(snapshot, now):
                        await self.bus.publish(domain_event)
                self.resyncs += 1
                log.info("call model resynced: %d live calls", self.tracker.active_calls)
        finally:
            if generation == self._generation:   # else a newer resync holds the events now, and releases them
                # events may keep arriving while the held ones are published: drain until none is left
                while self._held:
                    held, self._held = self._held, []
                    for event in held:
                        await self._process(event)
                self._held = None
        if snapshot is None and generation == self._generation and self.ami.connected:
            self._retry_task = asyncio.create_task(self._resync_later(generation), name="call-model-resync-retry")

    async def _resync_later(self, generation: int) -> None:
        """A failed resync leaves the call model unchecked: try again until one succeeds (or a reconnect's does)."""
        await asyncio.sleep(RESYNC_RETRY_EVERY)
        if generation == self._generation and self.ami.connected:
            self._retry_task = None   # this task is the one running: _start_resync must not cancel it mid-way
            self._start_resync()

    async def _fetch_snapshot(self) -> PbxSnapshot | None:
        # Right after a restart AMI accepts logins before every module is loaded ("Invalid/unknown command:
        # QueueStatus"): retry for a few seconds before giving up on this resync.
        for delay in (*RESYNC_RETRY_DELAYS, None):
            try:
                return await fetch_snapshot(self.ami.action_list)
            except PBX_ERRORS as exc:
                if delay is None or not self.ami.connected:
                    log.error("resync failed (%s); trying again in %.0f s", type(exc).__name__, RESYNC_RETRY_EVERY)
                    return None
                log.info("resync not possible yet (%s), retrying in %.2f s", type(exc).__name__, delay)
                await asyncio.sleep(delay)
        return None
