"""Watching a sandbox PBX's AMI events in tests: every event of one panoramisk session kept, waits for the first
that matches, and a dump of the whole stream to a file when a wait times out (for the post-mortem)."""
from __future__ import annotations

import asyncio
import os
import tempfile
from typing import Callable

from panoramisk import Manager

from core import dialplan

TRUNK_CHANNEL = f"PJSIP/{dialplan.TRUNK_ENDPOINT}-"   # the outbound channels of the public network


class EventLog:
    """Every AMI event of one panoramisk session, with waiting for the first one that matches."""

    def __init__(self, manager: Manager) -> None:
        self.manager = manager
        self.events: list[dict[str, str]] = []
        self._waiters: list[tuple[Callable[[dict], bool], asyncio.Future]] = []
        self.disconnected: asyncio.Future = asyncio.get_running_loop().create_future()

    def on_disconnect(self, _manager: Manager, _exc: Exception | None) -> None:
        if not self.disconnected.done():
            self.disconnected.set_result(True)

    def on_event(self, _manager: Manager, message) -> None:
        event = {key: str(value) for key, value in message.items()}
        self.events.append(event)
        for matches, future in self._waiters:
            if not future.done() and matches(event):
                future.set_result(event)

    def dump(self) -> str:
        """Write every event received to a file (for a failure's post-mortem); its path."""
        handle, path = tempfile.mkstemp(prefix="hotline-ami-events-", suffix=".txt")
        with os.fdopen(handle, "w") as out:
            for event in self.events:
                out.write("".join(f"{key}: {value}\n" for key, value in event.items()) + "\n")
        return path

    def matching(self, name: str, **fields: str) -> list[dict[str, str]]:
        return [event for event in self.events if _matches(event, name, fields)]

    async def wait_for(self, name: str, timeout: float = 30.0, **fields: str) -> dict[str, str]:
        """The first event called ``name`` whose fields equal ``fields`` (already received or still to come)."""
        return await self.wait_until(lambda event: _matches(event, name, fields), f"{name} {fields}", timeout)

    async def wait_until(self, matches: Callable[[dict], bool], what: str, timeout: float = 30.0) -> dict[str, str]:
        """The first event ``matches`` accepts (already received or still to come); ``what`` names it on failure."""
        earlier = [event for event in self.events if matches(event)]
        if earlier:
            return earlier[0]
        future = asyncio.get_running_loop().create_future()
        waiter = (matches, future)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise AssertionError(f"no AMI event {what} within {timeout} s; saw "
                                 f"{[e.get('Event') for e in self.events][-40:]}; every event: "
                                 f"{self.dump()}") from None
        finally:
            self._waiters.remove(waiter)

    async def wait_for_trunk_dial(self, number: str, timeout: float = 30.0) -> dict[str, str]:
        """The ``DialBegin`` of a call out through the trunk to public number ``number`` (a fallback number, a
        callback client); its ``DestUniqueid``/``DestChannel`` are the outbound SIP channel."""
        return await self.wait_until(lambda e: _is_trunk_dial(e, number), f"a Dial on the trunk to {number}",
                                     timeout)

    def trunk_dials(self, number: str) -> list[dict[str, str]]:
        return [event for event in self.events if _is_trunk_dial(event, number)]

    async def wait_for_agent_complete(self, call, timeout: float = 60.0) -> dict[str, str]:
        """The queue's ``AgentComplete`` of ``call`` (an ``OriginatedCall``). It names the queue's caller channel
        (``caller_leg``) only while that channel exists: when the caller hangs up first,
        Asterisk sends it with the agent side alone, whose ``DestLinkedid`` is the call's id, and when both hang up
        at the same moment with neither."""
        def connected_interfaces() -> set[str]:
            return {e.get("Interface", "") for e in self.events if e.get("Event") == "AgentConnect"
                    and call.uniqueid in (e.get("Linkedid"), e.get("DestLinkedid"))}

        def completes(event: dict) -> bool:
            if event.get("Event") != "AgentComplete":
                return False
            if event.get("Uniqueid") == call.caller_leg or event.get("DestLinkedid") == call.uniqueid:
                return True
            # when both parties hang up at once it comes with neither channel: the member it connected tells
            return not event.get("Uniqueid") and not event.get("DestUniqueid") and \
                event.get("Interface") in connected_interfaces()
        return await self.wait_until(completes, f"AgentComplete of call {call.uniqueid}", timeout)


def _is_trunk_dial(event: dict[str, str], number: str) -> bool:
    return event.get("Event") == "DialBegin" and event.get("DestChannel", "").startswith(TRUNK_CHANNEL) \
        and event.get("DialString", "").lstrip("+") == f"{number.lstrip('+')}@{dialplan.TRUNK_ENDPOINT}"


def _matches(event: dict[str, str], name: str, fields: dict[str, str]) -> bool:
    return event.get("Event") == name and all(event.get(key) == value for key, value in fields.items())
