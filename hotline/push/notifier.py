"""Turns domain events into push messages: one method per message type, each saying who receives it.

Two bus subscribers feed it (see ``hotline.push.setup``): ``screen_pops`` (CallOffered, RingStarted,
CallStateChanged, CallbackAssigned) and ``live`` (everything supervisors watch). A screen pop goes out at once, from
what is in memory, and only to a phone whose agent has a socket open; the caller's history follows it as
``screen_pop_history``, looked up off the pop's path (``hotline.push.history``). Adding a message type is one
method here plus its event in the subscription table.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterable

from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import utcnow
from core.events import (
    AgentStateChanged,
    CallbackAssigned,
    CallbackResult,
    CallOffered,
    CallState,
    CallStateChanged,
    MessageLeft,
    PbxResynced,
    RingStarted,
    SlaAlert,
)
from core.policy import PolicyProfile
from hotline.push.history import HistoryLookups, Lookup
from hotline.push.hub import Audience, Client, Push, PushHub
from hotline.push.queue_view import MembersProvider, QueueView
from telephony import caller_of, follow_ups, previous_contacts

log = logging.getLogger(__name__)

# what each subscriber listens to (read by hotline.push.setup)
SCREEN_POP_EVENTS = (CallOffered, RingStarted, CallStateChanged, CallbackAssigned)
LIVE_EVENTS = (CallStateChanged, SlaAlert, AgentStateChanged, RingStarted, PbxResynced, MessageLeft, CallbackResult)

HISTORY_TIMEOUT = 1.0   # seconds the caller's history may take before the pop goes without it
AGE_OUT_EVERY = 10.0    # seconds without a change after which the queue view is checked against the tracker
AGE_OUT_GRACE = 30.0    # a call the tracker no longer has leaves the view once unchanged this long (its end event,
                        # if merely late, has long arrived by then)

LiveCalls = Callable[[], Iterable[tuple[str, CallState, str | None]]]


class PushNotifier:
    def __init__(self, hub: PushHub, engine: AsyncEngine, profile: PolicyProfile,
                 live_calls: LiveCalls | None = None, members: MembersProvider | None = None,
                 queue_state_interval: float = 0.5) -> None:
        self.hub = hub
        self.engine = engine
        self.queues = {q.name: q for q in profile.queues}
        self.country = profile.country
        self.view = QueueView({q.name: q.label for q in profile.queues}, members)
        self.live_calls = live_calls
        self.queue_state_interval = queue_state_interval   # at most 1 / interval queue_state messages a second
        self._callers: dict[str, str] = {}                 # call id -> caller number, while the call lasts
        self._queue_state_due = asyncio.Event()
        self.histories = HistoryLookups(self.screen_pop_history)
        hub.on_connect(self.greet)

    # -- bus subscribers -------------------------------------------------------------------------------------
    async def screen_pops(self, event) -> None:
        if isinstance(event, CallOffered):
            self._callers[event.call_id] = event.caller
        elif isinstance(event, RingStarted):
            self.screen_pop(event)
        elif isinstance(event, CallbackAssigned):
            await self.callback_assigned(event)
        elif isinstance(event, CallStateChanged) and event.state is CallState.ENDED:
            self._callers.pop(event.call_id, None)

    def live(self, event) -> None:
        if isinstance(event, CallStateChanged):
            self.view.call_state(event)
            self.call_state(event)
        elif isinstance(event, AgentStateChanged):
            self.view.agent_state(event)
        elif isinstance(event, RingStarted):
            self.view.ring_started(event)
        elif isinstance(event, SlaAlert):
            self.sla_alert(event)
            return
        elif isinstance(event, MessageLeft):
            self.message(event)
            return
        elif isinstance(event, CallbackResult):
            self.callback_result(event)
            return
        elif isinstance(event, PbxResynced) and self.live_calls is not None:
            self.view.resynced(self.live_calls(), event.at)
        self._queue_state_due.set()

    # -- one method per message --------------------------------------------------------------------------------
    def screen_pop(self, ring: RingStarted) -> None:
        """To the agent whose extension rings, at once: who calls and about what. Nobody's socket open for the
        extension: nothing to push, nothing to look up."""
        audience = Audience.agent(ring.extension) if ring.extension else None
        if audience is None or not self.hub.reaches(audience):
            return
        number = self._callers.get(ring.call_id)
        self.hub.publish(audience, Push("screen_pop", {
            "call_id": ring.call_id,
            "ring_id": ring.ring_id,
            "extension": ring.extension,
            "caller": number or None,
            **self._queue_fields(ring.queue),
        }, at=ring.at.isoformat(), personal=frozenset({"caller"})))
        self.histories.ask(ring.extension, Lookup(ring, number))

    async def screen_pop_history(self, lookup: Lookup) -> None:
        """To the same agent, after the pop: the caller's history with us (``_client_context``)."""
        ring = lookup.ring
        caller, context = await self._client_context(lookup.number, ring.call_id, ring.at,
                                                     f"screen pop history of call {ring.call_id}")
        self.hub.publish(Audience.agent(ring.extension), Push("screen_pop_history", {
            "call_id": ring.call_id, "ring_id": ring.ring_id, "extension": ring.extension,
            "caller": caller or None, **context,
        }, at=ring.at.isoformat(), personal=frozenset({"caller"})))

    async def _client_context(self, number: str | None, call_id: str, at,
                              what: str) -> tuple[str | None, dict[str, object]]:
        """The client's number (looked up in the store when ``number`` is None: a call from before this process)
        and their history with us: previous contacts, open callbacks, unread messages. The push matters more than
        its history: on a slow or failing database the three are null after ``HISTORY_TIMEOUT``."""
        context: dict[str, object] = {"previous_contacts": None, "open_callbacks": None, "messages": None}
        try:
            async with asyncio.timeout(HISTORY_TIMEOUT):
                if number is None:
                    number = await caller_of(self.engine, call_id) or ""
                context["previous_contacts"] = (await previous_contacts(self.engine, number, call_id, at)).as_json()
                context.update(await follow_ups(self.engine, number, self.country))
        except Exception as exc:
            log.warning("%s without history: %s", what, type(exc).__name__)
        return number, context

    def _queue_fields(self, name: str | None) -> dict[str, str | None]:
        # the IVR choice is the queue the caller picked: its label and topic
        queue = self.queues.get(name or "")
        return {"queue": name, "queue_label": queue.label if queue else None,
                "topic": queue.topic if queue else None}

    async def callback_assigned(self, event: CallbackAssigned) -> None:
        """To the agent the dialer is ringing for a callback: whom, why, since when, and the client's history
        (LT-2021 §12.15.1), so they are prepared before the client answers."""
        _, context = await self._client_context(event.number, event.call_id, event.at,
                                                f"callback_assigned of task {event.task_id}")
        self.hub.publish(Audience.agent(event.extension), Push("callback_assigned", {
            "task_id": event.task_id, "extension": event.extension, "number": event.number,
            "reasons": list(event.reasons), "requested_at": event.requested_at.isoformat(),
            "agreed_at": event.agreed_at.isoformat() if event.agreed_at else None, "note": event.note,
            "attempt": event.attempt, "call_id": event.call_id, "origin_call_id": event.origin_call_id,
            **self._queue_fields(event.queue),
            **context,
        }, at=event.at.isoformat(), personal=frozenset({"number"})))
        self.hub.publish(Audience.supervising(), Push("callback_dialing", {   # the callbacks page: now running
            "task_id": event.task_id, "extension": event.extension, "attempt": event.attempt,
            "call_id": event.call_id,
        }, at=event.at.isoformat()))

    def callback_result(self, event: CallbackResult) -> None:
        """To supervisors (the callbacks page) and the agent who made the try."""
        extensions = frozenset({event.extension}) if event.extension else frozenset()
        self.hub.publish(Audience(supervisors=True, extensions=extensions), Push("callback_result", {
            "task_id": event.task_id, "outcome": event.outcome, "state": event.state, "extension": event.extension,
            "call_id": event.call_id, "attempts": event.attempts,
        }, at=event.at.isoformat()))

    def call_state(self, event: CallStateChanged) -> None:
        if not self.hub.reaches(Audience.watching()):
            return
        self.hub.publish(Audience.watching(), Push("call_state", {
            "call_id": event.call_id, "state": event.state.value, "queue": event.queue, "target": event.target,
            "cause": event.cause.value if event.cause else None, "detail": event.detail,
        }, at=event.at.isoformat()))

    def sla_alert(self, event: SlaAlert) -> None:
        self.hub.publish(Audience.watching(), Push("sla_alert", {
            "kind": event.kind, "message": event.message, "extension": event.extension, "queue": event.queue,
        }, at=event.at.isoformat()))

    def message(self, event: MessageLeft) -> None:
        """To the employee the message is for (their softphone shows it), and to supervisors watching (alone when
        it was left for a queue on the closed line)."""
        extensions = frozenset({event.extension}) if event.extension else frozenset()
        self.hub.publish(Audience(supervisors=True, extensions=extensions), Push("message", {
            "message_id": event.message_id, "extension": event.extension, "queue": event.queue, "caller": event.caller,
            "caller_name": event.caller_name, "reason": event.reason, "has_audio": event.has_audio,
            "call_id": event.call_id, "callback_id": event.callback_id,
        }, at=event.at.isoformat(), personal=frozenset({"caller"})))

    def age_out_calls(self) -> bool:
        if self.live_calls is None:
            return False
        live = {call_id for call_id, _, _ in self.live_calls()}
        return self.view.age_out(live, utcnow(), dt.timedelta(seconds=AGE_OUT_GRACE))

    def queue_state(self) -> None:
        if self.hub.reaches(Audience.watching()):   # nobody watching: no snapshot (a new socket is greeted)
            self.hub.publish(Audience.watching(), self._queue_state_push())

    def greet(self, client: Client) -> Iterable[tuple[Audience, Push]]:
        """A new supervisor or wall-screen socket starts from the current picture instead of waiting for the next
        change (an agent's phone is not shown the queues: nothing to build)."""
        if client.wants(Audience.watching()):
            yield Audience.watching(), self._queue_state_push()

    def _queue_state_push(self) -> Push:
        now = utcnow()
        return Push("queue_state", self.view.snapshot(now), at=now.isoformat())

    # -- throttling ------------------------------------------------------------------------------------------
    async def run_queue_state(self) -> None:
        """Publish queue_state after changes, at most once per interval: a burst of events is one message. When
        nothing changes for ``AGE_OUT_EVERY`` seconds, calls the tracker no longer has are aged out."""
        while True:
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow the task's own cancellation
                # when the event is set at the same moment, and the service's stop would then wait for ever
                async with asyncio.timeout(AGE_OUT_EVERY):
                    await self._queue_state_due.wait()
            except TimeoutError:
                if not self.age_out_calls():
                    continue
            self._queue_state_due.clear()
            try:
                self.queue_state()
            except Exception:  # never let one bad snapshot stop the wallboards' updates
                log.exception("queue_state push failed")
            await asyncio.sleep(self.queue_state_interval)
