"""The recording is muted while a caller keys in personal-code digits (issue 12 item 5: digits never recorded).

A phone or gateway may leak its keys into the audio, so a recording running during digit entry can hold the
tones of a personal code. The IVR therefore mutes the call's recording (both directions, through the
``RecordingMute`` port) before it asks for the digits and unmutes it after.

* The mute is not confirmed (the PBX refused, AMI is down, no answer within ``MUTE_TIMEOUT``): the digits are
  not asked for at all; the agent verifies the caller by voice. Without an answer the mute may still land
  later, so one quiet unmute follows (the rest of the call should be recorded).
* The unmute fails: tried once more, then the rest of the call stays muted and supervisors are alerted. Keeping
  the digits out of the recording was already done; what the failure costs is the recording of the rest of the
  call, which is a QA and evidence gap someone must know about, not a leak.

Logs and alerts carry the call id and the error's type only: channel names may hold a number, and the
exception texts of the PBX repeat them.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from core.clock import utcnow
from core.events import SlaAlert
from core.ports import PBX_ERRORS, PbxActionRefused, RecordingMute

log = logging.getLogger(__name__)

Publish = Callable[[object], Awaitable[None]]
MUTE_TIMEOUT = 2.0   # seconds the caller waits, at most, for each mute or unmute
ALERT_UNMUTE_FAILED = "recording_unmute_failed"
UNMUTE_TRIES = 2
FAILURES = (*PBX_ERRORS, TimeoutError)


class RecordingMuting:
    def __init__(self, mute: RecordingMute, publish: Publish, timeout: float = MUTE_TIMEOUT) -> None:
        self.port = mute
        self.publish = publish
        self.timeout = timeout

    async def mute(self, channel: str, call_id: str) -> bool:
        """True once the PBX confirmed the recording is muted; False (logged) when it did not."""
        try:
            await self._set(channel, True)
            return True
        except FAILURES as exc:
            log.warning("call %s: recording not muted (%s), personal-code digits not asked for", call_id,
                        type(exc).__name__)
            if not isinstance(exc, PbxActionRefused):
                await self._quiet_unmute(channel, call_id)
            return False

    async def unmute(self, channel: str, call_id: str) -> None:
        for _ in range(UNMUTE_TRIES):
            try:
                await self._set(channel, False)
                return
            except FAILURES as exc:
                error = type(exc).__name__
        log.warning("call %s: recording not unmuted after the digits (%s): the rest stays silent", call_id, error)
        async with asyncio.timeout(self.timeout):
            await self.publish(SlaAlert(
                at=utcnow(), kind=ALERT_UNMUTE_FAILED,
                message=f"the recording of call {call_id} is silent from the personal-code digits on: the PBX did "
                        f"not take the unmute ({error})"))

    async def _quiet_unmute(self, channel: str, call_id: str) -> None:
        try:
            await self._set(channel, False)
        except FAILURES as exc:
            log.info("call %s: unmute after an unconfirmed mute failed too (%s)", call_id, type(exc).__name__)

    async def _set(self, channel: str, muted: bool) -> None:
        async with asyncio.timeout(self.timeout):
            await self.port.set_muted(channel, muted)
