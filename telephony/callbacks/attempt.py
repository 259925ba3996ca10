"""One try of a callback task, agent first (REQUIREMENTS §5, LT-2021 §12.12, §12.15.1, §12.25).

A try (:class:`Attempt`) is run by :class:`AttemptRunner`:

1. it notes the call id of the try and its agent on the task (``start_try``): a restarted service finds it by this;
2. it publishes ``CallbackAssigned`` (the agent's softphone shows why and when the client called, their history);
3. it rings the agent (AMI ``Originate`` of the agent's queue interface, the call id as its ChannelId); once the
   agent answers, the dialplan (``hotline-callback``) dials the client;
4. it learns the end from the PBX (``handlers``): ``OriginateResponse`` failure (the agent did not answer: the
   client was never dialled, so the task is given back without counting a try) or the ``HotlineCallbackResult``
   UserEvent with the client's DialStatus, recorded with the produced call (``finish``). A task that runs out of
   tries is ``failed`` and supervisors are alerted. A conversation cut on the client's side (a failure hangup cause
   on their leg) is owed another call: a new ``dropped`` task (LT-2021 §12.25: whoever called whom).

If the try's events were lost (AMI reconnect), the absence of its channel tells the end instead, with the result
the dialplan kept in AstDB. Numbers are personal data: never logged.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from core.clock import utcnow
from core.events import CallbackReason, CallbackState, EndCause
from core.policy import PolicyProfile
from core.ports import PBX_ERRORS
from telephony.ami.causes import is_failure
from telephony.callbacks.claims import CallbackOutcome, finish, release, start_try
from telephony.callbacks.models import CallbackTask
from telephony.callbacks.notifier import CallbackNotifier
from telephony.callbacks.pbx import CallbackPbx
from telephony.callbacks.service import CallbackService

log = logging.getLogger(__name__)

# the client's DialStatus (hotline-callback dialplan) -> the try's outcome; anything else is "failed"
DIAL_STATUS_OUTCOMES = {
    "ANSWER": CallbackOutcome.ANSWERED,
    "BUSY": CallbackOutcome.BUSY,
    "NOANSWER": CallbackOutcome.NO_ANSWER,
    "CANCEL": CallbackOutcome.NO_ANSWER,   # the agent gave up while the client's phone rang
}
CLIENT_NOT_DIALLED = "NONE"   # the dialplan's DialStatus when the agent hung up before the client was dialled
NO_AGENT = "no_agent"         # outcome of a try whose agent never answered: not a try at the client
CHECK_EVERY = 30.0            # seconds between liveness checks of a running try (events may have been lost)


@dataclass
class Attempt:
    task: CallbackTask
    agent: str
    call_id: str
    ended: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    client_leg: str = ""              # the client's channel (both Local halves), from the agent leg's DialBegin
    client_cause: int | None = None   # the first hangup cause on the client's leg: a failure = the call dropped
    client_dialled_at: dt.datetime | None = None
    client_answered_at: dt.datetime | None = None
    recorded: bool = False            # its CallOffered is published (a try taken back after a restart: not yet)

    def end_cause(self, outcome: str) -> EndCause:
        """How the produced call ended: answered and then cut on the client's side is ``dropped``."""
        if outcome != CallbackOutcome.ANSWERED:
            return EndCause.UNANSWERED   # nobody answered: the agent (no_agent) or the client (busy, ...)
        return EndCause.DROPPED if is_failure(self.client_cause) else EndCause.COMPLETED

    def end(self, dial_status: str) -> None:
        """The client's DialStatus, ``CLIENT_NOT_DIALLED``, or ``NO_AGENT``; the first word counts."""
        if not self.ended.done():
            self.ended.set_result(dial_status)


class RunningTries:
    """The tries in progress, by call id (the agent leg's Uniqueid) and by the client's leg once it is dialled."""

    def __init__(self) -> None:
        self.by_call_id: dict[str, Attempt] = {}
        self.by_client_leg: dict[str, Attempt] = {}

    def add(self, attempt: Attempt) -> None:
        self.by_call_id[attempt.call_id] = attempt

    def client_dialled(self, attempt: Attempt, leg: str, at: dt.datetime) -> None:
        attempt.client_leg, attempt.client_dialled_at = leg, at
        self.by_client_leg[leg] = attempt

    def forget(self, attempt: Attempt) -> None:
        self.by_call_id.pop(attempt.call_id, None)
        self.by_client_leg.pop(attempt.client_leg, None)

    def agents(self) -> set[str]:
        return {attempt.agent for attempt in self.by_call_id.values()}


@dataclass(frozen=True)
class DialerHooks:
    """What a try needs of its dialer: its name, when the line is open next, and how to rest an agent who did not
    answer (``rest(agent, until)``)."""

    worker: str
    open_at: Callable[[dt.datetime], dt.datetime]
    rest: Callable[[str, dt.datetime], None]


class AttemptRunner:
    """Runs one try to its end, or follows (and concludes) one found running or ended after a restart."""

    def __init__(self, callbacks: CallbackService, pbx: CallbackPbx, notifier: CallbackNotifier,
                 profile: PolicyProfile, dialer: DialerHooks) -> None:
        self.callbacks = callbacks
        self.worker = dialer.worker       # the dialer's name: a try concludes only while its claim is ours
        self.engine = callbacks.engine
        self.pbx = pbx
        self.notifier = notifier
        self.profile = profile
        self.policy = profile.callbacks
        self.open_at = dialer.open_at     # the next moment the hotline is open (core.calendar)
        self.rest = dialer.rest

    async def run(self, attempt: Attempt) -> None:
        task, agent, call_id = attempt.task, attempt.agent, attempt.call_id
        await start_try(self.engine, task.id, call_id, agent)
        await self.record_call(attempt, utcnow())
        await self.notifier.assigned(attempt.task, agent, call_id, utcnow())
        try:
            await self.pbx.originate(task, agent, call_id)
        except PBX_ERRORS as exc:   # refused or AMI gone: nothing rang, the client was not dialled
            log.warning("callback task %s: Originate failed (%s)", task.id, type(exc).__name__)
            attempt.end(NO_AGENT)
        await self.follow(attempt)

    async def follow(self, attempt: Attempt) -> None:
        await self.conclude(attempt, await self.wait_end(attempt))

    async def wait_end(self, attempt: Attempt) -> str:
        """The try's end; if its events were lost (AMI reconnect), its channel's absence tells instead."""
        while True:
            with contextlib.suppress(TimeoutError):
                return await asyncio.wait_for(asyncio.shield(attempt.ended), CHECK_EVERY)
            if self.pbx.connected and not await self.pbx.channel_alive(attempt.call_id):
                await asyncio.sleep(1.0)   # the UserEvent of a channel that just ended may still be on its way
                if not attempt.ended.done():
                    attempt.end(await self.pbx.kept_result(attempt.call_id) or NO_AGENT)

    async def conclude(self, attempt: Attempt, dial_status: str) -> None:
        task, now = attempt.task, utcnow()
        if dial_status in (NO_AGENT, CLIENT_NOT_DIALLED):
            retry_at = now + dt.timedelta(seconds=self.policy.no_agent_retry_seconds)
            self.rest(attempt.agent, retry_at)
            state = await release(self.engine, task.id, retry_at, NO_AGENT, call_id=attempt.call_id,
                                  worker=self.worker, give_up_after=self.policy.max_no_agent_releases)
            outcome, attempts = NO_AGENT, max(task.attempts - 1, 0)
        else:
            outcome = DIAL_STATUS_OUTCOMES.get(dial_status, CallbackOutcome.FAILED).value
            state = await finish(self.engine, task.id, outcome, policy=self.policy, now=now,
                                 call_id=attempt.call_id, worker=self.worker, open_at=self.open_at)
            attempts = task.attempts
        cause = attempt.end_cause(outcome)
        if attempt.call_id:
            await self.pbx.forget_kept_result(attempt.call_id)
            await self.record_end(attempt, outcome, cause, now)
        await self.notifier.result(task, attempt.agent, attempt.call_id, outcome, state, attempts, now)
        if cause is EndCause.DROPPED:
            # the conversation dropped on the client's side: they are owed another call (§12.25, whoever called)
            await self.callbacks.request_callback(task.number, CallbackReason.DROPPED, due_at=self.open_at(now),
                                                  call_id=attempt.call_id, queue=task.queue)
        if state == CallbackState.FAILED:
            await self.notifier.failed(task, attempt.agent, attempts, now,
                                       no_agent=outcome == NO_AGENT)

    # --- the produced call, in the call store (direction outbound) -----------------------------------------
    async def record_call(self, attempt: Attempt, at: dt.datetime, *, offered_state: bool = True) -> None:
        attempt.recorded = True
        await self.notifier.call_offered(attempt.call_id, attempt.task.number, self.profile.public_number,
                                         self.pbx.interface(attempt.agent), at, offered_state=offered_state)

    async def record_end(self, attempt: Attempt, outcome: str, cause: EndCause, now: dt.datetime) -> None:
        """The try's call history: the client's phone rang, they answered, how it ended (a try taken back after a
        restart publishes its offer again; the store keeps the first)."""
        if not attempt.recorded:   # the store keeps the first run's row; this one only makes sure it exists
            await self.record_call(attempt, now, offered_state=False)
        await self.notifier.call_progress(attempt.call_id, attempt.agent or None, attempt.client_dialled_at,
                                          attempt.client_answered_at)
        await self.notifier.call_ended(attempt.call_id, attempt.agent or None, cause, outcome, now)
