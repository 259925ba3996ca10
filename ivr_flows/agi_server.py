"""The FastAGI server: accepts the PBX's connections, reads their headers within limits, runs the route's flow
under a deadline, and — whatever the flow does — leaves the call able to go on to a queue.

Safety contract: when a flow raises, times out, has no route or is cut short by shutdown, the server sets the
channel variable ``HOTLINE_FALLBACK`` (core.dialplan.VAR_FALLBACK) to a short reason and closes the connection;
the dialplan then continues to ``Queue(${HOTLINE_QUEUE})``. When the channel is gone (HANGUP, 511, EOF) there is
nothing to set and the session just ends. Every connection is its own task with its own limits, so a slow,
malformed or hostile one costs only itself. Peers outside the allowlist are dropped before a byte is read.
Logs name the route and the call's uniqueid, never the caller's number or channel name.
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.dialplan import VAR_FALLBACK
from core.settings import Settings
from ivr_flows.agi_limits import AgiLimits
from ivr_flows.agi_protocol import AgiRequest, parse_header_line
from ivr_flows.agi_session import AgiSession
from ivr_flows.exceptions import AgiError, AgiHangup
from ivr_flows.routes import AgiHandler, AgiRoutes

logger = logging.getLogger(__name__)

# Values of HOTLINE_FALLBACK (informational for the dialplan, visible in the call's VarSet events)
FALLBACK_ERROR = "error"
FALLBACK_TIMEOUT = "timeout"
FALLBACK_NO_ROUTE = "no_route"
FALLBACK_SHUTDOWN = "shutdown"

DEFAULT_ALLOWLIST = ("127.0.0.1", "::1")
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class AgiServerStats:
    connections: int = 0
    sessions: int = 0                                  # connections whose headers were accepted
    refused: Counter = field(default_factory=Counter)  # reason → count (peer, busy, headers)
    fallbacks: Counter = field(default_factory=Counter)  # reason → fallbacks actually set on a channel


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_allowlist(entries: Iterable[str]) -> tuple[IpNetwork, ...]:
    """Addresses or networks ("127.0.0.1", "10.0.0.0/24"); a bad entry is a configuration error."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


class AgiServer:
    """``add_route`` the flows, ``await start(host, port)``, ``await stop()`` (or ``async with``)."""

    def __init__(self, limits: AgiLimits | None = None, allowlist: Iterable[str] = DEFAULT_ALLOWLIST) -> None:
        self.limits = limits or AgiLimits()
        self.allowlist = parse_allowlist(allowlist)
        self.routes = AgiRoutes()
        self.stats = AgiServerStats()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task] = set()
        self._stopping = asyncio.Event()

    @classmethod
    def from_settings(cls, settings: Settings) -> AgiServer:
        return cls(AgiLimits.from_settings(settings), settings.agi_allowlist)

    def add_route(self, script: str, handler: AgiHandler) -> None:
        self.routes.add(script, handler)

    async def start(self, host: str = "127.0.0.1", port: int = 4573) -> None:
        self._stopping.clear()
        self._server = await asyncio.start_server(self._on_connection, host, port,
                                                  limit=self.limits.max_line_bytes, reuse_address=True)

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening; flows still running are cut short with the ``shutdown`` fallback, then closed."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self._stopping.set()
        if self._connections:
            grace = self.limits.handler_grace + self.limits.fallback_timeout + 1.0
            _, pending = await asyncio.wait(set(self._connections), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    @property
    def open_connections(self) -> int:
        return len(self._connections)

    async def wait_idle(self) -> None:
        """Until every connection accepted so far has ended (each is bounded by the limits)."""
        while self._connections:
            await asyncio.wait(set(self._connections))

    async def __aenter__(self) -> AgiServer:
        return self

    async def __aexit__(self, *_exc) -> None:
        await self.stop()

    # --- one connection -----------------------------------------------------------------------------------------

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._connections.add(task)
        self.stats.connections += 1
        try:
            await self._serve(reader, writer)
        except _Refused as refused:
            self.stats.refused[refused.reason] += 1
            writer.transport.abort()
            return
        except asyncio.CancelledError:  # stop() gave up waiting for this connection
            writer.transport.abort()
            raise
        except Exception:  # a bug of ours must not escape into the loop's handler, nor touch other calls
            logger.exception("AGI connection failed")
        finally:
            self._connections.discard(task)
        await _close(writer)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        if not self._allowed(peer):
            logger.warning("AGI connection from %s refused: not in agi_allowlist", peer[0] if peer else "?")
            raise _Refused("peer")
        if len(self._connections) > self.limits.max_sessions or self._stopping.is_set():
            logger.warning("AGI connection refused: %d connections already open", len(self._connections) - 1)
            raise _Refused("busy")
        headers = await self._read_headers(reader)
        request = AgiRequest.from_headers(headers)
        session = AgiSession(request, reader, writer, self.limits)
        self.stats.sessions += 1
        handler = self.routes.get(request.script)
        if handler is None:
            logger.warning("AGI script %r has no route (call %s)", request.script, request.uniqueid)
            reason = FALLBACK_NO_ROUTE
        else:
            reason = await self._run_flow(session, handler)
        if reason is not None:
            await self._fall_back(session, reason)

    def _allowed(self, peer) -> bool:
        if not peer:
            return False
        try:
            address = ipaddress.ip_address(str(peer[0]).split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.allowlist)

    async def _read_headers(self, reader: asyncio.StreamReader) -> dict[str, str]:
        """``agi_*: value`` lines up to the blank line, within the count, size and time limits."""
        headers: dict[str, str] = {}
        lines = size = 0
        try:
            async with asyncio.timeout(self.limits.header_timeout):
                while True:
                    raw = await reader.readline()
                    if not raw.endswith(b"\n"):
                        raise _Refused("eof")
                    lines, size = lines + 1, size + len(raw)
                    if lines > self.limits.max_header_lines or size > self.limits.max_header_bytes:
                        raise _Refused("header_size")
                    if not raw.strip(b"\r\n"):
                        break
                    parsed = parse_header_line(raw)
                    if parsed is not None:
                        headers.setdefault(*parsed)  # the first of a repeated header counts
        except TimeoutError:
            raise _Refused("header_timeout") from None
        except ValueError:  # one line over max_line_bytes
            raise _Refused("header_line") from None
        except (ConnectionError, OSError):
            raise _Refused("eof") from None
        if not headers:
            raise _Refused("no_headers")
        return headers

    async def _run_flow(self, session: AgiSession, handler: AgiHandler) -> str | None:
        """Run the flow to its end or its deadline; the fallback reason, or None when it needs none."""
        flow = asyncio.create_task(handler(session))
        stopping = asyncio.create_task(self._stopping.wait())
        try:
            await asyncio.wait({flow, stopping}, timeout=self.limits.session_timeout,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not flow.done():
                session.take_back()
                flow.cancel()
        if not flow.done():
            await asyncio.wait({flow}, timeout=self.limits.handler_grace)
            flow.add_done_callback(_consume_outcome)
            reason = FALLBACK_SHUTDOWN if self._stopping.is_set() else FALLBACK_TIMEOUT
            # a stop is planned (the callers still reach a person); a flow over its deadline is a fault
            level = logging.WARNING if reason == FALLBACK_SHUTDOWN else logging.ERROR
            logger.log(level, "AGI flow %r on call %s cut short (%s); caller sent to the queue",
                       session.request.script, session.request.uniqueid, reason)
            return reason
        exc = flow.exception() if not flow.cancelled() else asyncio.CancelledError()
        if exc is None:
            return None
        if isinstance(exc, AgiHangup):
            logger.info("caller hung up during AGI flow %r (call %s)", session.request.script,
                        session.request.uniqueid)
            return None
        reason = FALLBACK_TIMEOUT if isinstance(exc, TimeoutError) else FALLBACK_ERROR
        logger.error("AGI flow %r failed on call %s (%s); caller sent to the queue", session.request.script,
                     session.request.uniqueid, reason, exc_info=exc)
        return reason

    async def _fall_back(self, session: AgiSession, reason: str) -> None:
        if session.hung_up:
            return
        try:
            await session.set_fallback(VAR_FALLBACK, reason)
        except AgiHangup:
            return
        except AgiError as exc:
            logger.warning("could not set %s on call %s: %s", VAR_FALLBACK, session.request.uniqueid,
                           type(exc).__name__)
            return
        self.stats.fallbacks[reason] += 1


def _consume_outcome(task: asyncio.Task) -> None:
    """A flow cut short may still end with an exception; retrieve it so asyncio does not warn about it."""
    if not task.cancelled():
        task.exception()


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 1.0)
    except (TimeoutError, ConnectionError, OSError):
        writer.transport.abort()
