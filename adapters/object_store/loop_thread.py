"""An event loop of its own in a daemon thread, for blocking callers of an asyncio client: each call submits a
coroutine and waits for it at most a given time, so a server that is away costs a timeout, never a hang."""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from core.ports import RecordingStoreUnavailable

T = TypeVar("T")


class LoopThread:
    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _started(self) -> asyncio.AbstractEventLoop:
        with self._lock:   # started on first use: a store never used costs no thread
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=self._loop.run_forever, name=self._name, daemon=True)
                self._thread.start()
            return self._loop

    def run(self, coro: Coroutine[Any, Any, T], timeout: float, what: str) -> T:
        """``coro``'s result; ``RecordingStoreUnavailable`` naming ``what`` when it takes longer than ``timeout``."""
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("a blocking store call from the store's own loop would wait for itself")
        future = asyncio.run_coroutine_threadsafe(coro, self._started())
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()   # the coroutine is cancelled on its loop: nothing keeps running behind the caller
            raise RecordingStoreUnavailable(f"{what}: no answer within {timeout:g} s") from None

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        if not thread.is_alive():
            loop.close()
