"""Watching a sandbox PBX's AMI events in tests: every event of one panoramisk session kept, waits for the first
that matches, and a dump of the whole stream to a file when a wait times out (for the post-mortem)."""
from __future__ import annotations

import asyncio
import os
import tempfile
from typing import Callable

from panoramisk import Manager


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
        earlier = self.matching(name, **fields)
        if earlier:
            return earlier[0]
        future = asyncio.get_running_loop().create_future()
        waiter = (lambda event: _matches(event, name, fields), future)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise AssertionError(f"no AMI event {name} {fields} within {timeout} s; saw "
                                 f"{[e.get('Event') for e in self.events][-40:]}; every event: "
                                 f"{self.dump()}") from None
        finally:
            self._waiters.remove(waiter)


def _matches(event: dict[str, str], name: str, fields: dict[str, str]) -> bool:
    return event.get("Event") == name and all(event.get(key) == value for key, value in fields.items())
