"""The callback dialer's loop: which due tasks go to which free agents, now (REQUIREMENTS §5, LT-2021 §12.12).

Every ``poll_seconds`` while the hotline is open (reading the database only when something may have become due:
``lookout``), the dialer claims as many due tasks as there are free agents who can take them (``claims.claim_due``
with ``Servable``: a task for a specific employee needs that employee free, a task for a competence needs a free
member of that queue), most urgent first, and runs one try of each
(``attempt.AttemptRunner``: agent first, then the client).

Exactly once: a try that was running when the service died is reconciled from the PBX on start, after every
reconnect, after a try that failed with an error, and every ``RECONCILE_EVERY`` seconds (``reconcile``): its
channel still up → followed to its end; gone → the result the dialplan kept in AstDB is recorded; no result → the
client was never dialled and the task is given back. No task is dialled twice and none is lost. A dialer renews
the claims of its running tries every ``CHECK_EVERY`` seconds; another instance takes over (and reconciles)
``dialing`` tasks whose claim went stale, so the tries of an instance that never comes back are not stuck. A try
concludes only itself (``claims.finish``: its dialer's claim and its call), so a late end after a takeover changes
nothing. Pacing: an agent has at most one try at a time, only agents the tracker shows ``available`` get one, a
number is dialled for one task at a time, and an agent who let a callback ring out rests for
``no_agent_retry_seconds``. Numbers are never logged.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from core.clock import utcnow
from core.events import AgentState
from core.policy import PolicyProfile
from telephony.callbacks.attempt import CHECK_EVERY, NO_AGENT, Attempt, AttemptRunner, DialerHooks, RunningTries
from telephony.callbacks.claims import (Servable, claim_due, dialing_tasks, next_due, release, renew_claims,
                                        take_over_stale)
from telephony.callbacks.escalation import escalate_overdue
from telephony.callbacks.lookout import Lookout
from telephony.callbacks.handlers import CallbackEventHandler
from telephony.callbacks.models import CallbackTask
from telephony.callbacks.notifier import CallbackNotifier
from telephony.callbacks.pbx import CallbackPbx
from telephony.callbacks.service import CallbackService

log = logging.getLogger(__name__)

STALE_AFTER = 3 * CHECK_EVERY   # a claim not renewed for this long belongs to a dialer that is gone
MIN_CONVERSATION_SECONDS = 60  # no try is started that the line's closing would cut shorter than this
RECONCILE_EVERY = 60.0          # seconds: our own `dialing` tasks that no try follows are settled at least this often


@dataclass(frozen=True)
class FreeAgent:
    extension: str
    queues: frozenset[str]


@dataclass(frozen=True)
class DialerConfig:
    """How this dialer works: its name among instances (stable across restarts: a restarted service finds the tries
    it left), the next moment the hotline is open (``core.calendar``), how often it checks whether to look for
    due tasks, and how often it looks anyway (``Lookout``)."""

    worker: str
    open_at: Callable[[dt.datetime], dt.datetime]
    poll_seconds: float = 1.0
    rescan_seconds: float = 10.0
    # the queues an employee is a member of (their competences): where their overdue tasks go (``escalation``)
    queues_of: Callable[[str], Iterable[str]] = lambda _extension: ()


def pick_agent(task: CallbackTask, free: Iterable[FreeAgent]) -> FreeAgent | None:
    """The free agent for ``task``: the employee it is addressed to, else a member of its queue, else anyone."""
    free = list(free)
    if task.extension:
        return next((agent for agent in free if agent.extension == task.extension), None)
    if task.queue:
        return next((agent for agent in free if task.queue in agent.queues), None)
    return free[0] if free else None


class CallbackDialer:
    def __init__(self, callbacks: CallbackService, pbx: CallbackPbx, profile: PolicyProfile,
                 free_agents: Callable[[], Iterable[FreeAgent]], notifier: CallbackNotifier,
                 config: DialerConfig) -> None:
        self.engine = callbacks.engine
        self.pbx = pbx
        self.worker = config.worker
        self.free_agents = free_agents
        self.open_at = config.open_at
        self.poll_seconds = config.poll_seconds
        self.profile, self.notifier, self.queues_of = profile, notifier, config.queues_of
        # the shortest try that can settle a task: the agent's ring, the client's ring, a minute of conversation
        self.try_length = dt.timedelta(seconds=profile.callbacks.agent_ring_seconds
                                       + profile.callbacks.client_ring_seconds + MIN_CONVERSATION_SECONDS)
        self.lookout = Lookout(config.rescan_seconds)
        callbacks.watch(self.lookout.changed)
        self.running = RunningTries()
        self.runner = AttemptRunner(callbacks, pbx, notifier, profile,
                                    DialerHooks(config.worker, config.open_at, self._rest))
        self.handler = CallbackEventHandler(pbx.ami, self.running, on_login=self.reconcile_soon)
        # an agent who let a callback ring out rests this long: not rung again for the next task at once
        self._resting_until: dict[str, dt.datetime] = {}
        self._spawned: set[asyncio.Task] = set()
        self._reconcile_due = asyncio.Event()
        self._loop_task: asyncio.Task | None = None

    @property
    def tries(self) -> dict[str, Attempt]:
        """The tries in progress, by call id."""
        return self.running.by_call_id

    # --- lifecycle ----------------------------------------------------------------------------------------
    def subscribe(self) -> None:
        self.handler.subscribe()

    def start(self) -> None:
        self._reconcile_due.set()   # tries of a previous run first
        self._loop_task = asyncio.create_task(self._loop(), name="callback-dialer")

    async def close(self) -> None:
        """Stop dialling. Running tries stay ``dialing``: the next start reconciles them from the PBX."""
        tasks = [task for task in (self._loop_task, *self._spawned) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def reconcile_soon(self) -> None:
        self._reconcile_due.set()

    def _rest(self, agent: str, until: dt.datetime) -> None:
        self._resting_until[agent] = until

    # --- the loop ------------------------------------------------------------------------------------------
    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_check = next_reconcile = loop.time()
        while True:
            try:
                if self.pbx.connected:
                    if loop.time() >= next_check:   # keep our claims fresh; take over those of a dead dialer
                        next_check = loop.time() + CHECK_EVERY
                        await self.renew_and_take_over()
                    if loop.time() >= next_reconcile:   # a try no one follows any more never hangs for long
                        next_reconcile = loop.time() + RECONCILE_EVERY
                        self._reconcile_due.set()
                        await self.escalate_overdue()
                    if self._reconcile_due.is_set():
                        self._reconcile_due.clear()
                        await self.reconcile()
                    await self.dial_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:   # the loop must outlive any round (database or PBX hiccup): try again
                log.error("callback dialer round failed: %s: %s", type(exc).__name__, exc)
            await asyncio.sleep(self.poll_seconds)

    async def dial_due(self, now: dt.datetime | None = None) -> list[int]:
        """Claim what the free agents can take now and start a try for each; the task ids started."""
        now = now or utcnow()
        ends_by = now + self.try_length
        if self.open_at(now) > now or self.open_at(ends_by) > ends_by:
            return []   # closed, or closing before a try could end: tasks due now wait for the next opening
        busy = self.running.agents()
        busy |= {extension for extension, until in self._resting_until.items() if until > now}
        free = [agent for agent in self.free_agents() if agent.extension not in busy]
        if not free:
            return []
        servable = Servable(frozenset(a.extension for a in free), frozenset(q for a in free for q in a.queues))
        if not self.lookout.worth_a_look(servable, now):
            return []
        self.lookout.looking()
        due = await next_due(self.engine, servable)
        self.lookout.looked(servable, now, due)
        if due is None or due > now:
            return []
        started = []
        for task in await claim_due(self.engine, now, len(free), self.worker, servable):
            agent = pick_agent(task, free)
            if agent is None:   # an earlier, more urgent task took the only agent who could serve this one
                await release(self.engine, task.id, now, "no_free_agent", worker=self.worker)
                self.lookout.changed()
                continue
            free.remove(agent)
            attempt = Attempt(task, agent.extension, f"cb-{uuid.uuid4().hex[:20]}")
            self.running.add(attempt)   # now: the agent counts as busy from this moment
            self._spawn(self._run(attempt, self.runner.run))
            started.append(task.id)
        return started

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.create_task(coroutine)
        self._spawned.add(task)
        task.add_done_callback(self._spawned.discard)

    async def _run(self, attempt: Attempt, step: Callable[[Attempt], Awaitable[None]]) -> None:
        try:
            await step(attempt)
        except asyncio.CancelledError:
            raise
        except Exception:
            # the task stays `dialing`: reconcile() settles it from the PBX at the next poll (followed if its call
            # is still up, else concluded from the result the dialplan kept)
            log.exception("callback task %s: try %s could not be completed", attempt.task.id, attempt.call_id)
            self._reconcile_due.set()
        finally:
            self.running.forget(attempt)
            self.lookout.changed()   # the task may be due again (a retry), its agent free for another

    async def escalate_overdue(self, now: dt.datetime | None = None) -> int:
        """Addressed tasks whose employee was never free go to their competence's queue (``escalation``)."""
        now = now or utcnow()
        overdue = dt.timedelta(seconds=self.profile.callbacks.escalate_addressed_after_seconds)
        escalated = await escalate_overdue(self.engine, now, overdue, self.queues_of, self.profile.default_queue)
        for task, employee in escalated:
            await self.notifier.escalated(task, employee, now)
        if escalated:
            self.lookout.changed()
        return len(escalated)

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
        alive = await self.pbx.live_channels()
        for task in orphans:
            if task.dial_call_id and task.dial_call_id in alive:   # still ringing or talking: follow it
                attempt = Attempt(task, task.agent or "", task.dial_call_id)
                self.running.add(attempt)
                self._spawn(self._run(attempt, self.runner.follow))
                continue
            kept = await self.pbx.kept_result(task.dial_call_id) if task.dial_call_id else None
            await self.runner.conclude(Attempt(task, task.agent or "", task.dial_call_id or ""), kept or NO_AGENT)
        log.info("callback dialer %s reconciled %d try(s) left from before", self.worker, len(orphans))
        return len(orphans)


def queues_of_agents(snapshot: Callable[[], Iterable]) -> Callable[[str], tuple[str, ...]]:
    """The queues an employee is a member of (their competences), over ``AgentTracker.snapshot``."""
    def queues(extension: str) -> tuple[str, ...]:
        return next((tuple(view.queues) for view in snapshot() if view.extension == extension), ())
    return queues


def free_agents_of(snapshot: Callable[[], Iterable]) -> Callable[[], list[FreeAgent]]:
    """``free_agents`` over ``AgentTracker.snapshot``: agents whose state is ``available``."""
    def free() -> list[FreeAgent]:
        return [FreeAgent(view.extension, frozenset(view.queues)) for view in snapshot()
                if view.state is AgentState.AVAILABLE]
    return free
