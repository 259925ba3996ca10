"""A SIP softphone of the sandbox: one headless baresip process registered as an employee's phone, answering
and hanging up as its :class:`Behaviour` says, driven over baresip's ``ctrl_tcp`` (netstring JSON).

It is a real SIP user agent: it REGISTERs with the employee's credentials (digest auth), answers with RTP carrying
its phrase (``audio_source aufile``) and DTMF as RFC 4733. Stopping it unregisters it, so the PBX sees the phone go
away as it would a real one.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

BARESIP = "baresip"
EXIT_ADDRESS_IN_USE = 98   # baresip exits with the errno of a failed bind: EADDRINUSE
PORT_TRIES = 5
MODULES = ("g711.so", "aufile.so")
APP_MODULES = ("account.so", "menu.so", "ctrl_tcp.so")   # menu: the accept/hangup/dial commands of ctrl_tcp


@dataclass
class Behaviour:
    """How the person at the phone acts: answers after ``answer_after`` seconds (None: lets it ring), hangs up
    ``talk`` seconds after answering (None: waits for the other side)."""

    answer_after: float | None = 1.0
    talk: float | None = None


def free_port() -> int:
    """A port free for both UDP and TCP on loopback (baresip listens on both)."""
    while True:
        with socket.socket() as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            with socket.socket(type=socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port


@dataclass
class Softphone:
    extension: str
    password: str
    registrar: str            # host:port of the PBX's SIP transport
    workdir: Path
    speech: Path              # WAV (8 kHz mono) the phone's user says once answered, padded with silence
    behaviour: Behaviour = field(default_factory=Behaviour)
    events: list[tuple[float, str]] = field(default_factory=list)   # (monotonic time, baresip event type)
    answered: int = 0

    def __post_init__(self) -> None:
        self._process: asyncio.subprocess.Process | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task | None = None
        self._pending: set[asyncio.Task] = set()
        self._changed = asyncio.Condition()

    def _write_config(self, sip_port: int, ctrl_port: int) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        lines = ["poll_method epoll", f"sip_listen 127.0.0.1:{sip_port}", "net_interface 127.0.0.1",
                 f"audio_source aufile,{self.speech}", f"audio_alert aufile,{self.speech}",
                 "module_path /usr/lib/baresip/modules", *(f"module {name}" for name in MODULES),
                 *(f"module_app {name}" for name in APP_MODULES), f"ctrl_tcp_listen 127.0.0.1:{ctrl_port}"]
        (self.workdir / "config").write_text("\n".join(lines) + "\n")
        account = (f"<sip:{self.extension}@{self.registrar};transport=udp>;auth_pass={self.password};"
                   "answermode=manual;regint=600\n")
        accounts = self.workdir / "accounts"
        accounts.write_text(account)
        accounts.chmod(0o600)

    async def start(self, timeout: float = 10.0) -> None:
        """Start baresip and connect to its control port (registration is the PBX's to confirm)."""
        for _ in range(PORT_TRIES):
            reader = await self._launch(timeout)
            if reader is not None:
                break
        else:
            raise RuntimeError(f"softphone {self.extension}: baresip found no free port in {PORT_TRIES} tries")
        self._reader_task = asyncio.create_task(self._read(reader), name=f"softphone-{self.extension}")

    async def _launch(self, timeout: float) -> asyncio.StreamReader | None:
        """One start on two fresh ports; None when baresip lost a port to another process between our pick and its
        bind (exit 98, EADDRINUSE: the ports are free when chosen, not reserved), so the caller picks again."""
        ctrl_port = free_port()
        self._write_config(free_port(), ctrl_port)
        self._process = await asyncio.create_subprocess_exec(
            BARESIP, "-f", str(self.workdir), stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            try:
                reader, self._writer = await asyncio.open_connection("127.0.0.1", ctrl_port)
                return reader
            except OSError:
                if self._process.returncode == EXIT_ADDRESS_IN_USE:
                    return None
                if self._process.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"softphone {self.extension}: baresip did not start "
                                       f"(exit {self._process.returncode})") from None
                await asyncio.sleep(0.05)   # its control port opens a moment after the process starts

    async def stop(self, timeout: float = 5.0) -> None:
        """Quit like a user closing the app: baresip unregisters (REGISTER Expires: 0) and exits."""
        for task in [*self._pending, *([self._reader_task] if self._reader_task else [])]:
            task.cancel()
        if self._writer is not None:
            self._writer.close()
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()

    async def command(self, name: str, params: str = "") -> None:
        if self._writer is None:
            raise RuntimeError(f"softphone {self.extension} is not running")
        body = json.dumps({"command": name, "params": params, "token": name}).encode()
        self._writer.write(str(len(body)).encode() + b":" + body + b",")
        await self._writer.drain()

    async def dial(self, number: str) -> None:
        await self.command("dial", number)

    async def hangup(self) -> None:
        await self.command("hangup")

    async def wait_event(self, kind: str, *, after: float = 0.0, timeout: float = 30.0) -> float:
        """The monotonic time of the first ``kind`` event (e.g. CALL_ESTABLISHED) at or after ``after``."""
        async with asyncio.timeout(timeout), self._changed:
            while True:
                for at, seen in self.events:
                    if seen == kind and at >= after:
                        return at
                await self._changed.wait()

    async def _read(self, reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, ValueError):
            while True:
                length = int((await reader.readuntil(b":"))[:-1])
                message = json.loads(await reader.readexactly(length))
                await reader.readexactly(1)   # the netstring's closing comma
                if message.get("event"):
                    await self._on_event(str(message.get("type")))

    async def _on_event(self, kind: str) -> None:
        async with self._changed:
            self.events.append((time.monotonic(), kind))
            self._changed.notify_all()
        if kind == "CALL_INCOMING" and self.behaviour.answer_after is not None:
            self._later(self.behaviour.answer_after, "accept")
        elif kind == "CALL_ESTABLISHED":
            self.answered += 1
            if self.behaviour.talk is not None:
                self._later(self.behaviour.talk, "hangup")
        elif kind == "CALL_CLOSED":
            for task in list(self._pending):
                task.cancel()

    def _later(self, seconds: float, name: str) -> None:
        async def run() -> None:
            await asyncio.sleep(seconds)
            await self.command(name)
        task = asyncio.create_task(run())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
