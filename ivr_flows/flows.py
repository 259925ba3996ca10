"""The 1883 menu flow, driven by the policy profile: greeting → consent announcement → recording → menu → queue.

What the caller hears and which keys lead where is data (``profile.prompts``, ``profile.flow``, the queues'
``dtmf``/``topic``/``needs_personal_data``); this module only walks it. Rules that matter:

* Recording (MixMonitor, caller and agent legs apart plus the mix) starts only after the consent announcement
  returned normally, i.e. played to its end (LT-2021 §17.1). A hang-up during it raises AgiHangup out of
  ``stream_file`` and nothing is recorded. A profile with ``records_calls = false`` skips both. Without the
  announcement's audio (it could not be synthesised) nothing is recorded either, and supervisors are alerted.
* Invalid or missing keys: ``invalid_choice``, another round; after ``max_attempts`` rounds the default queue.
* The flow only sets ``HOTLINE_QUEUE``/``HOTLINE_TOPIC`` and returns; the dialplan joins the queue. Any failure or
  hang is the server's to catch: it sets ``HOTLINE_FALLBACK`` and the dialplan queues the caller anyway. Our own
  code between AGI commands (publishing steps) is bounded by ``own_code_timeout`` so a stuck part of ours cannot
  hold the caller for the whole session deadline.
* Pre-verification digits go to :class:`PreVerifications` only; events carry ``provided``/``skipped``. On a
  recorded call the recording is muted while they are keyed in (``ivr_flows/muting.py``); when the mute is not
  confirmed the digits are not asked for (``skipped_unmuted``).
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from core.clock import utcnow
from core.dialplan import VAR_QUEUE, VAR_TOPIC
from core.events import IvrStep, IvrStepRecorded, RecordingStarted, SlaAlert
from core.policy import PolicyProfile, QueuePolicy
from core.ports import RecordingMute
from ivr_flows.agi_session import AgiSession
from ivr_flows.muting import RecordingMuting
from ivr_flows.preverify import PreVerifications
from ivr_flows.prompts import PromptSet

Publish = Callable[[object], Awaitable[None]]
PROMPT_MARGIN = 2.0       # seconds beyond a prompt's length before its STREAM FILE counts as hung
FALLBACK_PROMPT_SECONDS = 30.0  # an English fallback sound: its length is not known here
OUTCOME_INVALID = "invalid"
OUTCOME_NO_CHOICE = "no_choice"
OUTCOME_NOT_RECORDED = "not_recorded"   # the consent step when its announcement is missing: nothing was recorded
OUTCOME_SKIPPED_UNMUTED = "skipped_unmuted"   # the preverify step when the recording could not be muted
ALERT_NO_CONSENT_PROMPT = "consent_prompt_missing"
ALERT_EVERY = 3600.0   # seconds between two such alerts (each call would repeat the same news)


def recording_names(call_id: str) -> tuple[str, str, str]:
    """MixMonitor files (relative: Asterisk puts them in its monitor directory): mix, caller leg, agent leg."""
    base = f"hotline-{call_id}"
    return f"{base}.wav", f"{base}-caller.wav", f"{base}-agent.wav"


class MenuFlow:
    """``await flow(session)`` for each call on the ``ivr`` route."""

    def __init__(self, profile: PolicyProfile, prompts: PromptSet, publish: Publish,
                 preverifications: PreVerifications, mute: RecordingMute, *, own_code_timeout: float = 1.0) -> None:
        self.profile = profile
        self.prompts = prompts
        self.publish = publish
        self.preverifications = preverifications
        self.muting = RecordingMuting(mute, self._publish_bounded)
        self.own_code_timeout = own_code_timeout
        self._by_digit = {q.dtmf: q for q in profile.queues if q.dtmf is not None}
        self._alerted_at: float | None = None

    async def __call__(self, session: AgiSession) -> None:
        call_id = await session.linkedid() or session.request.uniqueid
        await session.answer()  # before anything is played (and so the caller's side can send keys)
        await self._step(call_id, IvrStep.ENTERED)
        await self._play(session, "greeting")
        await self._step(call_id, IvrStep.GREETING)
        recorded = False
        if self.profile.records_calls and "consent" not in self.prompts.names:
            await self._not_recorded(call_id)   # no spoken announcement, no recording: never a beep instead
        elif self.profile.records_calls:
            await self._play(session, "consent")   # returns only when played to its end
            await self._step(call_id, IvrStep.CONSENT)
            await self._start_recording(session, call_id)
            recorded = True
        queue = await self._menu(session, call_id)
        if queue.needs_personal_data:
            await self._preverify(session, call_id, recorded)
        await session.set_variable(VAR_TOPIC, queue.topic)
        await session.set_variable(VAR_QUEUE, queue.name)
        await self._step(call_id, IvrStep.QUEUED, outcome=queue.name, topic=queue.topic)

    def choose(self, keys: str) -> QueuePolicy | None:
        return self._by_digit.get(keys) if len(keys) == 1 else None

    async def _menu(self, session: AgiSession, call_id: str) -> QueuePolicy:
        timeout_ms = int(self.profile.flow.digit_timeout_seconds * 1000)
        for _ in range(self.profile.flow.max_attempts):
            keys = await session.get_data(self.prompts["menu"], timeout_ms, 1,
                                          prompt_seconds=self._seconds("menu"))
            queue = self.choose(keys)
            if queue is not None:
                await self._step(call_id, IvrStep.MENU, choice=keys, outcome=queue.name, topic=queue.topic)
                return queue
            outcome = OUTCOME_INVALID if keys else OUTCOME_NO_CHOICE
            await self._step(call_id, IvrStep.MENU, choice=keys, outcome=outcome)
            await self._play(session, "invalid_choice")
        return self.profile.queue(self.profile.default_queue)

    async def _preverify(self, session: AgiSession, call_id: str, recorded: bool) -> None:
        channel = session.request.channel
        if recorded and not await self.muting.mute(channel, call_id):
            await self._step(call_id, IvrStep.PREVERIFY, outcome=OUTCOME_SKIPPED_UNMUTED)   # the agent asks by voice
            return
        wanted = self.profile.flow.preverify_digits
        try:
            keys = await session.get_data(self.prompts["preverify"],
                                          int(self.profile.flow.digit_timeout_seconds * 1000), wanted,
                                          prompt_seconds=self._seconds("preverify"))
        finally:   # also when the prompt failed and the caller goes on to the fallback queue; not once they are gone
            if recorded and not session.hung_up:
                await self.muting.unmute(channel, call_id)
        provided = len(keys) == wanted and keys.isdigit()
        if provided:
            self.preverifications.put(call_id, keys)
        await self._step(call_id, IvrStep.PREVERIFY, outcome="provided" if provided else "skipped")

    async def _not_recorded(self, call_id: str) -> None:
        await self._step(call_id, IvrStep.CONSENT, outcome=OUTCOME_NOT_RECORDED)
        now = time.monotonic()
        if self._alerted_at is None or now - self._alerted_at >= ALERT_EVERY:   # at most one alert an hour
            self._alerted_at = now
            await self._bounded(self.publish(SlaAlert(
                at=utcnow(), kind=ALERT_NO_CONSENT_PROMPT,
                message="the recording-consent announcement is missing (it could not be synthesised): calls are "
                        "not recorded until it is back; check espeak-ng and sox, then restart hotline")))

    async def _start_recording(self, session: AgiSession, call_id: str) -> None:
        mix, caller_leg, agent_leg = recording_names(call_id)
        # r() = what the channel receives from the caller, t() = what it transmits to them (the agent)
        await session.exec("MixMonitor", f"{mix},r({caller_leg})t({agent_leg})")
        await self._bounded(self.publish(RecordingStarted(at=utcnow(), call_id=call_id, path=mix,
                                                          caller_leg=caller_leg, agent_leg=agent_leg)))

    async def _play(self, session: AgiSession, key: str) -> None:
        await session.stream_file(self.prompts[key], max_seconds=self._seconds(key))

    def _seconds(self, key: str) -> float:
        known = self.prompts.seconds.get(key)
        return known + PROMPT_MARGIN if known else FALLBACK_PROMPT_SECONDS

    async def _step(self, call_id: str, step: IvrStep, *, choice: str = "", outcome: str = "",
                    topic: str | None = None) -> None:
        await self._bounded(self.publish(IvrStepRecorded(at=utcnow(), call_id=call_id, step=step, choice=choice,
                                                         outcome=outcome, topic=topic)))

    async def _publish_bounded(self, event: object) -> None:
        await self._bounded(self.publish(event))

    async def _bounded(self, work: Awaitable[None]) -> None:
        async with asyncio.timeout(self.own_code_timeout):
            await work

