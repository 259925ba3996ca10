"""Builds the IVR for the composition root: prompts, the step writer, and every FastAGI route: the menu flow
(``ivr``), the callback offer before the queue and while waiting in it (``callback_offer``, ``callback_request``),
the employee-unavailable flow (``unavailable``: a message or a colleague of the same competence), the queue that
could not take the caller (``queue_failed``) and the closed line (``closed``: the hours, a message or a callback).

The flows reach the rest of the system only through core's ports (:class:`IvrPorts`). ``setup`` must run before
the bus starts (it subscribes the step writer); ``start``/``stop`` open and close the FastAGI listener on
``settings.agi_host:agi_port``.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.db import is_transient_error
from core.deps import Dependencies
from core.dialplan import AGI_IVR_PATH
from core.events import IvrStepRecorded
from core.ports import AgentAvailability, CallbackRequests, EmployeeCompetences, MessageDrop, RecordingMute
from ivr_flows import agent_feature, callback_offer, closed_flow, message_flow, queue_failed
from ivr_flows.agi_server import AgiServer
from ivr_flows.flows import MenuFlow
from ivr_flows.preverify import PreVerifications
from ivr_flows.prompts import PromptBuilder, PromptSet, SoundsDirs
from ivr_flows.step_store import IvrStepWriter


@dataclass(frozen=True)
class IvrPorts:
    """What the flows ask of other capabilities: callback tasks, messages, who has which competence, the
    agents' own availability changes (feature codes), and muting a call's recording during digit entry."""

    callbacks: CallbackRequests
    messages: MessageDrop
    competences: EmployeeCompetences
    agents: AgentAvailability
    recording: RecordingMute


@dataclass
class IvrFlows:
    server: AgiServer
    flow: MenuFlow
    prompts: PromptSet
    preverifications: PreVerifications
    steps: IvrStepWriter
    host: str
    port: int

    async def start(self) -> None:
        await self.server.start(self.host, self.port)

    async def stop(self) -> None:
        await self.server.stop()

    async def close(self) -> None:
        """After the bus drained: the IVR steps still buffered are written."""
        await self.steps.close()


def prompt_texts(deps: Dependencies) -> dict[str, str]:
    return deps.profile.prompts.model_dump()


async def setup(deps: Dependencies, sounds: SoundsDirs, ports: IvrPorts) -> IvrFlows:
    prompts = await PromptBuilder(sounds, deps.profile.language).build(prompt_texts(deps))
    preverifications = PreVerifications()
    flow = MenuFlow(deps.profile, prompts, deps.bus.publish, preverifications, ports.recording)
    server = AgiServer.from_settings(deps.settings)
    server.add_route(AGI_IVR_PATH, flow)
    add_callback_routes(server, deps, prompts, ports)
    server.add_route(agent_feature.ROUTE, agent_feature.AgentFeatureFlow(ports.agents))
    steps = IvrStepWriter(deps.engine)
    deps.bus.subscribe("ivr_steps", steps.write, IvrStepRecorded, durable=True, retry=is_transient_error)
    return IvrFlows(server, flow, prompts, preverifications, steps, deps.settings.agi_host, deps.settings.agi_port)


def add_callback_routes(server: AgiServer, deps: Dependencies, prompts: PromptSet, ports: IvrPorts) -> None:
    """The routes that book callbacks and take messages (``callback_offer``, ``callback_request``, ``unavailable``,
    ``queue_failed``, ``closed``)."""
    publish = deps.bus.publish
    server.add_route(callback_offer.ROUTE, callback_offer.CallbackOfferFlow(deps.profile, prompts, ports.callbacks,
                                                                            publish))
    server.add_route(callback_offer.REQUEST_ROUTE, callback_offer.CallbackRequestFlow(deps.profile, prompts,
                                                                                      ports.callbacks, publish))
    server.add_route(message_flow.ROUTE, message_flow.MessageFlow(deps.profile, prompts, ports.messages,
                                                                  ports.competences, publish))
    server.add_route(queue_failed.ROUTE, queue_failed.QueueFailedFlow(deps.profile, prompts, ports.callbacks, publish))
    server.add_route(closed_flow.ROUTE, closed_flow.ClosedFlow(deps.profile, prompts, ports.messages, ports.callbacks,
                                                               publish))
