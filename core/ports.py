"""Ports: the interfaces capability packages use, implemented by adapters and wired by the composition root.

Errors that cross a port are domain errors defined here, so a caller never has to know (or catch bare
``Exception`` for) the transport behind it: the AMI client raises subclasses of ``PbxUnavailable`` and
``PbxActionRefused``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO, Protocol


class PbxUnavailable(Exception):
    """The PBX could not be asked: not connected, the connection was lost, or it did not answer in time."""


class PbxActionRefused(Exception):
    """The PBX answered, and refused the action (its message says why, e.g. "Database entry not found")."""


PBX_ERRORS = (PbxUnavailable, PbxActionRefused)   # what any call through AmiPort may raise


class AmiPort(Protocol):
    """What the rest of the system needs from the PBX management connection (errors: ``PBX_ERRORS``)."""

    @property
    def connected(self) -> bool: ...

    async def action(self, action: dict, *, timeout: float | None = None) -> Mapping: ...

    async def action_list(self, action: dict, *, timeout: float | None = None) -> list[Mapping]: ...

    def on_event(self, handler: Callable[[Mapping], Awaitable[None] | None]) -> None: ...

    def on_connected(self, handler: Callable[[bool], Awaitable[None]]) -> None: ...

    def on_disconnected(self, handler: Callable[[str], Awaitable[None] | None]) -> None: ...


class CallbackRequests(Protocol):
    """Asks for a callback task (implemented by ``telephony.callbacks``, wired by hotline)."""

    async def request_callback(self, number: str, reason: str, *, due_at: dt.datetime | None = None,
                               call_id: str | None = None, queue: str | None = None,
                               extension: str | None = None) -> int:
        """The id of the open task for ``number`` (one per number: a second request merges its reason);
        ``reason`` is a ``core.events.CallbackReason``."""
        ...


class MessageDrop(Protocol):
    """Stores a message for an employee and tells their softphone (implemented in telephony, wired by hotline)."""

    async def leave_message(self, *, extension: str | None, caller: str | None, audio_path: str | None = None,
                            call_id: str | None = None, reason: str = "", caller_name: str | None = None,
                            queue: str | None = None, due_at: dt.datetime | None = None) -> int:
        """The new message's id. ``extension`` None: a message for ``queue`` (the closed public number);
        ``due_at``: when the callback the message asks for falls due (default now)."""
        ...


class EmployeeCompetences(Protocol):
    """The queues (competences) an employee works, to pass a caller on to a colleague of the same competence."""

    async def competences(self, extension: str) -> Sequence[str]: ...


@dataclass(frozen=True)
class Employee:
    """One person of the employee directory, as every capability sees them."""

    extension: str
    name: str
    unit: str
    competences: tuple[str, ...]
    fallback_number: str | None   # personal data: never logged
    active: bool
    updated_at: dt.datetime | None = None

    def fields(self) -> dict:
        """The fields a change is compared on and recorded with (history), without the timestamp."""
        data = asdict(self)
        data["competences"] = list(self.competences)
        data.pop("updated_at")
        return data


class EmployeeDirectory(EmployeeCompetences, Protocol):
    """Who works the hotline (implemented by the ``directory`` package)."""

    async def list_employees(self, *, active_only: bool = False) -> list[Employee]: ...

    async def get_employee(self, extension: str) -> Employee | None: ...


class AgentAvailability(Protocol):
    """An agent's own availability change from their phone (feature codes): ``action`` is login, logout, pause
    or unpause; applied on the PBX and appended to the agent's history as done ``by``."""

    async def change(self, extension: str, action: str, reason: str, by: str) -> None: ...


class RecordingMute(Protocol):
    """Silences a recorded channel's recording in both directions, and lets it record again (implemented over AMI
    in telephony). Muted, the recorder writes silence, so the files keep their timing. Errors: ``PBX_ERRORS``."""

    async def set_muted(self, channel: str, muted: bool) -> None: ...


class RecordingFileMissing(LookupError):
    """The recording store has no file under that key (never written, or deleted)."""


class RecordingStore(Protocol):
    """Where recording files live, each addressed by a key (its name as the PBX wrote it): a local directory, the
    PBX's own, by default; an object store fits the same four operations. The methods block (file or network
    I/O): callers run them off the event loop (``asyncio.to_thread``). Errors: ``RecordingFileMissing``, OSError
    (``RecordingStoreUnavailable`` when a remote store is away)."""

    def size(self, key: str) -> int | None:
        """The file's size in bytes, None when there is no such file."""
        ...

    def read_range(self, key: str, start: int, length: int) -> bytes:
        """Up to ``length`` bytes from ``start`` (fewer at the end of the file)."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The whole file, for reading from the start (hashing, streaming); the caller closes it."""
        ...

    def delete(self, key: str) -> bool:
        """Remove the file; False when it was not there."""
        ...


class RecordingStoreUnavailable(OSError):
    """The recording store could not be asked: its server is away or did not answer in time (try again later)."""


class RecordingArchive(RecordingStore, Protocol):
    """A recording store files can be moved into (an object store behind an adapter)."""

    def put(self, key: str, path: Path) -> str:
        """Store the local file ``path`` under ``key`` (replacing one there); the SHA-256 hex of what was stored."""
        ...


class ExpiringRecords(Protocol):
    """Records another package keeps that the retention purge ends (implemented in telephony: call metadata,
    voice messages; wired by hotline). A purged record keeps its row with its personal data removed."""

    kind: str   # how the purge's counts name it: call_metadata, voice_messages

    async def count_expired(self, before: dt.datetime) -> int:
        """How many still hold personal data and began before ``before``."""
        ...

    async def purge_expired(self, before: dt.datetime, limit: int) -> int:
        """Remove the personal data of up to ``limit`` of them (claimed, so two instances never take the same
        ones); how many it did, 0 when none are left."""
        ...


@dataclass(frozen=True)
class SubjectRecords:
    """What another package holds of one phone number (a data subject): its calls and its messages."""

    call_ids: tuple[str, ...] = ()
    message_ids: tuple[int, ...] = ()


class SubjectData(Protocol):
    """Finds and erases what telephony holds of a phone number (E.164), for data-subject requests (wired by
    hotline). The number is personal data: implementations never log it."""

    async def find(self, number: str) -> SubjectRecords: ...

    async def erase(self, number: str, reason: str) -> dict[str, int]:
        """Remove the number from the calls and messages of it; how many of each (``calls``, ``messages``)."""
        ...
