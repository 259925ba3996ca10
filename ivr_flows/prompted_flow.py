"""What the callback offer, employee-unavailable, queue-failed and closed flows share: the profile's prompt for a
key (a core sound when the prompt builder had none), a time bound per prompt, the number to call back on, and the
call's IVR steps, published within a bound so that our history never holds the caller."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from core.clock import utcnow
from core.events import IvrStep, IvrStepRecorded
from core.phone_numbers import profile_callback_number
from core.policy import PolicyProfile
from ivr_flows.agi_session import AgiSession
from ivr_flows.prompts import PromptSet

STEP_TIMEOUT = 1.0      # seconds publishing a step may take
MAX_NUMBER_DIGITS = 15  # E.164 at most
PROMPT_MARGIN = 2.0     # seconds a prompt may play beyond its known length
USE_CALLER_ID = "1"     # "be called back on the number you call from"
Publish = Callable[[object], Awaitable[None]]


class PromptedFlow:
    FALLBACK_SOUNDS: Mapping[str, str] = {}   # English core sounds, by prompt key (each flow its own)

    def __init__(self, profile: PolicyProfile, prompts: PromptSet, publish: Publish | None) -> None:
        self.profile = profile
        self.policy = profile.callbacks
        self.prompts = prompts
        self.publish = publish
        self.digit_timeout_ms = int(profile.flow.digit_timeout_seconds * 1000)

    def sound(self, key: str) -> str:
        return self.prompts.names.get(key) or self.FALLBACK_SOUNDS[key]

    def _seconds(self, key: str) -> float | None:
        known = self.prompts.seconds.get(key)
        return known + PROMPT_MARGIN if known else None   # unknown length (a core sound): the session's default

    async def _play(self, session: AgiSession, key: str) -> None:
        await session.stream_file(self.sound(key), max_seconds=self._seconds(key))

    async def _ask_on(self, session: AgiSession, key: str, max_digits: int) -> str:
        return await session.get_data(self.sound(key), self.digit_timeout_ms, max_digits,
                                      prompt_seconds=self._seconds(key))

    async def _keyed_number(self, session: AgiSession) -> str | None:
        """A number the caller keys in to be called back on, valid for the profile's country (E.164); None after
        ``number_attempts`` invalid ones (prompts ``callback_enter_number``, ``callback_invalid_number``)."""
        for _ in range(self.policy.number_attempts):
            digits = await self._ask_on(session, "callback_enter_number", MAX_NUMBER_DIGITS)
            number = profile_callback_number(digits, self.profile)
            if number is not None:
                return number
            await self._play(session, "callback_invalid_number")
        return None

    async def _number(self, session: AgiSession) -> str | None:
        """The number to call back: the caller's own once confirmed (``callback_confirm_number``), else keyed in."""
        caller_id = profile_callback_number(session.request.callerid, self.profile)
        if caller_id is not None and await self._ask_on(session, "callback_confirm_number", 1) == USE_CALLER_ID:
            return caller_id
        return await self._keyed_number(session)

    async def _record_step(self, call_id: str | None, step: IvrStep, choice: str, outcome: str) -> None:
        if self.publish is None or not call_id:
            return
        async with asyncio.timeout(STEP_TIMEOUT):
            await self.publish(IvrStepRecorded(at=utcnow(), call_id=call_id, step=step, choice=choice[:1],
                                               outcome=outcome))
