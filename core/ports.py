"""Ports: the interfaces capability packages use, implemented by adapters and wired by the composition root."""
from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Protocol


class AmiPort(Protocol):
    """What the rest of the system needs from the PBX management connection."""

    @property
    def connected(self) -> bool: ...

    async def action(self, action: dict, *, timeout: float | None = None) -> Mapping: ...

    async def action_list(self, action: dict, *, timeout: float | None = None) -> list[Mapping]: ...

    def on_event(self, handler: Callable[[Mapping], Awaitable[None] | None]) -> None: ...

    def on_connected(self, handler: Callable[[bool], Awaitable[None]]) -> None: ...

    def on_disconnected(self, handler: Callable[[str], Awaitable[None] | None]) -> None: ...


class CallbackRequests(Protocol):
    """Asks for a callback task (implemented by telephony.callbacks, wired by hotline; issue 6 dials them)."""

    async def request_callback(self, number: str, reason: str, *, due_at: dt.datetime | None = None,
                               call_id: str | None = None, queue: str | None = None,
                               extension: str | None = None) -> int:
        """The id of the open task for ``number`` (one per number: a second request merges its reason)."""
        ...


class MessageDrop(Protocol):
    """Stores a message for an employee and tells their softphone (implemented in telephony, wired by hotline)."""

    async def leave_message(self, *, extension: str, caller: str | None, audio_path: str | None = None,
                            call_id: str | None = None, reason: str = "", caller_name: str | None = None) -> int:
        """The new message's id."""
        ...


class EmployeeCompetences(Protocol):
    """The queues (competences) an employee works, to pass a caller on to a colleague of the same competence."""

    async def competences(self, extension: str) -> Sequence[str]: ...
