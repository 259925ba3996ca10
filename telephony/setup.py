"""Builds the call model from the shared dependencies (called by the composition root)."""
from __future__ import annotations

from dataclasses import dataclass

from core.deps import Dependencies
from core.dialplan import CONTEXT_FROM_PSTN, CONTEXT_PUBLIC
from core.events import CallOffered, CallRelinked, CallStateChanged, RingEnded
from telephony.agent_setup import AgentServices, setup_agents
from telephony.call_queries import load_open_calls
from telephony.call_store import CallStoreWriter
from telephony.call_tracker import CallTracker
from telephony.handlers import CallEventHandler
from telephony.rings import RingMeter

# a call counts as ours once a channel is in one of these (adopted calls may already be past from-pstn)
INBOUND_CONTEXTS = (CONTEXT_FROM_PSTN, CONTEXT_PUBLIC)


@dataclass
class Telephony:
    tracker: CallTracker
    handler: CallEventHandler
    writer: CallStoreWriter
    rings: RingMeter | None = None
    agents: AgentServices | None = None

    async def close(self) -> None:
        await self.handler.close()
        if self.agents is not None:
            await self.agents.close()
        await self.writer.close()


async def setup(deps: Dependencies) -> Telephony:
    tracker = CallTracker(INBOUND_CONTEXTS)
    for call in await load_open_calls(deps.engine):
        tracker.restore(call.call_id, call.linkedid, call.state, call.queue)
    writer = CallStoreWriter(deps.engine)
    # rings go through the call writer: a ring row refers to its call, and one ordered writer keeps that valid
    deps.bus.subscribe("call_store", writer, CallOffered, CallStateChanged, CallRelinked, RingEnded, durable=True)
    rings = RingMeter(tracker, deps.profile.ring_sla)
    agents = setup_agents(deps)
    handler = CallEventHandler(deps.ami, tracker, deps.bus, observers=[rings, *agents.observers])
    handler.subscribe()
    return Telephony(tracker, handler, writer, rings=rings, agents=agents)
