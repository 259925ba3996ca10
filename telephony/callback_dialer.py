"""The callback dialer, agent first (REQUIREMENTS §5, LT-2021 §12.12, §12.15.1, §12.25).

Every ``poll_seconds`` while the hotline is open, the dialer claims as many due tasks as there are free agents
who can take them (``callback_claims.claim_due`` with ``Servable``: a task for a specific employee needs that
employee free, a task for a competence needs a free member of that queue), most urgent first. For each task it:

1. notes the call id of the try and its agent on the task (``start_try``): a restarted service finds the try by it;
2. publishes ``CallbackAssigned`` (the agent's softphone shows why and when the client called, their history);
3. rings the agent with AMI ``Originate`` of the agent's queue interface (``Local/<ext>@agent-reach``), the call id
   as its ChannelId; once the agent answers, the dialplan (``hotline-callback``) dials the client;
4. learns the end from the PBX: ``OriginateResponse`` failure (the agent did not answer: the client was never
   dialled, so the task is given back without counting a try) or the ``HotlineCallbackResult`` UserEvent with the
   client's DialStatus (answered, busy, no answer, failed), recorded with the produced call (``finish``). A task
   that runs out of tries is ``failed`` and supervisors get an ``SlaAlert`` (kind ``callback_failed``). A callback
   conversation that dropped on the client's side (a failure hangup cause on their leg) is owed another call: a new
   ``dropped`` task (LT-2021 §12.25: whoever called whom).

Exactly once: a try that was running when the service died is reconciled from the PBX on start and after every
reconnect (``reconcile``): its channel still up → followed to its end; gone → the result the dialplan kept in AstDB
(``hotline-callback/<call id>``) is recorded; no result → the client was never dialled and the task is given back.
No task is dialled twice and none is lost. A dialer renews the claims of its running tries every ``CHECK_EVERY``
seconds; another instance takes over (and reconciles) ``dialing`` tasks whose claim went stale, so the tries of
an instance that never comes back are not stuck. Pacing: an agent has at most one try at a time, and only agents the
tracker shows ``available`` get one. Numbers are personal data: never logged.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from core import dialplan
from core.events import (AgentState, CallbackAssigned, CallbackResult, CallDirection, CallOffered, CallState, CallStateChanged,
                         DomainEvent, EndCause, SlaAlert, utcnow)
from core.policy import PolicyProfile
from core.ports import AmiPort, CallbackRequests
from telephony.callback_claims import (CallbackOutcome, Servable, claim_due, dialing_tasks, finish, release,
                                       renew_claims, start_try, take_over_stale)
from telephony.callbacks import CallbackReason, CallbackService, CallbackState, CallbackTask
from telephony.ami_time import event_time
from telephony.channel_names import leg_of
from telephony.hangup_causes import is_failure, parse_cause

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
STALE_AFTER = 3 * CHECK_EVERY   # a claim not renewed for this long belongs to a dialer that is gone


@dataclass(frozen=True)
class FreeAgent:
    extension: str
    queues: frozenset[str]


@dataclass
class _Try:
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


def pick_agent(task: CallbackTask, free: Iterable[FreeAgent]) -> FreeAgent | None:
    """The free agent for ``task``: the employee it is addressed to, else a member of its queue, else anyone."""
    free = list(free)
    if task.extension:
        return next((agent for agent in free if agent.extension == task.extension), None)
    if task.queue:
        return next((agent for agent in free if task.queue in agent.queues), None)
    return free[0] if free else None


class CallbackDialer:
    def __init__(self, engine: AsyncEngine, ami: AmiPort, profile: PolicyProfile, *, worker: str,
                 free_agents: Callable[[], Iterable[FreeAgent]], publish: Callable[[DomainEvent], Awaitable[None]],
                 agent_interface: Callable[[str], str], open_at: Callable[[dt.datetime], dt.datetime],
                 requests: CallbackRequests | None = None, poll_seconds: float = 1.0) -> None:
        self.engine = engine
        self.requests = requests or CallbackService(engine)   # new tasks (a callback conversation that dropped)
        self.ami = ami
        self.profile = profile
        self.policy = profile.callbacks
        self.worker = worker
        self.free_agents = free_agents
        self.publish = publish
        self.agent_interface = agent_interface
        self.open_at = open_at            # the next moment the hotline is open (core.calendar)
        self.poll_seconds = poll_seconds
        self.tries: dict[str, _Try] = {}  # by call id (the agent leg's Uniqueid)
        self._by_client_leg: dict[str, _Try] = {}
        # an agent who let a callback ring out rests this long: not rung again for the next task at once
        self._resting_until: dict[str, dt.datetime] = {}
        self._running: set[asyncio.Task] = set()
        self._reconcile_due = asyncio.Event()
        self._loop_task: asyncio.Task | None = None

    # --- lifecycle ----------------------------------------------------------------------------------------
    def subscribe(self) -> None:
        self.ami.on_event(self.on_event)
        self.ami.on_connected(self.on_connected)

    def start(self) -> None:
        self._reconcile_due.set()   # tries of a previous run first
        self._loop_task = asyncio.create_task(self._loop(), name="callback-dialer")

    async def close(self) -> None:
        """Stop dialling. Running tries stay ``dialing``: the next start reconciles them from the PBX."""
        tasks = [task for task in (self._loop_task, *self._running) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- AMI -----------------------------------------------------------------------------------------------
    def on_event(self, event: Mapping) -> None:
        name = event.get("Event")   # every AMI event comes here: only dict lookups unless a try is running
        if name == "Hangup":
            if not self._by_client_leg:
                return
            attempt = self._by_client_leg.get(leg_of(str(event.get("Channel", ""))))
            if attempt is not None and attempt.client_cause is None:
                attempt.client_cause = parse_cause(event.get("Cause"))
        elif name == "DialBegin":
            attempt = self.tries.get(str(event.get("Uniqueid", "")))
            if attempt is not None:   # the agent answered and the dialplan dials the client
                attempt.client_leg = leg_of(str(event.get("DestChannel", "")))
                attempt.client_dialled_at = event_time(event)
                self._by_client_leg[attempt.client_leg] = attempt
        elif name == "DialEnd":
            attempt = self.tries.get(str(event.get("Uniqueid", "")))
            if attempt is not None and event.get("DialStatus") == "ANSWER":
                attempt.client_answered_at = event_time(event)
        elif name == "OriginateResponse":
            attempt = self.tries.get(str(event.get("Uniqueid", "")))
            if attempt is not None and event.get("Response") != "Success":
                attempt.end(NO_AGENT)
        elif name == "UserEvent" and event.get("UserEvent") == dialplan.USEREVENT_CALLBACK_RESULT:
            attempt = self.tries.get(str(event.get("Uniqueid", "")))
            if attempt is not None:
                attempt.end(str(event.get("DialStatus") or CLIENT_NOT_DIALLED))

    async def on_connected(self, reconnect: bool) -> None:
        self._reconcile_due.set()   # not here: this runs in the AMI dispatch task, which must not wait on us

    # --- the loop ------------------------------------------------------------------------------------------
    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_check = loop.time()
        while True:
            try:
                if self.ami.connected:
                    if loop.time() >= next_check:   # keep our claims fresh; take over those of a dead dialer
                        next_check = loop.time() + CHECK_EVERY
                        await self.renew_and_take_over()
                    if self._reconcile_due.is_set():
                        self._reconcile_due.clear()
                        await self.reconcile()
                    await self.dial_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:   # a database or PBX hiccup: the next round tries again
                log.error("callback dialer round failed: %s: %s", type(exc).__name__, exc)
            await asyncio.sleep(self.poll_seconds)

    async def dial_due(self, now: dt.datetime | None = None) -> list[int]:
        """Claim what the free agents can take now and start a try for each; the task ids started."""
        now = now or utcnow()
        if self.open_at(now) > now:
            return []   # closed: tasks due now wait for the next opening
        busy = {attempt.agent for attempt in self.tries.values()}
        busy |= {extension for extension, until in self._resting_until.items() if until > now}
        free = [agent for agent in self.free_agents() if agent.extension not in busy]
        if not free:
            return []
        servable = Servable(frozenset(a.extension for a in free), frozenset(q for a in free for q in a.queues))
        started = []
        for task in await claim_due(self.engine, now, len(free), self.worker, servable):
            agent = pick_agent(task, free)
            if agent is None:   # an earlier, more urgent task took the only agent who could serve this one
                await release(self.engine, task.id, now, "no_free_agent")
                continue
            free.remove(agent)
            attempt = _Try(task, agent.extension, f"cb-{uuid.uuid4().hex[:20]}")
            self.tries[attempt.call_id] = attempt   # now: the agent counts as busy from this moment
            self._spawn(self._dial(attempt))
            started.append(task.id)
        return started

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.create_task(coroutine)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    # --- one try -------------------------------------------------------------------------------------------
    async def _dial(self, attempt: _Try) -> None:
        task, agent, call_id = attempt.task, attempt.agent, attempt.call_id
        try:
            await start_try(self.engine, task.id, call_id, agent)
            await self._record_call(attempt, utcnow())
            await self.publish(CallbackAssigned(
                at=utcnow(), task_id=task.id, extension=agent, number=task.number, reasons=task.reasons,
                call_id=call_id, origin_call_id=task.call_id, queue=task.queue, requested_at=task.created_at,
                attempt=task.attempts, agreed_at=task.agreed_at, note=task.note))
            try:
                await self.ami.action(self._originate(task, agent, call_id))
            except Exception as exc:   # refused or AMI gone: nothing rang, the client was not dialled
                log.warning("callback task %s: Originate failed (%s)", task.id, type(exc).__name__)
                attempt.end(NO_AGENT)
            await self._conclude(attempt, await self._wait_end(attempt))
        except asyncio.CancelledError:
            raise
        except Exception:
            # the task stays `dialing`; reconcile() settles it from the PBX on the next connect or start
            log.exception("callback task %s: try %s could not be completed", task.id, call_id)
        finally:
            self._forget(attempt)

    def _forget(self, attempt: _Try) -> None:
        self.tries.pop(attempt.call_id, None)
        self._by_client_leg.pop(attempt.client_leg, None)

    def _originate(self, task: CallbackTask, agent: str, call_id: str) -> dict:
        return {
            "Action": "Originate", "Channel": self.agent_interface(agent),
            "Context": dialplan.CONTEXT_CALLBACK, "Exten": task.number, "Priority": "1",
            "CallerID": f'"Callback" <{self.profile.public_number}>',
            "Timeout": str(self.policy.agent_ring_seconds * 1000), "Async": "true", "ChannelId": call_id,
            "Variable": [f"{dialplan.VAR_CALLBACK_TASK}={task.id}",
                         f"{dialplan.VAR_CALLBACK_CLI}={self.profile.public_number}",
                         f"{dialplan.VAR_CLIENT_RING}={self.policy.client_ring_seconds}"],
        }

    async def _wait_end(self, attempt: _Try) -> str:
        """The try's end; if its events were lost (AMI reconnect), its channel's absence tells instead."""
        while True:
            with contextlib.suppress(TimeoutError):
                return await asyncio.wait_for(asyncio.shield(attempt.ended), CHECK_EVERY)
            if self.ami.connected and not await self._channel_alive(attempt.call_id):
                await asyncio.sleep(1.0)   # the UserEvent of a channel that just ended may still be on its way
                if not attempt.ended.done():
                    attempt.end(await self._kept_result(attempt.call_id) or NO_AGENT)

    async def _conclude(self, attempt: _Try, dial_status: str) -> None:
        task, now = attempt.task, utcnow()
        if dial_status in (NO_AGENT, CLIENT_NOT_DIALLED):
            retry_at = now + dt.timedelta(seconds=self.policy.no_agent_retry_seconds)
            self._resting_until[attempt.agent] = retry_at
            state = await release(self.engine, task.id, retry_at, NO_AGENT, call_id=attempt.call_id)
            outcome, attempts = NO_AGENT, max(task.attempts - 1, 0)
        else:
            outcome = DIAL_STATUS_OUTCOMES.get(dial_status, CallbackOutcome.FAILED).value
            state = await finish(self.engine, task.id, outcome, policy=self.policy, now=now,
                                 call_id=attempt.call_id, open_at=self.open_at)
            attempts = task.attempts
        cause = attempt.end_cause(outcome)
        if attempt.call_id:
            await self._forget_kept_result(attempt.call_id)
            await self._record_end(attempt, outcome, cause, now)
        await self.publish(CallbackResult(at=now, task_id=task.id, outcome=outcome, state=state,
                                          extension=attempt.agent, call_id=attempt.call_id, attempts=attempts))
        if cause is EndCause.DROPPED:
            # the conversation dropped on the client's side: they are owed another call (§12.25, whoever called)
            await self.requests.request_callback(task.number, CallbackReason.DROPPED.value, due_at=self.open_at(now),
                                                 call_id=attempt.call_id, queue=task.queue)
        if state == CallbackState.FAILED:
            await self.publish(SlaAlert(
                at=now, kind="callback_failed", extension=attempt.agent, queue=task.queue,
                message=f"Callback task {task.id} failed after {attempts} tries ({', '.join(task.reasons)})"))

    # --- the produced call, in the call store (direction outbound) -----------------------------------------
    async def _record_call(self, attempt: _Try, at: dt.datetime, *, offered_state: bool = True) -> None:
        attempt.recorded = True
        await self.publish(CallOffered(at=at, call_id=attempt.call_id, caller=attempt.task.number,
                                       dialed=self.profile.public_number, channel=self.agent_interface(attempt.agent),
                                       direction=CallDirection.OUTBOUND))
        if offered_state:
            await self.publish(CallStateChanged(at=at, call_id=attempt.call_id, state=CallState.OFFERED))

    async def _record_end(self, attempt: _Try, outcome: str, cause: EndCause, now: dt.datetime) -> None:
        """The try's call history: the client's phone rang, they answered, how it ended (a try taken back after a
        restart publishes its offer again; the store keeps the first)."""
        if not attempt.recorded:   # the store keeps the first run's row; this one only makes sure it exists
            await self._record_call(attempt, now, offered_state=False)
        call_id, agent = attempt.call_id, attempt.agent or None
        if attempt.client_dialled_at is not None:
            await self.publish(CallStateChanged(at=attempt.client_dialled_at, call_id=call_id,
                                                state=CallState.RINGING, target=agent))
        if attempt.client_answered_at is not None:
            await self.publish(CallStateChanged(at=attempt.client_answered_at, call_id=call_id,
                                                state=CallState.ANSWERED, target=agent))
        await self.publish(CallStateChanged(at=now, call_id=call_id, state=CallState.ENDED, target=agent,
                                            cause=cause, detail=outcome))

    # --- reconciliation ------------------------------------------------------------------------------------
    async def renew_and_take_over(self, now: dt.datetime | None = None) -> int:
        """Renew the claims of our running tries, then claim the stale ``dialing`` tasks of dialers that stopped
        renewing theirs; the number taken over (they are reconciled next, from the PBX)."""
        now = now or utcnow()
        await renew_claims(self.engine, [attempt.task.id for attempt in self.tries.values()], self.worker, now)
        taken = await take_over_stale(self.engine, self.worker, now - dt.timedelta(seconds=STALE_AFTER), now)
        if taken:
            self._reconcile_due.set()
        return len(taken)

    async def reconcile(self) -> int:
        """Settle this worker's ``dialing`` tasks that no running try follows (left by a previous run, or whose
        try gave up); the number settled or adopted."""
        orphans = [task for task in await dialing_tasks(self.engine, self.worker)
                   if task.dial_call_id not in self.tries]
        if not orphans:
            return 0
        alive = await self._live_channels()
        for task in orphans:
            if task.dial_call_id and task.dial_call_id in alive:   # still ringing or talking: follow it
                attempt = _Try(task, task.agent or "", task.dial_call_id)
                self.tries[attempt.call_id] = attempt
                self._spawn(self._follow(attempt))
                continue
            kept = await self._kept_result(task.dial_call_id) if task.dial_call_id else None
            await self._conclude(_Try(task, task.agent or "", task.dial_call_id or ""), kept or NO_AGENT)
        log.info("callback dialer %s reconciled %d try(s) left from before", self.worker, len(orphans))
        return len(orphans)

    async def _follow(self, attempt: _Try) -> None:
        try:
            await self._conclude(attempt, await self._wait_end(attempt))
        finally:
            self._forget(attempt)

    async def _live_channels(self) -> set[str]:
        return {str(event.get("Uniqueid")) for event in await self.ami.action_list({"Action": "CoreShowChannels"})}

    async def _channel_alive(self, call_id: str) -> bool:
        return call_id in await self._live_channels()

    async def _kept_result(self, call_id: str) -> str | None:
        """The client's DialStatus the dialplan kept in AstDB for this call, if it ended."""
        try:
            events = await self.ami.action_list({"Action": "DBGet", "Family": dialplan.ASTDB_CALLBACK_FAMILY,
                                                 "Key": call_id})
        except Exception:   # "Database entry not found": the agent leg never reached the dialplan
            return None
        values = [str(event.get("Val")) for event in events if event.get("Val") is not None]
        return values[0] if values else None

    async def _forget_kept_result(self, call_id: str) -> None:
        with contextlib.suppress(Exception):   # absent, or AMI down: a stale key is harmless
            await self.ami.action({"Action": "DBDel", "Family": dialplan.ASTDB_CALLBACK_FAMILY, "Key": call_id})


def free_agents_of(snapshot: Callable[[], Iterable]) -> Callable[[], list[FreeAgent]]:
    """``free_agents`` over ``AgentTracker.snapshot``: agents whose state is ``available``."""
    def free() -> list[FreeAgent]:
        return [FreeAgent(view.extension, frozenset(view.queues)) for view in snapshot()
                if view.state is AgentState.AVAILABLE]
    return free
