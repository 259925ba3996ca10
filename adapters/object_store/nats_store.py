"""Recording files in a NATS JetStream object-store bucket (nats-py), behind the blocking ``RecordingArchive`` port.

The NATS client lives on an event loop of its own (``LoopThread``): callers block in their threads, at most
``timeout`` seconds per operation (``transfer_timeout`` for whole files), and get ``RecordingStoreUnavailable`` (an
OSError) when NATS is away, ``RecordingFileMissing`` when the key is not there. The connection is made on first use
and re-made on the next call once nats-py has given it up (after a server restart it reconnects by itself).

Ranges: nats-py reads objects only whole (``ObjectStore.get`` has no offset), but an object is a run of messages of
``max_chunk_size`` bytes each (the last one shorter) on the subject ``$O.<bucket>.C.<nuid>``. ``read_range`` gets
only the chunks the range covers, by stream sequence, when the object's chunks are contiguous in the stream (its
first and last chunk are ``chunks - 1`` apart: uploads were not interleaved, as with one archiver); otherwise it
walks the chunks from the first to the range's last (never the tail). Ranges skip the whole-object digest check
that ``open`` (``ObjectStore.get``) makes.
"""
from __future__ import annotations

import asyncio
import base64
import logging
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import BinaryIO, TypeVar
from urllib.parse import urlsplit

import nats
import nats.errors
from nats.js import api
from nats.js.errors import BucketNotFoundError, ObjectNotFoundError
from nats.js.object_store import ObjectStore

from adapters.object_store.loop_thread import LoopThread
from core.ports import RecordingFileMissing, RecordingStoreUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
CHUNK_SIZE = 128 * 1024
SPOOL_IN_MEMORY = 8 * 1024 * 1024   # ``open``: files up to this stay in memory, longer ones go to a temp file
UNAVAILABLE = (OSError, nats.errors.Error)   # transport and server errors (nats-py's TimeoutError is one)


class NatsObjectStore:
    def __init__(self, url: str, bucket: str, *, timeout: float = 10.0, transfer_timeout: float = 300.0) -> None:
        self.url, self.bucket = url, bucket
        self.timeout, self.transfer_timeout = timeout, transfer_timeout
        parts = urlsplit(url)
        self._where = f"NATS object store {bucket!r} at {parts.hostname}:{parts.port or 4222}"   # no credentials
        self._loop = LoopThread(f"nats-{bucket}")
        self._nc: nats.NATS | None = None
        self._store: ObjectStore | None = None
        self._last_error = ""

    # --- the port -------------------------------------------------------------------------------------------------
    def size(self, key: str) -> int | None:
        try:
            return self._call(key, lambda store: store.get_info(key)).size
        except RecordingFileMissing:
            return None

    def read_range(self, key: str, start: int, length: int) -> bytes:
        return self._call(key, lambda store: self._range(store, key, start, length))

    def open(self, key: str) -> BinaryIO:
        file = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
        try:
            self._call(key, lambda store: store.get(key, writeinto=file), self.transfer_timeout)
        except BaseException:
            file.close()
            raise
        file.seek(0)
        return file   # type: ignore[return-value]   a binary file object

    def delete(self, key: str) -> bool:
        async def delete(store: ObjectStore) -> None:
            await store.get_info(key)   # a missing key: ObjectNotFoundError, told apart below
            await store.delete(key)
        try:
            self._call(key, delete)
        except RecordingFileMissing:
            return False
        return True

    def put(self, key: str, path: Path) -> str:
        async def put(store: ObjectStore) -> api.ObjectInfo:
            meta = api.ObjectMeta(name=key, options=api.ObjectMetaOptions(max_chunk_size=CHUNK_SIZE))
            with path.open("rb") as file:
                return await store.put(key, file, meta)
        info = self._call(key, put, self.transfer_timeout)
        # the digest nats-py computed of the bytes it sent; every ``get`` checks the chunks against it
        return base64.urlsafe_b64decode(info.digest.split("=", 1)[1]).hex()

    def close(self) -> None:
        """Closes the connection and stops the client's thread (the service's stop)."""
        if self._nc is not None:
            try:
                self._loop.run(self._close(), self.timeout, self._where)
            except UNAVAILABLE:
                pass   # closing a connection to a server that is away: nothing to keep
        self._loop.stop()

    # --- on the client's loop --------------------------------------------------------------------------------------
    def _call(self, key: str, operation: Callable[[ObjectStore], Awaitable[T]], timeout: float | None = None) -> T:
        _check_key(key)

        async def run() -> T:
            return await operation(await self._bucket())
        try:
            return self._loop.run(run(), timeout or self.timeout, self._where)
        except ObjectNotFoundError:
            raise RecordingFileMissing(key) from None
        except RecordingStoreUnavailable as exc:
            if self._last_error:   # a timeout while nats-py kept retrying: say what it met
                raise RecordingStoreUnavailable(f"{exc} (last: {self._last_error})") from None
            raise
        except UNAVAILABLE as exc:
            raise RecordingStoreUnavailable(f"{self._where}: {type(exc).__name__}") from None

    async def _bucket(self) -> ObjectStore:
        if self._nc is None or self._nc.is_closed:
            self._store = None
            # bounded here too: a transfer's longer wait must not go to a first connection nats-py keeps retrying
            self._nc = await asyncio.wait_for(nats.connect(
                servers=[self.url], connect_timeout=self.timeout, allow_reconnect=True, max_reconnect_attempts=-1,
                reconnect_time_wait=1.0, error_cb=self._quiet, disconnected_cb=self._gone), self.timeout)
        self._last_error = ""
        if self._store is None:
            js = self._nc.jetstream(timeout=self.timeout)
            try:
                self._store = await js.object_store(self.bucket)
            except BucketNotFoundError:
                self._store = await js.create_object_store(self.bucket)
        return self._store

    async def _range(self, store: ObjectStore, key: str, start: int, length: int) -> bytes:
        info = await store.get_info(key)
        if length <= 0 or start >= info.size or info.chunks == 0:
            return b""
        size = info.options.max_chunk_size if info.options and info.options.max_chunk_size else CHUNK_SIZE
        end = min(start + length, info.size)
        first, last = start // size, (end - 1) // size
        stream, subject = f"OBJ_{self.bucket}", f"$O.{self.bucket}.C.{info.nuid}"
        js = store._js
        head = await js.get_msg(stream, seq=1, subject=subject, next=True)
        tail = await js.get_msg(stream, subject=subject)   # the last message on the subject
        contiguous = tail.seq - head.seq == info.chunks - 1
        if contiguous:   # chunk i is the message head.seq + i
            messages = [await js.get_msg(stream, seq=head.seq + i) for i in range(first, last + 1)]
        else:
            messages, message = [], head
            for index in range(last + 1):
                if index > 0:
                    message = await js.get_msg(stream, seq=message.seq + 1, subject=subject, next=True)
                if index >= first:
                    messages.append(message)
        if any(message.subject != subject for message in messages):
            raise RecordingStoreUnavailable(f"{self._where}: a recording's chunks changed while it was read")
        parts = [message.data or b"" for message in messages]
        data = b"".join(parts)
        offset = start - first * size
        return data[offset:offset + (end - start)]

    async def _close(self) -> None:
        nc, self._nc, self._store = self._nc, None, None
        if nc is not None and not nc.is_closed:
            await nc.close()

    async def _quiet(self, exc: Exception) -> None:
        if type(exc).__name__ != self._last_error:   # once per kind of error, not per reconnect attempt
            log.warning("%s: %s", self._where, type(exc).__name__)   # nats-py's own log would print the URL
        self._last_error = type(exc).__name__

    async def _gone(self) -> None:
        log.warning("%s: disconnected, reconnecting", self._where)


def _check_key(key: str) -> None:
    if not key or "/" in key or "\\" in key or key in (".", ".."):
        raise ValueError("a recording key is a file name")
