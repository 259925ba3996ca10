"""The callback offer (LT-2021 §12.16.3): a caller facing a long wait may hang up and be called back instead.

The dialplan runs this route just before ``Queue()`` with the queue's state as AGI arguments (queue name, callers
already waiting, members ready to take a call: logged in, not paused, not busy). When nobody is ready, or the
estimated wait (callers ahead x the profile's seconds per caller / ready members) exceeds
``callbacks.offer_after_seconds``, the caller hears the offer; key 1 accepts. The caller confirms the number they
call from (key 1) or keys in another one, checked for the profile's country (an invalid number: re-prompt, then
the caller politely stays in the queue). The task is stored through the ``CallbackRequests`` port, reason
``hold_refused``, due when the caller's turn would have come; the caller hears the confirmation and goodbye and the
flow hangs up. Declining (or any failure: the server's safety
net) leaves the call to the dialplan, which queues it. Numbers are never logged.

A caller already waiting in the queue may press 1 (queues.conf ``context``): the ``callback_request`` route
books the same way without the offer (``CallbackRequestFlow``).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from core.clock import utcnow
from core.dialplan import AGI_CALLBACK_OFFER_PATH, AGI_CALLBACK_REQUEST_PATH
from core.events import CallbackReason, IvrStep
from core.policy import PolicyProfile
from core.ports import CallbackRequests
from ivr_flows.agi_session import AgiSession
from ivr_flows.exceptions import AgiCommandFailed
from ivr_flows.prompted_flow import PromptedFlow, Publish
from ivr_flows.prompts import PromptSet

log = logging.getLogger(__name__)

ROUTE = AGI_CALLBACK_OFFER_PATH
REQUEST_ROUTE = AGI_CALLBACK_REQUEST_PATH
REASON = CallbackReason.HOLD_REFUSED
ACCEPT = "1"
# English core sounds when the profile's prompt is missing (the prompt builder had no text or no voice)
FALLBACK_SOUNDS = {
    "callback_offer": "vm-tocallback", "callback_confirm_number": "vm-tocallnum",
    "callback_enter_number": "vm-enter-num-to-call", "callback_invalid_number": "vm-pls-try-again",
    "callback_booked": "auth-thankyou", "goodbye": "vm-goodbye",
}


@dataclass(frozen=True)
class QueueSnapshot:
    """What the dialplan told us about the queue the caller is about to join."""

    queue: str
    waiting: int
    ready: int

    @classmethod
    def from_args(cls, args: tuple[str, ...]) -> QueueSnapshot:
        """``queue, waiting, ready`` as AGI arguments; a malformed count raises (the caller is then queued)."""
        if len(args) < 3:
            raise ValueError("callback_offer needs the arguments queue, waiting count, members ready to take a call")
        return cls(args[0], max(0, int(args[1] or 0)), max(0, int(args[2] or 0)))

    @classmethod
    def from_position_args(cls, args: tuple[str, ...]) -> QueueSnapshot:
        """``queue, position, ready`` (position 1 = next in line, empty = unknown: nobody counted ahead)."""
        if len(args) < 3:
            raise ValueError("callback_request needs the arguments queue, position, members ready to take a call")
        return cls(args[0], max(0, int(args[1] or 1) - 1), max(0, int(args[2] or 0)))


def estimated_wait(snapshot: QueueSnapshot, seconds_per_caller: float) -> float | None:
    """Seconds until the caller's turn; None when nobody is ready to answer at all."""
    if snapshot.ready == 0:
        return None
    return snapshot.waiting * seconds_per_caller / snapshot.ready


class CallbackOfferFlow(PromptedFlow):
    """``await flow(session)`` on the ``callback_offer`` route."""

    STEP = IvrStep.CALLBACK_OFFER
    FALLBACK_SOUNDS = FALLBACK_SOUNDS

    def __init__(self, profile: PolicyProfile, prompts: PromptSet, callbacks: CallbackRequests,
                 publish: Publish | None = None) -> None:
        super().__init__(profile, prompts, publish)
        self.callbacks = callbacks

    def should_offer(self, snapshot: QueueSnapshot) -> bool:
        wait = estimated_wait(snapshot, self.policy.seconds_per_waiting_caller)
        return wait is None or wait > self.policy.offer_after_seconds

    async def __call__(self, session: AgiSession) -> None:
        snapshot = QueueSnapshot.from_args(session.request.args)
        if not self.should_offer(snapshot):
            return
        call_id = await session.linkedid() or session.request.uniqueid
        await session.answer()
        key = await self._ask_on(session, "callback_offer", 1)
        if key != ACCEPT:
            await self._step(call_id, key, "declined")
            return
        await self._book(session, call_id, snapshot, key)

    async def _book(self, session: AgiSession, call_id: str | None, snapshot: QueueSnapshot, key: str) -> None:
        """Ask for the number, store the task due when the caller's turn would have come, say goodbye, hang up."""
        number = await self._number(session)
        if number is None:  # given up politely: the caller keeps waiting in the queue
            log.info("call %s: callback accepted but no valid number; queued", call_id)
            await self._step(call_id, key, "no_valid_number")
            return
        wait = estimated_wait(snapshot, self.policy.seconds_per_waiting_caller)
        due_at = utcnow() + dt.timedelta(seconds=wait or 0)   # when the caller's turn would have come
        task_id = await self.callbacks.request_callback(number, REASON, due_at=due_at, call_id=call_id,
                                                        queue=snapshot.queue)
        log.info("call %s: callback task %s booked for queue %s", call_id, task_id, snapshot.queue)
        await session.announce_callback_booked(task_id)
        await self._step(call_id, key, "booked")
        try:
            await self._play(session, "callback_booked")
            await self._play(session, "goodbye")
        except AgiCommandFailed:  # a prompt that will not play must not send a booked caller back to the queue
            log.warning("call %s: goodbye prompt failed; hanging up anyway", call_id)
        await session.hangup()

    async def _step(self, call_id: str | None, choice: str, outcome: str) -> None:
        await self._record_step(call_id, self.STEP, choice, outcome)


class CallbackRequestFlow(CallbackOfferFlow):
    """``await flow(session)`` on the ``callback_request`` route: a caller waiting in a queue pressed 1.

    The caller asked, so there is no offer and no threshold: straight to the number. Arguments: the queue, the
    caller's position when they left it (``QUEUEPOSITION``, 1 = next) and the members ready; the task is due
    when their turn would have come. No valid number: the flow returns and the dialplan queues the caller again.
    """

    STEP = IvrStep.CALLBACK_REQUEST

    async def __call__(self, session: AgiSession) -> None:
        snapshot = QueueSnapshot.from_position_args(session.request.args)
        call_id = await session.linkedid() or session.request.uniqueid
        await session.answer()
        await self._book(session, call_id, snapshot, ACCEPT)
