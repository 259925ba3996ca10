"""A file's bytes from a recording store, in chunks read off the event loop: never the whole file in memory."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from core.ports import RecordingStore

CHUNK = 64 * 1024


async def chunks(store: RecordingStore, key: str, start: int, length: int, chunk: int = CHUNK) -> AsyncIterator[bytes]:
    """``length`` bytes of ``key`` from ``start``, ``chunk`` at a time (fewer when the file ends sooner)."""
    position, left = start, length
    while left > 0:
        data = await asyncio.to_thread(store.read_range, key, position, min(chunk, left))
        if not data:
            return
        yield data
        position += len(data)
        left -= len(data)
