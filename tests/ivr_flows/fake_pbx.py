"""Asterisk's side of FastAGI over a real loopback socket, for protocol tests, fuzzing and the benchmark.

    call = await FakeAgiCall.connect(port)                 # sends Asterisk-like headers (script "ivr")
    assert await call.expect() == 'ANSWER'                  # next command line from the server
    await call.reply("200 result=0")                        # any reply lines, "\\n" added
    await call.wait_closed()                                # the server ended the session

``parse_agi_args`` is Asterisk's ``parse_args`` (res_agi.c) in Python: how the PBX splits a command line.
"""
from __future__ import annotations

import asyncio

CALLER = "37060000001"  # made up; tests check it never reaches the logs


def asterisk_headers(script: str = "ivr", port: int = 4573, **overrides: str) -> dict[str, str]:
    """The header set Asterisk 22 sends for AGI(agi://127.0.0.1:<port>/<script>) on the public number."""
    headers = {
        "agi_network": "yes", "agi_network_script": script, "agi_request": f"agi://127.0.0.1:{port}/{script}",
        "agi_channel": "Local/1883@from-pstn-00000001;2", "agi_language": "en", "agi_type": "Local",
        "agi_uniqueid": "1700000000.42", "agi_version": "22.0.0", "agi_callerid": CALLER,
        "agi_calleridname": "unknown", "agi_callingpres": "0", "agi_callingani2": "0", "agi_callington": "0",
        "agi_callingtns": "0", "agi_dnid": "unknown", "agi_rdnis": "unknown", "agi_context": "hotline-public",
        "agi_extension": "1883", "agi_priority": "3", "agi_enhanced": "0.0", "agi_accountcode": "",
        "agi_threadid": "140000000000000",
    }
    headers.update(overrides)
    return {key: value for key, value in headers.items() if value is not None}


def encode_headers(headers: dict[str, str]) -> bytes:
    return b"".join(f"{key}: {value}\n".encode() for key, value in headers.items()) + b"\n"


class FakeAgiCall:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int, host: str = "127.0.0.1") -> FakeAgiCall:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    @classmethod
    async def connect(cls, port: int, headers: dict[str, str] | None = None, **overrides: str) -> FakeAgiCall:
        call = await cls.open(port)
        await call.send(encode_headers(headers if headers is not None else asterisk_headers(port=port, **overrides)))
        return call

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def expect(self, timeout: float = 10.0) -> str:
        """The next command line the server sent (without its line break)."""
        line = await asyncio.wait_for(self.reader.readline(), timeout)
        if not line.endswith(b"\n"):
            raise AssertionError(f"the server closed the connection instead of sending a command (got {line!r})")
        return line.decode().rstrip("\n")

    async def expect_args(self, timeout: float = 10.0) -> list[str]:
        return parse_agi_args(await self.expect(timeout))

    async def reply(self, *lines: str) -> None:
        await self.send("".join(line + "\n" for line in lines).encode())

    async def wait_closed(self, timeout: float = 10.0) -> bytes:
        """Everything the server still sent until it closed (or reset) the connection; b"" when nothing."""
        try:
            return await asyncio.wait_for(self.reader.read(), timeout)
        except ConnectionResetError:  # refused connections are aborted, not closed
            return b""

    def close(self) -> None:
        self.writer.close()

    def abort(self) -> None:
        self.writer.transport.abort()


def parse_agi_args(line: str) -> list[str]:
    """Asterisk's parse_args: whitespace splits, double quotes group, backslash escapes the next character."""
    args: list[str] = []
    current: list[str] | None = None
    quoted = escaped = False
    for char in line:
        if char == '"' and not escaped:
            quoted = not quoted
            if quoted and current is None:
                current = []
            continue
        if char in " \t" and not quoted and not escaped:
            if current is not None:
                args.append("".join(current))
                current = None
            continue
        if char == "\\" and not escaped:
            escaped = True
            continue
        if current is None:
            current = []
        current.append(char)
        escaped = False
    if current is not None:
        args.append("".join(current))
    return args
