"""The hardened AMI client: one connection to the PBX, kept alive, with bounded, ordered event delivery.

It owns the connection lifecycle (connect, login, ping watchdog, reconnect with exponential backoff and jitter)
and uses panoramisk only for message parsing and action serialisation (see ``ami_protocol`` and
``ami_actions``). Guarantees: every action ends (reply, ``AmiTimeout``, ``AmiActionError`` or
``AmiDisconnected`` — actions are never re-sent after a reconnect, the caller decides); a subscriber that raises
never hurts the connection; events reach subscribers in arrival order through one bounded queue, and reading
from the PBX pauses while that queue is full.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable

from panoramisk.message import Message

from telephony.ami.actions import PendingAction, build_action
from telephony.ami.dispatch import EventDispatcher
from telephony.ami.exceptions import AmiActionError, AmiAuthError, AmiDisconnected, AmiError, AmiTimeout
from telephony.ami.models import AmiConfig, AmiStats
from telephony.ami.protocol import AmiReader

log = logging.getLogger(__name__)

EventHandler = Callable[[Message], Awaitable[None] | None]
Sleep = Callable[[float], Awaitable[None]]


class AmiClient:
    """See the module docstring. ``sleep`` and ``rng`` are injectable so tests can observe the backoff."""

    def __init__(self, config: AmiConfig, *, sleep: Sleep = asyncio.sleep, rng: random.Random | None = None):
        self.config = config
        self.stats = AmiStats()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._dispatcher = EventDispatcher(self.stats, config.max_queued_events)
        self._pending: dict[str, PendingAction] = {}
        self._reader: AmiReader | None = None
        self._logged_in = False
        self._session_up = False  # announced to subscribers as connected; cleared when the loss is announced
        self._ever_connected = False
        self._connected_event = asyncio.Event()
        self._lost: asyncio.Future[str] | None = None
        self._tasks: list[asyncio.Task] = []
        self._watchdog: asyncio.Task | None = None
        self._stopping = False

    # --- subscriptions -----------------------------------------------------------------------------------
    def on_event(self, handler: EventHandler) -> None:
        self._dispatcher.event_handlers.append(handler)

    def on_connected(self, handler: Callable[[bool], Awaitable[None]]) -> None:
        """``handler(is_reconnect)`` after each successful login, in order with the events: it runs in the
        dispatch task, so events arriving meanwhile wait until it returns (a resync sees a consistent stream).
        Actions it awaits are answered as usual; only if more than ``max_queued_events`` events arrive during
        it does reading pause, and then its action ends in ``AmiTimeout`` rather than hanging."""
        self._dispatcher.connected_handlers.append(handler)

    def on_disconnected(self, handler: Callable[[str], Awaitable[None] | None]) -> None:
        self._dispatcher.disconnected_handlers.append(handler)

    # --- lifecycle ---------------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        """Logged in, and the ping watchdog has not declared the PBX dead."""
        return self._logged_in

    @property
    def backlog(self) -> int:
        """Events received but not yet handled by every subscriber."""
        return self._dispatcher.backlog

    async def start(self) -> None:
        self._stopping = False
        self._tasks = [asyncio.create_task(self._dispatcher.run(), name="ami-dispatch"),
                       asyncio.create_task(self._connection_loop(), name="ami-connection")]

    async def wait_connected(self, timeout: float) -> None:
        try:
            async with asyncio.timeout(timeout):
                await self._connected_event.wait()
        except TimeoutError:
            raise AmiTimeout(f"AMI not connected within {timeout} s (last error: {self.stats.last_error})") from None

    async def stop(self) -> None:
        self._stopping = True
        if self._reader is not None:
            self._reader.close("client stopped")
        self._mark_down("client stopped")
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    # --- actions -----------------------------------------------------------------------------------------
    async def action(self, action: dict, *, timeout: float | None = None) -> Message:
        """Send ``action``; return its reply. ``Response: Error`` raises ``AmiActionError``."""
        return await self._request(self._logged_in_reader(), action, False, timeout)

    async def action_list(self, action: dict, *, timeout: float | None = None) -> list[Message]:
        """Send a list action (CoreShowChannels, QueueStatus, Status, ...); return its events, without the
        initial response and without the final ``...Complete`` event."""
        return await self._request(self._logged_in_reader(), action, True, timeout)

    def _logged_in_reader(self) -> AmiReader:
        if not self._logged_in or self._reader is None:
            raise AmiDisconnected(f"AMI not connected (last error: {self.stats.last_error})")
        return self._reader

    async def _filter_unread(self, reader: AmiReader) -> None:
        """Ask the PBX not to send the events nothing here reads (a negative filter: every event but these; action
        replies are never filtered). A PBX that refuses it (no `system` write class) just sends them all; a
        connection lost meanwhile is the watchdog's to notice, like any other loss after login."""
        pattern = f"!Event: ({'|'.join(self.config.unread_events)})"
        try:
            await self._request(reader, {"Action": "Filter", "Operation": "Add", "Filter": pattern}, False, None)
        except AmiActionError as exc:
            log.warning("AMI event filter refused (%s): every event will be read", exc)
        except AmiError as exc:
            log.warning("AMI event filter not applied (%s)", type(exc).__name__)

    async def _request(self, reader: AmiReader, fields: dict, is_list: bool, timeout: float | None):
        action = build_action(fields)
        name = str(action["action"])
        pending = PendingAction(name, action.future, is_list)
        self._pending[action.id] = pending
        timeout = self.config.action_timeout if timeout is None else timeout
        try:
            reader.send(action)
            async with asyncio.timeout(timeout):
                return await pending.future
        except TimeoutError:
            raise AmiTimeout(f"AMI action {name} got no complete reply within {timeout} s") from None
        finally:
            self._pending.pop(action.id, None)

    # --- incoming messages (hot path) ---------------------------------------------------------------------
    def _on_messages(self, reader: AmiReader, messages: list[Message]) -> None:
        pending = self._pending
        enqueue = self._dispatcher.enqueue
        events = 0
        for message in messages:
            try:
                if pending:
                    action_id = message.action_id
                    if action_id is not None:
                        waiting = pending.get(action_id)
                        if waiting is not None and waiting.feed(message):
                            continue
                if "Event" in message:
                    events += 1
                    enqueue(message)
                    if message["Event"] == "Shutdown":
                        log.warning("AMI: PBX announced shutdown (restart=%s)", message.get("Restart", "?"))
                        reader.close("PBX shut down")
            except Exception as exc:  # e.g. a header repeated where one value is expected: skip that message
                self.stats.parse_errors += 1
                log.error("AMI message could not be routed (%s); skipped", type(exc).__name__)
        self.stats.events_received += events
        self._dispatcher.after_batch(reader)

    # --- connection lifecycle ------------------------------------------------------------------------------
    async def _connection_loop(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                await self._connect_and_login()
            except AmiAuthError as exc:
                self.stats.auth_failures += 1
                self.stats.last_error = str(exc)
                log.error("%s", exc)
            except (OSError, AmiError) as exc:
                self.stats.last_error = f"cannot connect to AMI at {self.config.host}:{self.config.port}: {exc}"
                log.warning("%s", self.stats.last_error)
            except Exception as exc:  # a bug must not end reconnecting for good: log it and keep trying
                self.stats.last_error = f"unexpected {type(exc).__name__} while connecting to AMI"
                log.exception("%s", self.stats.last_error)
            else:
                failures = 0
                reason = await self._lost  # type: ignore[misc]
                self.stats.last_error = reason
                if self._stopping:
                    return
            await self._sleep(self._backoff(failures))
            failures += 1

    def _backoff(self, failures: int) -> float:
        base = min(self.config.reconnect_max, self.config.reconnect_min * 2 ** min(failures, 32))
        return base * self._rng.uniform(0.75, 1.0)  # jitter, so several services do not redial in step

    async def _connect_and_login(self) -> None:
        loop = asyncio.get_running_loop()
        self._lost = loop.create_future()
        reader = AmiReader(self._on_messages, self._on_lost, self.stats, self.config.max_message_bytes)
        self._reader = reader
        try:
            async with asyncio.timeout(self.config.action_timeout):
                await loop.create_connection(lambda: reader, self.config.host, self.config.port)
        except TimeoutError:
            raise AmiTimeout(f"no TCP connection within {self.config.action_timeout} s") from None
        try:
            await self._request(reader, {"Action": "Login", "Username": self.config.username,
                                         "Secret": self.config.secret, "Events": "on"}, False, None)
        except AmiActionError as exc:
            reader.close("login refused")
            raise AmiAuthError(f"AMI login refused for user {self.config.username}: check HOTLINE_AMI_SECRET "
                               f"(PBX said: {exc})") from None
        except AmiError:
            reader.close("login failed")
            raise
        if reader.closed:  # lost between the login reply and now: nothing to announce
            raise AmiDisconnected("connection lost right after login")
        is_reconnect = self._ever_connected
        self._ever_connected = self._logged_in = self._session_up = True
        self.stats.connected_since = time.time()
        self.stats.last_error = None
        if is_reconnect:
            self.stats.reconnects += 1
        log.info("AMI logged in to %s:%s (reconnect=%s)", self.config.host, self.config.port, is_reconnect)
        if self.config.unread_events:
            await self._filter_unread(reader)
        self._watchdog = asyncio.create_task(self._watch(reader), name="ami-watchdog")
        self._connected_event.set()
        self._dispatcher.notify_connected(is_reconnect)

    def _on_lost(self, reader: AmiReader, reason: str) -> None:
        if reader is not self._reader:
            return  # a connection given up earlier, closing late: it no longer speaks for the client
        was_up, self._session_up = self._session_up, False
        self._mark_down(reason)
        if was_up:
            log.warning("AMI connection lost: %s", reason)
            self._dispatcher.notify_disconnected(reason)
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(reason)

    def _mark_down(self, reason: str) -> None:
        """Synchronously: no longer connected, and every action in flight fails now rather than hanging."""
        self._logged_in = False
        self._connected_event.clear()
        self.stats.connected_since = None
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        pending, self._pending = self._pending, {}
        for waiting in pending.values():
            waiting.fail(reason)
        if self._reader is not None:
            self._dispatcher.release(self._reader)

    async def _watch(self, reader: AmiReader) -> None:
        """Ping watchdog: a PBX that stops answering Ping is declared dead and the connection dropped."""
        interval, limit = self.config.ping_interval, self.config.ping_timeout
        while not reader.closed:
            await asyncio.sleep(interval)
            pauses = reader.pause_count
            try:
                await self._request(reader, {"Action": "Ping"}, False, limit)
            except AmiTimeout:
                if reader.paused or reader.pause_count != pauses:
                    continue  # we stopped reading (slow subscribers): the reply may be waiting for us
                reason = f"PBX did not answer Ping within {limit} s"
                log.error("AMI: %s; dropping the connection", reason)
                self._logged_in = False  # not connected from now on, even before the close completes
                reader.close(reason)
                return
            except AmiActionError:
                pass  # any reply proves the PBX is alive
            except AmiDisconnected:
                return
