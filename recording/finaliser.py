"""Finalises the files of calls that ended, in rounds: each round looks at every file still waiting (one trip to a
thread for all of them), hashes those the PBX has closed (one more trip) and stores them (one transaction), then
publishes. Calls that end together - the busy hour - share the rounds, so the cost per call falls as load grows.

A file is closed when its WAV header's length matches its data and its size stayed put since the last look; one
never closed is finalised at its deadline (``close_wait`` after its call's end) as what it is then. The round task
runs only while files wait. A failed store leaves the entries unfinished: the periodic check finalises them later.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from core.ports import RecordingStore
from recording.inspection import FileFacts, inspect, look
from recording.service import CallLinks, RecordingCatalogue

log = logging.getLogger(__name__)


@dataclass
class Waiting:
    key: str
    links: CallLinks | None
    deadline: float
    size: int | None = None          # at the last look; None before the first


class Finaliser:
    def __init__(self, catalogue: RecordingCatalogue) -> None:
        self.catalogue = catalogue
        self.store: RecordingStore = catalogue.store
        self.waiting: dict[str, Waiting] = {}
        self._task: asyncio.Task | None = None

    @property
    def busy(self) -> set[str]:
        return set(self.waiting)

    def add(self, files: dict[str, str], links: CallLinks | None) -> None:
        """Wait for ``files`` (entry id -> key) to be closed, then finalise them with ``links``."""
        deadline = asyncio.get_running_loop().time() + self.catalogue.close_wait
        for entry_id, key in files.items():
            self.waiting.setdefault(entry_id, Waiting(key, links, deadline))
        if self.waiting and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._rounds(), name="recording-finalise")

    async def _rounds(self) -> None:
        while self.waiting:
            try:
                await self._round()
            except Exception:   # the store unreadable: the entries stay unfinished for the periodic check
                log.exception("recordings: finalising %d files failed", len(self.waiting))
                self.waiting.clear()
                return
            if self.waiting:
                await asyncio.sleep(self.catalogue.poll)

    async def _round(self) -> None:
        waiting = dict(self.waiting)
        looked = await asyncio.to_thread(_look_all, self.store, {entry_id: w.key for entry_id, w in waiting.items()})
        now, due = asyncio.get_running_loop().time(), []
        for entry_id, facts in looked.items():
            entry = waiting[entry_id]
            if (facts.closed and entry.size == facts.size) or now >= entry.deadline:
                due.append(entry_id)
            entry.size = facts.size
        if not due:
            return
        inspected = await asyncio.to_thread(_inspect_all, self.store, {entry_id: waiting[entry_id].key
                                                                       for entry_id in due})
        try:
            await self.catalogue.store_finalised({entry_id: (inspected[entry_id], waiting[entry_id].links)
                                                  for entry_id in due})
        except Exception:   # the entries stay unfinished; the periodic check finalises them later
            log.exception("recordings %s could not be finalised now", ", ".join(due))
        finally:
            for entry_id in due:
                self.waiting.pop(entry_id, None)

    async def drain(self, timeout: float | None = None) -> None:
        """Until nothing waits; with ``timeout``, what still waits then is left unfinished (the next start's check
        finalises it)."""
        task = self._task
        if task is None or task.done():
            return
        done, _ = await asyncio.wait([task], timeout=timeout)
        if not done:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            self.waiting.clear()


def _look_all(store: RecordingStore, keys: dict[str, str]) -> dict[str, FileFacts]:
    return {entry_id: look(store, key) for entry_id, key in keys.items()}


def _inspect_all(store: RecordingStore, keys: dict[str, str]) -> dict[str, FileFacts]:
    return {entry_id: inspect(store, key) for entry_id, key in keys.items()}
