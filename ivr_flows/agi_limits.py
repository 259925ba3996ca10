"""The size and time limits of the FastAGI server, in one frozen value built from settings by the composition root."""
from __future__ import annotations

from dataclasses import dataclass

from core.settings import Settings


@dataclass(frozen=True)
class AgiLimits:
    # What a connection may send before its session starts. Asterisk sends ~25 short header lines plus one per
    # AGI() argument, so these leave room for long argument lists while bounding memory per connection.
    max_header_lines: int = 128
    max_header_bytes: int = 16_384
    header_timeout: float = 5.0           # all headers, from accept to the blank line (slow-loris bound)
    max_line_bytes: int = 8_192           # any one line, header or reply (StreamReader limit)
    max_usage_lines: int = 200            # lines of a `520-` usage block before it is treated as garbage
    max_sessions: int = 1_000             # connections at once; beyond that new ones are closed at once

    # Time. A menu flow is a minute of prompts and digits; past the session deadline the caller goes to a queue
    # rather than stay in a stuck IVR. Commands that play or wait get their own duration plus `command_margin`.
    session_timeout: float = 120.0
    command_timeout: float = 10.0
    command_margin: float = 5.0
    prompt_seconds: float = 60.0          # default longest prompt for STREAM FILE / GET DATA
    fallback_timeout: float = 2.0         # the final SET VARIABLE HOTLINE_FALLBACK
    handler_grace: float = 1.0            # a cancelled flow gets this long to unwind before it is abandoned

    @classmethod
    def from_settings(cls, settings: Settings) -> AgiLimits:
        return cls(session_timeout=settings.agi_session_timeout, command_timeout=settings.agi_command_timeout)
