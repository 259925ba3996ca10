"""A scripted fake Asterisk AMI server over real loopback TCP, for tests and benchmarks.

Usage::

    peer = AmiPeer(secret="s3cret")              # username "hotline" by default
    await peer.start()                            # listens on 127.0.0.1, a free port: peer.host, peer.port
    peer.lists["CoreShowChannels"] = [{"Event": "CoreShowChannel", "Channel": "PJSIP/1-0001", ...}]
    peer.replies["QueueAdd"] = {"Response": "Success", "Message": "Added interface to queue"}
    await peer.wait_logins(1)                     # until a client logged in successfully
    await peer.push_event({"Event": "Newchannel", "Linkedid": "1.1"})
    await peer.push(raw_bytes, split_at=[3, 10])  # raw bytes, written in pieces (the client reads each piece)
    await peer.replay(chunks)                     # benchmark: stream recorded bytes, flow-controlled
    peer.freeze(); peer.thaw()                    # like SIGSTOP/SIGCONT: nothing is answered or sent meanwhile
    await peer.drop()                             # abort every client connection
    await peer.stop()

What it speaks: the greeting line ``Asterisk Call Manager/9.0.0``; ``Login`` (a wrong username or secret gets
``Response: Error / Message: Authentication failed`` and the connection is closed, as Asterisk does); ``Ping``
(``Pong``); an action named in ``lists`` answers ``EventList: start``, the scripted events (each with the
action's ActionID) and ``<Action>Complete``; an action named in ``replies`` gets that reply (a dict of headers,
the ActionID is added; a callable ``(action) -> dict | bytes | None``; ``None`` = never answer); anything else
gets ``Response: Error / Message: Invalid/unknown command``.
Records: ``connection_times`` (loop time of each accepted connection), ``login_attempts`` (loop time, accepted),
``actions`` (every action received, as dicts). Event names are matched case-insensitively.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

EOL = b"\r\n"

Reply = dict | bytes | Callable[[dict], "dict | bytes | None"] | None


def encode_message(headers: dict[str, Any]) -> bytes:
    """One AMI message (headers, then the blank line); a list value repeats the header."""
    lines = []
    for key, value in headers.items():
        for item in value if isinstance(value, list) else [value]:
            lines.append(f"{key}: {item}".encode())
    return EOL.join(lines) + EOL + EOL


class AmiPeer:
    def __init__(self, *, username: str = "hotline", secret: str = "secret", version: str = "9.0.0") -> None:
        self.username = username
        self.secret = secret
        self.version = version
        self.lists: dict[str, list[dict[str, Any]]] = {}
        self.replies: dict[str, Reply] = {}
        self.connection_times: list[float] = []
        self.login_attempts: list[tuple[float, bool]] = []
        self.actions: list[dict[str, Any]] = []
        self.host = "127.0.0.1"
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()  # logged-in connections: pushes go there
        self._connections: set[asyncio.StreamWriter] = set()  # every connection: drop() aborts them all
        self._thawed = asyncio.Event()
        self._thawed.set()
        self._changed = asyncio.Condition()

    # --- server ------------------------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> "AmiPeer":
        self._server = await asyncio.start_server(self._serve, host, port)
        self.host, self.port = self._server.sockets[0].getsockname()[:2]
        return self

    async def stop(self) -> None:
        self.thaw()
        await self.drop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def logins(self) -> int:
        """Successful logins so far."""
        return sum(1 for _, ok in self.login_attempts if ok)

    @property
    def clients(self) -> int:
        return len(self._writers)

    # --- scripting ---------------------------------------------------------------------------------------
    def freeze(self) -> None:
        """Stop answering and sending (connections are still accepted, like a SIGSTOPped Asterisk's kernel)."""
        self._thawed.clear()

    def thaw(self) -> None:
        self._thawed.set()

    async def drop(self) -> None:
        """Abort every client connection (the client sees the connection lost, mid-list or anywhere)."""
        for writer in list(self._connections):
            writer.transport.abort()
        self._writers.clear()
        self._connections.clear()

    async def push(self, data: bytes | str, *, split_at: Iterable[int] = ()) -> None:
        """Write raw bytes to every logged-in client, cut at the given offsets into separate writes; between the
        pieces the loop gets a few turns, so the client reads each piece on its own (loopback, same loop)."""
        raw = data.encode() if isinstance(data, str) else data
        cuts = [0, *sorted(set(i for i in split_at if 0 < i < len(raw))), len(raw)]
        for start, end in zip(cuts, cuts[1:]):
            for writer in list(self._writers):
                writer.write(raw[start:end])
                await writer.drain()
            for _ in range(3):
                await asyncio.sleep(0)

    async def replay(self, chunks: Iterable[bytes]) -> int:
        """Stream recorded traffic to every logged-in client as fast as they read it (flow-controlled by
        ``drain``, so memory stays flat however long the recording); returns the bytes sent to each client."""
        sent = 0
        for chunk in chunks:
            for writer in list(self._writers):
                writer.write(chunk)
                await writer.drain()
            sent += len(chunk)
        return sent

    async def push_event(self, headers: dict[str, Any]) -> None:
        await self.push(encode_message(headers))

    async def wait_logins(self, count: int, timeout: float = 5.0) -> None:
        await self.wait_for(lambda: self.logins >= count, timeout)

    async def wait_login_attempts(self, count: int, timeout: float = 5.0) -> None:
        await self.wait_for(lambda: len(self.login_attempts) >= count, timeout)

    async def wait_action(self, name: str, count: int = 1, timeout: float = 5.0) -> dict[str, Any]:
        """Wait until ``count`` actions named ``name`` were received; return the last one."""
        def matching() -> list[dict[str, Any]]:
            return [a for a in self.actions if _get(a, "Action").lower() == name.lower()]
        await self.wait_for(lambda: len(matching()) >= count, timeout)
        return matching()[-1]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(predicate)

    # --- one connection ----------------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connection_times.append(asyncio.get_running_loop().time())
        self._connections.add(writer)
        await self._notify()
        try:
            await self._thawed.wait()
            writer.write(f"Asterisk Call Manager/{self.version}\r\n".encode())
            logged_in = False
            while True:
                raw = await reader.readuntil(EOL + EOL)
                await self._thawed.wait()
                action = _parse(raw)
                self.actions.append(action)
                logged_in = await self._answer(action, writer, logged_in)
                await self._notify()
                if logged_in is None:
                    return
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self._writers.discard(writer)
            self._connections.discard(writer)
            writer.transport.abort()
            await self._notify()

    async def _answer(self, action: dict[str, Any], writer: asyncio.StreamWriter, logged_in: bool) -> bool | None:
        """Reply to one action; returns the new logged-in state, None when the connection must close."""
        name = _get(action, "Action")
        action_id = _get(action, "ActionID")
        ident = {"ActionID": action_id} if action_id else {}
        key = name.lower()
        if key == "login":
            ok = _get(action, "Username") == self.username and _get(action, "Secret") == self.secret
            self.login_attempts.append((asyncio.get_running_loop().time(), ok))
            if not ok:
                writer.write(encode_message({"Response": "Error", **ident, "Message": "Authentication failed"}))
                await writer.drain()
                return None
            writer.write(encode_message({"Response": "Success", **ident, "Message": "Authentication accepted"}))
            self._writers.add(writer)
            return True
        if not logged_in:
            writer.write(encode_message({"Response": "Error", **ident, "Message": "Permission denied"}))
            return logged_in
        scripted = _lookup(self.replies, key)
        if scripted is not _MISSING:
            reply = scripted(action) if callable(scripted) else scripted
            if isinstance(reply, dict):
                writer.write(encode_message({**reply, **ident}))
            elif isinstance(reply, bytes):
                writer.write(reply)
        elif key == "ping":
            writer.write(encode_message({"Response": "Success", **ident, "Ping": "Pong",
                                         "Timestamp": "1700000000.000000"}))
        elif (events := _lookup(self.lists, key)) is not _MISSING:
            writer.write(encode_message({"Response": "Success", **ident, "EventList": "start",
                                         "Message": f"{name} will follow"}))
            for event in events:
                writer.write(encode_message({**event, **ident}))
            writer.write(encode_message({"Event": f"{name}Complete", **ident, "EventList": "Complete",
                                         "ListItems": len(events)}))
        else:
            writer.write(encode_message({"Response": "Error", **ident, "Message": "Invalid/unknown command"}))
        await writer.drain()
        return logged_in

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()


_MISSING = object()


def _lookup(table: dict[str, Any], key: str) -> Any:
    for name, value in table.items():
        if name.lower() == key:
            return value
    return _MISSING


def _get(action: dict[str, Any], key: str) -> str:
    for name, value in action.items():
        if name.lower() == key.lower():
            return value if isinstance(value, str) else value[-1]
    return ""


def _parse(raw: bytes) -> dict[str, Any]:
    action: dict[str, Any] = {}
    for line in raw.decode("utf-8", "replace").split("\r\n"):
        key, sep, value = line.partition(": ")
        if not sep:
            continue
        if key in action:
            previous = action[key]
            action[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            action[key] = value
    return action


async def eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for a condition on the client's side, which the peer cannot be notified of (checked every 5 ms)."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)
