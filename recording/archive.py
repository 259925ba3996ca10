"""Archiving: files stay in the PBX's monitor directory while they are written, and move to a remote store (an
object store behind ``core.ports.RecordingArchive``) once the catalogue has finalised them.

``ArchivingStore`` is the catalogue's store then: reads look in the local directory first (a file not moved yet,
or still being written), then the remote. ``Archiver`` moves a file when its ``RecordingFinalised`` arrives, and
sweeps the monitor directory every ``every`` seconds for files a failed move, or a stop, left behind. A local copy
is deleted only after the remote copy, read back, hashes to the catalogue's SHA-256: a failed move never loses the
file, it stays local (and readable) until a later sweep moves it."""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from pathlib import Path
from typing import BinaryIO

from core.events import RecordingFinalised
from core.ports import RecordingArchive, RecordingFileMissing
from recording.exceptions import RecordingNotFound
from recording.models import FINAL_STATES
from recording.service import RecordingCatalogue, recording_id
from recording.store import LocalDirectoryStore

log = logging.getLogger(__name__)

HASH_BLOCK = 1024 * 1024


class ArchivingStore:
    def __init__(self, local: LocalDirectoryStore, remote: RecordingArchive) -> None:
        self.local, self.remote = local, remote

    def size(self, key: str) -> int | None:
        size = self.local.size(key)
        return size if size is not None else self.remote.size(key)

    def read_range(self, key: str, start: int, length: int) -> bytes:
        try:
            return self.local.read_range(key, start, length)
        except RecordingFileMissing:
            return self.remote.read_range(key, start, length)

    def open(self, key: str) -> BinaryIO:
        try:
            return self.local.open(key)
        except RecordingFileMissing:
            return self.remote.open(key)

    def delete(self, key: str) -> bool:
        # the remote first: when it is away the call fails with both copies still there, and is tried again whole
        remote = self.remote.delete(key)
        return self.local.delete(key) or remote


class Archiver:
    """Moves finalised files into the remote store (a bus subscriber on ``RecordingFinalised``, and a sweep)."""

    def __init__(self, catalogue: RecordingCatalogue, store: ArchivingStore, *, every: float = 300.0) -> None:
        self.catalogue, self.store, self.every = catalogue, store, every
        self._busy: set[str] = set()
        self._task: asyncio.Task | None = None

    async def __call__(self, event: RecordingFinalised) -> None:
        if event.state in FINAL_STATES:
            await self.archive(event.recording_id, event.key)

    async def archive(self, entry_id: str, key: str) -> bool:
        """Whether the file moved; never raises (a failure is logged and the file stays for the next sweep)."""
        if key in self._busy:   # the event and a sweep at once: one move
            return False
        self._busy.add(key)
        try:
            return await self._move(entry_id, key)
        except Exception as exc:   # the remote away, the database away: the local file stays
            log.warning("recording %s: not archived yet (%s: %s), its file stays local for the next sweep",
                        entry_id, type(exc).__name__, exc)
            return False
        finally:
            self._busy.discard(key)

    async def _move(self, entry_id: str, key: str) -> bool:
        try:
            view = await self.catalogue.get(entry_id)
        except RecordingNotFound:
            return False
        path = self.store.local.local_path(key)
        if view.key != key or view.state not in FINAL_STATES or not await asyncio.to_thread(path.is_file):
            return False
        expected = view.sha256 or await asyncio.to_thread(_file_sha256, path)
        sent = await asyncio.to_thread(self.store.remote.put, key, path)
        stored = await asyncio.to_thread(_stored_sha256, self.store.remote, key)
        if sent != expected or stored != expected:
            log.warning("recording %s: the archived copy's SHA-256 differs from the catalogue's; the file stays "
                        "local", entry_id)
            return False
        if (await self.catalogue.get(entry_id)).state not in FINAL_STATES:
            # deleted (retention, erasure) while it was uploaded: the copy must not outlive it
            await asyncio.to_thread(self.store.remote.delete, key)
            return False
        await asyncio.to_thread(self.store.local.delete, key)
        log.info("recording %s: archived", entry_id)
        return True

    async def sweep(self) -> int:
        """Moves every finalised file still in the local directory; how many moved."""
        keys = await asyncio.to_thread(_local_keys, self.store.local.root)
        moved = 0
        for key in keys:
            moved += await self.archive(recording_id(key), key)
        return moved

    def start(self) -> None:
        self._task = asyncio.create_task(self._sweeps(), name="recording-archive")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _sweeps(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:   # the directory unreadable: the next round tries again
                log.exception("recordings archive sweep failed")
            await asyncio.sleep(self.every)


def _local_keys(root: Path) -> list[str]:
    try:
        return sorted(path.name for path in root.iterdir() if path.is_file())
    except FileNotFoundError:
        return []


def _file_sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _stored_sha256(remote: RecordingArchive, key: str) -> str:
    """What the remote holds, read back: the move's proof that the copy is there and whole."""
    with remote.open(key) as file:
        digest = hashlib.sha256()
        while block := file.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()
