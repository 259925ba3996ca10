"""A loopback AMI server that replays a recorded event stream as fast as the client reads it (benchmarks only).

The recorded stream's channel ids get a per-repetition prefix, so N repetitions are N different sets of calls, and
its callers' numbers (``+37069990xxx``, ``bench/record_ami_stream.py``) a per-repetition middle part, so they are
different callers too (10,000 repetitions apart, the same callers call again).
It answers Login, Ping and the resync list actions (empty lists) like Asterisk. It streams when the client asks
with the real AMI action ``Action: UserEvent`` / ``UserEvent: BenchStart`` (not right after Login: the stream is
written far ahead of the client's reads, so replies to the client's post-login resync would queue behind
megabytes of events, and a client that pauses reading while it resyncs would wait for them until its action
timeout), then sends a ``UserEvent: BenchEnd`` marker.
"""
from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Awaitable, Callable

ID_FIELDS = re.compile(rb"^(Uniqueid|Linkedid|DestUniqueid|DestLinkedid): ", re.MULTILINE | re.IGNORECASE)
# the recorded callers' numbers, +37069990 and three digits: the repetition's four digits replace "9990"
CALLER_NUMBER = re.compile(rb"(3706)9990(?=\d{3})")
END_MARKER = b"Event: UserEvent\r\nUserEvent: BenchEnd\r\n\r\n"
START_ACTION = {"Action": "UserEvent", "UserEvent": "BenchStart"}  # what a client sends to start the stream
LIST_ACTIONS = {b"coreshowchannels": b"CoreShowChannelsComplete", b"status": b"StatusComplete",
                b"queuestatus": b"QueueStatusComplete"}


def load_template(path: str) -> tuple[bytes, int]:
    """The recorded stream with a placeholder before every channel id, and its number of events."""
    raw = open(path, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    messages = [m for m in raw.split(b"\r\n\r\n") if m.startswith(b"Event:")]
    body = b"".join(CALLER_NUMBER.sub(rb"\g<1>N@@@", ID_FIELDS.sub(rb"\1: R@@", m)) + b"\r\n\r\n" for m in messages)
    return body, len(messages)


def repetition(template: bytes, rep: int) -> bytes:
    """Repetition ``rep`` of the stream: its own channel ids and callers."""
    return template.replace(b"R@@", b"r%d." % rep).replace(b"N@@@", b"%04d" % (rep % 10_000))


def _fields(action: bytes) -> dict[bytes, bytes]:
    fields = {}
    for line in action.split(b"\r\n"):
        key, _, value = line.partition(b": ")
        fields[key.lower()] = value
    return fields


def _is_start(fields: dict[bytes, bytes]) -> bool:
    return fields.get(b"action", b"").lower() == b"userevent" and fields.get(b"userevent") == b"BenchStart"


def _reply(fields: dict[bytes, bytes]) -> bytes:
    name = fields.get(b"action", b"").lower()
    action_id = fields.get(b"actionid", b"")
    head = b"ActionID: " + action_id + b"\r\n"
    if name in LIST_ACTIONS:
        return (b"Response: Success\r\n" + head + b"EventList: start\r\nMessage: will follow\r\n\r\n"
                b"Event: " + LIST_ACTIONS[name] + b"\r\n" + head + b"EventList: Complete\r\nListItems: 0\r\n\r\n")
    if name == b"ping":
        return b"Response: Success\r\n" + head + b"Ping: Pong\r\nTimestamp: 0\r\n\r\n"
    if name == b"login":
        return b"Response: Success\r\n" + head + b"Message: Authentication accepted\r\n\r\n"
    return b"Response: Success\r\n" + head + b"\r\n"


async def answer_actions(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                         stream: Callable[[], Awaitable[None]]) -> None:
    """One client connection: greet, answer its actions like Asterisk, run ``stream()`` once it says start."""
    writer.write(b"Asterisk Call Manager/9.0.0\r\n")
    buffer = b""
    streaming: asyncio.Task | None = None
    try:
        while data := await reader.read(65536):
            buffer += data
            while b"\r\n\r\n" in buffer:
                action, buffer = buffer.split(b"\r\n\r\n", 1)
                fields = _fields(action)
                writer.write(_reply(fields))
                if streaming is None and _is_start(fields):
                    streaming = asyncio.create_task(stream())
    except ConnectionError:
        pass
    finally:
        if streaming is not None and not streaming.done():
            streaming.cancel()
        writer.close()


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, template: bytes,
                 per_rep: int, total: int) -> None:
    async def stream() -> None:
        sent = rep = 0
        while sent < total:
            writer.write(repetition(template, rep))
            await writer.drain()
            sent += per_rep
            rep += 1
        writer.write(END_MARKER)
        await writer.drain()

    await answer_actions(reader, writer, stream)


def serve_forever(sock: socket.socket, stream_path: str, total: int) -> None:
    """Entry point of the replay process: serve every connection on ``sock`` until killed."""
    template, per_rep = load_template(stream_path)

    async def main() -> None:
        server = await asyncio.start_server(lambda r, w: _serve(r, w, template, per_rep, total), sock=sock)
        async with server:
            await server.serve_forever()

    asyncio.run(main())
