"""The line is closed (issue 10 item 7): outside the profile's hours and on national holidays the caller hears the
hours and may leave a message or book a callback; nobody's phone or fallback number rings.

The PBX decides that the line is closed (``hotline-opening-hours``: the rendered weekly hours and the AstDB
holiday flags), sends ``HotlineClosed`` (the call ends ``closed`` and owes no callback: nobody was rung) and runs
this route with the dialled number: the public number, or an employee's direct line. The caller hears the
profile's ``closed_hours`` (fixed text), then chooses:

* key 1 — leave a message, recorded as in the employee-unavailable flow (``message_flow.take_message``): on a
  direct line for that employee; on the public number for the profile's default queue (nobody chose a topic),
  which supervisors see and whose agents call back.
* key 2 — a callback: the caller's own number once confirmed, or one keyed in; a task ``after_hours`` of the same
  addressee, due when the line opens (``core.calendar.next_business_moment``; the dialer only calls while open).
* nothing (or only wrong keys) after the profile's menu rounds — goodbye.

Every way out hangs up here; when the route fails the dialplan plays the PBX's own apology. Numbers are personal
data: never logged.
"""
from __future__ import annotations

import logging
import re

from core.calendar import next_business_moment
from core.clock import utcnow
from core.dialplan import AGI_CLOSED_PATH
from core.events import CallbackReason, IvrStep
from core.policy import PolicyProfile
from core.ports import CallbackRequests, MessageDrop
from ivr_flows.agi_session import AgiSession
from ivr_flows.exceptions import AgiCommandFailed
from ivr_flows.message_flow import take_message
from ivr_flows.prompted_flow import PromptedFlow, Publish
from ivr_flows.prompts import PromptSet

log = logging.getLogger(__name__)

ROUTE = AGI_CLOSED_PATH
LEAVE_MESSAGE = "1"
CALL_BACK = "2"
CHOICES = LEAVE_MESSAGE + CALL_BACK
REASON = CallbackReason.AFTER_HOURS
_EXTENSION = re.compile(r"^[0-9]{2,8}$")
# English core sounds when the profile's prompt is missing (the prompt builder had no text or no voice)
FALLBACK_SOUNDS = {
    "closed_hours": "im-sorry", "closed_options": "vm-leavemsg", "closed_callback_booked": "auth-thankyou",
    "message_record": "vm-intro", "message_saved": "vm-msgsaved", "callback_confirm_number": "vm-tocallnum",
    "callback_enter_number": "vm-enter-num-to-call", "callback_invalid_number": "vm-pls-try-again",
    "goodbye": "vm-goodbye",
}


class ClosedFlow(PromptedFlow):
    """``await flow(session)`` on the ``closed`` route (argument: the dialled number)."""

    FALLBACK_SOUNDS = FALLBACK_SOUNDS

    def __init__(self, profile: PolicyProfile, prompts: PromptSet, messages: MessageDrop,
                 callbacks: CallbackRequests, publish: Publish | None = None) -> None:
        super().__init__(profile, prompts, publish)
        self.messages = messages
        self.callbacks = callbacks

    def addressee(self, dialled: str) -> tuple[str | None, str | None]:
        """(extension, queue) a message or callback is for: the employee of a direct line, else the default queue."""
        if _EXTENSION.match(dialled) and dialled != self.profile.public_number:
            return dialled, None
        return None, self.profile.default_queue

    async def __call__(self, session: AgiSession) -> None:
        args = session.request.args
        extension, queue = self.addressee(args[0] if args else "")
        call_id = await session.linkedid() or session.request.uniqueid
        log.info("call %s: the line is closed (%s)", call_id, f"direct line {extension}" if extension else "public")
        await session.answer()
        choice = await session.stream_file(self.sound("closed_hours"), CHOICES,
                                           max_seconds=self._seconds("closed_hours"))
        rounds = 0
        while choice not in (LEAVE_MESSAGE, CALL_BACK) and rounds < self.profile.flow.max_attempts:
            choice = await self._ask_on(session, "closed_options", 1)
            rounds += 1
        opens_at = next_business_moment(utcnow(), self.profile)   # messages and callbacks are due then
        if choice == LEAVE_MESSAGE:
            await self._record_step(call_id, IvrStep.CLOSED, choice, "message")
            await take_message(self, session, self.messages, call_id, extension=extension, queue=queue,
                               due_at=opens_at)
            return
        if choice == CALL_BACK:
            number = await self._number(session)
            if number is not None:
                task_id = await self.callbacks.request_callback(number, REASON, due_at=opens_at, call_id=call_id,
                                                                queue=queue, extension=extension)
                log.info("call %s: callback task %s booked for when the line opens", call_id, task_id)
                await self._record_step(call_id, IvrStep.CLOSED, choice, "booked")
                await self._goodbye(session, "closed_callback_booked", call_id)
                return
            await self._record_step(call_id, IvrStep.CLOSED, choice, "no_valid_number")
        else:
            await self._record_step(call_id, IvrStep.CLOSED, choice or "", "goodbye")
        await self._goodbye(session, None, call_id)

    async def _goodbye(self, session: AgiSession, key: str | None, call_id: str | None) -> None:
        try:
            if key is not None:
                await self._play(session, key)
            await self._play(session, "goodbye")
        except AgiCommandFailed:   # a prompt that will not play must not keep the caller on the line
            log.warning("call %s: goodbye prompt failed; hanging up anyway", call_id)
        await session.hangup()
