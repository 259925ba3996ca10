"""The push hub: who is connected, what each may see, and a bounded outbox per client.

Publishing is synchronous and never waits on a socket: a message is encoded once per audience view (numbers
shown or masked) and appended to each recipient's outbox, so the cost is O(recipients) whatever the clients do.
Each client's own sender task writes its outbox to the socket. A client that does not keep up (slow network,
frozen tab, dead peer) overflows its outbox: the backlog is dropped and a single ``resync`` message tells it to
reload state; one that overflows again before even taking that message is disconnected.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.clock import utcnow
from hotline.auth.models import Role
from hotline.web.masking import can_see_numbers, present_number

log = logging.getLogger(__name__)

SUPERVISING_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
DEFAULT_OUTBOX = 1000


@dataclass(frozen=True, slots=True)
class Audience:
    """Who receives a message: supervisors (and admins), wall screens (the ``wallboard`` role: only the live
    picture, never personal data) and/or the users logged in with these extensions."""

    supervisors: bool = False
    extensions: frozenset[str] = frozenset()
    wallboards: bool = False

    @classmethod
    def supervising(cls) -> Audience:
        return cls(supervisors=True)

    @classmethod
    def watching(cls) -> Audience:
        """Supervisors and wall screens: the queues, call states and alerts a wallboard shows."""
        return cls(supervisors=True, wallboards=True)

    @classmethod
    def agent(cls, extension: str) -> Audience:
        return cls(extensions=frozenset({extension}))


@dataclass(frozen=True, slots=True)
class Push:
    """One message: ``type``, ``at`` and a body. ``personal`` names body fields holding phone numbers, which are
    shown to each recipient as their role may see them (``hotline.web.masking``)."""

    type: str
    body: Mapping[str, Any]
    at: str = ""
    personal: frozenset[str] = frozenset()

    def encode(self, role: Role | str) -> str:
        body = dict(self.body)
        for name in self.personal:
            body[name] = present_number(body.get(name), role)
        return json.dumps({"type": self.type, "at": self.at or utcnow().isoformat(), **body}, default=str)


# A client's socket as the hub sees it: send one text frame, close with a reason.
SendText = Callable[[str], Awaitable[None]]
Close = Callable[[str], Awaitable[None]]


@dataclass
class PushStats:
    published: int = 0
    delivered: int = 0
    overflows: int = 0
    dropped: int = 0
    disconnected_slow: int = 0


@dataclass(eq=False)
class Client:
    """One connected socket: its user's role and extension, and its bounded outbox of encoded frames."""

    id: int
    role: Role
    extension: str | None
    send: SendText
    close: Close
    capacity: int
    outbox: deque[str] = field(default_factory=deque)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    resync_pending: bool = False   # the resync message is queued and not yet taken by the sender
    closed: bool = False
    sent: int = 0
    token_hash: str = ""   # of the token it connected with: checked again while it stays open (push.access)

    @property
    def supervising(self) -> bool:
        return self.role in SUPERVISING_ROLES

    def wants(self, audience: Audience) -> bool:
        if self.role is Role.WALLBOARD:   # whatever extension it has: a wall screen takes no calls
            return audience.wallboards
        return (audience.supervisors and self.supervising) or (
            self.extension is not None and self.extension in audience.extensions)


RESYNC = json.dumps({"type": "resync", "reason": "you fell behind; reload state"})


class PushHub:
    def __init__(self, outbox_size: int = DEFAULT_OUTBOX) -> None:
        self.outbox_size = outbox_size
        self.clients: dict[int, Client] = {}
        self.stats = PushStats()
        self._ids = itertools.count(1)
        # messages a newly connected client gets first (e.g. the current queue_state), by audience
        self._greeters: list[Callable[[Client], Iterable[tuple[Audience, Push]]]] = []

    # -- connections ---------------------------------------------------------------------------------------
    def connect(self, role: Role | str, extension: str | None, send: SendText, close: Close,
                token_hash: str = "") -> Client:
        client = Client(id=next(self._ids), role=Role(role), extension=extension or None, send=send, close=close,
                        capacity=self.outbox_size, token_hash=token_hash)
        self.clients[client.id] = client
        for greet in self._greeters:
            for audience, push in greet(client):
                if client.wants(audience):
                    self._offer(client, push.encode(client.role))
        return client

    def disconnect(self, client: Client) -> None:
        client.closed = True
        client.wakeup.set()
        self.clients.pop(client.id, None)

    async def close_all(self, reason: str) -> None:
        """Close every socket (service shutdown): clients reconnect to the next instance and reload."""
        clients = list(self.clients.values())
        for client in clients:
            self.disconnect(client)
        await asyncio.gather(*(client.close(reason) for client in clients), return_exceptions=True)

    def on_connect(self, greeter: Callable[[Client], Iterable[tuple[Audience, Push]]]) -> None:
        """``greeter(client)`` yields messages every new client receives first (if the audience includes it)."""
        self._greeters.append(greeter)

    def reaches(self, audience: Audience) -> bool:
        """Whether any connected client is in ``audience`` (nobody listening: nothing worth preparing)."""
        return any(client.wants(audience) for client in self.clients.values())

    # -- publishing (never awaits) ---------------------------------------------------------------------------
    def publish(self, audience: Audience, push: Push) -> int:
        """Queue ``push`` for every client in ``audience``; returns how many. Encodes once per number view."""
        self.stats.published += 1
        frames: dict[bool, str] = {}
        recipients = 0
        for client in list(self.clients.values()):
            if not client.wants(audience):
                continue
            view = can_see_numbers(client.role)
            frame = frames.get(view)
            if frame is None:
                frame = frames[view] = push.encode(client.role)
            self._offer(client, frame)
            recipients += 1
        return recipients

    def _offer(self, client: Client, frame: str) -> None:
        if client.closed:
            return
        if len(client.outbox) >= client.capacity:
            self.stats.overflows += 1
            self.stats.dropped += len(client.outbox)
            client.outbox.clear()
            if client.resync_pending:
                # it has not taken even the last resync: not reading at all, so stop holding anything for it
                self.stats.disconnected_slow += 1
                log.info("push client %d disconnected: not reading", client.id)
                self.disconnect(client)
                asyncio.get_running_loop().create_task(client.close("not reading; reconnect and reload"))
                return
            client.outbox.append(RESYNC)
            client.resync_pending = True
        client.outbox.append(frame)
        client.wakeup.set()

    # -- the sender of one client ----------------------------------------------------------------------------
    async def pump(self, client: Client) -> None:
        """Write ``client``'s outbox to its socket until it disconnects (run as the client's own task)."""
        while not client.closed:
            if not client.outbox:
                client.wakeup.clear()
                await client.wakeup.wait()
                continue
            frame = client.outbox.popleft()
            await client.send(frame)
            if frame is RESYNC:  # only once it is written: a sender stuck on a dead socket has not "taken" it
                client.resync_pending = False
            client.sent += 1
            self.stats.delivered += 1
