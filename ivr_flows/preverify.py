"""DTMF pre-verification digits, held in memory only, for the agent's verification screen.

The last digits of a personal code are personal data: they are never logged, never stored in the database,
never put in a channel variable (AMI would broadcast it in a VarSet event) and never sent in an event. They stay
here, keyed by call id, until the verification screen takes them once or they expire.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

DEFAULT_TTL = 3600.0


@dataclass
class _Held:
    digits: str
    expires: float


class PreVerifications:
    def __init__(self, ttl: float = DEFAULT_TTL) -> None:
        self.ttl = ttl
        self._held: dict[str, _Held] = {}

    def put(self, call_id: str, digits: str) -> None:
        self._expire()
        self._held[call_id] = _Held(digits, time.monotonic() + self.ttl)

    def has(self, call_id: str) -> bool:
        self._expire()
        return call_id in self._held

    def take(self, call_id: str) -> str | None:
        """The digits the caller keyed (once: they are forgotten when read), or None."""
        self._expire()
        held = self._held.pop(call_id, None)
        return held.digits if held else None

    def __repr__(self) -> str:  # never the digits, even in a debugger or a traceback
        return f"PreVerifications({len(self._held)} held)"

    def _expire(self) -> None:
        now = time.monotonic()
        for call_id in [c for c, held in self._held.items() if held.expires <= now]:
            del self._held[call_id]
