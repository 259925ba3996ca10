"""The queue could not take the caller (REQUIREMENTS §5, LT-2021 §12.12): never cut a caller off in silence.

The dialplan runs this route when ``Queue()`` returned without anyone answering: nobody could take calls
(JOINEMPTY, LEAVEEMPTY: every member paused or logged out), the wait ran out with no overflow left (TIMEOUT), or
there is no such queue. Before it, the dialplan's ``HotlineQueueFailed`` UserEvent tells the call model, so the
call ends ``unanswered`` with its queue, never ``abandoned``, and the callback detector owes the caller a
``missed`` callback on the number they call from.

The caller hears an apology and that they will be called back on their number; key 1 keys in another number
(or, when their number cannot be called back, they are asked for one at once), booked here as a ``missed`` task
of that queue. A caller who does nothing keeps the callback the call's end asks for. Arguments: the queue and
``QUEUESTATUS``. Numbers are personal data: never logged.
"""
from __future__ import annotations

import logging

from core.clock import utcnow
from core.dialplan import AGI_QUEUE_FAILED_PATH
from core.events import CallbackReason, IvrStep
from core.phone_numbers import profile_callback_number
from core.policy import PolicyProfile
from core.ports import CallbackRequests
from ivr_flows.agi_session import AgiSession
from ivr_flows.exceptions import AgiCommandFailed
from ivr_flows.prompted_flow import PromptedFlow, Publish
from ivr_flows.prompts import PromptSet

log = logging.getLogger(__name__)

ROUTE = AGI_QUEUE_FAILED_PATH
ANOTHER_NUMBER = "1"
FALLBACK_SOUNDS = {
    "queue_unavailable": "vm-sorry", "queue_unavailable_offer": "vm-tocallnum",
    "callback_enter_number": "vm-enter-num-to-call", "callback_invalid_number": "vm-pls-try-again",
    "callback_booked": "auth-thankyou", "goodbye": "vm-goodbye",
}


class QueueFailedFlow(PromptedFlow):
    """``await flow(session)`` on the ``queue_failed`` route."""

    FALLBACK_SOUNDS = FALLBACK_SOUNDS

    def __init__(self, profile: PolicyProfile, prompts: PromptSet, callbacks: CallbackRequests,
                 publish: Publish | None = None) -> None:
        super().__init__(profile, prompts, publish)
        self.callbacks = callbacks

    async def __call__(self, session: AgiSession) -> None:
        args = session.request.args
        queue = args[0] if args and args[0] else None
        call_id = await session.linkedid() or session.request.uniqueid
        log.info("call %s: queue %s could not take the caller (%s)", call_id, queue, args[1] if len(args) > 1 else "")
        await session.answer()
        await self._play(session, "queue_unavailable")
        caller_id = profile_callback_number(session.request.callerid, self.profile)
        key = ""
        if caller_id is not None:
            key = await self._ask_on(session, "queue_unavailable_offer", 1)
        if caller_id is None or key == ANOTHER_NUMBER:
            number = await self._keyed_number(session)
            if number is not None:
                task_id = await self.callbacks.request_callback(number, CallbackReason.MISSED, due_at=utcnow(),
                                                                call_id=call_id, queue=queue)
                log.info("call %s: callback task %s booked on a keyed-in number", call_id, task_id)
                await session.announce_callback_booked(task_id)
                await self._record_step(call_id, IvrStep.QUEUE_FAILED, key, "booked")
                await self._goodbye(session, "callback_booked", call_id)
                return
        # the caller's own number (or none at all): the call's end asks for the missed callback
        await self._record_step(call_id, IvrStep.QUEUE_FAILED, key, "declined")
        await self._goodbye(session, "goodbye", call_id)

    async def _goodbye(self, session: AgiSession, key: str, call_id: str | None) -> None:
        try:
            await self._play(session, key)
        except AgiCommandFailed:   # a prompt that will not play must not keep the caller on the line
            log.warning("call %s: goodbye prompt failed; hanging up anyway", call_id)
        await session.hangup()
