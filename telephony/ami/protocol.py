"""The AMI reader: turns the bytes of one TCP connection into messages, safely: events as ``AmiEvent`` dicts
(``telephony.ami.event``, the hot path), replies to actions as panoramisk ``Message`` objects.

Unlike panoramisk's own ``AMIProtocol.data_received`` it
- decodes with an incremental UTF-8 decoder, so a character split across two reads is kept (invalid bytes
  become U+FFFD, nothing else is lost);
- bounds memory: a message that grows past ``max_message_chars`` without its terminating blank line is
  discarded and counted, and the stream resynchronises at the next blank line;
- never raises out of ``data_received`` (an exception there would make asyncio kill the transport).
What to do with the messages is the sink's business (``AmiClient``): this module has no routing.
"""
from __future__ import annotations

import asyncio
import codecs
import logging
from collections.abc import Callable

from panoramisk.actions import Action
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

from telephony.ami.event import AmiEvent, parse_event
from telephony.ami.models import AmiStats

log = logging.getLogger(__name__)

SEPARATOR = "\r\n\r\n"
GREETING_PREFIX = "Asterisk Call Manager/"
EVENT_PREFIX = "Event: "
_GREETING_MAX = 256  # a greeting longer than this is not a greeting


class AmiReader(AMIProtocol):
    """One AMI connection. ``on_messages(reader, messages)`` gets every parsed message of a read, in order;
    ``on_lost(reader, reason)`` gets a human-readable reason once, when the connection ends for whatever cause."""

    def __init__(self, on_messages: Callable[[AmiReader, list[AmiEvent | Message]], None],
                 on_lost: Callable[[AmiReader, str], None],
                 stats: AmiStats, max_message_chars: int) -> None:
        self._on_messages = on_messages
        self._on_lost = on_lost
        self._stats = stats
        self._limit = max_message_chars
        self._decode = codecs.getincrementaldecoder("utf-8")(errors="replace").decode
        self._buffer = ""
        self._discarding = False  # inside an oversized message: skip to the next blank line
        self._discard_tail = ""  # last chars seen while discarding, in case the blank line straddles reads
        self._greeting_pending = True
        self._close_reason: str | None = None
        self.transport: asyncio.Transport | None = None
        self.version: str | None = None
        self.closed = False
        self.paused = False
        self.pause_count = 0

    @property
    def buffered_chars(self) -> int:
        """Characters held for an unfinished message (never more than the message limit)."""
        return len(self._buffer)

    # --- asyncio.Protocol -------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:  # type: ignore[override]
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            messages = self._parse(self._decode(data))
        except Exception:  # never let a parser bug kill the transport; the bytes are lost, the stream goes on
            log.exception("AMI reader failed on a chunk; resynchronising at the next blank line")
            self._stats.parse_errors += 1
            self._buffer, self._discarding, self._discard_tail = "", True, ""
            return
        if messages:
            self._on_messages(self, messages)

    def eof_received(self) -> bool:
        self._close_reason = self._close_reason or "PBX closed the connection"
        return False  # let asyncio close the transport, which calls connection_lost

    def connection_lost(self, exc: Exception | None) -> None:  # type: ignore[override]
        if self.closed:
            return
        self.closed = True
        reason = self._close_reason or (f"connection lost: {exc}" if exc else "PBX closed the connection")
        self._on_lost(self, reason)

    # --- commands from the client -------------------------------------------------------------------------
    def send(self, action: Action) -> None:  # type: ignore[override]
        if self.transport is None or self.closed:
            return
        self.transport.write(str(action).encode("utf-8"))

    def close(self, reason: str = "closed by the client") -> None:  # type: ignore[override]
        """Drop the connection now (abort, not close: a frozen peer would never let a graceful close finish)."""
        if self._close_reason is None:
            self._close_reason = reason
        if self.transport is not None and not self.closed:
            self.transport.abort()

    def pause_reading(self) -> None:
        if not self.paused and self.transport is not None and not self.closed:
            self.paused = True
            self.pause_count += 1
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.paused:
            self.paused = False
            if self.transport is not None and not self.closed:
                self.transport.resume_reading()

    # --- parsing -----------------------------------------------------------------------------------------
    def _parse(self, text: str) -> list[AmiEvent | Message]:
        if self._discarding:
            text = self._skip_to_boundary(text)
            if not text:
                return []
        buf = self._buffer + text if self._buffer else text
        if self._greeting_pending:
            buf = self._take_greeting(buf)
        parts = buf.split(SEPARATOR)
        rest = parts.pop()
        if len(rest) > self._limit:
            self._reject_oversized()
            self._discarding, self._discard_tail, rest = True, rest[-3:], ""
        self._buffer = rest
        messages = []
        append = messages.append
        from_line = Message.from_line
        limit = self._limit
        for part in parts:
            if len(part) > limit:
                self._reject_oversized()
                continue
            # extra blank lines between messages are harmless; an event keeps its last header's empty value
            part = part.lstrip()
            if part.startswith(EVENT_PREFIX):
                message = parse_event(part.rstrip("\r\n"))
            elif part := part.rstrip():
                message = from_line(part)
            else:
                continue
            if message is None:
                self._stats.parse_errors += 1  # neither Event nor Response: garbage, skip it
            else:
                append(message)
        return messages

    def _skip_to_boundary(self, text: str) -> str:
        seen = self._discard_tail + text
        end = seen.find(SEPARATOR)
        if end < 0:
            self._discard_tail = seen[-3:]
            return ""
        self._discarding, self._discard_tail = False, ""
        return seen[end + len(SEPARATOR):]

    def _take_greeting(self, buf: str) -> str:
        """Strip the one-line banner Asterisk sends first (it ends with one CRLF, not a blank line)."""
        end = buf.find("\r\n")
        if end < 0 and len(buf) < _GREETING_MAX:
            if GREETING_PREFIX.startswith(buf[: len(GREETING_PREFIX)]):
                return buf  # maybe still arriving; parsing it as a message would find nothing anyway
        self._greeting_pending = False
        if end >= 0 and buf.startswith(GREETING_PREFIX):
            self.version = buf[len(GREETING_PREFIX):end].strip()
            return buf[end + 2:]
        return buf

    def _reject_oversized(self) -> None:
        self._stats.parse_errors += 1
        log.error("AMI message longer than %d characters discarded; resynchronising at the next blank line",
                  self._limit)
