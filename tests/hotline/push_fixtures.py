"""Helpers shared by the push tests: a client socket that can stall, a connected client of the hub, ring events
at known times."""
from __future__ import annotations

import asyncio
import datetime as dt
import json

from core.db import make_sessionmaker
from core.events import RingStarted
from hotline.push.hub import PushHub
from telephony.calls.models import CallRow, CallStateRow

T0 = dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.timezone.utc)


class FakeSocket:
    """A client socket whose writes can be held (a peer that stops reading) and released."""

    def __init__(self) -> None:
        self.frames: asyncio.Queue[dict] = asyncio.Queue()
        self.writable = asyncio.Event()
        self.writable.set()
        self.writing = asyncio.Event()     # a write has started (and may be stuck)
        self.closed = asyncio.Event()
        self.closed_with: str | None = None

    async def send(self, frame: str) -> None:
        self.writing.set()
        await self.writable.wait()
        self.frames.put_nowait(json.loads(frame))

    async def close(self, reason: str) -> None:
        self.closed_with = reason
        self.closed.set()

    def received(self) -> list[dict]:
        out = []
        while not self.frames.empty():
            out.append(self.frames.get_nowait())
        return out


class Connected:
    def __init__(self, hub: PushHub, role: str, extension: str | None = None) -> None:
        self.socket = FakeSocket()
        self.client = hub.connect(role, extension, self.socket.send, self.socket.close)
        self.task = asyncio.create_task(hub.pump(self.client))

    async def next(self) -> dict:
        return await asyncio.wait_for(self.socket.frames.get(), 5)

    async def next_of(self, kind: str) -> dict:
        """The next message of type ``kind``, skipping others (e.g. the queue picture a supervisor is greeted with)."""
        while (message := await self.next())["type"] != kind:
            pass
        return message

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def ring(call_id: str, extension: str, queue: str = "job_seekers", seconds: float = 2) -> RingStarted:
    return RingStarted(at=at(seconds), call_id=call_id, ring_id=f"{call_id}.r{extension}",
                       target=f"Local/{extension}@sandbox-agents", extension=extension, queue=queue)


async def store_call(engine, call_id: str, caller: str, started: dt.datetime, states: list[tuple],
                     direction: str = "inbound") -> None:
    async with make_sessionmaker(engine)() as session:
        session.add(CallRow(id=call_id, caller=caller, dialed="1883", started_at=started, direction=direction))
        await session.flush()
        for state, queue, cause in states:
            session.add(CallStateRow(call_id=call_id, state=state, at=started, queue=queue, cause=cause))
        await session.commit()
