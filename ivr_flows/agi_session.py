"""One call's AGI command channel: send a command, wait (bounded) for its final reply, turn the reply into a value.

Reply handling follows what Asterisk actually writes: ``100`` lines are intermediate (keep waiting), ``HANGUP``
on its own line or ``511`` mean the channel is gone (:class:`AgiHangup`), ``510`` and ``520``/``520-`` usage
blocks (read to ``520 End of proper usage.``) are refused commands (:class:`AgiCommandError`), EOF at any point is
:class:`AgiConnectionLost`. A command that times out still gets its reply later; the session remembers how many
replies it is owed and skips them before reading the next command's reply, so a late answer is never taken for
the wrong command.
"""
from __future__ import annotations

import asyncio
import logging

from core import dialplan
from ivr_flows.agi_limits import AgiLimits
from ivr_flows.agi_protocol import (
    HANGUP_LINE,
    AgiReply,
    AgiRequest,
    StatusLine,
    check_app_name,
    check_escape_digits,
    check_variable_name,
    digits_only,
    format_command,
    parse_digit,
    parse_status_line,
    parse_success,
    valid_call_id,
)
from ivr_flows.exceptions import (
    AgiCommandError,
    AgiError,
    AgiCommandFailed,
    AgiConnectionLost,
    AgiHangup,
    AgiProtocolError,
    AgiSessionClosed,
    AgiTimeout,
)

log = logging.getLogger(__name__)


class AgiSession:
    """What a flow uses to talk to the caller's channel. Every method is bounded in time."""

    def __init__(self, request: AgiRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 limits: AgiLimits) -> None:
        self.request = request
        self.limits = limits
        self.hung_up = False
        self._reader = reader
        self._writer = writer
        self._lock = asyncio.Lock()
        self._owed = 0                      # replies of sent commands not read yet
        self._usage: list[str] | None = None  # lines of a 520- block being read
        self._last_usage: list[str] = []
        self._taken_back = False
        self._linkedid = request.linkedid

    # --- the flow's API ---------------------------------------------------------------------------------------

    async def answer(self) -> None:
        await self._require_success("ANSWER", await self.command("ANSWER"))

    async def stream_file(self, name: str, escape_digits: str = "", *, max_seconds: float | None = None) -> str | None:
        """Play a prompt; the key that interrupted it, or None when it played to its end."""
        seconds = self.limits.prompt_seconds if max_seconds is None else max_seconds
        reply = await self.command("STREAM FILE", name, check_escape_digits(escape_digits),
                                   timeout=seconds + self.limits.command_margin)
        await self._require_success("STREAM FILE", reply)
        return parse_digit(reply)

    async def get_data(self, prompt: str, timeout_ms: int, max_digits: int, *,
                       prompt_seconds: float | None = None) -> str:
        """Play ``prompt`` and collect up to ``max_digits`` keys (``timeout_ms`` between keys); "" if none."""
        if timeout_ms <= 0 or not 1 <= max_digits <= 64:
            raise ValueError("get_data needs timeout_ms > 0 and 1 <= max_digits <= 64")
        seconds = self.limits.prompt_seconds if prompt_seconds is None else prompt_seconds
        budget = seconds + timeout_ms / 1000 * (max_digits + 1) + self.limits.command_margin
        reply = await self.command("GET DATA", prompt, str(timeout_ms), str(max_digits), timeout=budget)
        if reply.result == "-1":
            await self._require_success("GET DATA", reply)
        return digits_only(reply.result)

    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        """One key within ``timeout_ms`` (must be > 0: waiting forever is not allowed), or None."""
        if timeout_ms <= 0:
            raise ValueError("wait_for_digit needs timeout_ms > 0")
        reply = await self.command("WAIT FOR DIGIT", str(timeout_ms),
                                   timeout=timeout_ms / 1000 + self.limits.command_margin)
        await self._require_success("WAIT FOR DIGIT", reply)
        return parse_digit(reply)

    async def set_variable(self, name: str, value: str) -> None:
        reply = await self.command("SET VARIABLE", check_variable_name(name), value)
        self._expect_success("SET VARIABLE", reply)

    async def get_variable(self, name: str) -> str | None:
        """A channel variable or function (``CHANNEL(linkedid)``); None when it is not set."""
        reply = await self.command("GET VARIABLE", check_variable_name(name))
        return (reply.data or "") if reply.result == "1" else None

    async def exec(self, app: str, args: str = "", *, timeout: float | None = None) -> str:
        """Run a dialplan application; its result as text. An unknown application raises AgiCommandFailed."""
        reply = await self.command("EXEC", check_app_name(app), args, timeout=timeout)
        if reply.result == "-2":
            raise AgiCommandFailed(f"EXEC {app}: no such application")
        return reply.result

    async def announce_callback_booked(self, task_id: int) -> None:
        """Tell the call model that this call booked a callback (a UserEvent on the caller's channel): it ends
        ``callback_booked``. The booking stands whatever happens here: a failure is logged, never raised."""
        try:
            await self.exec("UserEvent", f"{dialplan.USEREVENT_CALLBACK_BOOKED},Task: {task_id}")
        except (AgiError, OSError) as exc:
            log.warning("callback task %s booked; the call model was not told (%s)", task_id, type(exc).__name__)

    async def hangup(self) -> None:
        await self.command("HANGUP")
        self.hung_up = True  # ours: the server must not try to set a fallback on it

    async def linkedid(self) -> str | None:
        """The call's Linkedid: the agi_linkedid header when present, else asked from the channel (once)."""
        if self._linkedid is None:
            self._linkedid = valid_call_id(await self.get_variable("CHANNEL(linkedid)") or "")
        return self._linkedid

    async def command(self, verb: str, *args: str, timeout: float | None = None) -> AgiReply:
        """Send one command and return its ``200`` reply; raises on anything else (see the module doc)."""
        if self._taken_back:
            raise AgiSessionClosed("the server ended this flow")
        return await self._command(verb, args, self.limits.command_timeout if timeout is None else timeout)

    # --- for the server -----------------------------------------------------------------------------------------

    def take_back(self) -> None:
        """From now on the flow may not send commands (its deadline passed, or the server stops)."""
        self._taken_back = True

    async def set_fallback(self, variable: str, reason: str) -> None:
        """The server's last word on a failed flow; bounded by ``fallback_timeout``."""
        reply = await self._command("SET VARIABLE", (variable, reason), self.limits.fallback_timeout)
        self._expect_success("SET VARIABLE", reply)

    # --- the channel --------------------------------------------------------------------------------------------

    async def _command(self, verb: str, args: tuple[str, ...], timeout: float) -> AgiReply:
        if self.hung_up:
            raise AgiHangup("the channel has hung up")
        line = format_command(verb, *args)  # a bad value raises here, before anything is sent
        try:
            async with asyncio.timeout(timeout):
                async with self._lock:
                    self._writer.write(line)
                    self._owed += 1
                    await self._writer.drain()
                    while True:  # skip the late replies of commands that timed out
                        status = await self._read_final()
                        self._owed -= 1
                        if self._owed == 0:
                            break
        except TimeoutError:
            raise AgiTimeout(f"{verb}: no reply within {timeout:g} s") from None
        except (ConnectionError, OSError) as exc:
            raise AgiConnectionLost(f"{verb}: connection lost") from exc
        return self._check(verb, status)

    def _check(self, verb: str, status: StatusLine) -> AgiReply:
        if status.code == 200:
            reply = parse_success(status.text)
            if reply is None:
                raise AgiProtocolError(f"{verb}: malformed 200 reply")
            return reply
        if status.code == 511:
            self.hung_up = True
            raise AgiHangup(f"{verb}: dead channel")
        if status.code in (510, 520):
            raise AgiCommandError(status.code, status.text, "\n".join(self._last_usage))
        raise AgiProtocolError(f"{verb}: unexpected reply code {status.code}")

    async def _read_final(self) -> StatusLine:
        """The next final status line; state kept on self, so a cancelled read resumes where it stopped."""
        while True:
            line = await self._read_line()
            if self._usage is not None:
                if line.startswith("520 "):
                    self._last_usage, self._usage = self._usage, None
                    return StatusLine(520, False, line[4:])
                if len(self._usage) >= self.limits.max_usage_lines:
                    raise AgiProtocolError("520 usage block too long")
                self._usage.append(line)
                continue
            if line.strip() == HANGUP_LINE:
                self.hung_up = True
                raise AgiHangup("the channel hung up")
            status = parse_status_line(line)
            if status is None:
                raise AgiProtocolError("not an AGI reply line")
            if status.code == 100:  # "100 result=0 Trying..." — the final reply is still to come
                continue
            if status.code == 520 and status.more:
                self._usage = []
                continue
            self._last_usage = []
            return status

    async def _read_line(self) -> str:
        try:
            raw = await self._reader.readline()
        except ValueError:  # longer than the StreamReader limit (max_line_bytes)
            raise AgiProtocolError("reply line too long") from None
        if not raw.endswith(b"\n"):  # EOF, possibly after part of a line
            raise AgiConnectionLost("the PBX closed the connection")
        return raw.decode("utf-8", errors="replace").rstrip("\r\n")

    @staticmethod
    def _expect_success(verb: str, reply: AgiReply) -> None:
        """A negative result is the command's failure (STREAM FILE: no such file, or the channel went away)."""
        number = reply.number
        if number is None or number < 0:
            raise AgiCommandFailed(f"{verb} failed (result {reply.result[:16]})")

    async def _require_success(self, verb: str, reply: AgiReply) -> None:
        """As ``_expect_success``, but a failure on a channel that has meanwhile hung up is the caller hanging up
        (``AgiHangup``: a caller leaving mid-prompt is normal), not a fault of the flow: the channel is asked."""
        try:
            self._expect_success(verb, reply)
        except AgiCommandFailed:
            await self.command("CHANNEL STATUS")   # a dead channel answers HANGUP or 511: AgiHangup
            raise
