"""A loopback AMI peer that replays the recorded stream at a fixed rate and notes when each AgentCalled left it.

For latency benchmarks (``bench/screen_pop.py``): unlike ``bench/ami_replay.py``, which streams as fast as the
client reads, this one paces the stream (e.g. 1,000 events/s of realistic background traffic) and writes every
``AgentCalled`` on its own, taking ``time.monotonic_ns()`` right after the write (the bytes are in the kernel:
they have left the peer). CLOCK_MONOTONIC is system-wide, so the client process can compare its own readings.
The stamps (DestUniqueid -> ns) go back to the parent through a pipe when the stream is over.
"""
from __future__ import annotations

import asyncio
import socket
import time
from multiprocessing.connection import Connection

from bench.ami_replay import END_MARKER, answer_actions, load_template, repetition

TICK = 0.002   # seconds between writes: at 1,000 events/s, two events a write


def split_events(template: bytes) -> list[tuple[bytes, bool]]:
    """The template's events, each with whether it is an AgentCalled (the ones to time)."""
    events = [part + b"\r\n\r\n" for part in template.split(b"\r\n\r\n") if part]
    return [(event, event.startswith(b"Event: AgentCalled\r\n")) for event in events]


def dest_uniqueid(event: bytes) -> str:
    for line in event.split(b"\r\n"):
        if line.lower().startswith(b"destuniqueid: "):
            return line.split(b": ", 1)[1].decode()
    return ""


async def _stream(writer: asyncio.StreamWriter, events: list[tuple[bytes, bool]], rate: float, seconds: float,
                  stamps: dict[str, int]) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    total = int(rate * seconds)
    sent = 0
    while sent < total:
        due = min(total, int((loop.time() - started) * rate) + 1)
        chunk = []
        while sent < due:
            rep, index = divmod(sent, len(events))
            event, timed = events[index]
            event = repetition(event, rep)
            if timed:
                if chunk:
                    writer.write(b"".join(chunk))
                    chunk = []
                writer.write(event)
                stamps[dest_uniqueid(event)] = time.monotonic_ns()
            else:
                chunk.append(event)
            sent += 1
        if chunk:
            writer.write(b"".join(chunk))
        await writer.drain()
        await asyncio.sleep(TICK)
    writer.write(END_MARKER)
    await writer.drain()


async def _serve(reader, writer, events, rate: float, seconds: float, results: Connection, nagle: bool) -> None:
    if not nagle:
        # Accepted sockets keep Nagle's algorithm on: each AgentCalled, written on its own right after other
        # events, would then wait for the client's delayed ACK (~40 ms on Linux) - a property of the peer's socket.
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    stamps: dict[str, int] = {}

    async def stream_and_report() -> None:
        await _stream(writer, events, rate, seconds, stamps)
        results.send(stamps)

    await answer_actions(reader, writer, stream_and_report)


def serve(sock: socket.socket, stream_path: str, rate: float, seconds: float, results: Connection,
          nagle: bool = False) -> None:
    """Entry point of the peer process: pace the stream to every connection on ``sock`` until killed."""
    template, _per_rep = load_template(stream_path)
    events = split_events(template)

    async def main() -> None:
        server = await asyncio.start_server(lambda r, w: _serve(r, w, events, rate, seconds, results, nagle), sock=sock)
        async with server:
            await server.serve_forever()

    asyncio.run(main())
