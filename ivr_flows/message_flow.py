"""Employee unavailable (LT-2021 §12.18): a direct-line call nobody answered may leave a message or reach a colleague.

The dialplan runs this route after ``Dial()`` to the employee's line returns anything but ANSWER (no answer within the
profile's direct-line ring timeout, busy, unreachable, congestion), with the extension and the dial status as AGI
arguments. The caller hears that the employee cannot answer (hotline has no
absence data yet, so it cannot say when they will be back), then chooses:

* key 1 — leave a message: a beep, ``RECORD FILE`` (bounded by ``callbacks.message_max_seconds``, ended by
  ``#`` or ``message_silence_seconds`` of silence) into the PBX's spool, then the ``MessageDrop`` port stores the
  message with the caller's number (when dialable), which pushes it to the employee and asks for a callback. A
  caller who hangs up while speaking still leaves the message.
* key 2, or no choice after the profile's menu rounds — a colleague of the same competence: ``HOTLINE_QUEUE`` is set
  to the employee's first competence queue (the default queue when none is known) and the dialplan queues the call.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import uuid

from core.dialplan import AGI_UNAVAILABLE_PATH, VAR_QUEUE
from core.events import IvrStep
from core.phone_numbers import profile_callback_number
from core.policy import PolicyProfile
from core.ports import EmployeeCompetences, MessageDrop
from ivr_flows.agi_session import AgiSession
from ivr_flows.exceptions import AgiConnectionLost, AgiHangup
from ivr_flows.prompted_flow import PromptedFlow, Publish
from ivr_flows.prompts import PromptSet

log = logging.getLogger(__name__)

ROUTE = AGI_UNAVAILABLE_PATH
LEAVE_MESSAGE = "1"
COLLEAGUE = "2"
CHOICES = LEAVE_MESSAGE + COLLEAGUE
STOP_RECORDING = "#"
MESSAGE_FORMAT = "wav"
MESSAGES_SUBDIR = "monitor"          # inside the PBX's spool directory, which always exists
_EXTENSION = re.compile(r"^[0-9]{2,8}$")
FALLBACK_SOUNDS = {
    "employee_unavailable": "vm-isunavail", "message_options": "vm-leavemsg", "message_record": "vm-intro",
    "message_saved": "vm-msgsaved", "goodbye": "vm-goodbye",
}


def message_file(spool_dir: str, extension: str) -> str:
    """Where the PBX records the message (no extension: RECORD FILE adds the format's)."""
    return f"{spool_dir.rstrip('/')}/{MESSAGES_SUBDIR}/hotline-message-{extension}-{uuid.uuid4().hex[:12]}"


async def take_message(flow: PromptedFlow, session: AgiSession, messages: MessageDrop, call_id: str | None, *,
                       extension: str | None = None, queue: str | None = None,
                       due_at: dt.datetime | None = None) -> None:
    """Record a message after ``message_record`` and store it through ``messages``, for the employee (or for the
    queue, when ``extension`` is None), then ``message_saved``, goodbye and hang up. Shared by the
    employee-unavailable and the closed-line flows (``flow`` gives the prompts and the profile)."""
    policy = flow.profile.callbacks
    await flow._play(session, "message_record")
    spool = await session.get_variable("ASTSPOOLDIR")
    if not spool:
        raise RuntimeError("the PBX did not tell its spool directory")
    path = message_file(spool, extension or queue or "hotline")
    hung_up = False
    try:
        await session.command(
            "RECORD FILE", path, MESSAGE_FORMAT, STOP_RECORDING, str(policy.message_max_seconds * 1000),
            "BEEP", f"s={policy.message_silence_seconds}",
            timeout=policy.message_max_seconds + session.limits.command_margin + 5)
    except (AgiHangup, AgiConnectionLost):
        hung_up = True   # the caller hung up while speaking: what they said is still a message
    caller = profile_callback_number(session.request.callerid, flow.profile)
    message_id = await messages.leave_message(extension=extension, queue=None if extension else queue, caller=caller,
                                              call_id=call_id, audio_path=f"{path}.{MESSAGE_FORMAT}", due_at=due_at)
    log.info("call %s: message %s recorded for %s", call_id, message_id, extension or f"queue {queue}")
    if hung_up or session.hung_up:
        return
    try:
        await flow._play(session, "message_saved")
        await flow._play(session, "goodbye")
        await session.hangup()
    except (AgiHangup, AgiConnectionLost):
        return   # the message is stored; a caller leaving before the goodbye is fine


class MessageFlow(PromptedFlow):
    """``await flow(session)`` on the ``unavailable`` route."""

    FALLBACK_SOUNDS = FALLBACK_SOUNDS

    def __init__(self, profile: PolicyProfile, prompts: PromptSet, messages: MessageDrop,
                 employees: EmployeeCompetences, publish: Publish | None = None) -> None:
        super().__init__(profile, prompts, publish)
        self.messages = messages
        self.employees = employees
        self._queues = {q.name for q in profile.queues}

    async def __call__(self, session: AgiSession) -> None:
        args = session.request.args
        extension = args[0] if args else ""
        if not _EXTENSION.match(extension):
            raise ValueError("unavailable needs the employee's extension as its first argument")
        call_id = await session.linkedid() or session.request.uniqueid
        await session.answer()
        choice = await session.stream_file(self.sound("employee_unavailable"), CHOICES,
                                           max_seconds=self._seconds("employee_unavailable"))
        rounds = 0
        while choice not in (LEAVE_MESSAGE, COLLEAGUE) and rounds < self.profile.flow.max_attempts:
            choice = await session.get_data(self.sound("message_options"), self.digit_timeout_ms, 1,
                                            prompt_seconds=self._seconds("message_options"))
            rounds += 1
        if choice == LEAVE_MESSAGE:
            await self._step(call_id, choice, "message")
            await self._take_message(session, extension, call_id)
            return
        queue = await self.colleague_queue(extension)
        log.info("call %s: employee %s unavailable, passed to queue %s", call_id, extension, queue)
        await self._step(call_id, choice or "", "colleague")
        await session.set_variable(VAR_QUEUE, queue)

    async def colleague_queue(self, extension: str) -> str:
        """The employee's first competence that is one of the profile's queues, else the default queue."""
        for queue in await self.employees.competences(extension):
            if queue in self._queues:
                return queue
        return self.profile.default_queue

    async def _take_message(self, session: AgiSession, extension: str, call_id: str | None) -> None:
        await take_message(self, session, self.messages, call_id, extension=extension)

    async def _step(self, call_id: str | None, choice: str, outcome: str) -> None:
        await self._record_step(call_id, IvrStep.UNAVAILABLE, choice, outcome)
